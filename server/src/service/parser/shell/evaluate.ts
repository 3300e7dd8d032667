/**
 * Walks a script's syntax tree in script order, keeping variables, positional parameters and
 * functions, and finds every iptables/ip6tables invocation (by name, path, variable, behind
 * sudo/env/nice/..., inside functions, loops, conditions and command substitutions) and every
 * `iptables-restore` fed by a here-document. Each invocation is parsed with parseCommand and
 * applied to the ruleset in order; restore input is parsed with the save parser. The work is
 * bounded: loops over known lists and function calls are expanded only within a budget
 * proportional to the script's size, after which bodies are read once with unknown values.
 */
import type { Command, Diagnostic, Family, Span, Token } from '../../model';
import { RulesetBuilder } from '../builder';
import { parseCommand } from '../command';
import {
  type ExpandHost,
  expandString,
  expandWord,
  type Field,
  joinBranches,
  Scope,
  UNSET,
  type Value,
} from './expand';
import { assignmentOf, assignmentValue, type Node, parseTokens, plainWord, type Redir } from './grammar';
import type { Heredoc, Part } from './lexer';
import type { LineIndex } from './positions';
import { heredocInput, overlaps, parseRestoreInput, type RestoreInput, unknownDiagnostic } from './restore';
import { classifyUnknowns } from './unknowns';

/** One iptables (or restore) invocation found in the script. */
export interface Invocation {
  kind: 'iptables' | 'restore';
  family: Family;
  /** The words after the command name (iptables), as iptables receives them. */
  argv: Token[];
  /** Every word's value is known (the invocation can be replayed for real). */
  known: boolean;
  /** Span of the whole invocation. */
  span: Span;
  command?: Command;
  /** Diagnostics this invocation produced (parse and ruleset state). */
  diagnostics: Diagnostic[];
  /** Restore: the input text iptables-restore reads, and its options. */
  input?: string;
  restoreArgs?: string[];
}

const IPTABLES_RE = /^ip(6?)tables(?:-legacy|-nft)?$/;
const RESTORE_RE = /^ip(6?)tables(?:-legacy|-nft)?-restore$/;
/** Variable names that clearly hold an iptables command. */
const IPT_NAME_RE =
  /^(?:ip(6?)t(?:ables)?(6?)|ipt(?:ables)?(6)|ip(6)tables)(?:_?(?:cmd|bin|binary|path|exe|prog|command|legacy|nft|[46]))*$/i;
const PROMPT_RE = /^(?:[^\s@]+@[^\s:]+:\S*[#$%>]|\$|%|>)$/;
const MAX_LOOP_VALUES = 256;
const MAX_CALL_DEPTH = 16;

interface FunctionDef {
  body: Node;
  called: boolean;
}

export class Evaluator implements ExpandHost {
  scope = new Scope();
  positional: Field[] | undefined = undefined;
  sourcedUnknown = false;
  readonly builder = new RulesetBuilder('shell');
  readonly commands: Command[] = [];
  readonly diagnostics: Diagnostic[] = [];
  readonly invocations: Invocation[] = [];
  private readonly functions = new Map<string, FunctionDef>();
  private readonly active = new Set<string>();
  private readonly files = new Map<string, RestoreInput>();
  private nextId = 1;
  private budget: number;
  private callDepth = 0;

  constructor(
    readonly src: string,
    readonly lines: LineIndex,
    readonly collect: boolean,
  ) {
    this.budget = 20_000 + Math.ceil(src.length / 4);
  }

  private get exhausted(): boolean {
    return this.budget <= 0;
  }

  /** Runs the whole script, then every function that was never called. */
  run(root: Node): void {
    this.eval(root);
    for (let again = true; again; ) {
      again = false;
      for (const [name, f] of this.functions) {
        if (f.called) continue;
        f.called = true;
        again = true;
        const saved = this.positional;
        this.positional = undefined;
        this.active.add(name);
        this.eval(f.body);
        this.active.delete(name);
        this.positional = saved;
      }
    }
  }

  private branch<T>(fn: () => T): Scope {
    const parent = this.scope;
    const child = new Scope(parent);
    this.scope = child;
    try {
      fn();
    } finally {
      this.scope = parent;
    }
    return child;
  }

  eval(n: Node): void {
    switch (n.t) {
      case 'simple':
        this.simple(n);
        return;
      case 'list':
        for (const item of n.items) this.eval(item);
        return;
      case 'pipe': {
        let stdin: RestoreInput | undefined;
        for (const c of n.cmds) {
          const parent = this.scope;
          this.scope = new Scope(parent);
          try {
            stdin = this.eval1(c, stdin);
          } finally {
            this.scope = parent;
          }
        }
        return;
      }
      case 'andor': {
        this.eval(n.first);
        for (const r of n.rest) joinBranches(this.scope, [this.branch(() => this.eval(r.node))], true);
        return;
      }
      case 'if': {
        this.eval(n.clauses[0].cond);
        const branches = n.clauses.map((c, k) =>
          this.branch(() => {
            if (k > 0) this.eval(c.cond);
            this.eval(c.body);
          }),
        );
        if (n.otherwise) {
          const o = n.otherwise;
          branches.push(this.branch(() => this.eval(o)));
        }
        joinBranches(this.scope, branches, !n.otherwise);
        return;
      }
      case 'loop': {
        this.eval(n.cond);
        joinBranches(this.scope, [this.branch(() => this.eval(n.body))], true);
        return;
      }
      case 'for':
        this.forLoop(n);
        return;
      case 'case':
        this.caseClause(n);
        return;
      case 'group':
        if (n.subshell) this.branch(() => this.eval(n.body));
        else this.eval(n.body);
        return;
      case 'func':
        this.functions.set(n.name, { body: n.body, called: false });
        return;
    }
  }

  /** Evaluates one pipeline element; returns what it writes to the pipe when that is a heredoc. */
  private eval1(n: Node, stdin: RestoreInput | undefined): RestoreInput | undefined {
    if (n.t === 'simple') return this.simple(n, stdin);
    this.eval(n);
    return undefined;
  }

  private forLoop(n: Node & { t: 'for' }) {
    let values: Field[] | undefined;
    if (n.words) {
      values = [];
      for (const w of n.words) for (const f of expandWord(this, w)) values.push(f);
      if (values.some((f) => f.unknown.length)) values = undefined;
    } else if (this.positional && !this.positional.some((f) => f.unknown.length)) values = this.positional;
    if (values && values.length > 0 && values.length <= MAX_LOOP_VALUES && !this.exhausted) {
      for (const v of values) {
        this.scope.set(n.name, { known: true, v: v.text });
        this.eval(n.body);
      }
      return;
    }
    const why = values ? 'loop' : 'loop';
    joinBranches(
      this.scope,
      [
        this.branch(() => {
          this.scope.set(n.name, { known: false, why });
          this.eval(n.body);
        }),
      ],
      true,
    );
  }

  private caseClause(n: Node & { t: 'case' }) {
    const w = expandString(this, n.word);
    const branches: Scope[] = [];
    let hasDefault = false;
    let matched = false;
    for (const item of n.items) {
      const pats = item.patterns.map((p) => expandString(this, p));
      if (pats.some((p) => p.known && p.v === '*')) hasDefault = true;
      if (w.known && pats.every((p) => p.known)) {
        // the word is known: only the first matching item runs
        if (matched || !pats.some((p) => p.known && globMatch(p.v, w.v))) continue;
        matched = true;
      }
      branches.push(this.branch(() => this.eval(item.body)));
    }
    joinBranches(this.scope, branches, !hasDefault && !(w.known && matched));
  }

  commandSubstitution(part: Part & { k: 'cmd' }): Value {
    const toks = part.toks;
    const node = parseTokens(toks);
    // `which iptables`, `command -v ip6tables`: the value is that command
    if (node.t === 'simple' && node.words.length >= 2) {
      const ws = node.words.map(plainWord);
      const last = ws[ws.length - 1];
      const head = ws.slice(0, -1).join(' ');
      if (last && /^(?:which|command -v|command -V|type -p|type -P)$/.test(head) && IPTABLES_RE.test(last))
        return { known: true, v: last };
    }
    const parent = this.scope;
    this.scope = new Scope(parent);
    try {
      this.eval(node);
    } finally {
      this.scope = parent;
    }
    return { known: false, why: 'command substitution' };
  }

  private assign(name: string, value: Value, append: boolean) {
    if (name.endsWith('[]')) return;
    if (append) {
      const old = this.scope.get(name);
      if (old?.known && value.known) value = { known: true, v: old.v + value.v };
      else value = { known: false, why: 'unknown' };
    }
    this.scope.set(name, value);
  }

  private simple(n: Node & { t: 'simple' }, stdin?: RestoreInput): RestoreInput | undefined {
    this.budget -= 1 + n.words.length;
    if (n.words.length === 0) {
      for (const a of n.assigns) this.assign(a.name, expandString(this, assignmentValue(a.word)), a.append);
      return undefined;
    }
    for (const a of n.assigns) if (a.word.parts.some((p) => p.k === 'cmd')) expandString(this, assignmentValue(a.word));
    // declaration builtins take NAME=value words without splitting them
    const head = plainWord(n.words[0]);
    if (head === 'local' || head === 'export' || head === 'readonly' || head === 'declare' || head === 'typeset') {
      for (const w of n.words.slice(1)) {
        const a = assignmentOf(w);
        if (a) this.assign(a.name, expandString(this, assignmentValue(w)), a.append);
        else if (head === 'local' || head === 'declare' || head === 'typeset') {
          const name = plainWord(w);
          if (name && /^[A-Za-z_]\w*$/.test(name)) this.scope.set(name, UNSET);
        }
      }
      return undefined;
    }
    const fields: Field[] = [];
    for (const w of n.words) for (const f of expandWord(this, w)) fields.push(f);
    return this.dispatch(n, fields, stdin);
  }

  private dispatch(n: Node & { t: 'simple' }, fields: Field[], stdin?: RestoreInput): RestoreInput | undefined {
    let i = 0;
    if (fields.length > 1 && !fields[0].unknown.length && PROMPT_RE.test(fields[0].text)) i = 1; // pasted terminal session
    for (let guard = 0; guard < 64 && i < fields.length; guard++) {
      const f = fields[i];
      const name = commandName(f);
      if (name === undefined) {
        const guess = guessFromVariable(f);
        if (guess) {
          const region = f.unknown[0];
          this.emit(unknownDiagnostic(region.label, this.lines.span(region.start, region.end)));
          this.iptables(guess, f, fields.slice(i + 1));
        }
        return undefined;
      }
      const next = skipPrefix(name, fields, i);
      if (next === -1) return undefined;
      if (next > i) {
        i = next;
        continue;
      }
      let m = IPTABLES_RE.exec(name);
      if (m) {
        this.iptables(m[1] ? 6 : 4, f, fields.slice(i + 1));
        return undefined;
      }
      m = RESTORE_RE.exec(name);
      if (m) {
        this.restore(m[1] ? 6 : 4, f, fields.slice(i + 1), n.redirs, stdin);
        return undefined;
      }
      return this.builtin(name, n, fields.slice(i));
    }
    return undefined;
  }

  /** Shell builtins and other commands that matter: functions, variables, heredoc writers. */
  private builtin(name: string, n: Node & { t: 'simple' }, args: Field[]): RestoreInput | undefined {
    const fn = this.functions.get(name);
    if (fn) {
      fn.called = true;
      if (this.active.has(name) || this.callDepth >= MAX_CALL_DEPTH || this.exhausted) return undefined;
      const saved = this.positional;
      this.positional = args.slice(1).map((a) => ({ ...a, fromArgs: true }));
      this.active.add(name);
      this.callDepth++;
      try {
        this.eval(fn.body);
      } finally {
        this.callDepth--;
        this.active.delete(name);
        this.positional = saved;
      }
      return undefined;
    }
    const names = () => args.slice(1).filter((a) => !a.text.startsWith('-') && /^[A-Za-z_]\w*$/.test(a.text));
    switch (name) {
      case 'read':
      case 'getopts':
      case 'mapfile':
      case 'readarray':
        for (const a of name === 'getopts' ? args.slice(2, 3) : names())
          this.scope.set(a.text, { known: false, why: name });
        return undefined;
      case 'unset':
        for (const a of names()) this.scope.set(a.text, UNSET);
        return undefined;
      case 'source':
      case '.':
        this.sourcedUnknown = true;
        return undefined;
      case 'set': {
        const k = args.findIndex((a) => a.text === '--');
        if (k >= 0) this.positional = args.slice(k + 1);
        return undefined;
      }
      case 'shift': {
        const count = args[1] && /^[0-9]+$/.test(args[1].text) ? Number(args[1].text) : 1;
        if (this.positional) this.positional = this.positional.slice(count);
        return undefined;
      }
      case 'cat': {
        // cat <<EOF > file, cat <<EOF | iptables-restore
        const h = heredocOf(n.redirs);
        if (!h || args.length > 1) return undefined;
        const input = heredocInput(this, h);
        const out = n.redirs.find((r) => r.op === '>' || r.op === '>|');
        if (out?.target) {
          const path = expandString(this, out.target);
          if (path.known) this.files.set(path.v, input);
          return undefined;
        }
        return input;
      }
      default:
        return undefined;
    }
  }

  emit(d: Diagnostic): void {
    this.diagnostics.push(d);
  }

  private token(f: Field): Token {
    const t: Token = { text: f.text, span: this.lines.span(f.start, f.end), quoted: f.quoted };
    if (f.unknown.length) t.unknown = true;
    return t;
  }

  /** An iptables/ip6tables invocation: parse, report, apply. */
  private iptables(family: Family, cmd: Field, args: Field[]) {
    for (const a of args) {
      if (a.unknown.length) continue;
      const t = a.text;
      if (t === '-h' || t === '-V' || (t.length > 3 && ('--help'.startsWith(t) || '--version'.startsWith(t)))) return;
    }
    const tokens = args.map((a) => this.token(a));
    const fromArgs = args.filter((a) => a.fromArgs);
    const site = fromArgs.length ? fromArgs : [cmd, ...args];
    let start = site[0].start;
    let end = site[0].end;
    for (const f of site) {
      if (f.start < start) start = f.start;
      if (f.end > end) end = f.end;
    }
    const span = this.lines.span(start, end);
    const produced: Diagnostic[] = [];
    for (const a of args)
      for (const r of a.unknown) produced.push(unknownDiagnostic(r.label, this.lines.span(r.start, r.end)));
    const inv: Invocation = {
      kind: 'iptables',
      family,
      argv: tokens,
      known: !produced.length,
      span,
      diagnostics: produced,
    };
    if (tokens.length === 0) {
      produced.push({
        code: 'missing-command',
        severity: 'error',
        message: 'no command specified (expected -A, -I, -N, -P, ...)',
        span,
      });
    } else {
      const r = parseCommand(tokens, { family, mode: 'shell', table: 'filter', nextRuleId: () => this.nextId++, span });
      const c = classifyUnknowns(tokens, r.command, r.diagnostics);
      for (const d of c.diagnostics) produced.push(d);
      if (r.command) {
        inv.command = r.command;
        this.commands.push(r.command);
        if (c.apply && !r.command.broken) {
          const before = this.builder.diagnostics.length;
          this.builder.apply(r.command);
          for (let k = before; k < this.builder.diagnostics.length; k++) produced.push(this.builder.diagnostics[k]);
        }
      }
    }
    for (const d of produced) this.emit(d);
    if (this.collect) this.invocations.push(inv);
  }

  /** `iptables-restore` reading a here-document (directly, through `cat <<EOF |`, or a file written so). */
  private restore(family: Family, cmd: Field, args: Field[], redirs: Redir[], stdin?: RestoreInput) {
    let input: RestoreInput | undefined;
    const h = heredocOf(redirs);
    if (h) input = heredocInput(this, h);
    else {
      const from = redirs.find((r) => r.op === '<');
      if (from?.target) {
        const path = expandString(this, from.target);
        if (path.known) input = this.files.get(path.v);
      } else if (!args.some((a) => !a.text.startsWith('-'))) input = stdin;
    }
    if (!input) return;
    const flags = args.map((a) => a.text);
    const noflush = flags.some((t) => t === '-n' || (t.length > 3 && '--noflush'.startsWith(t)));
    const testOnly = flags.some((t) => t === '-t' || (t.length > 3 && '--test'.startsWith(t)));
    const { doc, nextRuleId } = parseRestoreInput(input, family, this.nextId, this.lines);
    this.nextId = nextRuleId;
    const rs = doc.rulesets[family];
    let diagnostics = doc.diagnostics;
    if (noflush && rs) {
      // with --noflush, chains made earlier by the script still exist
      diagnostics = diagnostics.filter((d) => {
        if (d.code !== 'undefined-chain' || !d.data) return true;
        const t = this.builder.rulesets[family]?.tables.get(String(d.data.table));
        return !t?.chains.has(String(d.data.chain));
      });
    }
    if (rs && !testOnly) {
      const mine = this.builder.ruleset(family);
      for (const [name, table] of rs.tables) {
        const old = mine.tables.get(name);
        if (!noflush || !old) {
          mine.tables.set(name, table);
          continue;
        }
        for (const [cn, chain] of table.chains) {
          const oc = old.chains.get(cn);
          if (!oc) old.chains.set(cn, chain);
          else {
            for (const r of chain.rules) oc.rules.push(r);
            if (chain.policy) {
              oc.policy = chain.policy;
              oc.policySpan = chain.policySpan;
            }
          }
        }
      }
    }
    for (const c of doc.commands) this.commands.push(c);
    for (const d of diagnostics) this.emit(d);
    if (this.collect) {
      this.invocations.push({
        kind: 'restore',
        family,
        argv: args.map((a) => this.token(a)),
        known: input.unknown.length === 0 && args.every((a) => !a.unknown.length),
        span: this.lines.span(cmd.start, cmd.end),
        command: undefined,
        diagnostics,
        input: input.text,
        restoreArgs: flags,
      });
    }
  }
}

function heredocOf(redirs: Redir[]): Heredoc | undefined {
  for (const r of redirs) if ((r.op === '<<' || r.op === '<<-') && r.heredoc) return r.heredoc;
  return undefined;
}

/** The command name of a field: its base name when known (`/sbin/iptables`, `$SBIN/iptables`). */
function commandName(f: Field): string | undefined {
  if (!f.unknown.length) {
    const k = f.text.lastIndexOf('/');
    return k >= 0 ? f.text.slice(k + 1) : f.text;
  }
  const k = f.knownTail.lastIndexOf('/');
  return k >= 0 ? f.knownTail.slice(k + 1) : undefined;
}

/** `$IPTABLES` whose value is unknown: iptables when the name says so. */
function guessFromVariable(f: Field): Family | undefined {
  if (f.unknown.length !== 1) return undefined;
  const r = f.unknown[0];
  if (r.start !== f.start && r.start !== f.start + 1) return undefined;
  const m = /^\$([A-Za-z_]\w*)$/.exec(r.label);
  if (!m || f.text.length > r.end - r.start + 2) return undefined;
  const nm = IPT_NAME_RE.exec(m[1]);
  if (!nm) return undefined;
  return m[1].includes('6') ? 6 : 4;
}

/**
 * Skips a prefix command (`sudo`, `env`, `nice`, ...) and its options. Returns the index of the
 * real command, `i` when `name` is not a prefix, or -1 when no command follows / it is a lookup.
 */
function skipPrefix(name: string, fields: Field[], i: number): number {
  const opt = (k: number) => fields[k]?.text ?? '';
  let k = i + 1;
  const skipOptions = (withArg: string[]) => {
    while (k < fields.length && opt(k).startsWith('-') && opt(k) !== '-') {
      if (opt(k) === '--') {
        k++;
        break;
      }
      k += withArg.includes(opt(k)) ? 2 : 1;
    }
  };
  switch (name) {
    case 'sudo':
    case 'doas':
      skipOptions(['-u', '-g', '-h', '-p', '-C', '-D', '-r', '-t', '-U', '-T']);
      while (k < fields.length && /^[A-Za-z_]\w*=/.test(opt(k))) k++;
      break;
    case 'exec':
      skipOptions(['-a']);
      break;
    case 'command':
      if (opt(k) === '-v' || opt(k) === '-V') return -1;
      skipOptions([]);
      break;
    case 'nice':
      skipOptions(['-n']);
      break;
    case 'env':
      for (;;) {
        skipOptions(['-u', '-C', '-S']);
        if (k < fields.length && /^[A-Za-z_]\w*=/.test(opt(k))) k++;
        else break;
      }
      break;
    case 'time':
    case 'nohup':
    case 'builtin':
      skipOptions([]);
      break;
    case 'timeout':
      skipOptions(['-s', '-k']);
      k++; // the duration
      break;
    case 'stdbuf':
    case 'ionice':
      skipOptions(['-c', '-n', '-i', '-o', '-e']);
      break;
    case 'xtables-multi':
    case 'xtables-legacy-multi':
    case 'xtables-nft-multi':
      break;
    case 'ip':
      if (opt(k) === 'netns' && opt(k + 1) === 'exec') k += 3;
      else return i;
      break;
    default:
      return i;
  }
  return k < fields.length ? k : -1;
}

/** Shell pattern matching for `case` (`*`, `?`, `[...]`). */
function globMatch(pattern: string, text: string): boolean {
  let re = '^';
  for (let k = 0; k < pattern.length; k++) {
    const c = pattern[k];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const close = pattern.indexOf(']', k + 2);
      if (close < 0) re += '\\[';
      else {
        const body = pattern
          .slice(k + 1, close)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\');
        re += `[${body}]`;
        k = close;
      }
    } else re += c.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  try {
    return new RegExp(`${re}$`, 's').test(text);
  } catch {
    return false;
  }
}

export { overlaps };
