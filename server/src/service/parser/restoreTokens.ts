/**
 * Splits one line of iptables-restore input into words exactly as iptables-restore's
 * add_param_to_argv() does: only double quotes group words, a backslash escapes the next
 * character only inside quotes, a closing quote ends the word, and `\r` is an ordinary character
 * (which is why CRLF files fail to load).
 */
import type { Span, Token } from '../model';

/**
 * A word of one restore line. It carries its position as its own four span fields (it is
 * span-shaped, so code that remaps spans in place, like the shell parser's here-document
 * handling, moves it too), and `span` returns a copy: rules retain their words by the hundred
 * thousand, and a separate span object per word would nearly double what they cost.
 */
export class LineToken implements Token {
  text: string;
  quoted: boolean;
  line: number;
  character: number;
  endLine: number;
  endCharacter: number;

  constructor(text: string, quoted: boolean, line: number, character: number, endLine: number, endCharacter: number) {
    this.text = text;
    this.quoted = quoted;
    this.line = line;
    this.character = character;
    this.endLine = endLine;
    this.endCharacter = endCharacter;
  }

  get span(): Span {
    return { line: this.line, character: this.character, endLine: this.endLine, endCharacter: this.endCharacter };
  }

  /** The same position with other text (an argument attached to its option: `--opt=value`). */
  withText(text: string): LineToken {
    return new LineToken(text, this.quoted, this.line, this.character, this.endLine, this.endCharacter);
  }
}

/** Longest word iptables-restore accepts ("Parameter too long!"). */
export const MAX_PARAM_LENGTH = 1023;
/** Most words one line may have ("too many arguments"). */
export const MAX_ARGC = 254;

export interface LineWords {
  tokens: LineToken[];
  /** Set when a quote was left open at the end of the line. */
  unterminatedQuoteAt?: number;
}

/**
 * @param text the line without its terminating `\n`
 * @param line 0-based line number (for spans)
 * @param from character offset where splitting starts
 */
export function splitRestoreLine(text: string, line: number, from = 0): LineWords {
  const tokens: LineToken[] = [];
  const n = text.length;
  let i = from;
  let unterminatedQuoteAt: number | undefined;
  while (i < n) {
    let c = text.charCodeAt(i);
    // skip separators: space, tab, newline
    while (c === 32 || c === 9 || c === 10) {
      i++;
      if (i >= n) return { tokens, unterminatedQuoteAt };
      c = text.charCodeAt(i);
    }
    const start = i;
    let quoted = false;
    let value: string | undefined; // built lazily only when quotes are involved
    let plainStart = i;
    for (;;) {
      if (i >= n) break;
      c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10) break;
      if (c === 34 /* " */) {
        quoted = true;
        value = (value ?? '') + text.slice(plainStart, i);
        i++;
        const qStart = i - 1;
        let closed = false;
        // Copy runs between escapes as slices (never character by character: that would build
        // a cons-string node per character).
        let run = i;
        while (i < n) {
          const d = text.charCodeAt(i);
          if (d === 92 /* \ */) {
            value += text.slice(run, i);
            if (i + 1 < n) value += text[i + 1];
            i += 2;
            run = i;
            continue;
          }
          if (d === 34) {
            value += text.slice(run, i);
            closed = true;
            i++;
            break;
          }
          i++;
        }
        if (!closed) {
          // iptables-restore reads the line with its newline: an open quote swallows it, so the
          // word ends in "\n" (which later makes e.g. a target name invalid).
          value += `${text.slice(run, Math.min(i, n))}\n`;
        }
        if (!closed) unterminatedQuoteAt = qStart;
        // A closing quote ends the word (as in add_param_to_argv).
        plainStart = i;
        break;
      }
      i++;
    }
    const text0 = value !== undefined ? value + text.slice(plainStart, i) : text.slice(start, i);
    tokens.push(new LineToken(text0, quoted, line, start, line, i));
  }
  return { tokens, unterminatedQuoteAt };
}

/**
 * Where a clean `[pkts:bytes]` (digits only) starting at `from` ends (the index after `]`), or 0
 * when raw[from..] does not start with one. Reads the characters in place, without a slice.
 */
export function countersEnd(raw: string, from = 0): number {
  const n = raw.length;
  if (raw.charCodeAt(from) !== 91 /* [ */) return 0;
  let i = from + 1;
  const d0 = i;
  while (i < n && raw.charCodeAt(i) >= 48 && raw.charCodeAt(i) <= 57) i++;
  if (i === d0 || raw.charCodeAt(i) !== 58 /* : */) return 0;
  const d1 = ++i;
  while (i < n && raw.charCodeAt(i) >= 48 && raw.charCodeAt(i) <= 57) i++;
  if (i === d1 || raw.charCodeAt(i) !== 93 /* ] */) return 0;
  return i + 1;
}
