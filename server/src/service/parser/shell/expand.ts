/**
 * Variables and word expansion for the script parser: scopes that record assignments in script
 * order (with branch overlays that are joined after if/case/&&/|| so a variable set differently on
 * two paths becomes unknown), and expansion of words into fields (parameter expansion with the
 * common `${x:-default}` forms, IFS field splitting, "$@"). A value that cannot be known is kept
 * verbatim and marked, with the source range of the expansion that made it unknown.
 */
import type { Part, Word } from './lexer';

/** A variable's value: a string, or unknown with a reason. */
export type Value = { known: true; v: string } | { known: false; why: string };

export const UNSET: Value = { known: false, why: 'unset' };

export class Scope {
  readonly vars = new Map<string, Value>();
  constructor(readonly parent?: Scope) {}

  get(name: string): Value | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  set(name: string, v: Value): void {
    this.vars.set(name, v);
  }
}

function sameValue(a: Value | undefined, b: Value | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.known && b.known) return a.v === b.v;
  return !a.known && !b.known && a.why === b.why;
}

/**
 * Joins branch scopes (children of `parent`) into `parent`. `withEmpty`: a path that runs none of
 * the branches exists (an `if` without `else`, the right side of `&&`).
 */
export function joinBranches(parent: Scope, branches: Scope[], withEmpty: boolean): void {
  const names = new Set<string>();
  for (const b of branches) for (const k of b.vars.keys()) names.add(k);
  for (const name of names) {
    const before = parent.get(name);
    let first: Value | undefined;
    let same = true;
    const consider = (v: Value | undefined) => {
      const val = v ?? UNSET;
      if (first === undefined) first = val;
      else if (!sameValue(first, val)) same = false;
    };
    for (const b of branches) consider(b.vars.get(name) ?? before);
    if (withEmpty) consider(before);
    parent.set(name, same && first ? first : { known: false, why: 'branch' });
  }
}

/** A place where an unknown value entered a field. */
export interface UnknownRegion {
  start: number;
  end: number;
  /** How the expansion is written (`$IPT`, `$(...)`, `$1`). */
  label: string;
}

/** One field produced by expanding words (an argv element). */
export interface Field {
  text: string;
  start: number;
  end: number;
  quoted: boolean;
  unknown: UnknownRegion[];
  /** Text after the last unknown part (to recognise `$DIR/iptables`). */
  knownTail: string;
  /** The field came from the arguments of a function call (positional parameters). */
  fromArgs?: boolean;
}

/** What word expansion needs from the evaluator. */
export interface ExpandHost {
  src: string;
  scope: Scope;
  /** Positional parameters, or undefined when unknown (script arguments). */
  positional: Field[] | undefined;
  /** A `source`/`.` was run: unassigned variables may have been set by it. */
  sourcedUnknown: boolean;
  /** Evaluates a command substitution; returns its value when it can be known. */
  commandSubstitution(part: Part & { k: 'cmd' }): Value;
}

function labelOf(src: string, p: Part): string {
  if (p.k === 'param') return `$${p.name}`;
  if (p.k === 'cmd') return src[p.start] === '`' ? '`...`' : '$(...)';
  if (p.k === 'opaque') return p.what === 'arithmetic' ? '$((...))' : src.slice(p.start, Math.min(p.end, p.start + 24));
  return src.slice(p.start, p.end);
}

class FieldBuilder {
  fields: Field[] = [];
  cur: Field | undefined;

  constructor(readonly word: Word) {}

  private open(start: number): Field {
    if (!this.cur) this.cur = { text: '', start, end: start, quoted: false, unknown: [], knownTail: '' };
    return this.cur;
  }

  /** Appends text that is not split (literal or quoted). */
  add(text: string, start: number, end: number, quoted: boolean) {
    const f = this.open(start);
    f.text += text;
    f.knownTail += text;
    f.end = end;
    if (quoted) f.quoted = true;
  }

  addUnknown(text: string, region: UnknownRegion, quoted: boolean) {
    const f = this.open(region.start);
    f.text += text;
    f.knownTail = '';
    f.end = region.end;
    f.unknown.push(region);
    if (quoted) f.quoted = true;
  }

  /** Ends the current field (an IFS split or a "$@" boundary). */
  cut() {
    if (this.cur) this.fields.push(this.cur);
    this.cur = undefined;
  }

  /** Appends a value subject to field splitting (POSIX IFS rules, simplified). */
  addSplit(value: string, start: number, end: number, ifs: string) {
    let piece = '';
    let lastNonWs = false;
    for (let k = 0; k < value.length; k++) {
      const ch = value[k];
      if (!ifs.includes(ch)) {
        piece += ch;
        lastNonWs = false;
        continue;
      }
      const ws = ch === ' ' || ch === '\t' || ch === '\n';
      if (piece.length > 0 || this.cur) {
        this.add(piece, start, end, false);
        this.cut();
        lastNonWs = !ws;
      } else if (!ws) {
        if (lastNonWs || k === 0) {
          this.add('', start, end, false);
          this.cut();
        }
        lastNonWs = true;
      }
      piece = '';
    }
    if (piece.length > 0) this.add(piece, start, end, false);
  }

  finish(): Field[] {
    this.cut();
    if (this.fields.length) {
      const first = this.fields[0];
      if (this.word.parts.length && first.start === this.word.parts[0].start) first.start = this.word.start;
      const last = this.fields[this.fields.length - 1];
      const lp = this.word.parts[this.word.parts.length - 1];
      if (lp && last.end === lp.end) last.end = this.word.end;
    }
    return this.fields;
  }
}

const DEFAULT_IFS = ' \t\n';

/** Looks a variable up, distinguishing "never assigned" from "assigned but unknown". */
function lookup(host: ExpandHost, name: string): Value {
  if (/^[0-9]+$/.test(name)) {
    const n = Number(name);
    if (n === 0) return { known: false, why: 'script name' };
    if (!host.positional) return { known: false, why: 'argument' };
    const f = host.positional[n - 1];
    if (!f) return { known: true, v: '' };
    return f.unknown.length ? { known: false, why: 'argument' } : { known: true, v: f.text };
  }
  if (name === '#')
    return host.positional ? { known: true, v: String(host.positional.length) } : { known: false, why: 'argument' };
  if (name === '?' || name === '$' || name === '!' || name === '-' || name === '*' || name === '@') {
    if ((name === '*' || name === '@') && host.positional && host.positional.every((f) => !f.unknown.length))
      return { known: true, v: host.positional.map((f) => f.text).join(' ') };
    return { known: false, why: 'special' };
  }
  return host.scope.get(name) ?? UNSET;
}

/** Expands a word without field splitting (assignment values, case words, heredoc parts). */
export function expandString(host: ExpandHost, w: Word): Value & { regions?: UnknownRegion[] } {
  let out = '';
  const regions: UnknownRegion[] = [];
  for (const p of w.parts) {
    const v = partValue(host, p);
    if (v.known) out += v.v;
    else {
      out += host.src.slice(p.start, p.end);
      regions.push({ start: p.start, end: p.end, label: labelOf(host.src, p) });
    }
  }
  if (regions.length) return { known: false, why: regions[0].label, regions };
  return { known: true, v: out };
}

/** The value of one part when expanded in a quoted context (no splitting). */
export function partValue(host: ExpandHost, p: Part): Value {
  switch (p.k) {
    case 'lit':
      return { known: true, v: p.text };
    case 'cmd':
      return host.commandSubstitution(p);
    case 'opaque':
      return { known: false, why: p.what };
    case 'param':
      return paramValue(host, p);
  }
}

function paramValue(host: ExpandHost, p: Part & { k: 'param' }): Value {
  if (p.op === '[]' || p.op === '?bad') return { known: false, why: 'array' };
  const v = lookup(host, p.name);
  if (p.length) return v.known ? { known: true, v: String([...v.v].length) } : v;
  // unassigned: when no config file was sourced, `${x:-default}` gives its default
  const unset = !v.known && v.why === 'unset' && !host.sourcedUnknown;
  const isEmpty = v.known && v.v === '';
  const arg = () => (p.arg ? expandString(host, p.arg) : ({ known: true, v: '' } as Value));
  switch (p.op) {
    case '':
      return v;
    case ':-':
    case '-':
      if (v.known && (p.op === '-' || !isEmpty)) return v;
      if (unset || isEmpty) return arg();
      return v;
    case ':=':
    case '=': {
      if (v.known && (p.op === '=' || !isEmpty)) return v;
      if (unset || isEmpty) {
        const a = arg();
        if (/^[A-Za-z_]/.test(p.name)) host.scope.set(p.name, a);
        return a;
      }
      return v;
    }
    case ':+':
    case '+':
      if (v.known && (p.op === '+' || !isEmpty)) return arg();
      if (unset || isEmpty) return { known: true, v: '' };
      return v;
    case ':?':
    case '?':
      return v;
    case '#':
    case '##':
    case '%':
    case '%%': {
      const a = arg();
      if (!v.known || !a.known) return v.known ? a : v;
      if (/[*?[\\]/.test(a.v)) return { known: false, why: 'pattern' };
      if (p.op[0] === '#') return { known: true, v: v.v.startsWith(a.v) ? v.v.slice(a.v.length) : v.v };
      return { known: true, v: v.v.endsWith(a.v) ? v.v.slice(0, v.v.length - a.v.length) : v.v };
    }
    default:
      return v.known ? { known: false, why: 'pattern' } : v;
  }
}

/** Expands a word into fields (parameter expansion, command substitution, field splitting). */
export function expandWord(host: ExpandHost, w: Word): Field[] {
  const b = new FieldBuilder(w);
  const ifsV = host.scope.get('IFS');
  const ifs = ifsV?.known ? ifsV.v : DEFAULT_IFS;
  for (const p of w.parts) {
    if (p.k === 'lit') {
      b.add(p.text, p.start, p.end, p.q);
      continue;
    }
    if (p.k === 'param' && (p.name === '@' || p.name === '*') && p.op === '' && host.positional) {
      const args = host.positional;
      if (p.q && p.name === '@') {
        // "$@": one field per argument, glued to the text around it
        args.forEach((a, k) => {
          if (k > 0) b.cut();
          if (a.unknown.length) {
            b.addUnknown(a.text, a.unknown[0], true);
            for (const r of a.unknown.slice(1)) b.cur?.unknown.push(r);
          } else b.add(a.text, a.start, a.end, true);
          if (b.cur) b.cur.fromArgs = true;
        });
        continue;
      }
      if (!p.q) {
        for (const a of args) {
          if (a.unknown.length) {
            b.cut();
            b.addUnknown(a.text, a.unknown[0], false);
            b.cur!.fromArgs = true;
            b.cur!.start = a.start;
            b.cur!.end = a.end;
            b.cut();
            continue;
          }
          b.addSplit(a.text, a.start, a.end, ifs);
          b.cut();
        }
        continue;
      }
    }
    const v = partValue(host, p);
    if (!v.known) {
      b.addUnknown(host.src.slice(p.start, p.end), { start: p.start, end: p.end, label: labelOf(host.src, p) }, p.q);
      continue;
    }
    if (p.q) b.add(v.v, p.start, p.end, true);
    else b.addSplit(v.v, p.start, p.end, ifs);
  }
  return b.finish();
}
