/**
 * Suppression comments: `# iptables-sim-disable-next-line CODE[,CODE]` silences codes on the next
 * line that is not blank or a comment (with its `\` continuation lines in shell scripts), and
 * `# iptables-sim-disable CODE[,CODE]` silences codes in the whole file. Without codes, every
 * diagnostic is silenced. Unknown codes in these comments are reported. The text is read only
 * where a `#` is, so files without comments cost one `indexOf` of one character.
 */
import type { Diagnostic, Span } from '../model';
import { isKnownCode } from './codes';

const MARKER = 'iptables-sim-disable';

/** The suppressions written in a document. */
export interface Suppressions {
  /** Codes silenced in the whole file; `'*'` silences every code. */
  file: Set<string>;
  /** Per silenced line range: first and last 0-based line, and the codes (`'*'`: all). */
  ranges: { from: number; to: number; codes: Set<string> }[];
  /** Problems with the comments themselves (unknown codes). */
  diagnostics: Diagnostic[];
}

function lineStartOf(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

function lineEndOf(text: string, pos: number): number {
  const e = text.indexOf('\n', pos);
  return e < 0 ? text.length : e;
}

const AFTER_HASH = /\s*iptables-sim-disable/y;

/**
 * Where the next marker at or after `from` that follows a `#` and blanks is, or -1: every
 * suppression comment has one (its line is then read as a whole). Looking for `#` is several
 * times as fast as looking for the marker, and a ruleset has few.
 */
function nextMarker(text: string, from: number): number {
  for (let h = text.indexOf('#', from); h >= 0; h = text.indexOf('#', h + 1)) {
    AFTER_HASH.lastIndex = h + 1;
    if (AFTER_HASH.test(text)) return AFTER_HASH.lastIndex - MARKER.length;
  }
  return -1;
}

/** Parses the suppression comments of `text`. */
export function parseSuppressions(text: string): Suppressions {
  const result: Suppressions = { file: new Set(), ranges: [], diagnostics: [] };
  let pos = nextMarker(text, 0);
  if (pos < 0) return result;
  // Line numbers are counted incrementally between occurrences.
  let line = 0;
  let counted = 0;
  const lineAt = (p: number) => {
    for (let k = text.indexOf('\n', counted); k >= 0 && k < p; k = text.indexOf('\n', k + 1)) line++;
    counted = p;
    return line;
  };
  while (pos >= 0) {
    const start = lineStartOf(text, pos);
    const end = lineEndOf(text, pos);
    const ln = lineAt(start);
    const raw = text.slice(start, end).replace(/\r$/, '');
    const m = /^\s*#\s*iptables-sim-disable(-next-line)?(?=\s|$)(.*)$/.exec(raw);
    if (m) {
      const codes = new Set<string>();
      const listStart = raw.length - m[2].length;
      const re = /[^\s,]+/g;
      for (let w = re.exec(m[2]); w; w = re.exec(m[2])) {
        const code = w[0];
        if (code === '--') break; // allow a trailing explanation: `CODE -- why`
        if (!isKnownCode(code)) {
          const ch = listStart + w.index;
          const span: Span = { line: ln, character: ch, endLine: ln, endCharacter: ch + code.length };
          result.diagnostics.push({
            code: 'unknown-suppression-code',
            severity: 'warning',
            message: `unknown diagnostic code "${code}" in suppression comment`,
            span,
            data: { code },
          });
        }
        codes.add(code);
      }
      if (codes.size === 0) codes.add('*');
      if (m[1]) {
        const range = nextCodeLines(text, end, ln);
        if (range) result.ranges.push({ ...range, codes });
      } else for (const c of codes) result.file.add(c);
    }
    pos = nextMarker(text, end);
  }
  return result;
}

/** The next line after `from` (a line end) that is not blank or a comment, with continuations. */
function nextCodeLines(text: string, from: number, fromLine: number): { from: number; to: number } | undefined {
  let p = from;
  let ln = fromLine;
  while (p < text.length) {
    p++; // skip '\n'
    ln++;
    const e = lineEndOf(text, p);
    const l = text.slice(p, e).replace(/\r$/, '');
    if (/^\s*$/.test(l) || /^\s*#/.test(l)) {
      p = e;
      continue;
    }
    let to = ln;
    let cur = l;
    let q = e;
    while (cur.endsWith('\\') && q < text.length) {
      const e2 = lineEndOf(text, q + 1);
      cur = text.slice(q + 1, e2).replace(/\r$/, '');
      q = e2;
      to++;
    }
    return { from: ln, to };
  }
  return undefined;
}

/** Whether the suppressions silence `d`. */
export function isSuppressed(s: Suppressions, d: Diagnostic): boolean {
  if (d.code === 'unknown-suppression-code') return false;
  if (s.file.has('*') || s.file.has(d.code)) return true;
  for (const r of s.ranges) {
    if (d.span.line >= r.from && d.span.line <= r.to && (r.codes.has('*') || r.codes.has(d.code))) return true;
  }
  return false;
}

/**
 * Removes the diagnostics the document's suppression comments silence and adds the comments' own
 * problems. Linear in diagnostics times suppression ranges (ranges are few); with no comments the
 * list is returned unchanged.
 */
export function applySuppressions(diagnostics: Diagnostic[], s: Suppressions): Diagnostic[] {
  if (s.file.size === 0 && s.ranges.length === 0 && s.diagnostics.length === 0) return diagnostics;
  let out = diagnostics;
  if (s.file.size > 0 || s.ranges.length > 0) {
    if (s.ranges.length > 8) {
      // Many next-line comments: index them by line to keep this linear.
      const byLine = new Map<number, Set<string>[]>();
      for (const r of s.ranges) {
        for (let l = r.from; l <= r.to; l++) {
          const list = byLine.get(l) ?? [];
          list.push(r.codes);
          byLine.set(l, list);
        }
      }
      out = diagnostics.filter((d) => {
        if (s.file.has('*') || s.file.has(d.code)) return false;
        const list = byLine.get(d.span.line);
        return !list?.some((c) => c.has('*') || c.has(d.code));
      });
    } else out = diagnostics.filter((d) => !isSuppressed(s, d));
  }
  return s.diagnostics.length > 0 ? [...out, ...s.diagnostics] : out;
}
