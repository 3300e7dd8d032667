/**
 * The one-line edit path of the save parser: when a new version of a document differs from the
 * previous one inside a single rule line (the usual keystroke), and every command of the previous
 * parse was an append, only that line is parsed again; the new rule takes the old one's place in
 * its chain and everything else (lines, commands, other chains and tables, diagnostics) is shared
 * with the previous parse (whose table's chain map then lists the new chain: only the newest parse
 * of a document is read). Whenever any condition for that does not hold, the caller parses the
 * document as usual (which still reuses unchanged lines). The result is the same either way.
 */
import { lineAt } from '../lineSearch';
import type { Diagnostic, Family, Ruleset } from '../model';
import { copyChain } from './chain';
import { FastRule } from './fastRule';
import { NO_DIAGNOSTICS, parseRuleLine } from './ruleLine';
import { cachedLine, type SaveParseCache, type SaveParseResult, saveResult } from './save';
import { endOfLines, parseRuleFast } from './shapes';

/** What the previous parse leaves for the edit path. */
export interface EditBase {
  text: string;
  family: Family;
  /** Every command was an append (so a rule's place in its chain depends on nothing else). */
  onlyAppends: boolean;
  diagnostics: Diagnostic[];
  /** Source line of each of the first diagnostics (the per-line ones; the rest are the tail). */
  diagLine: number[];
  /** Offset where each line starts (and one past the end). */
  lineStarts: Int32Array;
  /** Whether rule lines could take the fast lane (see SaveParseOptions.fast). */
  fast: boolean;
}

/**
 * One change of a document's text: `removed` characters at `offset` (in the old text) replaced by
 * `inserted`. An editor knows it; given it, an edit is parsed without reading the new text at
 * all (a big document's new version then need not even be flattened into one string).
 */
export interface TextChange {
  offset: number;
  removed: number;
  inserted: string;
}

/** Chunk size for comparing the two texts (slices compare natively). */
const CHUNK = 65536;

/** Length of the common prefix of `a` and `b`. */
function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i + CHUNK <= n && a.slice(i, i + CHUNK) === b.slice(i, i + CHUNK)) i += CHUNK;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** Length of the common suffix of `a` and `b`, at most `max`. */
function commonSuffix(a: string, b: string, max: number): number {
  let k = 0;
  while (
    k + CHUNK <= max &&
    a.slice(a.length - k - CHUNK, a.length - k) === b.slice(b.length - k - CHUNK, b.length - k)
  )
    k += CHUNK;
  while (k < max && a.charCodeAt(a.length - k - 1) === b.charCodeAt(b.length - k - 1)) k++;
  return k;
}

/** Whether parseSave would read the line as a rule command (inside a table). */
function isRuleLine(raw: string): boolean {
  if (raw.length === 0 || raw.charCodeAt(raw.length - 1) === 13) return false;
  const c = raw.charCodeAt(0);
  if (c === 35 /* # */ || c === 42 /* * */ || c === 58 /* : */) return false;
  if (raw.startsWith('COMMIT')) return false;
  return !/^[ \t]+$/.test(raw);
}

/**
 * Parses `text` as a one-line edit of the parse `prev` was left by, or returns undefined when
 * the edit is not of that kind (then parse as usual).
 */
export function parseLineEdit(
  text: string,
  family: Family,
  prev: SaveParseCache,
  change?: TextChange,
): SaveParseResult | undefined {
  const base = prev.edit;
  const rulesets = prev.rulesets;
  if (!base || !rulesets || !base.onlyAppends || base.family !== family) return undefined;
  const old = base.text;
  const lineCount = prev.lineCount;
  let ln: number;
  let raw: string;
  if (change && old.length - change.removed + change.inserted.length === text.length) {
    // The editor said what changed: the new line is the old one with the change applied.
    if (change.offset < 0 || change.removed < 0 || change.inserted.includes('\n')) return undefined;
    ln = lineAt(base.lineStarts, lineCount, change.offset);
    const start = base.lineStarts[ln];
    const end = base.lineStarts[ln + 1] - 1; // where the line's \n is (or the text ends)
    const was = cachedLine(prev, ln);
    const line = was instanceof FastRule ? was.src : was?.text;
    // The change stays inside the line, and the line is stored exactly as written (no \r cut off).
    if (line === undefined || change.offset + change.removed > end || line.length !== end - start) return undefined;
    const at = change.offset - start;
    raw = line.slice(0, at) + change.inserted + line.slice(at + change.removed);
  } else {
    if (old === text) return undefined;
    const p = commonPrefix(old, text);
    const s = commonSuffix(old, text, Math.min(old.length, text.length) - p);
    // Only edits inside one line: no line break removed or added.
    if (old.indexOf('\n', p) < old.length - s && old.indexOf('\n', p) >= 0) return undefined;
    const added = text.indexOf('\n', p);
    if (added >= 0 && added < text.length - s) return undefined;
    ln = lineAt(base.lineStarts, lineCount, p);
    const start = base.lineStarts[ln];
    const nl = text.indexOf('\n', start);
    raw = text.slice(start, nl < 0 ? text.length : nl);
  }

  const was = cachedLine(prev, ln);
  const oldCmd = was instanceof FastRule ? was : was?.command;
  const oldRule = oldCmd?.rule;
  if (!was || !oldCmd || !oldRule || oldCmd.op !== 'append' || was.family !== family) return undefined;
  const before = was instanceof FastRule ? was.src : was.text;
  if (!isRuleLine(raw) || !isRuleLine(before)) return undefined;

  let nextRuleId = prev.nextRuleId;
  const nextId = () => nextRuleId++;
  const first = raw.charCodeAt(0);
  const res =
    base.fast && (first === 45 /* - */ || first === 91) /* [ */
      ? parseRuleFast(raw, ln, was.table, family, nextId)
      : parseRuleLine(raw, ln, was.table, family, nextId);
  endOfLines();
  const cmd = res instanceof FastRule ? res : res.command;
  const rule = cmd?.rule;
  if (!cmd || !rule || cmd.op !== 'append' || cmd.chain !== oldCmd.chain || cmd.table !== oldCmd.table)
    return undefined;

  // The old rule's place: its chain must hold it (it does unless the append failed).
  const rs = rulesets[family];
  const table = rs?.tables.get(was.table);
  const chain = table?.chains.get(oldRule.chain);
  const at = chain ? chain.rules.indexOf(oldRule) : -1;
  if (!rs || !table || !chain || at < 0) return undefined;

  // Copies of the containers on the way to the rule; everything else is shared.
  const rules = chain.rules.slice();
  rules[at] = rule;
  // The chain map is updated in place rather than copied (30k chains take milliseconds to copy):
  // a parse is superseded by the next one of its document, whose tables alone are read after it.
  const chains = table.chains;
  chains.set(chain.name, copyChain(chain, rules));
  const tables = new Map(rs.tables);
  tables.set(table.name, { ...table, chains });
  const nextRulesets: Partial<Record<Family, Ruleset>> = { ...rulesets, [family]: { ...rs, tables } };
  const lines = prev.lines.slice();
  lines[ln] = res;

  // The line's diagnostics in place of the old ones (per-line diagnostics are in line order).
  const perLine = base.diagLine.length;
  let from = 0;
  while (from < perLine && base.diagLine[from] < ln) from++;
  let to = from;
  while (to < perLine && base.diagLine[to] === ln) to++;
  const diagnostics = base.diagnostics.slice(0, from);
  const diagLine = base.diagLine.slice(0, from);
  for (const d of res instanceof FastRule ? NO_DIAGNOSTICS : res.diagnostics) {
    diagnostics.push(d);
    diagLine.push(ln);
  }
  for (let i = to; i < base.diagnostics.length; i++) diagnostics.push(base.diagnostics[i]);
  for (let i = to; i < perLine; i++) diagLine.push(base.diagLine[i]);

  let lineStarts = base.lineStarts;
  const delta = text.length - old.length;
  if (delta !== 0) {
    lineStarts = lineStarts.slice();
    for (let i = ln + 1; i < lineStarts.length; i++) lineStarts[i] += delta;
  }
  const cache: SaveParseCache = {
    lines,
    lineCount,
    rowOfLine: prev.rowOfLine,
    rows: prev.rows,
    nextRuleId,
    rulesets: nextRulesets,
    edit: { text, family, onlyAppends: true, diagnostics, diagLine, lineStarts, fast: base.fast },
    lineEdit: { line: ln, trailingBackslash: before.endsWith('\\') || raw.endsWith('\\') },
  };
  // The commands of the lines, made on use (the lines hold them).
  return saveResult(nextRulesets, diagnostics, lineCount, cache);
}
