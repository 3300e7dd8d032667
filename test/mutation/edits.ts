/**
 * The shape of a mutation kind and the small text-editing helpers the kinds share: replacing,
 * inserting and deleting words or whole lines of a base file, producing the mutant's lines and
 * the lines the mutation touched (where the linter is expected to report).
 */
import type { BaseFile, LineInfo, OptionGroup } from './corpus';
import type { Rng } from './rng';

/** One applied mutation. */
export interface Edit {
  /** Sub-kind (e.g. `swap-chars`, `prefix-33`), for the report. */
  variant: string;
  /** The mutant's lines. */
  lines: string[];
  /** 0-based lines of the mutant where an error is expected (besides lines the kernel names). */
  mutated: number[];
  /** The base file's line(s) before the mutation and the mutant's line(s) after, for the report. */
  before: string;
  after: string;
}

/** A kind of mutation: where it applies and how. */
export interface MutationKind {
  name: string;
  /** Line indices of the base file where the kind applies (empty: not applicable to the file). */
  sites(f: BaseFile): number[];
  /** Mutates at `line`; undefined when this particular site does not work out. */
  apply(f: BaseFile, line: number, rng: Rng): Edit | undefined;
}

/** Indices of lines matching a predicate. */
export function linesWhere(f: BaseFile, pred: (li: LineInfo, i: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < f.info.length; i++) if (pred(f.info[i], i)) out.push(i);
  return out;
}

/** A word as iptables-restore needs it written: double-quoted when it has blanks or quotes. */
export function quoteWord(s: string): string {
  if (s !== '' && !/[\s"\\]/.test(s)) return s;
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

/** The base file's lines with line `i` replaced by `text`. */
export function replaceLine(f: BaseFile, i: number, text: string, variant: string): Edit {
  const lines = f.lines.slice();
  lines[i] = text;
  return { variant, lines, mutated: [i], before: f.lines[i], after: text };
}

/** The base file's lines with `text` inserted before line `i` (mutated: the new line). */
export function insertLine(f: BaseFile, i: number, text: string, variant: string): Edit {
  const lines = f.lines.slice();
  lines.splice(i, 0, text);
  return { variant, lines, mutated: [i], before: '', after: text };
}

/** Line `i`'s text with characters [from, to) replaced. */
export function spliceText(f: BaseFile, i: number, from: number, to: number, text: string): string {
  const l = f.lines[i];
  return l.slice(0, from) + text + l.slice(to);
}

/** Line `i` with word `tok` replaced by `text` (written as is). */
export function replaceWord(f: BaseFile, i: number, tok: number, text: string): string {
  const s = f.info[i].tokens[tok].span;
  return spliceText(f, i, s.character, s.endCharacter, text);
}

/** Line `i` with `text` inserted (followed by a blank) before word `tok`. */
export function insertBeforeWord(f: BaseFile, i: number, tok: number, text: string): string {
  const s = f.info[i].tokens[tok].span;
  return spliceText(f, i, s.character, s.character, `${text} `);
}

/** Line `i` with `text` inserted before the target (`-j`), or appended when there is none. */
export function insertBeforeTarget(f: BaseFile, i: number, text: string): string {
  const li = f.info[i];
  if (li.target) return insertBeforeWord(f, i, li.target.neg ?? li.target.opt, text);
  return `${f.lines[i].replace(/\s+$/, '')} ${text}`;
}

/** Line `i` with `text` inserted right after the chain name of a rule. */
export function insertAfterChain(f: BaseFile, i: number, text: string): string {
  const li = f.info[i];
  const s = li.tokens[(li.cmd ?? 0) + 1].span;
  return spliceText(f, i, s.endCharacter, s.endCharacter, ` ${text}`);
}

/** Character range of a whole option group (from `!` or the option to its last argument). */
export function groupRange(li: LineInfo, g: OptionGroup): [number, number] {
  const first = li.tokens[g.neg ?? g.opt].span.character;
  const lastTok = g.args.length ? g.args[g.args.length - 1] : g.opt;
  return [first, li.tokens[lastTok].span.endCharacter];
}

/** Option groups of a rule line whose option word is one of `names`. */
export function groupsNamed(li: LineInfo, names: ReadonlySet<string>): OptionGroup[] {
  return (li.groups ?? []).filter((g) => names.has(g.name));
}

/** Replaces a random character run of `s` with a near miss (a typo). */
export function typo(s: string, rng: Rng): { text: string; how: string } {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const n = s.length;
  const how = rng.pick(['delete-char', 'swap-chars', 'insert-char', 'replace-char', 'double-char']);
  const p = rng.int(Math.max(1, n));
  switch (how) {
    case 'delete-char':
      return { text: n > 1 ? s.slice(0, p) + s.slice(p + 1) : `${s}x`, how };
    case 'swap-chars': {
      const q = Math.min(p, n - 2);
      if (q < 0 || s[q] === s[q + 1]) return { text: `${s}q`, how: 'append-char' };
      return { text: s.slice(0, q) + s[q + 1] + s[q] + s.slice(q + 2), how };
    }
    case 'insert-char':
      return { text: s.slice(0, p) + rng.char(letters) + s.slice(p), how };
    case 'replace-char': {
      let c = rng.char(letters);
      if (c === s[p]) c = c === 'z' ? 'y' : 'z';
      return { text: s.slice(0, p) + c + s.slice(p + 1), how };
    }
    default:
      return { text: s.slice(0, p) + s[p] + s.slice(p), how };
  }
}
