/**
 * The edits the benchmark applies to a document, as an editor would send them: a one-line change
 * in the middle of the file (an in-place range replacement that keeps the line count) and a line
 * insertion (which shifts every later line). Each edit alternates between two states so every
 * step produces a new document version and the diagnostics change (so a language server always
 * has something to republish).
 */

/** A range replacement inside one line (0-based line and characters, as in LSP). */
export interface LineEdit {
  line: number;
  character: number;
  endCharacter: number;
  /** The text in the range before the edit. */
  before: string;
  /** The replacement. */
  after: string;
}

/** Offset of the start of 0-based line `line` in `text`. */
export function lineOffset(text: string, line: number): number {
  let off = 0;
  for (let l = 0; l < line; l++) {
    const nl = text.indexOf('\n', off);
    if (nl < 0) return text.length;
    off = nl + 1;
  }
  return off;
}

/** The text of 0-based line `line`. */
export function lineText(text: string, line: number): string {
  const off = lineOffset(text, line);
  const nl = text.indexOf('\n', off);
  return text.slice(off, nl < 0 ? text.length : nl);
}

/**
 * Picks a rule line near `preferredLine` (0-based; the middle of the file when undefined) and
 * an edit of its last number: replaced by 70000 (out of range for ports and address bytes, so
 * the edited rule is wrong and gains a diagnostic).
 */
export function chooseLineEdit(text: string, preferredLine?: number): LineEdit | undefined {
  const lines = text.split('\n');
  const start = preferredLine ?? lines.length >> 1;
  for (let d = 0; d < lines.length; d++) {
    for (const ln of [start + d, start - d]) {
      if (ln < 0 || ln >= lines.length) continue;
      const l = lines[ln];
      if (!/^\s*(?:\[\d+:\d+\]\s*)?-A\s/.test(l) && !/^\s*(?:\S*\/)?ip6?tables\s+.*-A\s/.test(l)) continue;
      const m = /(\d+)(?!.*\d)/.exec(l);
      if (!m || m[1] === '70000') continue;
      return { line: ln, character: m.index, endCharacter: m.index + m[1].length, before: m[1], after: '70000' };
    }
  }
  return undefined;
}

/** Text after applying `edit` forward (`after` in place of `before`) or back. */
export function applyLineEdit(text: string, edit: LineEdit, forward: boolean, lineStart?: number): string {
  const off = lineStart ?? lineOffset(text, edit.line);
  const from = off + edit.character;
  const old = forward ? edit.before : edit.after;
  const rep = forward ? edit.after : edit.before;
  return text.slice(0, from) + rep + text.slice(from + old.length);
}

/** Text with a copy of 0-based line `line` inserted after it. */
export function insertLineCopy(text: string, line: number): string {
  const off = lineOffset(text, line);
  const nl = text.indexOf('\n', off);
  const end = nl < 0 ? text.length : nl + 1;
  const copy = text.slice(off, end);
  return text.slice(0, end) + (copy.endsWith('\n') ? copy : `\n${copy}`) + text.slice(end);
}
