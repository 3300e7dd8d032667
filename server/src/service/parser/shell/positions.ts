/**
 * Offset ↔ line/character conversion for the script parser (the lexer works on offsets into the
 * whole document; diagnostics and tokens need LSP-style spans).
 */
import { lineAt } from '../../lineSearch';
import type { Span } from '../../model';

export class LineIndex {
  /** Offset where each line starts. */
  readonly starts: number[] = [0];

  constructor(readonly text: string) {
    let k = text.indexOf('\n');
    while (k >= 0) {
      this.starts.push(k + 1);
      k = text.indexOf('\n', k + 1);
    }
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** Line (0-based) containing `offset`. */
  lineOf(offset: number): number {
    return lineAt(this.starts, this.starts.length, offset);
  }

  /** The span of the offsets `start`..`end` (end exclusive). */
  span(start: number, end: number): Span {
    const l1 = this.lineOf(start);
    const l2 = end === start ? l1 : this.lineOf(Math.max(start, end - 1));
    // an end right after a line's last character stays on that line
    return { line: l1, character: start - this.starts[l1], endLine: l2, endCharacter: end - this.starts[l2] };
  }

  /** Offset of a line/character position. */
  offset(line: number, character: number): number {
    const l = Math.min(Math.max(line, 0), this.starts.length - 1);
    return this.starts[l] + character;
  }
}
