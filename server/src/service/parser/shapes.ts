/**
 * The save parser's fast lane. Machine-written rulesets (kube-proxy, Docker, firewalld, libvirt)
 * repeat a few command shapes thousands of times: the same option words in the same order, with
 * other values. The first line of a shape is parsed the complete way (ruleLine.ts); when it is a
 * clean append (no diagnostic at all), what that parse learned is kept as a Plan: how many words
 * the line has, which are option words (and must be exactly those), and which are values, each
 * with the argument type it was checked as. Later lines of the shape are split into words without
 * allocating, recognised by a hash of their shape, and only their values are checked, with the
 * same argument parsers. A line that is not exactly a clean instance of a known shape goes the
 * complete way, so the diagnostics are the same either way (the tests compare both lanes on the
 * corpus); the rules of the fast lane build their details on demand (fastRule.ts).
 *
 * What makes a shape: option words (`-...`) and `!` verbatim; the word after `-p`/`--protocol` and
 * `-m`/`--match` verbatim (they decide which options follow); the word after `-j`/`--jump`
 * verbatim when it names a target extension (its options follow), otherwise (a chain) a value;
 * every other word is a value. A plan is only made when the line wrote those options in full (an
 * abbreviation such as `--proto` would be read by the parser as `-p` but not here).
 */
import type { Family, OptionUse, Rule } from '../model';
import { MAX_CHAIN_NAME, parseArg } from '../registry/argtypes';
import { findTarget, LONGEST_TARGET_NAME } from '../registry/index';
import type { ArgSpec } from '../registry/types';
import { checkChainTarget } from './command';
import { FastRule, FastRuleContext, type RuleRows } from './fastRule';
import { type LinePatterns, lineRegex } from './lineRegex';
import { countersEnd, MAX_ARGC, MAX_PARAM_LENGTH } from './restoreTokens';
import { type LineResult, parseRuleLine } from './ruleLine';

/** What the fast lane knows about one command shape. */
export interface Plan {
  /** Number of words. */
  count: number;
  /** Kind of each word (value, quoted value, verbatim). */
  kinds: Uint8Array;
  /** Each verbatim word; undefined for a value word. */
  words: (string | undefined)[];
  /** For each value word, the argument type it is checked as (JUMP_NAME: a jump/goto target chain). */
  checks: (ArgSpec | undefined)[];
  /** The word holding the chain name (after -A). */
  chainWord: number;
  /** The chain name when that word is verbatim. */
  chainName: string;
  /** The word holding the target name, or -1 without a target. */
  targetWord: number;
  targetKind: 'jump' | 'goto';
  targetExtension: boolean;
  /** The target name when that word is verbatim. */
  targetName: string;
  /** The line the shape was learned from, parsed the complete way. */
  template: Rule;
  /** Where each word starts in the template's line (the spans of its parse point there). */
  wordStarts: Int32Array;
  /**
   * The value word of each address and interface option of the template (-1: the option is
   * absent or its value is not one word). Their values are what can still make a rule of the
   * shape match every packet; see valueWord.
   */
  baseWords: Record<'source' | 'destination' | 'inInterface' | 'outInterface', number>;
  /** Owned by the analyses: what they learned about every rule of this shape. */
  analysis: unknown;
  /**
   * The last chain name of the target word (a value) that passed the checks in the current run
   * of lines: the next line of the shape naming the same chain shares the string and skips the
   * check. Cleared by endOfLines (it is a slice of the document's text).
   */
  lastTarget: string | undefined;
  /**
   * When lastTarget was read in place (pattern lane): the context of the text it was read in
   * and where it is in that text, so that the next line compares it there, as characters of one
   * text. Undefined otherwise. Cleared with lastTarget.
   */
  lastTargetCtx: FastRuleContext | undefined;
  lastTargetAt: number;
  /**
   * For a chain read in place with a key (which has no lastTarget, see byPattern): the length of
   * the one read last in lastTargetCtx, and its key in lastTargetCtx.keys (see RuleRows.key).
   */
  lastTargetLen: number;
  lastTargetKey: number;
  /**
   * The key of the verbatim target name (a chain) in targetKeyCtx.keys, when it has one there
   * (one per text and table, not per line). Cleared by endOfLines.
   */
  targetKey: number;
  targetKeyCtx: FastRuleContext | undefined;
  /** The family the shape was learned for (its value checks depend on it). */
  family: Family;
  /** The whole line as one pattern, strict and loose (lineRegex.ts), or undefined when the shape has none. */
  patterns: LinePatterns | undefined;
  /** The shape of the fast-lane line that followed a line of this shape last time. */
  next: Plan | undefined;
  /** The shape that followed before `next` did (lines of a shape are often followed by either of two). */
  next2: Plan | undefined;
  /** About the mean length of the shape's lines read by pattern (0: none yet): which of two guesses to try first. */
  meanLength: number;
  /**
   * The rows (RuleRows.serial) that numbered this shape last, and its number there (see
   * RuleRows.planAt).
   */
  rowsSerial: number;
  rowsIndex: number;
}

/** Argument type standing for a jump or goto target that is not an extension (a chain name). */
export const JUMP_NAME: ArgSpec = { type: 'chain', placeholder: 'chain' };

const VALUE = 0;
const QUOTED = 1;
/** Word kinds of a plan (Plan.kinds). */
export const VERBATIM = 2;

const MAX_WORDS = MAX_ARGC;
const wordStart = new Int32Array(MAX_WORDS + 1);
const wordEnd = new Int32Array(MAX_WORDS + 1);
const wordKind = new Uint8Array(MAX_WORDS + 1);
/** The shape hash of the last scanned line. */
let hash = 0;
/**
 * The chain name of the previous fast-lane rule (checked already), and its family: its string,
 * or undefined while only its place in lastChainCtx's text is known (see lastChainString), and
 * its length (-1: none).
 */
let lastChain: string | undefined;
let lastChainLen = -1;
/**
 * Numbers what lastChain holds: a new number whenever it may hold other characters. RuleRows.add
 * takes it, so that the rows of a run of one chain share one entry without comparing names.
 */
let chainRun = 0;
let lastFamily = 0;
/** When lastChain was read in place: the context of its text and where it is in that text. */
let lastChainCtx: FastRuleContext | undefined;
let lastChainAt = 0;
/** Plans whose lastTarget is set (cleared by endOfLines). */
const touched: Plan[] = [];
/** The shape of the previous fast-lane line (its `next` is the next line's first guess). */
let lastPlan: Plan | undefined;
/** The shapes of the last fast-lane lines, most recent first (the next guesses). */
const recent: Plan[] = [];
const RECENT = 6;

/**
 * How many rule lines each way of the fast lane took, and how many line patterns were tried (for
 * tests and measurements).
 */
export const laneCounts = { pattern: 0, words: 0, tries: 0 };

/** Plans by shape hash (a few when hashes collide); a number counts failed attempts to learn. */
const plans = new Map<number, Plan[] | number>();
const MAX_PLANS = 4096;
/** After this many lines of a shape that could not be learned, stop trying. */
const MAX_ATTEMPTS = 4;

/** Word after an option that selects what follows: 1 = verbatim (-p, -m), 2 = -j target, 3 = -g target. */
function selects(raw: string, s: number, len: number): number {
  if (len === 2) {
    const l = raw.charCodeAt(s + 1);
    return l === 112 || l === 109 ? 1 : l === 106 ? 2 : l === 103 ? 3 : 0;
  }
  if (raw.charCodeAt(s + 1) !== 45) return 0;
  if (len === 10) return raw.startsWith('--protocol', s) ? 1 : 0;
  if (len === 7) return raw.startsWith('--match', s) ? 1 : 0;
  if (len === 6) return raw.startsWith('--jump', s) ? 2 : raw.startsWith('--goto', s) ? 3 : 0;
  return 0;
}

/**
 * Splits the words of a rule line from `from` (as add_param_to_argv would, for the lines this
 * accepts) into the scratch arrays and hashes its shape. Returns the number of words, or -1 when
 * the line is anything but plain (escapes, quotes inside words, open quotes, very long words,
 * quoted option words or `!`): those go the complete way. Words are found with native string
 * search; the hash only picks the candidate plan (verbatim words are then compared in full).
 */
function scan(raw: string, from: number, family: Family): number {
  if (raw.indexOf('\t', from) >= 0) return -1;
  const n = raw.length;
  let i = from;
  let count = 0;
  let h = 0x811c9dc5 ^ family;
  let select = 0;
  let quote = raw.indexOf('"', from);
  if (quote < 0) quote = n;
  for (;;) {
    while (i < n && raw.charCodeAt(i) === 32) i++;
    if (i >= n) break;
    if (count === MAX_WORDS) return -1;
    const s = i;
    let e = raw.indexOf(' ', s);
    if (e < 0) e = n;
    let kind = VALUE;
    if (quote < e) {
      // A quoted word: the whole word, no escapes, followed by a blank or the end.
      if (quote !== s || select !== 0) return -1;
      const close = raw.indexOf('"', s + 1);
      if (close < 0) return -1;
      const esc = raw.indexOf('\\', s + 1);
      if (esc >= 0 && esc < close) return -1;
      e = close + 1;
      if (e < n && raw.charCodeAt(e) !== 32) return -1;
      if (close > s + 1) {
        const f = raw.charCodeAt(s + 1);
        if (f === 45 || f === 33) return -1;
      }
      quote = raw.indexOf('"', e);
      if (quote < 0) quote = n;
      kind = QUOTED;
      h = Math.imul(h ^ 257, 16777619);
    } else {
      const first = raw.charCodeAt(s);
      const len = e - s;
      if (first === 45 /* - */) {
        kind = VERBATIM;
        select = selects(raw, s, len);
      } else if (first === 33 /* ! */) {
        if (len !== 1 || select !== 0) return -1;
        kind = VERBATIM;
      } else {
        if (select === 1) kind = VERBATIM;
        else if (select === 2 && len <= LONGEST_TARGET_NAME && findTarget(raw.slice(s, e), family) !== undefined)
          kind = VERBATIM;
        select = 0;
      }
      if (kind === VERBATIM) {
        h = Math.imul(
          h ^ (len | (raw.charCodeAt(s + (len > 2 ? 2 : 0)) << 8) | (raw.charCodeAt(e - 1) << 16)),
          16777619,
        );
      } else h = Math.imul(h ^ 259, 16777619);
    }
    if (e - s > MAX_PARAM_LENGTH) return -1;
    wordStart[count] = s;
    wordEnd[count] = e;
    wordKind[count] = kind;
    count++;
    i = e;
  }
  hash = Math.imul(h ^ count, 16777619);
  return count;
}

/** The value of scanned word k (quotes removed). */
function wordText(raw: string, k: number): string {
  return wordKind[k] === QUOTED ? raw.slice(wordStart[k] + 1, wordEnd[k] - 1) : raw.slice(wordStart[k], wordEnd[k]);
}

let refused = false;
const refuse = () => {
  refused = true;
};

/** Whether a jump/goto target name that is not an extension passes the parser's checks. */
function jumpNameOk(name: string, jump: boolean, family: Family): boolean {
  refused = false;
  checkChainTarget(name, jump, family, refuse);
  return !refused;
}

/**
 * Parses one rule line (a line inside a table, starting with `-` or `[`): through the fast lane
 * when it is a clean instance of a known shape, otherwise the complete way (and then perhaps learns
 * its shape).
 */
export function parseRuleFast(
  raw: string,
  ln: number,
  table: string,
  family: Family,
  nextRuleId: () => number,
): FastRule | LineResult {
  return tryFast(raw, ln, table, family, nextRuleId) ?? parseRuleLine(raw, ln, table, family, nextRuleId);
}

/** The fast lane's parse of the line (or the complete parse it learned from), or undefined. */
function tryFast(
  raw: string,
  ln: number,
  table: string,
  family: Family,
  nextRuleId: () => number,
): FastRule | LineResult | undefined {
  let from = 0;
  if (raw.charCodeAt(0) === 91 /* [ */) {
    from = countersEnd(raw);
    if (from === 0) return undefined;
  }
  const ctx = new FastRuleContext(raw, table, family);
  const byShape = byRecentPattern(ctx, from, raw.length);
  if (byShape !== undefined)
    return new FastRule(ctx, ln, matchedChain ?? (lastChainString() as string), nextRuleId(), byShape, matchedTarget);
  const count = scan(raw, from, family);
  if (count <= 0) return undefined;
  const found = plans.get(hash);
  if (found === undefined || typeof found === 'number') {
    if ((found ?? 0) >= MAX_ATTEMPTS) return undefined;
    return learn(raw, ln, table, family, nextRuleId, count, hash, (found ?? 0) + 1, undefined);
  }
  const plan = matching(found, raw, count);
  if (!plan) {
    if (found.length >= MAX_ATTEMPTS) return undefined;
    return learn(raw, ln, table, family, nextRuleId, count, hash, 0, found);
  }
  let chain = plan.chainName;
  let name = plan.targetName;
  const checks = plan.checks;
  for (let k = 0; k < count; k++) {
    const check = checks[k];
    if (check === undefined) continue;
    if (k === plan.chainWord && wordKind[k] === VALUE) {
      // Rules come in runs of one chain: the name checked for the previous rule needs no new check.
      const len = wordEnd[k] - wordStart[k];
      const last = lastChainLen === len ? lastChainString() : undefined;
      if (lastFamily === family && last !== undefined && raw.startsWith(last, wordStart[k])) {
        chain = last;
        continue;
      }
    }
    if (check === JUMP_NAME && wordKind[k] === VALUE) {
      // Lines of a shape often name the same chain (every KUBE-SEP-* rule jumps to KUBE-MARK-MASQ):
      // the name checked for the previous one is shared rather than sliced and checked again.
      const last = plan.lastTarget;
      if (last !== undefined && last.length === wordEnd[k] - wordStart[k] && raw.startsWith(last, wordStart[k])) {
        name = last;
        continue;
      }
    }
    const text = wordText(raw, k);
    if (check === JUMP_NAME) {
      if (!jumpNameOk(text, plan.targetKind === 'jump', family)) return undefined;
      if (wordKind[k] === VALUE) {
        if (plan.lastTarget === undefined) touched.push(plan);
        plan.lastTarget = text;
        plan.lastTargetCtx = undefined;
      }
    } else {
      const r = parseArg(text, check, family);
      if (r.error !== undefined || r.note !== undefined) return undefined;
    }
    if (k === plan.chainWord) chain = text;
    else if (k === plan.targetWord) name = text;
  }
  if (wordKind[plan.chainWord] === VALUE) {
    lastChain = chain;
    lastChainLen = chain.length;
    chainRun++;
    lastFamily = family;
    lastChainCtx = undefined;
  }
  follows(plan);
  laneCounts.words++;
  return new FastRule(
    new FastRuleContext(raw, table, family),
    ln,
    chain,
    nextRuleId(),
    plan,
    plan.targetWord < 0 ? undefined : name,
  );
}

/** The string of lastChain, made from its place in the text if not made yet. */
function lastChainString(): string | undefined {
  if (lastChain === undefined && lastChainCtx !== undefined)
    lastChain = lastChainCtx.doc.slice(lastChainAt, lastChainAt + lastChainLen);
  return lastChain;
}

/** Notes that a line of `plan` follows the previous fast-lane line. */
function follows(plan: Plan): void {
  if (lastPlan !== undefined && lastPlan.next !== plan) {
    lastPlan.next2 = lastPlan.next;
    lastPlan.next = plan;
  }
  lastPlan = plan;
  if (recent[0] === plan) return;
  // Lines often alternate between two shapes: the second swaps with the first.
  if (recent[1] === plan) {
    recent[1] = recent[0];
    recent[0] = plan;
    return;
  }
  let i = recent.indexOf(plan);
  if (i < 0) i = recent.length < RECENT ? recent.length : RECENT - 1;
  for (; i > 0; i--) recent[i] = recent[i - 1];
  recent[0] = plan;
}

/**
 * Reads a rule line in place from a document's text (rows.ctx.doc; the line is text[start..end),
 * without its line break) in the table and family of rows.ctx into a new row of `rows`, when it
 * is a clean instance of a recently seen shape with a pattern: returns the row, else -1 (then cut
 * the line out and parse it with parseRuleFast).
 */
export function parseRuleAt(rows: RuleRows, start: number, end: number, ln: number, nextRuleId: () => number): number {
  const ctx = rows.ctx;
  let from = start;
  if (ctx.doc.charCodeAt(start) === 91 /* [ */) {
    from = countersEnd(ctx.doc, start);
    if (from === 0 || from >= end) return -1;
  }
  const plan = byRecentPattern(ctx, from, end);
  if (plan === undefined) return -1;
  // The chain's name as its place in the text when read there (its string made on use).
  const at = lastChainCtx === ctx ? lastChainAt : -1;
  return rows.add(start, ln, nextRuleId(), plan, matchedChain, matchedKey, chainRun, at, lastChainLen);
}

/**
 * What byPattern read of the line it matched last: the chain name (undefined while its string is
 * not made: see lastChainString), the target's name, and the
 * key of the target's name when that is a chain read in a context with keys (else -1; with a
 * key, the name is the key's and is left undefined here).
 */
let matchedChain: string | undefined;
let matchedTarget: string | undefined;
let matchedKey = -1;

/**
 * Lines come in runs and cycles of shapes: tries, as one pattern each, the two shapes that
 * followed the previous line's shape last (see below), then the shapes of the last lines, latest
 * first.
 */
function byRecentPattern(ctx: FastRuleContext, from: number, end: number): Plan | undefined {
  // Of the two, the one whose lines are about as long as this one first: a kube-proxy service
  // chain's line is followed by another `statistic` line or by its last line, an endpoint's by a
  // tcp or a udp DNAT line, and trying the wrong one first reads most of the line in vain.
  let guess = lastPlan?.next;
  let other = lastPlan?.next2;
  if (guess !== undefined && other !== undefined) {
    const len = end - from;
    if (Math.abs(other.meanLength - len) < Math.abs(guess.meanLength - len)) {
      const g = guess;
      guess = other;
      other = g;
    }
  }
  if (guess !== undefined && fitsPattern(guess, ctx, from, end)) return guess;
  if (other !== undefined && fitsPattern(other, ctx, from, end)) return other;
  for (let i = 0; i < recent.length; i++) {
    const p = recent[i];
    if (p !== guess && p !== other && fitsPattern(p, ctx, from, end)) return p;
  }
  return undefined;
}

/** Whether the line is a rule of `plan` (see byPattern), a shape with patterns of the line's family. */
function fitsPattern(plan: Plan, ctx: FastRuleContext, from: number, end: number): boolean {
  return plan.patterns !== undefined && plan.family === ctx.family && byPattern(plan, ctx, from, end);
}

/**
 * Whether the line of ctx.doc whose words start at `from` (after any counters) and that ends at
 * `end` is a rule of `plan`: its pattern matches it (every word the shape's and every value
 * passing its check). If so, matchedChain and matchedTarget hold its chain and target names. The
 * pattern starts `-A CHAIN` and ends with the target chain's name when that is a value
 * (lineRegex), so the names are found without splitting words.
 */
function byPattern(plan: Plan, ctx: FastRuleContext, from: number, end: number): boolean {
  const text = ctx.doc;
  const family = ctx.family;
  const patterns = plan.patterns as LinePatterns;
  // The loose pattern leaves the lengths of the chain names to check here (see LinePatterns).
  const loose = end - from <= patterns.looseUpTo;
  const re = loose ? patterns.loose : patterns.strict;
  re.lastIndex = from;
  laneCounts.tries++;
  // The pattern ends at a line break or the end of the text: that is, at `end`.
  if (!re.test(text)) return false;
  let s = from;
  while (text.charCodeAt(s) === 32) s++;
  s += (plan.words[0] as string).length + 1;
  let e = text.indexOf(' ', s);
  if (e < 0 || e > end) e = end;
  const targetValue = plan.targetWord >= 0 && plan.kinds[plan.targetWord] !== VERBATIM;
  // The target, a value, is the last word: the match ended where it starts (see LinePatterns).
  const t = targetValue ? re.lastIndex : end;
  if (loose && (e - s > MAX_CHAIN_NAME || end - t > MAX_CHAIN_NAME)) return false;
  // The chain's string is made only when asked for (see lastChainString): a kube-proxy table
  // has a run of rules per chain, and tens of thousands of chains.
  let chain: string | undefined;
  if (
    lastChainLen === e - s &&
    (lastChainCtx === ctx
      ? sameChars(text, lastChainAt, s, e - s)
      : lastFamily === family && lastChain !== undefined && text.startsWith(lastChain, s))
  )
    chain = lastChain;
  else {
    chain = undefined;
    lastChain = undefined;
    lastChainLen = e - s;
    chainRun++;
    lastFamily = family;
    lastChainCtx = ctx;
    lastChainAt = s;
  }
  let name: string | undefined;
  let key = -1;
  if (plan.targetWord >= 0) {
    name = plan.targetName;
    const keys = ctx.keys;
    if (targetValue && keys !== undefined && !plan.targetExtension) {
      // A chain read in place: its key stands for it (the rows make its string on use, see
      // RuleRows.targetOf); the previous line's is taken again when the characters are the same.
      const len = end - t;
      if (plan.lastTargetCtx === ctx && plan.lastTargetLen === len && sameChars(text, plan.lastTargetAt, t, len))
        key = plan.lastTargetKey;
      else {
        if (plan.lastTargetCtx === undefined) touched.push(plan);
        key = keys.add(text, t, end);
        plan.lastTargetCtx = ctx;
        plan.lastTargetAt = t;
        plan.lastTargetLen = len;
        plan.lastTargetKey = key;
      }
      // (Its string, and that of a name without a key, is the key's: see RuleRows.targetOf.)
      name = undefined;
    } else if (targetValue) {
      const last = plan.lastTarget;
      const inText = plan.lastTargetCtx === ctx;
      const same =
        last !== undefined &&
        last.length === end - t &&
        (inText ? sameChars(text, plan.lastTargetAt, t, end - t) : text.startsWith(last, t));
      if (same) name = last;
      else {
        name = text.slice(t, end);
        if (last === undefined) touched.push(plan);
        plan.lastTarget = name;
      }
      if (!(same && inText)) {
        plan.lastTargetCtx = ctx;
        plan.lastTargetAt = t;
      }
    } else if (keys !== undefined && !plan.targetExtension) {
      if (plan.targetKeyCtx !== ctx) {
        if (plan.lastTarget === undefined) touched.push(plan);
        plan.targetKeyCtx = ctx;
        plan.targetKey = keys.addName(name);
      }
      key = plan.targetKey;
    }
  }
  const m = plan.meanLength;
  plan.meanLength = m === 0 ? end - from : m + ((end - from - m) >> 3);
  follows(plan);
  laneCounts.pattern++;
  matchedChain = chain;
  matchedTarget = name;
  matchedKey = key;
  return true;
}

/**
 * Whether text[a..a+len) and text[b..b+len) are the same characters. A name read in place is
 * compared with the previous one where that one is in the same text, from the end (names of one
 * kind, KUBE-SEP-…, share their beginning): a loop over one text costs less than `startsWith`,
 * which takes tens of nanoseconds a call even when the first character differs.
 */
export function sameChars(text: string, a: number, b: number, len: number): boolean {
  for (let k = len - 1; k >= 0; k--) if (text.charCodeAt(a + k) !== text.charCodeAt(b + k)) return false;
  return true;
}

/** The plan among `candidates` whose verbatim words are exactly those of the scanned line. */
function matching(candidates: Plan[], raw: string, count: number): Plan | undefined {
  next: for (let c = 0; c < candidates.length; c++) {
    const plan = candidates[c];
    if (plan.count !== count || plan.kinds.length !== count) continue;
    const words = plan.words;
    for (let k = 0; k < count; k++) {
      if (plan.kinds[k] !== wordKind[k]) continue next;
      const w = words[k];
      if (w === undefined) continue;
      if (wordEnd[k] - wordStart[k] !== w.length || !raw.startsWith(w, wordStart[k])) continue next;
    }
    return plan;
  }
  return undefined;
}

/** A copy of `s` that does not keep a larger string alive (V8 slices long substrings). */
function flatCopy(s: string): string {
  return s.length < 13 ? s : s.split('').join('');
}

/** Long options whose abbreviations the scanner would not recognise as selecting what follows. */
const SELECTING = ['--protocol', '--match', '--jump', '--goto'];

/** Parses the line the complete way and, when it is a clean append, keeps its shape as a plan. */
function learn(
  line: string,
  ln: number,
  table: string,
  family: Family,
  nextRuleId: () => number,
  count: number,
  key: number,
  attempts: number,
  others: Plan[] | undefined,
): FastRule | LineResult {
  // Plans outlive documents: learn from a copy of the line, not a slice of the document's text.
  const raw = flatCopy(line);
  const starts = wordStart.slice(0, count);
  const ends = wordEnd.slice(0, count);
  const kinds = wordKind.slice(0, count);
  const index = new Map<number, number>();
  for (let k = 0; k < count; k++) index.set(starts[k], k);
  const checks: (ArgSpec | undefined)[] = new Array(count).fill(undefined);
  const res = parseRuleLine(raw, ln, table, family, nextRuleId, (tok, arg) => {
    const at = (tok as { character?: number }).character;
    const k = at === undefined ? undefined : index.get(at);
    if (k === undefined || kinds[k] === VERBATIM) return;
    if ((tok as { endCharacter?: number }).endCharacter !== ends[k]) return;
    checks[k] = arg;
  });
  const cmd = res.command;
  const rule = cmd?.rule;
  const fail = (): LineResult => {
    if (others) return res;
    if (plans.size >= MAX_PLANS) plans.clear();
    plans.set(key, attempts);
    return res;
  };
  if (res.diagnostics.length > 0 || !cmd || !rule || cmd.op !== 'append' || cmd.broken || !cmd.chainSpan) return fail();
  const words: (string | undefined)[] = new Array(count).fill(undefined);
  for (let k = 0; k < count; k++) {
    if (kinds[k] === VERBATIM) {
      const w = raw.slice(starts[k], ends[k]);
      words[k] = w;
      if (w.startsWith('--') && w.length > 2 && !w.includes('=')) {
        for (const s of SELECTING) if (s !== w && s.startsWith(w)) return fail();
      }
      if (/^-[pmjg]./.test(w)) return fail();
    }
  }
  const chainWord = index.get(cmd.chainSpan.character) ?? -1;
  const wordOf = (o: OptionUse | undefined): number => {
    const a = o?.args.length === 1 ? o.args[0].span : undefined;
    const k = a ? (index.get(a.character) ?? -1) : -1;
    return k >= 0 && ends[k] === a?.endCharacter && kinds[k] !== VERBATIM ? k : -1;
  };
  const b = rule.base;
  const t = rule.target;
  let targetWord = -1;
  if (t) {
    targetWord = index.get(t.nameSpan.character) ?? -1;
    if (targetWord < 0 || ends[targetWord] !== t.nameSpan.endCharacter) return fail();
    if (!t.isExtension) {
      if (kinds[targetWord] === VERBATIM) return fail();
      checks[targetWord] = JUMP_NAME;
    }
  }
  // Every value word must have been checked exactly as the fast lane will check it.
  if (chainWord < 0 || checks.some((c, k) => kinds[k] !== VERBATIM && c === undefined)) return fail();
  const plan: Plan = {
    count,
    kinds,
    words,
    checks,
    chainWord,
    chainName: kinds[chainWord] === VERBATIM ? rule.chain : '',
    targetWord,
    targetKind: t?.kind ?? 'jump',
    targetExtension: t?.isExtension ?? false,
    targetName: t && kinds[targetWord] === VERBATIM ? t.name : '',
    template: rule,
    wordStarts: starts,
    baseWords: {
      source: wordOf(b.source),
      destination: wordOf(b.destination),
      inInterface: wordOf(b.inInterface),
      outInterface: wordOf(b.outInterface),
    },
    analysis: undefined,
    lastTarget: undefined,
    lastTargetCtx: undefined,
    lastTargetAt: 0,
    lastTargetLen: 0,
    lastTargetKey: -1,
    targetKey: -1,
    targetKeyCtx: undefined,
    family,
    patterns: undefined,
    next: undefined,
    next2: undefined,
    meanLength: 0,
    rowsSerial: 0,
    rowsIndex: -1,
  };
  plan.patterns = lineRegex(plan, family, JUMP_NAME);
  if (others) others.push(plan);
  else {
    if (plans.size >= MAX_PLANS) plans.clear();
    plans.set(key, [plan]);
  }
  const fast = new FastRule(new FastRuleContext(raw, table, family), ln, rule.chain, rule.id, plan, t?.name);
  fast.adopt(cmd);
  follows(plan);
  return fast;
}

/**
 * Words `ks` (ascending word indices) of a fast-lane rule's line, quotes removed, or undefined if
 * the line does not hold them. The line was split and checked as an instance of its shape when it
 * was parsed, so the words are found by walking it as the shape lays it out (a quoted word ends at
 * its closing quote, any other at the next blank), up to the last word wanted, without building
 * any details or hashing the shape again.
 */
export function wordsAt(rule: FastRule, ks: readonly number[]): string[] | undefined {
  const raw = rule.src;
  const kinds = rule.plan.kinds;
  const n = raw.length;
  const out: string[] = [];
  let i = countersEnd(raw);
  let j = 0;
  for (const k of ks) {
    if (k < j || k >= kinds.length) return undefined;
    for (;;) {
      const quoted = kinds[j] === QUOTED;
      const e = nextWordEnd(raw, i, n, quoted);
      if (e < 0) return undefined;
      if (j++ === k) {
        out.push(quoted ? raw.slice(wordFrom + 1, e - 1) : raw.slice(wordFrom, e));
        i = e;
        break;
      }
      i = e;
    }
  }
  return out;
}

/**
 * How many commas word k of row r of `rows` holds (the addresses of a -s/-d list less one), read
 * in the document's text as wordsAt reads a line, without cutting anything out; -1 when the line
 * does not hold the word.
 */
export function rowWordCommas(rows: RuleRows, r: number, k: number): number {
  const doc = rows.ctx.doc;
  const kinds = rows.planOf(r).kinds;
  const from = rows.from[r];
  let n = doc.indexOf('\n', from);
  if (n < 0) n = doc.length;
  let i = doc.charCodeAt(from) === 91 /* [ */ ? countersEnd(doc, from) : from;
  if (i === 0 && from > 0) return -1;
  for (let j = 0; j <= k && j < kinds.length; j++) {
    const e = nextWordEnd(doc, i, n, kinds[j] === QUOTED);
    if (e < 0) return -1;
    if (j === k) {
      // Within the word only: indexOf would search on through the rest of the document.
      let commas = 0;
      for (let c = wordFrom; c < e; c++) if (doc.charCodeAt(c) === 44 /* , */) commas++;
      return commas;
    }
    i = e;
  }
  return -1;
}

/** Where the word nextWordEnd found last starts. */
let wordFrom = 0;

/**
 * The end of the next word of text[..n) from i (past blanks; a quoted word ends past its closing
 * quote, any other at the next blank), its start left in wordFrom; -1 when there is none.
 */
function nextWordEnd(text: string, i: number, n: number, quoted: boolean): number {
  while (i < n && text.charCodeAt(i) === 32) i++;
  if (i >= n) return -1;
  wordFrom = i;
  if (quoted) {
    const e = text.indexOf('"', i + 1) + 1;
    return e === 0 || e > n ? -1 : e;
  }
  const e = text.indexOf(' ', i);
  return e < 0 || e > n ? n : e;
}

/** The address and interface options of a rule (-s -d -i -o). */
export type BaseKey = 'source' | 'destination' | 'inInterface' | 'outInterface';
const BASE_KEYS: readonly BaseKey[] = ['source', 'destination', 'inInterface', 'outInterface'];

/** What one of those options holds: as in its OptionUse (negated, args[0].text, value). */
export interface BaseValue {
  negated: boolean;
  text: string;
  value: unknown;
}

/**
 * A rule's address and interface options (absent keys: the rule has no such option). A fast-lane
 * rule whose details were not built yet is read from its line instead: the shape says which
 * options it has, negated or not, and which word holds each value, which is checked with the
 * argument type the complete parse used (so the value is the one its OptionUse would hold).
 * Consumers that look at these options of every rule of a chain (the simulator's chain layout and
 * dispatch index, the host inference) then do not parse each line the complete way.
 */
export function baseValues(rule: Rule): Partial<Record<BaseKey, BaseValue>> {
  if (rule instanceof FastRule && !rule.isMaterialized) {
    const fast = fastBaseValues(rule);
    if (fast) return fast;
  }
  const out: Partial<Record<BaseKey, BaseValue>> = {};
  const b = rule.base;
  for (const key of BASE_KEYS) {
    const o = b[key];
    if (o) out[key] = { negated: o.negated, text: o.args[0]?.text ?? '', value: o.value };
  }
  return out;
}

/**
 * baseValues of a fast-lane rule read from its line only: undefined when that cannot tell (an
 * option's value is not one word of the shape).
 */
export function fastBaseValues(rule: FastRule): Partial<Record<BaseKey, BaseValue>> | undefined {
  const plan = rule.plan;
  const tb = plan.template.base;
  const keys: BaseKey[] = [];
  for (const key of BASE_KEYS) {
    if (!tb[key]) continue;
    const k = plan.baseWords[key];
    // The option's value is not one word of the shape: only the complete parse can read it.
    if (k < 0 || plan.checks[k] === undefined) return undefined;
    keys.push(key);
  }
  const out: Partial<Record<BaseKey, BaseValue>> = {};
  if (keys.length === 0) return out;
  // In the order the words stand on the line.
  keys.sort((x, y) => plan.baseWords[x] - plan.baseWords[y]);
  const words = wordsAt(
    rule,
    keys.map((key) => plan.baseWords[key]),
  );
  if (!words) return undefined;
  for (let j = 0; j < keys.length; j++) {
    const key = keys[j];
    const check = plan.checks[plan.baseWords[key]] as ArgSpec;
    const r = parseArg(words[j], check, rule.family);
    if (r.error !== undefined) return undefined;
    out[key] = { negated: tb[key]?.negated === true, text: words[j], value: r.value };
  }
  return out;
}

/**
 * Ends a run of lines (a parse): the chain and target names kept from the last line are slices of
 * that document's text and must not keep it alive, nor be taken for a line of another text.
 */
export function endOfLines(): void {
  lastChain = undefined;
  lastChainLen = -1;
  chainRun++;
  lastFamily = 0;
  lastChainCtx = undefined;
  lastPlan = undefined;
  recent.length = 0;
  for (const plan of touched) {
    plan.lastTarget = undefined;
    plan.lastTargetCtx = undefined;
    plan.targetKeyCtx = undefined;
  }
  touched.length = 0;
}

/** Forgets every learned shape (for tests that measure or compare the lanes). */
export function forgetShapes(): void {
  plans.clear();
}
