/**
 * Shell grammar for the script parser: turns the lexer's tokens into a small syntax tree of
 * simple commands, pipelines, and/or lists, if/while/until/for/case, groups, subshells and
 * function definitions. Tolerant: anything unexpected is skipped, a missing `fi`/`done`/`esac`
 * ends at the end of input, and nesting deeper than MAX_DEPTH is read flat (no recursion), so
 * any input is parsed in linear time without exhausting the stack.
 */
import type { Heredoc, Tok, Word } from './lexer';

export interface Redir {
  op: string;
  start: number;
  end: number;
  target?: Word;
  heredoc?: Heredoc;
}

export interface Assign {
  name: string;
  /** Offset where the value starts inside `word` (just after `=`). */
  word: Word;
  append: boolean;
}

export type Node =
  | { t: 'simple'; assigns: Assign[]; words: Word[]; redirs: Redir[]; start: number; end: number }
  | { t: 'pipe'; cmds: Node[] }
  | { t: 'andor'; first: Node; rest: { op: '&&' | '||'; node: Node }[] }
  | { t: 'list'; items: Node[] }
  | { t: 'if'; clauses: { cond: Node; body: Node }[]; otherwise?: Node }
  | { t: 'loop'; until: boolean; cond: Node; body: Node }
  | { t: 'for'; name: string; words?: Word[]; body: Node }
  | { t: 'case'; word: Word; items: { patterns: Word[]; body: Node }[] }
  | { t: 'group'; body: Node; subshell: boolean; redirs: Redir[] }
  | { t: 'func'; name: string; body: Node; start: number; end: number };

export const MAX_DEPTH = 120;

const EMPTY: Node = { t: 'list', items: [] };

/** A word made of one unquoted literal part (needed for reserved words and names). */
export function plainWord(w: Word): string | undefined {
  if (w.parts.length !== 1) return undefined;
  const p = w.parts[0];
  return p.k === 'lit' && !p.q ? p.text : undefined;
}

const ASSIGN_RE = /^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?(\+?)=/;

/** `NAME=...` at the start of a word (the `NAME=` part unquoted). */
export function assignmentOf(w: Word): Assign | undefined {
  const p = w.parts[0];
  if (p?.k !== 'lit' || p.q) return undefined;
  const m = ASSIGN_RE.exec(p.text);
  if (!m) return undefined;
  if (m[2]) return { name: `${m[1]}[]`, word: w, append: m[3] === '+' };
  return { name: m[1], word: w, append: m[3] === '+' };
}

/** The value part of an assignment word (everything after the first `=`). */
export function assignmentValue(w: Word): Word {
  const p = w.parts[0];
  if (p?.k !== 'lit') return w;
  const eq = p.text.indexOf('=');
  const rest = p.text.slice(eq + 1);
  const parts = w.parts.slice(1);
  // The literal part's source offsets: unquoted literal text maps one to one.
  const valueStart = p.start + eq + 1;
  if (rest.length > 0) parts.unshift({ k: 'lit', text: rest, start: valueStart, end: p.end, q: false });
  return { start: valueStart, end: w.end, parts };
}

const CLOSERS = new Set(['then', 'elif', 'else', 'fi', 'do', 'done', 'esac', '}', ')', ';;', ';&', ';;&']);

class Parser {
  i = 0;
  constructor(readonly toks: Tok[]) {}

  private peek(): Tok | undefined {
    return this.toks[this.i];
  }

  /** Reserved word at the current position (only meaningful in command position). */
  private keyword(): string | undefined {
    const t = this.toks[this.i];
    if (!t) return undefined;
    if (t.k === 'op') return t.op;
    if (t.k !== 'word') return undefined;
    return plainWord(t.word);
  }

  private skipNewlines() {
    while (this.i < this.toks.length) {
      const t = this.toks[this.i];
      if (t.k === 'nl' || (t.k === 'op' && (t.op === ';' || t.op === '&'))) this.i++;
      else break;
    }
  }

  /** Parses commands until one of `stops` (reserved word or operator) in command position. */
  list(stops: Set<string>, depth: number): Node {
    const items: Node[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.i >= this.toks.length) break;
      const kw = this.keyword();
      if (kw !== undefined && stops.has(kw)) break;
      if (kw !== undefined && CLOSERS.has(kw)) {
        // a closer that belongs to nobody here: skip it
        this.i++;
        continue;
      }
      const before = this.i;
      const n = this.andOr(stops, depth);
      if (n) items.push(n);
      if (this.i === before) this.i++;
    }
    return items.length === 1 ? items[0] : { t: 'list', items };
  }

  private andOr(stops: Set<string>, depth: number): Node | undefined {
    const first = this.pipeline(stops, depth);
    if (!first) return undefined;
    const rest: { op: '&&' | '||'; node: Node }[] = [];
    for (;;) {
      const t = this.peek();
      if (t?.k !== 'op' || (t.op !== '&&' && t.op !== '||')) break;
      this.i++;
      while (this.peek()?.k === 'nl') this.i++;
      const n = this.pipeline(stops, depth);
      if (n) rest.push({ op: t.op as '&&' | '||', node: n });
      else break;
    }
    return rest.length ? { t: 'andor', first, rest } : first;
  }

  private pipeline(stops: Set<string>, depth: number): Node | undefined {
    if (this.keyword() === '!') this.i++;
    const cmds: Node[] = [];
    for (;;) {
      const kw = this.keyword();
      if (kw !== undefined && (stops.has(kw) || CLOSERS.has(kw))) break;
      const before = this.i;
      const c = this.command(depth);
      if (c) cmds.push(c);
      const t = this.peek();
      if (t && t.k === 'op' && (t.op === '|' || t.op === '|&')) {
        this.i++;
        while (this.peek()?.k === 'nl') this.i++;
        continue;
      }
      if (this.i === before) break;
      break;
    }
    if (cmds.length === 0) return undefined;
    return cmds.length === 1 ? cmds[0] : { t: 'pipe', cmds };
  }

  private command(depth: number): Node | undefined {
    const kw = this.keyword();
    const t = this.peek();
    if (!t) return undefined;
    if (depth < MAX_DEPTH && kw !== undefined) {
      const d = depth + 1;
      switch (kw) {
        case 'if':
          return this.ifClause(d);
        case 'while':
        case 'until': {
          this.i++;
          const cond = this.list(new Set(['do']), d);
          const body = this.doGroup(d);
          return { t: 'loop', until: kw === 'until', cond, body };
        }
        case 'for':
        case 'select':
          return this.forClause(d);
        case 'case':
          return this.caseClause(d);
        case '{': {
          this.i++;
          const body = this.list(new Set(['}']), d);
          if (this.keyword() === '}') this.i++;
          return { t: 'group', body, subshell: false, redirs: this.redirections() };
        }
        case '(': {
          this.i++;
          const body = this.list(new Set([')']), d);
          if (this.keyword() === ')') this.i++;
          return { t: 'group', body, subshell: true, redirs: this.redirections() };
        }
        case 'function': {
          this.i++;
          const nameTok = this.peek();
          if (nameTok?.k !== 'word') return undefined;
          this.i++;
          if (this.keyword() === '(' && this.toks[this.i + 1]?.k === 'op') this.i += 2;
          return this.funcBody(plainWord(nameTok.word) ?? '', nameTok.word.start, d);
        }
      }
    } else if (kw === '(' || kw === ')') {
      // too deep: read flat
      this.i++;
      return undefined;
    }
    if (t.k === 'word') {
      // name() compound-command
      const n1 = this.toks[this.i + 1];
      const n2 = this.toks[this.i + 2];
      if (
        depth < MAX_DEPTH &&
        n1?.k === 'op' &&
        n1.op === '(' &&
        n2?.k === 'op' &&
        n2.op === ')' &&
        plainWord(t.word) !== undefined
      ) {
        this.i += 3;
        return this.funcBody(plainWord(t.word) ?? '', t.word.start, depth + 1);
      }
    }
    if (t.k === 'word' || t.k === 'redir') return this.simple();
    return undefined;
  }

  private funcBody(name: string, start: number, depth: number): Node {
    while (this.peek()?.k === 'nl') this.i++;
    const body = this.command(depth) ?? EMPTY;
    const prev = this.toks[this.i - 1];
    const end = prev ? (prev.k === 'word' ? prev.word.end : prev.end) : start;
    return { t: 'func', name, body, start, end };
  }

  private doGroup(depth: number): Node {
    if (this.keyword() !== 'do') return EMPTY;
    this.i++;
    const body = this.list(new Set(['done']), depth);
    if (this.keyword() === 'done') this.i++;
    this.redirections();
    return body;
  }

  private ifClause(depth: number): Node {
    this.i++; // if
    const clauses: { cond: Node; body: Node }[] = [];
    let otherwise: Node | undefined;
    const condStops = new Set(['then']);
    const bodyStops = new Set(['elif', 'else', 'fi']);
    for (;;) {
      const cond = this.list(condStops, depth);
      if (this.keyword() !== 'then') {
        clauses.push({ cond, body: EMPTY });
        break;
      }
      this.i++;
      const body = this.list(bodyStops, depth);
      clauses.push({ cond, body });
      const kw = this.keyword();
      if (kw === 'elif') {
        this.i++;
        continue;
      }
      if (kw === 'else') {
        this.i++;
        otherwise = this.list(new Set(['fi']), depth);
      }
      break;
    }
    if (this.keyword() === 'fi') this.i++;
    this.redirections();
    return { t: 'if', clauses, otherwise };
  }

  private forClause(depth: number): Node {
    this.i++; // for
    const nameTok = this.peek();
    if (nameTok?.k === 'op' && nameTok.op === '(') {
      // for (( ...; ...; ... )): arithmetic loop, the header is skipped
      while (this.i < this.toks.length && this.keyword() !== 'do') this.i++;
      return { t: 'loop', until: false, cond: EMPTY, body: this.doGroup(depth) };
    }
    if (nameTok?.k !== 'word') return EMPTY;
    this.i++;
    const name = plainWord(nameTok.word) ?? '';
    while (this.peek()?.k === 'nl') this.i++;
    let words: Word[] | undefined;
    if (this.keyword() === 'in') {
      this.i++;
      words = [];
      for (;;) {
        const t = this.peek();
        if (t?.k !== 'word') break;
        words.push(t.word);
        this.i++;
      }
    }
    this.skipNewlines();
    return { t: 'for', name, words, body: this.doGroup(depth) };
  }

  private caseClause(depth: number): Node {
    this.i++; // case
    const wt = this.peek();
    if (wt?.k !== 'word') return EMPTY;
    this.i++;
    while (this.peek()?.k === 'nl') this.i++;
    if (this.keyword() === 'in') this.i++;
    const items: { patterns: Word[]; body: Node }[] = [];
    const bodyStops = new Set([';;', ';&', ';;&', 'esac']);
    for (;;) {
      while (this.peek()?.k === 'nl') this.i++;
      const kw = this.keyword();
      if (kw === undefined || kw === 'esac') break;
      if (kw === '(') this.i++;
      const patterns: Word[] = [];
      for (;;) {
        const t = this.peek();
        if (t?.k === 'word') {
          patterns.push(t.word);
          this.i++;
          continue;
        }
        if (t?.k === 'op' && t.op === '|') {
          this.i++;
          continue;
        }
        break;
      }
      const close = this.peek();
      if (close?.k !== 'op' || close.op !== ')') {
        // not a pattern list: give up on this case statement
        if (patterns.length === 0) this.i++;
        break;
      }
      this.i++;
      const body = this.list(bodyStops, depth);
      items.push({ patterns, body });
      const end = this.keyword();
      if (end === ';;' || end === ';&' || end === ';;&') this.i++;
    }
    if (this.keyword() === 'esac') this.i++;
    this.redirections();
    return { t: 'case', word: wt.word, items };
  }

  private redirections(): Redir[] {
    const out: Redir[] = [];
    for (;;) {
      const t = this.peek();
      if (t?.k !== 'redir') break;
      this.i++;
      const r: Redir = { op: t.op, start: t.start, end: t.end, heredoc: t.heredoc };
      const n = this.peek();
      if (n?.k === 'word') {
        r.target = n.word;
        r.end = n.word.end;
        this.i++;
      }
      out.push(r);
    }
    return out;
  }

  private simple(): Node {
    const assigns: Assign[] = [];
    const words: Word[] = [];
    const redirs: Redir[] = [];
    let start = -1;
    let end = 0;
    for (;;) {
      const t = this.peek();
      if (!t) break;
      if (t.k === 'redir') {
        for (const r of this.redirections()) {
          redirs.push(r);
          if (start < 0) start = r.start;
          end = Math.max(end, r.end);
        }
        continue;
      }
      if (t.k !== 'word') break;
      this.i++;
      if (start < 0) start = t.word.start;
      end = t.word.end;
      if (words.length === 0) {
        const a = assignmentOf(t.word);
        if (a) {
          assigns.push(a);
          continue;
        }
      }
      words.push(t.word);
    }
    return { t: 'simple', assigns, words, redirs, start: Math.max(start, 0), end };
  }
}

/** Parses a token list into a syntax tree. */
export function parseTokens(toks: Tok[]): Node {
  const p = new Parser(toks);
  const stops = new Set<string>();
  const items: Node[] = [];
  while (p.i < toks.length) {
    const before = p.i;
    const n = p.list(stops, 0);
    if (n.t !== 'list' || n.items.length) items.push(n);
    if (p.i === before) p.i++;
  }
  return items.length === 1 ? items[0] : { t: 'list', items };
}
