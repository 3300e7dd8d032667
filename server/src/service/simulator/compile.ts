/**
 * Compiles a parsed ruleset into cheap evaluators, lazily: compiling the document only builds the
 * table/chain skeleton and notes whether any rule needs connection tracking; a chain's kernel rules
 * (address lists expanded as iptables does, one rule per source/destination pair) are laid out the
 * first time a packet enters it, and each rule's tests (IP header tests on numbers, the match
 * evaluators, the target action) are compiled the first time the rule is evaluated. Long chains of
 * rules keyed by an exact destination address get a dispatch index (see `dispatch.ts`). The result
 * is cached per parsed document (WeakMap), so repeated simulations never re-parse or re-compile.
 */
import type { Chain, Family, ParsedDocument, Rule, Ruleset } from '../model';
import { isDeclared, rowsOf, ruleCount } from '../parser/chain';
import { FastRule, type RuleRows } from '../parser/fastRule';
import { type BaseValue, baseValues, rowWordCommas } from '../parser/shapes';
import type { AddrMask } from '../registry/argtypes';
import { STANDARD_VERDICTS } from '../registry/index';
import { all, type MatchFn, type RuleRef } from './context';
import { buildDispatch, type Dispatch } from './dispatch';
import { MATCH_EVALUATORS } from './matches/index';
import { type RuleOpts, ruleOptions } from './options';
import { TARGET_EVALUATORS, type TargetFn, V_ACCEPT, V_DROP, V_QUEUE, V_RETURN } from './targets';

export type CTarget =
  | { kind: 'verdict'; verdict: number; name: string }
  | { kind: 'jump' | 'goto'; chain: string }
  | { kind: 'ext'; name: string; fn: TargetFn }
  | { kind: 'none' };

export interface CMatch {
  module: string;
  test: MatchFn;
}

export interface CRule {
  ref: RuleRef;
  rule: Rule;
  /** IP header tests (-s -d -i -o -p -f); undefined when the rule has none. */
  base?: MatchFn;
  /** Human description of each base test, for explanations. */
  baseText: string;
  matches: CMatch[];
  target: CTarget;
  /** Unconditional rule with a standard verdict (legacy TRACE labels it policy/return). */
  unconditionalVerdict: boolean;
  /** `-A CHAIN ...` as in the file. */
  text: string;
  /** Errors compiling the rule's options (iptables would refuse them). */
  errors: string[];
}

/** One kernel rule of a chain before compilation (an address-list rule gives several). */
export interface Slot {
  rule: Rule;
  src?: AddrMask;
  dst?: AddrMask;
  /** The rule's -d is negated. */
  dstNegated: boolean;
  /** Position among the kernel rules made from one address-list rule (0 for the first). */
  part: number;
  compiled?: CRule;
}

/** Match modules and targets whose kernel checkentry enables conntrack in the namespace. */
const CT_MODULES = new Set([
  'conntrack',
  'state',
  'connmark',
  'connbytes',
  'connlimit',
  'connlabel',
  'helper',
  'cluster',
  'ipvs',
]);
const CT_TARGETS = new Set(['SNAT', 'DNAT', 'MASQUERADE', 'REDIRECT', 'NETMAP', 'CONNMARK', 'CONNSECMARK', 'TPROXY']);

let nextRef = 1;

/** A chain of the compiled ruleset; its rules are laid out and compiled on first use. */
export class CChain {
  readonly name: string;
  readonly builtin: boolean;
  readonly policy: number;
  readonly policyName: string;
  readonly declared: boolean;
  private slotList?: Slot[];
  private dispatchIndex?: Dispatch | null;

  constructor(
    private readonly source: Chain,
    private readonly table: CTable,
    private readonly owner: CompiledRuleset,
  ) {
    this.name = source.name;
    this.builtin = source.builtin;
    const policyName = source.policy && source.policy !== '-' ? source.policy : 'ACCEPT';
    this.policyName = policyName;
    this.policy = policyName === 'DROP' ? V_DROP : V_ACCEPT;
    this.declared = isDeclared(source) || source.rules.length > 0;
  }

  /** The kernel rules (address lists expanded), laid out on first use. */
  get slots(): Slot[] {
    if (!this.slotList) this.slotList = layOut(this.source);
    return this.slotList;
  }

  /** Number of kernel rules in the chain. */
  get size(): number {
    return this.slots.length;
  }

  /** The dispatch index of the chain (null when the chain does not benefit from one). */
  get dispatch(): Dispatch | null {
    if (this.dispatchIndex === undefined) this.dispatchIndex = buildDispatch(this.slots, this.source.rules[0]?.family);
    return this.dispatchIndex;
  }

  /** The compiled rule at position `i` (0-based), compiled on first use. */
  rule(i: number): CRule {
    const s = this.slots[i];
    if (!s.compiled) {
      s.compiled = compileRule(s.rule, this.name, this.table, i + 1, s.src, s.dst);
      for (const e of s.compiled.errors) this.owner.errors.push(e);
    }
    return s.compiled;
  }

  /** The nft handle of the rule at position `i` (what `xtables-monitor --trace` prints). */
  handle(i: number): number {
    const s = this.slots[i];
    const h = nftHandles(this.table);
    return ((h instanceof Map ? h.get(s.rule) : h[s.rule.line]) ?? 0) + s.part;
  }

  /** Compiles every rule now (validation: all option errors become known). */
  compileAll(): void {
    for (let i = 0; i < this.size; i++) this.rule(i);
  }
}

/**
 * The compiled chains of a table, each made on first lookup (kube-proxy's nat table has a chain per
 * service and per endpoint: a packet visits a handful of them).
 */
export class CChains {
  private readonly made = new Map<string, CChain>();

  constructor(
    private readonly source: Map<string, Chain>,
    private readonly tableOf: () => CTable,
    private readonly owner: CompiledRuleset,
  ) {}

  get(name: string): CChain | undefined {
    let c = this.made.get(name);
    if (c === undefined) {
      const chain = this.source.get(name);
      if (chain === undefined) return undefined;
      c = new CChain(chain, this.tableOf(), this.owner);
      this.made.set(name, c);
    }
    return c;
  }

  has(name: string): boolean {
    return this.source.has(name);
  }

  *values(): IterableIterator<CChain> {
    for (const name of this.source.keys()) yield this.get(name) as CChain;
  }
}

export interface CTable {
  name: string;
  chains: CChains;
  /** The table as parsed (for nft handles). */
  source?: { chains: Map<string, Chain> };
  /**
   * The nft handles once worked out: of the rule on each line (0: no rule there), or, when some
   * line holds more than one rule (a shell script's loop or `;`), of each rule.
   */
  handles?: Int32Array | Map<Rule, number>;
}

/**
 * nft rule handles as iptables-nft-restore creates them: one counter per table, first taken by the
 * chains (declared, or built-in chains that have rules), then by the rules in file order, each
 * taking one per kernel rule (address lists expanded). Worked out by line, where each rule has a
 * line of its own (always in iptables-save text): rules still in rows are then counted from their
 * lines' address words, without a rule object (a kube-proxy table has tens of thousands; a traced
 * packet visits a handful). Else by rule, in line order.
 */
function nftHandles(t: CTable): Int32Array | Map<Rule, number> {
  if (t.handles) return t.handles;
  const chains = t.source?.chains;
  let last = -1;
  let declared = 0;
  for (const ch of chains?.values() ?? []) {
    if (isDeclared(ch) || ruleCount(ch) > 0) declared++;
    const rc = rowsOf(ch);
    if (rc !== undefined) {
      if (rc.rowEnd > rc.rowStart) last = Math.max(last, rc.rows.line[rc.rowEnd - 1]);
    } else for (const rule of ch.rules) last = Math.max(last, rule.line);
  }
  // Kernel rules per line, then handles in line order.
  const perLine = new Int32Array(last + 1);
  let shared = false;
  for (const ch of chains?.values() ?? []) {
    const rc = rowsOf(ch);
    if (rc !== undefined)
      for (let r = rc.rowStart; r < rc.rowEnd; r++) perLine[rc.rows.line[r]] += rowExpandedCount(rc.rows, r);
    else
      for (const rule of ch.rules) {
        if (perLine[rule.line] !== 0) shared = true;
        perLine[rule.line] += expandedCount(rule);
      }
  }
  if (shared) {
    t.handles = handlesByRule(chains, declared);
    return t.handles;
  }
  const handles = new Int32Array(last + 1);
  let next = declared + 1;
  for (let ln = 0; ln <= last; ln++) {
    if (perLine[ln] === 0) continue;
    handles[ln] = next;
    next += perLine[ln];
  }
  t.handles = handles;
  return handles;
}

/** nftHandles of each rule object, in line order (rules of one line in the order of their chains). */
function handlesByRule(chains: Map<string, Chain> | undefined, declared: number): Map<Rule, number> {
  const rules: Rule[] = [];
  for (const ch of chains?.values() ?? []) for (const r of ch.rules) rules.push(r);
  rules.sort((a, b) => a.line - b.line);
  const m = new Map<Rule, number>();
  let next = declared + 1;
  for (const r of rules) {
    m.set(r, next);
    next += expandedCount(r);
  }
  return m;
}

export interface CompiledRuleset {
  family: Family;
  tables: Map<string, CTable>;
  /** Option errors found so far (rules are compiled lazily; `compileAll` finds them all). */
  errors: string[];
  /** Some rule needs connection tracking (without one, the namespace runs no conntrack and no NAT). */
  conntrack: boolean;
}

const cache = new WeakMap<object, Partial<Record<Family, CompiledRuleset>>>();

/** The compiled form of a document's ruleset for a family (cached per parsed document). */
export function compileDocument(doc: ParsedDocument, family: Family = 4): CompiledRuleset {
  let c = cache.get(doc);
  if (!c) {
    c = {};
    cache.set(doc, c);
  }
  const hit = c[family];
  if (hit) return hit;
  const rs = doc.rulesets[family] ?? { family, tables: new Map() };
  const out = compileRuleset(rs);
  c[family] = out;
  return out;
}

/** Compiles every rule of every chain (for validation; simulation compiles on demand). */
export function compileAll(c: CompiledRuleset): void {
  for (const t of c.tables.values()) for (const ch of t.chains.values()) ch.compileAll();
}

/** The address list of a rule's -s or -d (read without building a fast-lane rule's details). */
function addrList(v: BaseValue | undefined): AddrMask[] | undefined {
  const x = v?.value;
  if (Array.isArray(x)) return x as AddrMask[];
  if (x && typeof x === 'object' && 'family' in x) return [x as AddrMask];
  return undefined;
}

function layOut(chain: Chain): Slot[] {
  const slots: Slot[] = [];
  for (const rule of chain.rules) {
    const b = baseValues(rule);
    const s = addrList(b.source);
    const d = addrList(b.destination);
    const dstNegated = b.destination?.negated === true;
    if ((!s || s.length <= 1) && (!d || d.length <= 1)) {
      slots.push({ rule, src: s?.[0], dst: d?.[0], dstNegated, part: 0 });
      continue;
    }
    const ss = s?.length ? s : [undefined];
    const ds = d?.length ? d : [undefined];
    let part = 0;
    for (const sa of ss) for (const da of ds) slots.push({ rule, src: sa, dst: da, dstNegated, part: part++ });
  }
  return slots;
}

/**
 * expandedCount of row r of `rows`: one kernel rule per address of its -s list times one per
 * address of its -d list, read from the line's words (a list the pattern lane took is plain
 * addresses, one per comma-separated part).
 */
function rowExpandedCount(rows: RuleRows, r: number): number {
  const plan = rows.planOf(r);
  const tb = plan.template.base;
  let n = 1;
  for (const key of ['source', 'destination'] as const) {
    if (tb[key] === undefined) continue;
    const k = plan.baseWords[key];
    const commas = k < 0 ? -1 : rowWordCommas(rows, r, k);
    if (commas < 0) return expandedCount(rows.ruleAt(r));
    n *= commas + 1;
  }
  return n;
}

function expandedCount(rule: Rule): number {
  const b = baseValues(rule);
  const s = addrList(b.source);
  const d = addrList(b.destination);
  return Math.max(1, s?.length ?? 1) * Math.max(1, d?.length ?? 1);
}

function ifaceTest(
  o: NonNullable<Rule['base']['inInterface']>,
  get: (p: { in: string | null; out: string | null }) => string | null,
): MatchFn {
  const v = o.value as { name: string; wildcard: boolean } | undefined;
  if (!v) return () => false;
  const { name, wildcard } = v;
  const t: MatchFn = wildcard ? (c) => (get(c.pkt) ?? '').startsWith(name) : (c) => get(c.pkt) === name;
  return o.negated ? (c) => !t(c) : t;
}

function addrTest(a: AddrMask, neg: boolean, which: 'src' | 'dst'): MatchFn {
  if (a.family === 4) {
    const addr = a.addr as number;
    const mask = a.mask as number;
    if (which === 'src')
      return neg
        ? (c) => ((c.pkt.src as number) & mask) >>> 0 !== addr
        : (c) => ((c.pkt.src as number) & mask) >>> 0 === addr;
    return neg
      ? (c) => ((c.pkt.dst as number) & mask) >>> 0 !== addr
      : (c) => ((c.pkt.dst as number) & mask) >>> 0 === addr;
  }
  const addr = a.addr as bigint;
  const mask = a.mask as bigint;
  const t: MatchFn =
    which === 'src'
      ? (c) => ((c.pkt.src as unknown as bigint) & mask) === addr
      : (c) => ((c.pkt.dst as unknown as bigint) & mask) === addr;
  return neg ? (c) => !t(c) : t;
}

function compileBase(
  rule: Rule,
  src: AddrMask | undefined,
  dst: AddrMask | undefined,
  errors: string[],
): { fn?: MatchFn; text: string } {
  const tests: MatchFn[] = [];
  const text: string[] = [];
  const b = rule.base;
  if (b.protocol) {
    const p = b.protocol.value;
    if (typeof p !== 'number') {
      errors.push(`line ${rule.line + 1}: -p ${b.protocol.args[0]?.text ?? ''}: unknown protocol`);
      tests.push(() => false);
    } else if (p !== 0) {
      const proto = p;
      tests.push(b.protocol.negated ? (c) => c.pkt.proto !== proto : (c) => c.pkt.proto === proto);
    } else if (b.protocol.negated) tests.push(() => false);
    text.push(`${b.protocol.negated ? '! ' : ''}-p ${b.protocol.args[0]?.text}`);
  }
  for (const [a, key, flag] of [
    [src, 'source', '-s'],
    [dst, 'destination', '-d'],
  ] as const) {
    const o = b[key];
    if (!o) continue;
    if (!a) {
      errors.push(`line ${rule.line + 1}: ${flag} ${o.args[0]?.text ?? ''}: not an address`);
      tests.push(() => false);
    } else if (a.hostname) {
      errors.push(
        `line ${rule.line + 1}: ${flag} ${a.hostname}: a host name is resolved by DNS when the rule is loaded; the simulator cannot resolve it`,
      );
      tests.push(() => false);
    } else tests.push(addrTest(a, o.negated, key === 'source' ? 'src' : 'dst'));
    text.push(`${o.negated ? '! ' : ''}${flag} ${o.args[0]?.text}`);
  }
  if (b.inInterface) {
    tests.push(ifaceTest(b.inInterface, (p) => p.in));
    text.push(`${b.inInterface.negated ? '! ' : ''}-i ${b.inInterface.args[0]?.text}`);
  }
  if (b.outInterface) {
    tests.push(ifaceTest(b.outInterface, (p) => p.out));
    text.push(`${b.outInterface.negated ? '! ' : ''}-o ${b.outInterface.args[0]?.text}`);
  }
  if (b.fragment) {
    // Simulated packets are never non-first fragments.
    const n = b.fragment.negated;
    tests.push(() => n);
    text.push(`${n ? '! ' : ''}-f`);
  }
  return { fn: tests.length ? all(tests) : undefined, text: text.join(' ') };
}

function compileTarget(t: RuleOpts['target'], table: CTable, ref: RuleRef, errors: string[]): CTarget {
  if (!t) return { kind: 'none' };
  if (STANDARD_VERDICTS.has(t.name)) {
    const v = t.name === 'ACCEPT' ? V_ACCEPT : t.name === 'DROP' ? V_DROP : t.name === 'RETURN' ? V_RETURN : V_QUEUE;
    return { kind: 'verdict', verdict: v, name: t.name };
  }
  if (table.chains.has(t.name)) return { kind: t.kind, chain: t.name };
  const ev = TARGET_EVALUATORS[t.name];
  if (ev) {
    try {
      return { kind: 'ext', name: t.name, fn: ev(t.opts) };
    } catch (e) {
      errors.push(`line ${ref.line}: -j ${t.name}: ${(e as Error).message}`);
      return { kind: 'ext', name: t.name, fn: () => 0 };
    }
  }
  const name = t.name;
  return {
    kind: 'ext',
    name,
    fn: (c) => {
      c.note(`target ${name} is not simulated (treated as continuing)`);
      return 0;
    },
  };
}

function compileRule(
  rule: Rule,
  chainName: string,
  table: CTable,
  rulenum: number,
  src?: AddrMask,
  dst?: AddrMask,
): CRule {
  const ref: RuleRef = { id: nextRef++, table: rule.table, chain: chainName, rulenum, line: rule.line + 1 };
  const errors: string[] = [];
  if (rule.broken) errors.push(`line ${ref.line}: the rule has errors; iptables would refuse to load the ruleset`);
  const base = compileBase(rule, src, dst, errors);
  const opts = ruleOptions(rule);
  const matches: CMatch[] = [];
  for (const m of opts.matches) {
    const mod = m.module;
    const ev = MATCH_EVALUATORS[mod];
    if (!ev) {
      matches.push({ module: mod, test: (c) => c.undecided(mod, `the "${mod}" match is not simulated`, true) });
      continue;
    }
    try {
      matches.push({ module: mod, test: ev(m.opts, ref) });
    } catch (e) {
      const msg = (e as Error).message;
      errors.push(`line ${ref.line}: -m ${mod}: ${msg}`);
      matches.push({ module: mod, test: (c) => c.undecided(mod, `options could not be evaluated (${msg})`, false) });
    }
  }
  const target = compileTarget(opts.target, table, ref, errors);
  const unconditional = base.fn === undefined && matches.length === 0 && !rule.base.protocol;
  return {
    ref,
    rule,
    base: base.fn,
    baseText: base.text,
    matches,
    target,
    unconditionalVerdict: unconditional && target.kind === 'verdict',
    text: `-A ${chainName} ${rule.text}`,
    errors,
  };
}

function needsConntrack(rule: Rule): boolean {
  for (const m of rule.matches) if (CT_MODULES.has(m.module)) return true;
  const t = rule.target;
  if (!t) return false;
  if (CT_TARGETS.has(t.name)) return true;
  // CT without --notrack attaches a template (zone, helper...) and needs conntrack
  return t.name === 'CT' && !t.options.some((o) => o.name === 'notrack');
}

/** Builds the skeleton of every table and chain (rules are laid out and compiled on first use). */
export function compileRuleset(rs: Ruleset): CompiledRuleset {
  const out: CompiledRuleset = {
    family: rs.family,
    tables: new Map(),
    errors: [],
    conntrack: false,
  };
  for (const [tname, table] of rs.tables) {
    const ct: CTable = { name: tname, source: table, chains: new CChains(table.chains, () => ct, out) };
    if (!out.conntrack)
      for (const chain of table.chains.values()) {
        // A fast-lane rule's matches and target extension are its shape's (a chain still in
        // rows is read from them, without rule objects).
        const rc = rowsOf(chain);
        if (rc !== undefined) {
          for (let r = rc.rowStart; r < rc.rowEnd && !out.conntrack; r++)
            if (needsConntrack(rc.rows.planOf(r).template)) out.conntrack = true;
        } else
          for (const rule of chain.rules) {
            if (needsConntrack(rule instanceof FastRule ? rule.plan.template : rule)) {
              out.conntrack = true;
              break;
            }
          }
        if (out.conntrack) break;
      }
    out.tables.set(tname, ct);
  }
  return out;
}
