/**
 * Shell lexer for the script parser: splits POSIX/bash source into words (kept as parts: literal
 * text, parameter expansions, command substitutions...), operators, redirections and newlines,
 * with here-document bodies attached to their `<<` operators. Every piece keeps its source
 * offsets so tokens map back to exact spans. Linear in the input; never throws; nesting deeper
 * than MAX_NEST is scanned over without being analysed.
 */

/** A piece of a word. Offsets are into the whole document; `q` tells whether it was quoted. */
export type Part =
  | { k: 'lit'; text: string; start: number; end: number; q: boolean }
  | {
      k: 'param';
      /** Variable name, digit(s) for positional parameters, or one of `@ * # ? $ ! - 0`. */
      name: string;
      /** Operator of `${name<op>arg}` (`:-`, `-`, `:=`, `+`, `#`, `%`, ...); '' for plain `$x`/`${x}`. */
      op: string;
      arg?: Word;
      /** `${#name}`. */
      length: boolean;
      start: number;
      end: number;
      q: boolean;
    }
  | { k: 'cmd'; toks: Tok[]; start: number; end: number; q: boolean }
  | { k: 'opaque'; what: string; start: number; end: number; q: boolean };

export interface Word {
  start: number;
  end: number;
  parts: Part[];
}

export interface Heredoc {
  /** Delimiter after quote removal. */
  delim: string;
  /** Delimiter was quoted: the body is literal (no expansions). */
  quoted: boolean;
  /** `<<-`: leading tabs are stripped from body lines. */
  strip: boolean;
  /** Body offsets (without the delimiter line). */
  bodyStart: number;
  bodyEnd: number;
  /** The delimiter line was found before the end of input. */
  terminated: boolean;
}

export type Tok =
  | { k: 'word'; word: Word }
  | { k: 'op'; op: string; start: number; end: number }
  | { k: 'redir'; op: string; start: number; end: number; heredoc?: Heredoc }
  | { k: 'nl'; start: number; end: number };

export interface LexProblem {
  start: number;
  end: number;
  message: string;
  code: string;
}

export interface LexResult {
  toks: Tok[];
  problems: LexProblem[];
}

/** Deeper nesting of `$(...)`, backquotes and `${...}` is skipped, not analysed. */
export const MAX_NEST = 48;

const OPS = [';;&', ';;', ';&', ';', '&&', '&>>', '&>', '&', '||', '|&', '|', '(', ')'];
const REDIRS = ['<<<', '<<-', '<<', '<&', '<>', '<', '>>', '>&', '>|', '>'];

function isMeta(c: number): boolean {
  // space tab newline ; & | ( ) < >
  return (
    c === 32 || c === 9 || c === 10 || c === 59 || c === 38 || c === 124 || c === 40 || c === 41 || c === 60 || c === 62
  );
}
/** Characters with no special meaning in the given word-reading mode. */
function isPlain(c: number, mode: 'word' | 'dquote' | 'brace'): boolean {
  if (c === 92 || c === 36 || c === 96 || c === 34 || c === 13) return false; // \ $ ` " CR
  if (mode === 'dquote') return true;
  if (c === 39) return false; // '
  if (mode === 'brace') return c !== 123 && c !== 125;
  return !isMeta(c);
}
function isNameStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Lexes `src` between `from` and `to`. `stopAtParen`: end at an unmatched `)` (command substitution). */
class Lexer {
  toks: Tok[] = [];
  pending: { tok: { heredoc?: Heredoc }; strip: boolean; delimWord?: Word }[] = [];
  pos: number;
  /** Where a `$(...)` lexer stopped (offset of its closing parenthesis) or -1. */
  closeAt = -1;

  constructor(
    readonly src: string,
    from: number,
    readonly to: number,
    readonly depth: number,
    readonly problems: LexProblem[],
  ) {
    this.pos = from;
  }

  run(stopAtParen: boolean): void {
    const s = this.src;
    let parens = 0;
    let expectDelim: { strip: boolean; tok: { heredoc?: Heredoc } } | undefined;
    while (this.pos < this.to) {
      const c = s.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 13) {
        this.pos++;
        continue;
      }
      if (c === 92 /* \ */ && s.charCodeAt(this.pos + 1) === 10 && this.pos + 1 < this.to) {
        this.pos += 2;
        continue;
      }
      if (c === 92 && s.charCodeAt(this.pos + 1) === 13 && s.charCodeAt(this.pos + 2) === 10) {
        this.pos += 3;
        continue;
      }
      if (c === 10) {
        this.toks.push({ k: 'nl', start: this.pos, end: this.pos + 1 });
        this.pos++;
        if (this.pending.length) this.readHeredocs();
        continue;
      }
      if (c === 35 /* # */) {
        while (this.pos < this.to && s.charCodeAt(this.pos) !== 10) this.pos++;
        continue;
      }
      // redirections, with an optional fd number written right before them
      if (c === 60 || c === 62) {
        if (s.charCodeAt(this.pos + 1) === 40 /* ( */) {
          // process substitution <(...) >(...): a word
          this.pushWord(this.readWord());
          continue;
        }
        const start = this.pos;
        const op = REDIRS.find((r) => s.startsWith(r, this.pos)) ?? s[this.pos];
        this.pos += op.length;
        const tok: Tok & { k: 'redir' } = { k: 'redir', op, start, end: this.pos };
        this.toks.push(tok);
        if (op === '<<' || op === '<<-') expectDelim = { strip: op === '<<-', tok };
        continue;
      }
      if (c === 38 || c === 59 || c === 124 || c === 40 || c === 41) {
        if (c === 38 && s.charCodeAt(this.pos + 1) === 62) {
          const op = s.startsWith('&>>', this.pos) ? '&>>' : '&>';
          this.toks.push({ k: 'redir', op, start: this.pos, end: this.pos + op.length });
          this.pos += op.length;
          continue;
        }
        const op = OPS.find((o) => s.startsWith(o, this.pos)) ?? s[this.pos];
        if (op === '(') parens++;
        if (op === ')') {
          if (stopAtParen && parens === 0) {
            this.closeAt = this.pos;
            return;
          }
          parens--;
        }
        this.toks.push({ k: 'op', op, start: this.pos, end: this.pos + op.length });
        this.pos += op.length;
        continue;
      }
      const w = this.readWord();
      // "2>file": a number right before a redirection is its fd, not a word
      const nc = s.charCodeAt(this.pos);
      if ((nc === 60 || nc === 62) && w.parts.length === 1 && isFdNumber(w.parts[0])) {
        continue;
      }
      if (expectDelim) {
        const d = expectDelim;
        expectDelim = undefined;
        this.pending.push({ tok: d.tok, strip: d.strip, delimWord: w });
      }
      this.pushWord(w);
    }
  }

  private pushWord(w: Word) {
    this.toks.push({ k: 'word', word: w });
  }

  /** Reads here-document bodies after a newline, in the order their operators appeared. */
  private readHeredocs() {
    const s = this.src;
    for (const p of this.pending) {
      const dw = p.delimWord;
      let delim = '';
      let quoted = false;
      for (const part of dw?.parts ?? []) {
        if (part.k === 'lit') delim += part.text;
        else delim += s.slice(part.start, part.end);
        if (part.q) quoted = true;
      }
      const bodyStart = this.pos;
      let at = this.pos;
      let terminated = false;
      let bodyEnd = this.to;
      while (at < this.to) {
        let nl = s.indexOf('\n', at);
        if (nl < 0 || nl > this.to) nl = this.to;
        let ls = at;
        if (p.strip) while (ls < nl && s.charCodeAt(ls) === 9) ls++;
        let le = nl;
        if (le > ls && s.charCodeAt(le - 1) === 13) le--;
        if (le - ls === delim.length && s.startsWith(delim, ls)) {
          bodyEnd = at;
          terminated = true;
          at = nl < this.to ? nl + 1 : nl;
          break;
        }
        at = nl < this.to ? nl + 1 : nl;
      }
      if (!terminated) {
        bodyEnd = this.to;
        this.problems.push({
          start: dw?.start ?? bodyStart,
          end: dw?.end ?? bodyStart,
          code: 'unterminated-heredoc',
          message: `here-document delimited by end of file (wanted "${delim}")`,
        });
      }
      p.tok.heredoc = { delim, quoted, strip: p.strip, bodyStart, bodyEnd, terminated };
      this.pos = at;
    }
    this.pending = [];
  }

  /** Reads one word starting at `pos` (not at a metacharacter). */
  readWord(): Word {
    const start = this.pos;
    const parts: Part[] = [];
    this.readParts(parts, 'word');
    return { start, end: this.pos, parts };
  }

  /**
   * Reads parts until the end of the word. Modes: `word` (ends at a metacharacter), `dquote`
   * (inside "..."; ends at the closing quote, which is consumed), `brace` (the argument of
   * `${x:-...}`; ends before the closing brace).
   */
  readParts(parts: Part[], mode: 'word' | 'dquote' | 'brace'): boolean {
    const s = this.src;
    const q = mode === 'dquote';
    let litStart = this.pos;
    let lit = '';
    const flush = (end: number) => {
      if (lit.length > 0) parts.push({ k: 'lit', text: lit, start: litStart, end, q });
      lit = '';
    };
    let braceDepth = 0;
    while (this.pos < this.to) {
      const c = s.charCodeAt(this.pos);
      if (mode === 'word' && isMeta(c)) {
        if (c === 40 && this.isArrayAssign(parts, lit)) {
          // NAME=( ... ): array assignment, kept as an opaque part
          flush(this.pos);
          const st = this.pos;
          this.skipBalanced(40, 41);
          parts.push({ k: 'opaque', what: 'array', start: st, end: this.pos, q: false });
          litStart = this.pos;
          continue;
        }
        if ((c === 60 || c === 62) && s.charCodeAt(this.pos + 1) === 40 && this.pos === litStart && lit === '') {
          // process substitution
          flush(this.pos);
          const st = this.pos;
          this.pos += 2;
          const toks = this.nested(true);
          parts.push({ k: 'cmd', toks, start: st, end: this.pos, q: false });
          litStart = this.pos;
          continue;
        }
        break;
      }
      if (mode === 'word' && c === 13 && s.charCodeAt(this.pos + 1) === 10) break;
      if (mode === 'dquote' && c === 34) {
        flush(this.pos);
        this.pos++;
        return true;
      }
      if (mode === 'brace') {
        if (c === 125 /* } */) {
          if (braceDepth === 0) break;
          braceDepth--;
        } else if (c === 123) braceDepth++;
      }
      if (c === 92 /* \ */) {
        const n = s.charCodeAt(this.pos + 1);
        if (this.pos + 1 >= this.to) {
          lit += '\\';
          this.pos++;
          continue;
        }
        if (n === 10) {
          // line continuation
          this.pos += 2;
          continue;
        }
        if (q && !(n === 36 || n === 96 || n === 34 || n === 92)) {
          lit += '\\';
          this.pos++;
          continue;
        }
        if (!q) {
          flush(this.pos);
          parts.push({ k: 'lit', text: s[this.pos + 1], start: this.pos, end: this.pos + 2, q: true });
          this.pos += 2;
          litStart = this.pos;
          continue;
        }
        lit += s[this.pos + 1];
        this.pos += 2;
        continue;
      }
      if (!q && c === 39 /* ' */) {
        flush(this.pos);
        const st = this.pos;
        const close = s.indexOf("'", this.pos + 1);
        const end = close < 0 || close >= this.to ? this.to : close;
        if (close < 0 || close >= this.to) this.unterminated(st, "'");
        parts.push({ k: 'lit', text: s.slice(st + 1, end), start: st, end: Math.min(end + 1, this.to), q: true });
        this.pos = Math.min(end + 1, this.to);
        litStart = this.pos;
        continue;
      }
      if (!q && c === 34 /* " */) {
        flush(this.pos);
        const st = this.pos;
        this.pos++;
        const inner: Part[] = [];
        if (!this.readParts(inner, 'dquote')) this.unterminated(st, '"');
        if (inner.length === 0) parts.push({ k: 'lit', text: '', start: st, end: this.pos, q: true });
        else for (const p of inner) parts.push(p);
        litStart = this.pos;
        continue;
      }
      if (c === 36 /* $ */) {
        const n = s.charCodeAt(this.pos + 1);
        if (!q && n === 39) {
          flush(this.pos);
          parts.push(this.readAnsiC());
          litStart = this.pos;
          continue;
        }
        if (!q && n === 34) {
          // $"...": locale translation, treated as "..."
          this.pos++;
          continue;
        }
        const p = this.readDollar(q);
        if (p) {
          flush(p.start);
          parts.push(p);
          litStart = this.pos;
          continue;
        }
        lit += '$';
        this.pos++;
        continue;
      }
      if (c === 96 /* ` */) {
        flush(this.pos);
        parts.push(this.readBackquote(q));
        litStart = this.pos;
        continue;
      }
      if (lit === '') litStart = this.pos;
      // a run of ordinary characters at once
      let k = this.pos + 1;
      while (k < this.to && isPlain(s.charCodeAt(k), mode)) k++;
      lit += s.slice(this.pos, k);
      this.pos = k;
    }
    flush(this.pos);
    return mode !== 'dquote';
  }

  private unterminated(at: number, quote: string) {
    this.problems.push({
      start: at,
      end: at + 1,
      code: 'unterminated-quote',
      message: `unterminated ${quote} quote: the shell reads the rest of the file as one string`,
    });
  }

  private isArrayAssign(parts: Part[], lit: string): boolean {
    if (parts.length > 0) return false;
    return /^[A-Za-z_][A-Za-z0-9_]*\+?=$/.test(lit);
  }

  /** Skips a balanced group (quotes respected roughly); pos at the opening char. */
  skipBalanced(open: number, close: number): void {
    const s = this.src;
    let depth = 0;
    while (this.pos < this.to) {
      const c = s.charCodeAt(this.pos);
      if (c === 92) {
        this.pos += 2;
        continue;
      }
      if (c === 39) {
        const e = s.indexOf("'", this.pos + 1);
        this.pos = e < 0 || e >= this.to ? this.to : e + 1;
        continue;
      }
      if (c === 34) {
        let k = this.pos + 1;
        while (k < this.to && s.charCodeAt(k) !== 34) k += s.charCodeAt(k) === 92 ? 2 : 1;
        this.pos = Math.min(k + 1, this.to);
        continue;
      }
      this.pos++;
      if (c === open) depth++;
      else if (c === close) {
        depth--;
        if (depth <= 0) return;
      }
    }
    if (this.pos > this.to) this.pos = this.to;
  }

  /** Lexes a nested command list (after `$(`), up to and including the matching `)`. */
  private nested(stopAtParen: boolean): Tok[] {
    if (this.depth >= MAX_NEST) {
      this.pos--; // at the '('
      this.skipBalanced(40, 41);
      return [];
    }
    const sub = new Lexer(this.src, this.pos, this.to, this.depth + 1, this.problems);
    sub.run(stopAtParen);
    if (sub.closeAt >= 0) this.pos = sub.closeAt + 1;
    else {
      this.pos = this.to;
      this.problems.push({
        start: this.pos - 1,
        end: this.pos,
        code: 'unterminated-substitution',
        message: 'command substitution is not closed with ")"',
      });
    }
    return sub.toks;
  }

  /** Reads `$...` at pos; returns undefined when the `$` is literal. */
  readDollar(q: boolean): Part | undefined {
    const s = this.src;
    const start = this.pos;
    const n = s.charCodeAt(start + 1);
    if (n === 40 /* ( */) {
      if (s.charCodeAt(start + 2) === 40) {
        // $(( arithmetic ))
        this.pos = start + 1;
        this.skipBalanced(40, 41);
        return { k: 'opaque', what: 'arithmetic', start, end: this.pos, q };
      }
      this.pos = start + 2;
      const toks = this.nested(true);
      return { k: 'cmd', toks, start, end: this.pos, q };
    }
    if (n === 91 /* [ */) {
      this.pos = start + 1;
      this.skipBalanced(91, 93);
      return { k: 'opaque', what: 'arithmetic', start, end: this.pos, q };
    }
    if (n === 123 /* { */) return this.readBrace(q);
    if (isNameStart(n)) {
      let k = start + 2;
      while (k < this.to && isNameChar(s.charCodeAt(k))) k++;
      this.pos = k;
      return { k: 'param', name: s.slice(start + 1, k), op: '', length: false, start, end: k, q };
    }
    if (isDigit(n) || n === 64 || n === 42 || n === 35 || n === 63 || n === 36 || n === 33 || n === 45) {
      if (start + 1 >= this.to) return undefined;
      this.pos = start + 2;
      return { k: 'param', name: s[start + 1], op: '', length: false, start, end: this.pos, q };
    }
    return undefined;
  }

  /** `${...}` */
  private readBrace(q: boolean): Part {
    const s = this.src;
    const start = this.pos;
    if (this.depth >= MAX_NEST) {
      this.pos = start + 1;
      this.skipBalanced(123, 125);
      return { k: 'opaque', what: 'expansion', start, end: this.pos, q };
    }
    let k = start + 2;
    let length = false;
    if (s.charCodeAt(k) === 35 /* # */ && k + 1 < this.to && s.charCodeAt(k + 1) !== 125) {
      length = true;
      k++;
    }
    const nameStart = k;
    if (isNameStart(s.charCodeAt(k))) while (k < this.to && isNameChar(s.charCodeAt(k))) k++;
    else if (isDigit(s.charCodeAt(k))) while (k < this.to && isDigit(s.charCodeAt(k))) k++;
    else if (k < this.to && '@*#?$!-0'.includes(s[k])) k++;
    const name = s.slice(nameStart, k);
    let op = '';
    if (s.charCodeAt(k) === 91 /* [ */) {
      // array subscript: value not tracked
      this.pos = k;
      this.skipBalanced(91, 93);
      k = this.pos;
      op = '[]';
    }
    const rest = s.slice(k, k + 2);
    let opLen = 0;
    if (s.charCodeAt(k) === 125) opLen = 0;
    else if (/^:[-=?+]/.test(rest)) opLen = 2;
    else if (/^(##|%%|\/\/|\^\^|,,)/.test(rest)) opLen = 2;
    else if (k < this.to && '-=?+#%/:^,@'.includes(s[k])) opLen = 1;
    if (opLen) op = s.slice(k, k + opLen);
    this.pos = k + opLen;
    let arg: Word | undefined;
    if (s.charCodeAt(this.pos) !== 125 || opLen > 0) {
      const a = this.pos;
      const parts: Part[] = [];
      const sub = new Lexer(this.src, this.pos, this.to, this.depth + 1, this.problems);
      sub.readParts(parts, 'brace');
      this.pos = sub.pos;
      arg = { start: a, end: this.pos, parts };
      if (!op) op = '?bad';
    }
    if (s.charCodeAt(this.pos) === 125) this.pos++;
    else this.unterminated(start, '${');
    return { k: 'param', name: name || '?', op, arg, length, start, end: this.pos, q };
  }

  /** `$'...'` with backslash escapes. */
  private readAnsiC(): Part {
    const s = this.src;
    const start = this.pos;
    let k = start + 2;
    let text = '';
    while (k < this.to && s.charCodeAt(k) !== 39) {
      if (s.charCodeAt(k) === 92 && k + 1 < this.to) {
        const e = s[k + 1];
        const simple: Record<string, string> = {
          n: '\n',
          t: '\t',
          r: '\r',
          a: '\x07',
          b: '\b',
          e: '\x1b',
          E: '\x1b',
          f: '\f',
          v: '\v',
          '\\': '\\',
          "'": "'",
          '"': '"',
          '?': '?',
        };
        if (simple[e] !== undefined) {
          text += simple[e];
          k += 2;
          continue;
        }
        const hex = /^x([0-9a-fA-F]{1,2})|^u([0-9a-fA-F]{1,4})|^U([0-9a-fA-F]{1,8})|^([0-7]{1,3})/.exec(
          s.slice(k + 1, k + 10),
        );
        if (hex) {
          const code =
            hex[4] !== undefined ? Number.parseInt(hex[4], 8) : Number.parseInt(hex[1] ?? hex[2] ?? hex[3], 16);
          text += code <= 0x10ffff ? String.fromCodePoint(code) : '';
          k += 1 + hex[0].length;
          continue;
        }
        text += `\\${e}`;
        k += 2;
        continue;
      }
      text += s[k];
      k++;
    }
    if (k >= this.to) this.unterminated(start, "$'");
    this.pos = Math.min(k + 1, this.to);
    return { k: 'lit', text, start, end: this.pos, q: true };
  }

  /** `` `...` ``: the content is lexed as a nested command list. */
  readBackquote(q: boolean): Part {
    const s = this.src;
    const start = this.pos;
    let k = start + 1;
    while (k < this.to && s.charCodeAt(k) !== 96) k += s.charCodeAt(k) === 92 ? 2 : 1;
    const end = Math.min(k, this.to);
    if (k >= this.to) this.unterminated(start, '`');
    let toks: Tok[] = [];
    if (this.depth < MAX_NEST) {
      const sub = new Lexer(this.src, start + 1, end, this.depth + 1, this.problems);
      sub.run(false);
      toks = sub.toks;
    }
    this.pos = Math.min(end + 1, this.to);
    return { k: 'cmd', toks, start, end: this.pos, q };
  }
}

function isFdNumber(p: Part): boolean {
  return p.k === 'lit' && !p.q && /^[0-9]{1,2}$/.test(p.text);
}

/** Lexes a whole script (or the range `from`..`to` of it). */
export function lexShell(src: string, from = 0, to = src.length): LexResult {
  const problems: LexProblem[] = [];
  const lx = new Lexer(src, from, to, 0, problems);
  lx.run(false);
  return { toks: lx.toks, problems };
}

/**
 * Reads the expansions of an unquoted here-document body: returns its parts (literal text and
 * `$...`/backquote expansions; quotes are ordinary characters), with leading tabs of each line
 * dropped for `<<-`.
 */
export function lexHeredocBody(src: string, h: Heredoc): Part[] {
  const parts: Part[] = [];
  const problems: LexProblem[] = [];
  const lx = new Lexer(src, h.bodyStart, h.bodyEnd, 1, problems);
  let lit = '';
  let litStart = h.bodyStart;
  let lineStart = true;
  const flush = (end: number) => {
    if (lit) parts.push({ k: 'lit', text: lit, start: litStart, end, q: true });
    lit = '';
  };
  // Literal characters are emitted one part per run; positions of stripped tabs are skipped.
  while (lx.pos < h.bodyEnd) {
    const c = src.charCodeAt(lx.pos);
    if (lineStart && h.strip && c === 9) {
      flush(lx.pos);
      lx.pos++;
      litStart = lx.pos;
      continue;
    }
    lineStart = false;
    if (c === 10) lineStart = true;
    if (!h.quoted) {
      if (c === 92 /* \ */ && lx.pos + 1 < h.bodyEnd) {
        const n = src.charCodeAt(lx.pos + 1);
        if (n === 10) {
          flush(lx.pos);
          lx.pos += 2;
          litStart = lx.pos;
          continue;
        }
        if (n === 36 || n === 96 || n === 92) {
          flush(lx.pos);
          parts.push({ k: 'lit', text: src[lx.pos + 1], start: lx.pos, end: lx.pos + 2, q: true });
          lx.pos += 2;
          litStart = lx.pos;
          continue;
        }
      }
      if (c === 36) {
        const p = lx.readDollar(true);
        if (p) {
          flush(p.start);
          parts.push(p);
          litStart = lx.pos;
          continue;
        }
      }
      if (c === 96) {
        flush(lx.pos);
        parts.push(lx.readBackquote(true));
        litStart = lx.pos;
        continue;
      }
    }
    if (lit === '') litStart = lx.pos;
    lit += src[lx.pos];
    lx.pos++;
  }
  flush(lx.pos);
  return parts;
}
