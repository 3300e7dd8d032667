/**
 * Base material for the mutation test: the corpus files iptables-restore accepted on this machine
 * kind (`restore-verdicts.tsv` rows marked `valid`, with their family), each split into lines and
 * described line by line (table header, chain declaration, rule, COMMIT, comment) with the words
 * of each line and the option groups of each rule, so that mutation kinds can find their sites.
 * Huge files are cut to a window of their rules (chain declarations kept) so each load stays fast.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Token } from '../../server/src/service/model';
import { splitRestoreLine } from '../../server/src/service/parser/restoreTokens';
import { readVerdicts } from '../helpers/verdicts';

export type LineKind = 'table' | 'chain' | 'rule' | 'commit' | 'comment' | 'blank' | 'other';

/** One option as written on a rule: optional `!`, the option word, its argument words (token indices). */
export interface OptionGroup {
  neg?: number;
  opt: number;
  args: number[];
  /** The option word as written (`--dport`, `-p`). */
  name: string;
}

export interface LineInfo {
  kind: LineKind;
  /** Table the line belongs to ('' before the first `*table`). */
  table: string;
  /** Chain declared (chain lines) or appended to (rule lines). */
  chain?: string;
  tokens: Token[];
  /** Rule lines: index of the command word (`-A`, `-I`). */
  cmd?: number;
  /** Rule lines: the option groups after the chain name. */
  groups?: OptionGroup[];
  /** Rule lines: the `-j`/`-g` group, if any. */
  target?: OptionGroup;
}

export interface TableInfo {
  name: string;
  header: number;
  /** Line of the COMMIT closing the table (-1 when missing). */
  commit: number;
  /** Declared chains by name: declaration line and whether it has a policy (built-in). */
  chains: Map<string, { line: number; builtin: boolean }>;
}

export interface BaseFile {
  /** Path relative to the corpus directory. */
  rel: string;
  family: 4 | 6;
  lines: string[];
  info: LineInfo[];
  tables: TableInfo[];
  /** True when the file was cut to a window of its rules. */
  windowed: boolean;
}

/** Files with more rule lines than this are cut to a window of `WINDOW_RULES` rules. */
export const MAX_RULES = 400;
export const WINDOW_RULES = 200;

/** Reads the `valid` rows of restore-verdicts.tsv: corpus-relative path and family. */
export function validCorpusFiles(corpusDir: string): { rel: string; family: 4 | 6 }[] {
  return readVerdicts(corpusDir)
    .filter((v) => v.verdict === 'valid')
    .map((v) => ({ rel: v.file, family: v.family }));
}

function isOptionWord(t: string): boolean {
  return t.length > 1 && t[0] === '-' && !/^-\d/.test(t);
}

/** Splits the words after a rule's chain name into option groups. */
export function optionGroups(tokens: Token[], from: number): OptionGroup[] {
  const groups: OptionGroup[] = [];
  let neg: number | undefined;
  for (let i = from; i < tokens.length; i++) {
    const t = tokens[i].text;
    if (t === '!' && !tokens[i].quoted) {
      neg = i;
      continue;
    }
    if (isOptionWord(t) && !tokens[i].quoted) {
      groups.push({ neg, opt: i, args: [], name: t });
      neg = undefined;
      continue;
    }
    if (groups.length > 0) groups[groups.length - 1].args.push(i);
  }
  return groups;
}

/** Describes one line of restore input. */
export function describeLine(raw: string, table: string): LineInfo {
  const trimmed = raw.trim();
  if (trimmed === '') return { kind: 'blank', table, tokens: [] };
  if (trimmed[0] === '#') return { kind: 'comment', table, tokens: [] };
  if (raw[0] === '*') return { kind: 'table', table: raw.slice(1).trim(), tokens: [] };
  if (trimmed === 'COMMIT') return { kind: 'commit', table, tokens: [] };
  const tokens = splitRestoreLine(raw, 0).tokens;
  if (raw[0] === ':') return { kind: 'chain', table, chain: tokens[0]?.text.slice(1), tokens };
  let cmd = 0;
  if (tokens[0]?.text.startsWith('[')) cmd = 1;
  const c = tokens[cmd]?.text;
  if ((c === '-A' || c === '-I' || c === '--append' || c === '--insert') && tokens.length > cmd + 1) {
    const groups = optionGroups(tokens, cmd + 2);
    const target = groups.find((g) => g.name === '-j' || g.name === '-g' || g.name === '--jump' || g.name === '--goto');
    return { kind: 'rule', table, chain: tokens[cmd + 1].text, tokens, cmd, groups, target };
  }
  return { kind: 'other', table, tokens };
}

/** Describes every line and collects the tables. */
export function describeFile(rel: string, family: 4 | 6, lines: string[], windowed: boolean): BaseFile {
  const info: LineInfo[] = [];
  const tables: TableInfo[] = [];
  let table = '';
  let current: TableInfo | undefined;
  for (let i = 0; i < lines.length; i++) {
    const li = describeLine(lines[i], table);
    if (li.kind === 'table') {
      table = li.table;
      current = { name: table, header: i, commit: -1, chains: new Map() };
      tables.push(current);
    } else if (li.kind === 'commit' && current) {
      current.commit = i;
      current = undefined;
    } else if (li.kind === 'chain' && current && li.chain) {
      const policy = li.tokens[1]?.text;
      current.chains.set(li.chain, { line: i, builtin: policy !== undefined && policy !== '-' });
    }
    info.push(li);
  }
  return { rel, family, lines, info, tables, windowed };
}

/**
 * Keeps every line except rule lines outside a window of `WINDOW_RULES` consecutive rules.
 * Removing rules never invalidates a file (chains stay declared), so the window stays valid.
 */
export function windowLines(lines: string[], start: number): string[] {
  const out: string[] = [];
  let rule = 0;
  for (const l of lines) {
    const isRule = /^(?:\[\d+:\d+\]\s+)?-[AI]\s/.test(l);
    if (isRule) {
      if (rule >= start && rule < start + WINDOW_RULES) out.push(l);
      rule++;
    } else out.push(l);
  }
  return out;
}

/** Loads the base files (valid corpus files, huge ones windowed) in a stable order. */
export function loadBaseFiles(corpusDir: string): BaseFile[] {
  const out: BaseFile[] = [];
  for (const { rel, family } of validCorpusFiles(corpusDir)) {
    let text: string;
    try {
      text = readFileSync(join(corpusDir, rel), 'utf8');
    } catch {
      continue;
    }
    let lines = text.split('\n');
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    const rules = lines.reduce((n, l) => n + (/^(?:\[\d+:\d+\]\s+)?-[AI]\s/.test(l) ? 1 : 0), 0);
    let windowed = false;
    if (rules > MAX_RULES) {
      // A fixed window in the middle of the file: deterministic, and past any header rules.
      lines = windowLines(lines, Math.floor((rules - WINDOW_RULES) / 2));
      windowed = true;
    }
    out.push(describeFile(rel, family, lines, windowed));
  }
  return out;
}
