/**
 * Parser for iptables-save / iptables-restore input (IPv4 and IPv6): `*table` blocks, chain
 * declarations with policies and counters, rule commands with `[pkts:bytes]` prefixes, COMMIT,
 * comments. Mirrors iptables-restore's line handling, including what it rejects (CRLF line
 * endings, text before the first table, a missing COMMIT).
 *
 * Parsing is incremental for the usual keystroke: an edit inside one rule line parses that line
 * only (saveEdit.ts). Any other change parses the text again: reading rules into rows (RuleRows)
 * costs less than taking the previous parse's results line by line did.
 */
import type { Command, Diagnostic, Family, ParsedDocument, Ruleset, Span, Table, Token } from '../model';
import { isBuiltinTable } from '../model';
import { MAX_CHAIN_NAME } from '../registry/argtypes';
import { RulesetBuilder } from './builder';
import { declAt } from './chain';
import { FastRule, FastRuleContext, RuleRows } from './fastRule';
import { countersEnd, splitRestoreLine } from './restoreTokens';
import { type LineResult, NO_DIAGNOSTICS, parseRuleLine } from './ruleLine';
import { type EditBase, parseLineEdit, type TextChange } from './saveEdit';
import { endOfLines, parseRuleAt, parseRuleFast } from './shapes';

/** What a `:NAME POLICY [p:b]` line declares. */
type ChainDecl = NonNullable<LineResult['chain']>;

export type { LineResult };

/** State kept between parses of one document for the incremental path. */
export interface SaveParseCache {
  /**
   * Per rule line: its parse result (a fast-lane rule is its own result), except for the rules
   * read into rows (see RuleRows). Read with cachedLine. (Chain lines leave none: the one-line
   * edit path takes rule lines only.) Sparse: written only where a line has a result, so that a
   * file read into rows (a kube-proxy dump: a handful of entries) keeps no array as long as the
   * file.
   */
  lines: (LineResult | FastRule | undefined)[];
  /** The number of lines of the text. */
  lineCount: number;
  /**
   * Per line read into rows: its row + 1 in the rows of its table (one of `rows`), else 0. (Not an
   * entry in `lines`: writing 80k pointers there costs the garbage collector more.)
   */
  rowOfLine?: Int32Array;
  rows?: RuleRows[];
  nextRuleId: number;
  /** The rulesets of that parse (a one-line edit shares what it leaves alone, see saveEdit). */
  rulesets?: Partial<Record<Family, Ruleset>>;
  /** What a one-line edit of that parse's text can be applied to (see saveEdit.ts). */
  edit?: EditBase;
  /**
   * Set when that parse took the one-line edit path: the rule line it replaced (0-based), and
   * whether that line ended with a backslash before or after the edit. Every other line of the
   * text is as it was. (Not the lines themselves: they would keep the older text alive.)
   */
  lineEdit?: { line: number; trailingBackslash: boolean };
  /** The family that parse guessed from the text (undefined when it was given). */
  guessedFamily?: Family;
}

export interface SaveParseOptions {
  family?: Family;
  cache?: SaveParseCache;
  /** The change from the cached parse's text to this one, when the caller knows it. */
  change?: TextChange;
  /**
   * Whether rule lines may take the fast lane (default true). Its rules build their details on
   * demand from their line; callers that rewrite spans in place need plain objects.
   */
  fast?: boolean;
}

export interface SaveParseResult extends ParsedDocument {
  cache: SaveParseCache;
}

/** How much of the text detectSaveFamily reads. */
const FAMILY_SAMPLE = 200_000;

/** Guesses the family of iptables-save text: the header, then IPv6-only syntax in rules. */
export function detectSaveFamily(text: string): Family {
  const head = text.slice(0, 4096);
  if (/^#.*ip6tables-save/m.test(head)) return 6;
  if (/^#.*iptables-save/m.test(head)) return 4;
  const sample = text.length > FAMILY_SAMPLE ? text.slice(0, FAMILY_SAMPLE) : text;
  if (/(?:^|\s)-[sd]\s+!?\s*[0-9a-fA-F]*:[0-9a-fA-F:.]*[:/]/m.test(sample)) return 6;
  if (/ipv6-icmp|icmpv6|--icmpv6-type|-m\s+(?:rt|frag|hbh|dst|ipv6header|mh|eui64)\b/.test(sample)) return 6;
  return 4;
}

export function parseSave(text: string, options: SaveParseOptions = {}): SaveParseResult {
  const prev = options.cache;
  const change = options.change;
  // The family guessed from the text depends on its start only: an edit further on keeps it.
  const guessed =
    options.family === undefined &&
    prev?.guessedFamily !== undefined &&
    prev.edit !== undefined &&
    change !== undefined &&
    prev.edit.text.length - change.removed + change.inserted.length === text.length &&
    change.offset >= FAMILY_SAMPLE &&
    prev.edit.text.length > FAMILY_SAMPLE &&
    text.length > FAMILY_SAMPLE
      ? prev.guessedFamily
      : undefined;
  const family = options.family ?? guessed ?? detectSaveFamily(text);
  const guessedFamily = options.family === undefined ? family : undefined;
  if (prev?.edit) {
    const r = parseLineEdit(text, family, prev, change);
    if (r) {
      r.cache.guessedFamily = guessedFamily;
      return r;
    }
  }
  const builder = new RulesetBuilder('save');
  const diagnostics: Diagnostic[] = [];
  // Where each line starts (and, one past the last line, the text's length + 1), as text.split
  // would cut it (a final line break ends the last line rather than starting an empty one).
  const lineStarts = lineStartsOf(text);
  const lineCount = lineStarts.length - 1;
  const fast = options.fast !== false;
  // Rule lines are read in place into rows (parseRuleAt).
  const inPlace = fast;
  const cache: SaveParseCache = {
    lines: [],
    lineCount,
    rowOfLine: inPlace ? new Int32Array(lineCount) : undefined,
    rows: inPlace ? [] : undefined,
    nextRuleId: prev?.nextRuleId ?? 1,
  };
  const nextRuleId = () => cache.nextRuleId++;
  /** Takes a fast-lane rule as line `ln`'s command (an append: nothing else to report). */
  const takeFast = (ln: number, rule: FastRule) => {
    cache.lines[ln] = rule;
    builder.apply(rule);
  };
  /** Takes row r of `rows` as line `ln`'s command (likewise). */
  const takeRow = (ln: number, rows: RuleRows, r: number, t: Table) => {
    (cache.rowOfLine as Int32Array)[ln] = r + 1;
    builder.appendRow(t, rows, r);
  };

  let table: Table | undefined;
  let tableName = '';
  /** The rows the rules read in place in the current table go to (see parseRuleAt). */
  let fastRows: RuleRows | undefined;
  let crlfReported = false;
  let lastLine = 0;
  // For the one-line edit path: where each line starts, the line each diagnostic comes from,
  // and whether every command appends (then a rule's place depends on nothing else).
  const diagLine: number[] = [];
  let onlyAppends = true;

  // The last line ends before a final line break.
  const lastEnd = text.length > 0 && text.charCodeAt(text.length - 1) === 10 ? text.length - 1 : text.length;
  for (let ln = 0; ln < lineCount; ln++) {
    const start = lineStarts[ln];
    const end = ln + 1 < lineCount ? lineStarts[ln + 1] - 1 : lastEnd;
    while (diagLine.length < diagnostics.length) diagLine.push(ln - 1);
    if (fastRows !== undefined && table !== undefined && end > start) {
      const c = text.charCodeAt(start);
      if ((c === 45 /* - */ || c === 91) /* [ */ && text.charCodeAt(end - 1) !== 13) {
        const r = parseRuleAt(fastRows, start, end, ln, nextRuleId);
        if (r >= 0) {
          lastLine = ln;
          takeRow(ln, fastRows, r, table);
          continue;
        }
      } else if (c === 58 /* : */ && text.charCodeAt(end - 1) !== 13) {
        if (declareAt(builder, table, text, start, ln)) {
          lastLine = ln;
          continue;
        }
      }
    }
    let raw = text.slice(start, end);
    if (raw.length === 0) continue;
    if (raw.charCodeAt(raw.length - 1) === 13) {
      // iptables-restore keeps the \r as part of the line's last word. Whether that breaks the
      // line depends on the word: "*nat\r", "COMMIT\r", ":FORWARD DROP\r" or "-j ACCEPT\r" fail,
      // ":INPUT ACCEPT [0:0]\r" or "--comment x\r" load. Report the first line that breaks.
      raw = raw.slice(0, -1);
      if (!crlfReported && crlfBreaks(raw, tableName, family)) {
        crlfReported = true;
        diagnostics.push({
          code: 'crlf-line-ending',
          severity: 'error',
          message:
            'Windows (CRLF) line endings: iptables-restore keeps the carriage return in the last word of the line, which makes this line invalid. Save the file with LF line endings.',
          span: { line: ln, character: 0, endLine: ln, endCharacter: raw.length },
          data: { crlf: true },
        });
      }
    }
    const first = raw.charCodeAt(0);
    if (first === 35 /* # */) continue;
    if (raw.length === 0) continue;
    if ((first === 32 || first === 9) && /^[ \t]+$/.test(raw)) {
      // An empty line is skipped, but one of spaces or tabs is a command line without a command.
      diagnostics.push({
        code: 'whitespace-line',
        severity: 'error',
        message: table
          ? 'a line of only spaces or tabs: iptables-restore refuses it ("no command specified"); make it empty or remove it'
          : 'a line of only spaces or tabs: iptables-restore refuses it ("line failed"); make it empty or remove it',
        span: { line: ln, character: 0, endLine: ln, endCharacter: raw.length },
      });
      continue;
    }
    lastLine = ln;

    if (first === 42 /* * */) {
      const name = raw.slice(1).split(/[ \t]/)[0];
      const sp: Span = { line: ln, character: 0, endLine: ln, endCharacter: raw.length };
      if (table) {
        diagnostics.push({
          code: 'missing-commit',
          severity: 'error',
          message: `table ${tableName} is not closed with COMMIT before *${name} starts`,
          span: table.declSpan ?? sp,
          data: { table: tableName, insertLine: ln },
        });
      }
      if (!isBuiltinTable(name)) {
        diagnostics.push({
          code: 'unknown-table',
          severity: 'error',
          message: `unknown table "${name}" (tables are raw, mangle, nat, filter, security)`,
          span: { line: ln, character: 1, endLine: ln, endCharacter: 1 + name.length },
          data: { table: name },
        });
        table = undefined;
        tableName = '';
        continue;
      }
      table = builder.startTable(family, name, sp);
      tableName = name;
      fastRows?.fit();
      // At most one row per line that is left.
      fastRows = inPlace ? new RuleRows(new FastRuleContext(text, name, family), lineCount - ln) : undefined;
      if (fastRows !== undefined) cache.rows?.push(fastRows);
      continue;
    }
    const commit = first === 67 /* C */ && raw.startsWith('COMMIT');
    if (commit && raw.length > 6 && /^COMMIT\s+$/.test(raw)) {
      diagnostics.push({
        code: 'bad-commit',
        severity: 'error',
        message:
          'COMMIT must stand alone on its line: with trailing spaces iptables-restore reads it as a command ("Bad argument `COMMIT\'")',
        span: { line: ln, character: 6, endLine: ln, endCharacter: raw.length },
      });
    }
    if (commit && (raw.length === 6 || /^COMMIT\s*$/.test(raw))) {
      if (table) {
        fastRows?.fit();
        table.committed = true;
        table = undefined;
        tableName = '';
      } else {
        diagnostics.push({
          code: 'rule-outside-table',
          severity: 'error',
          message: 'COMMIT outside a table (no *table line before it)',
          span: { line: ln, character: 0, endLine: ln, endCharacter: raw.length },
        });
      }
      continue;
    }
    if (!table) {
      diagnostics.push({
        code: 'rule-outside-table',
        severity: 'error',
        message: 'text outside a table: iptables-restore expects *table first (comments must start with #)',
        span: { line: ln, character: 0, endLine: ln, endCharacter: raw.length },
      });
      continue;
    }
    if (first === 58 /* : */) {
      const res = parseChainLine(raw, ln, tableName, family);
      for (let d = 0; d < res.diagnostics.length; d++) builder.diagnostics.push(res.diagnostics[d]);
      if (res.chain) declare(builder, table, res.chain);
      continue;
    }

    // A rule command, possibly with a [pkts:bytes] prefix.
    let res: LineResult;
    if (fast && (first === 45 /* - */ || first === 91) /* [ */) {
      const r = parseRuleFast(raw, ln, tableName, family, nextRuleId);
      if (r instanceof FastRule) {
        // Read into rows too, with its object (made anyway), so that its chain can stay rows.
        if (fastRows !== undefined) takeRow(ln, fastRows, fastRows.adopt(r, start), table);
        else takeFast(ln, r);
        continue;
      }
      res = r;
    } else res = parseRuleLine(raw, ln, tableName, family, nextRuleId);
    cache.lines[ln] = res;
    for (let d = 0; d < res.diagnostics.length; d++) diagnostics.push(res.diagnostics[d]);
    if (res.command?.op !== 'append') onlyAppends = false;
    if (res.command) builder.apply(res.command);
  }
  endOfLines();
  fastRows?.fit();
  while (diagLine.length < diagnostics.length) diagLine.push(lineCount - 1);
  if (table) {
    diagnostics.push({
      code: 'missing-commit',
      severity: 'error',
      message: `table ${tableName} is never closed with COMMIT: iptables-restore discards it ("COMMIT expected")`,
      span: table.declSpan ?? { line: lastLine, character: 0, endLine: lastLine, endCharacter: 0 },
      data: { table: tableName, insertLine: lastLine + 1 },
    });
  }
  // (Settles the chains declared in place first: names declared twice are reported then, so
  // the builder's findings are put back in line order.)
  const rulesets = builder.rulesets;
  const found = builder.diagnostics;
  let ordered = true;
  for (let i = 1; i < found.length && ordered; i++) ordered = found[i - 1].span.line <= found[i].span.line;
  if (!ordered) found.sort((a, b) => a.span.line - b.span.line);
  for (const d of found) diagnostics.push(d);
  cache.rulesets = rulesets;
  cache.edit = { text, family, onlyAppends, diagnostics, diagLine, lineStarts, fast };
  cache.guessedFamily = guessedFamily;
  return saveResult(rulesets, diagnostics, lineCount, cache);
}

/**
 * The result of a parse, its commands made on first use. Made here rather than where the parse
 * is: a getter written inside the parse would keep every variable its closures share alive with
 * the result (the builder and its lists, the scratch of the lines).
 */
export function saveResult(
  rulesets: SaveParseResult['rulesets'],
  diagnostics: Diagnostic[],
  lineCount: number,
  cache: SaveParseCache,
): SaveParseResult {
  const commands = new CommandList(cache);
  return {
    form: 'save',
    rulesets,
    get commands() {
      return commands.list;
    },
    diagnostics,
    lineCount,
    cache,
  };
}

/** Line `ln`'s parse result in `cache` (a rule read into rows: the row's rule, made on use). */
export function cachedLine(cache: SaveParseCache, ln: number): LineResult | FastRule | undefined {
  const v = cache.lines[ln];
  if (v !== undefined) return v;
  const r = (cache.rowOfLine?.[ln] ?? 0) - 1;
  if (r < 0) return undefined;
  for (const rows of cache.rows ?? []) if (r < rows.count && rows.line[r] === ln) return rows.ruleAt(r);
  return undefined;
}

/**
 * The commands of a parse in line order (every line's command), made on first use: the rules read
 * into rows have no object until then.
 */
export class CommandList {
  private made: Command[] | undefined;

  constructor(private readonly cache: SaveParseCache) {}

  get list(): Command[] {
    if (this.made !== undefined) return this.made;
    const out: Command[] = [];
    for (let ln = 0; ln < this.cache.lineCount; ln++) {
      const v = cachedLine(this.cache, ln);
      if (v === undefined) continue;
      if (v instanceof FastRule) out.push(v);
      else if (v.command) out.push(v.command);
    }
    this.made = out;
    return out;
  }
}

/**
 * Where each line of `text` starts, then text.length + 1: the lines text.split('\n') gives, less
 * the empty one after a final line break.
 */
function lineStartsOf(text: string): Int32Array {
  let starts = new Int32Array(1024);
  let n = 0;
  let at = 0;
  for (;;) {
    if (n + 2 > starts.length) {
      const grown = new Int32Array(starts.length * 2);
      grown.set(starts);
      starts = grown;
    }
    starts[n++] = at;
    const nl = text.indexOf('\n', at);
    if (nl < 0) break;
    at = nl + 1;
    if (at === text.length) break;
  }
  starts[n] = text.length + 1;
  return starts.slice(0, n + 1);
}

const COUNTERS_RE = /^\[[0-9]+:[0-9]+\]$/;

/** The policy word raw[from..to) when it is `-`, ACCEPT or DROP (as a shared string), else undefined. */
function policyAt(raw: string, from: number, to: number): string | undefined {
  const len = to - from;
  if (len === 1) return raw.charCodeAt(from) === 45 ? '-' : undefined;
  if (len === 6) return raw.startsWith('ACCEPT', from) ? 'ACCEPT' : undefined;
  if (len === 4) return raw.startsWith('DROP', from) ? 'DROP' : undefined;
  return undefined;
}

/**
 * A clean `:NAME POLICY [p:b]` line parsed the complete way: one object that is both the line's
 * result and its declaration.
 */
class ChainLine implements LineResult, ChainDecl {
  readonly diagnostics = NO_DIAGNOSTICS;
  readonly declSpan: Span;

  constructor(
    readonly text: string,
    readonly table: string,
    readonly family: Family,
    readonly name: string,
    readonly policy: string,
    line: number,
    /** Where the name ends in the line (the blank before the policy). */
    private readonly nameEnd: number,
  ) {
    this.declSpan = { line, character: 0, endLine: line, endCharacter: nameEnd };
  }

  get chain(): ChainDecl {
    return this;
  }

  get policySpan(): Span {
    const from = this.nameEnd + 1;
    const line = this.declSpan.line;
    return { line, character: from, endLine: line, endCharacter: from + this.policy.length };
  }
}

/** Declares a chain line's chain (the policy's span only matters for a policy other than "-"). */
function declare(builder: RulesetBuilder, table: Table, decl: ChainDecl): void {
  builder.declareChain(table, decl.name, decl.policy, decl.declSpan, decl.policy === '-' ? undefined : decl.policySpan);
}

/**
 * The usual `:NAME POLICY [p:b]` line (single blanks, nothing quoted or tabbed, a valid policy,
 * exact counters: what parseChainLine reads without splitting) read in place in a text:
 * text[start..] up to a line break or the text's end. The name must have at most 28 characters
 * too (MAX_CHAIN_NAME), which the caller checks: a counted repetition would cost V8 a counter per
 * character.
 */
export const CHAIN_LINE = /:[^ \t"\n]+ (?:-|ACCEPT|DROP) \[\d+:\d+\](?=\n|$)/y;

/**
 * Declares the chain of line `ln`, text[start..], when it is the usual line CHAIN_LINE reads (no
 * object is made for the line, and the chain's span only when asked: a kube-proxy file declares
 * tens of thousands of chains). Returns whether it was.
 */
function declareAt(builder: RulesetBuilder, table: Table, text: string, start: number, ln: number): boolean {
  CHAIN_LINE.lastIndex = start;
  if (!CHAIN_LINE.test(text)) return false;
  const sp1 = text.indexOf(' ', start + 1);
  const nameEnd = sp1 - start;
  if (nameEnd > MAX_CHAIN_NAME + 1) return false;
  const sp2 = text.indexOf(' ', sp1 + 1);
  const policy = policyAt(text, sp1 + 1, sp2) as string;
  const policySpan =
    policy === '-' ? undefined : { line: ln, character: nameEnd + 1, endLine: ln, endCharacter: sp2 - start };
  builder.declareInPlace(table, text, start + 1, nameEnd - 1, policy, declAt(ln, nameEnd), policySpan);
  return true;
}

function parseChainLine(raw: string, ln: number, table: string, family: Family): LineResult {
  // The usual `:NAME POLICY [p:b]` (single spaces, nothing quoted) without splitting words.
  const sp1 = raw.indexOf(' ', 1);
  const sp2 = sp1 < 0 ? -1 : raw.indexOf(' ', sp1 + 1);
  if (
    sp1 > 1 &&
    sp1 <= 29 &&
    sp2 > sp1 + 1 &&
    raw.indexOf(' ', sp2 + 1) < 0 &&
    raw.indexOf('"') < 0 &&
    raw.indexOf('\t') < 0 &&
    // Exactly `[digits:digits]` to the end (what COUNTERS_RE accepts), without a slice.
    countersEnd(raw, sp2 + 1) === raw.length
  ) {
    const policy = policyAt(raw, sp1 + 1, sp2);
    if (policy !== undefined) return new ChainLine(raw, table, family, raw.slice(1, sp1), policy, ln, sp1);
  }
  const diagnostics: Diagnostic[] = [];
  const result = (chain?: ChainDecl): LineResult => ({
    text: raw,
    table,
    family,
    chain,
    diagnostics: diagnostics.length > 0 ? diagnostics : NO_DIAGNOSTICS,
  });
  const { tokens } = splitRestoreLine(raw, ln, 1);
  const nameTok = tokens[0];
  const fullSpan: Span = { line: ln, character: 0, endLine: ln, endCharacter: raw.length };
  if (!nameTok || raw[1] === ' ' || raw[1] === '\t') {
    diagnostics.push({
      code: 'bad-chain-line',
      severity: 'error',
      message: 'chain declaration without a name',
      span: fullSpan,
    });
    return result();
  }
  if (nameTok.text.length > 28) {
    diagnostics.push({
      code: 'bad-chain-name',
      severity: 'error',
      message: `invalid chain name "${nameTok.text}": longer than 28 characters`,
      span: nameTok.span,
    });
    return result();
  }
  const policyTok: Token | undefined = tokens[1];
  if (!policyTok) {
    diagnostics.push({
      code: 'bad-chain-line',
      severity: 'error',
      message: `no policy specified for chain ${nameTok.text} (write ACCEPT/DROP for built-in chains, - for user-defined ones)`,
      span: fullSpan,
    });
    return result();
  }
  const pol = policyTok.text;
  const declSpan: Span = { line: ln, character: 0, endLine: ln, endCharacter: nameTok.endCharacter };
  const policySpan = policyTok.span;
  if (pol !== '-' && pol !== 'ACCEPT' && pol !== 'DROP') {
    diagnostics.push({
      code: 'bad-policy',
      severity: 'error',
      message: `bad policy "${pol}" for chain ${nameTok.text}: use ACCEPT or DROP (built-in chains) or - (user-defined chains)`,
      span: policySpan,
      data: { policy: pol },
    });
  }
  const counters = tokens[2];
  if (counters && !COUNTERS_RE.test(counters.text)) {
    // iptables-restore ignores chain counters unless run with -c (which then rejects these).
    diagnostics.push({
      code: 'bad-counters',
      severity: 'warning',
      message: `malformed counters "${counters.text}" (expected [packets:bytes]): ignored, but iptables-restore -c would reject them`,
      span: counters.span,
    });
  }
  return result({ name: nameTok.text, policy: pol, declSpan, policySpan });
}

/**
 * Whether the carriage return at the end of a CRLF line makes iptables-restore refuse the line
 * (the \r stays in the line's last word).
 */
function crlfBreaks(line: string, table: string, family: Family): boolean {
  if (/^\s*$/.test(line) || line[0] === '#') return false;
  if (line[0] === '*' || /^COMMIT\s*$/.test(line)) return true;
  if (line[0] === ':') {
    // ":NAME POLICY [p:b]\r": the counters absorb it. ":NAME POLICY\r": the policy is broken
    // (for a user chain "-\r" legacy refuses and nft ignores it: one refusal makes it an error).
    return (
      line
        .slice(1)
        .trim()
        .split(/[ \t]+/).length < 3
    );
  }
  if (!table) return false;
  const errors = (r: LineResult) => r.diagnostics.filter((d) => d.severity === 'error').length;
  const withCr = parseRuleLine(`${line}\r`, 0, table, family, () => 0);
  if (errors(withCr) > errors(parseRuleLine(line, 0, table, family, () => 0))) return true;
  // A jump to "NAME\r" parses as a jump to a chain; iptables refuses that name.
  const target = withCr.command?.rule?.target;
  return !!target && /[\r\n]/.test(target.name);
}
