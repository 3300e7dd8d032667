/**
 * Compiles a parsed ruleset once into cheap evaluators: per rule the IP-header tests (numbers,
 * no allocation), the match tests from the evaluator table, and the target action; chains are
 * indexed by name. Rules with address lists are expanded as iptables does (one kernel rule per
 * source/destination pair). The result is cached per parsed document (WeakMap), so repeated
 * simulations never re-parse or re-compile.
 */
import type { Chain, Family, ParsedDocument, Rule, Ruleset } from '../model';
import { type AddrMask, parseAddress } from '../registry/argtypes';
import { STANDARD_VERDICTS } from '../registry/index';
import { all, type MatchFn, type RuleRef } from './context';
import { MATCH_EVALUATORS } from './matches/index';
import { ruleOptions } from './options';
import { protoNumber } from './packet';
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

export interface CChain {
  name: string;
  builtin: boolean;
  policy: number;
  policyName: string;
  declared: boolean;
  rules: CRule[];
}

export interface CTable {
  name: string;
  chains: Map<string, CChain>;
}

export interface CompiledRuleset {
  family: Family;
  tables: Map<string, CTable>;
  errors: string[];
  ruleCount: number;
}

const cache = new WeakMap<object, Partial<Record<Family, CompiledRuleset>>>();

/** The compiled form of a document's ruleset (cached per parsed document). */
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

function addrList(rule: Rule, key: 'source' | 'destination'): { list: AddrMask[]; negated: boolean } | undefined {
  const o = rule.base[key];
  if (!o) return undefined;
  let v = o.value as AddrMask[] | undefined;
  if (!Array.isArray(v)) {
    v = [];
    for (const t of (o.args[0]?.text ?? '').split(',')) {
      const r = parseAddress(t, rule.family);
      if (r.value) v.push(r.value as AddrMask);
    }
  }
  return { list: v, negated: o.negated };
}

function ifaceTest(
  o: NonNullable<Rule['base']['inInterface']>,
  get: (p: { in: string | null; out: string | null }) => string | null,
): MatchFn {
  const v = (o.value as { name: string; wildcard: boolean } | undefined) ?? {
    name: (o.args[0]?.text ?? '').replace(/\+$/, ''),
    wildcard: (o.args[0]?.text ?? '').endsWith('+'),
  };
  const { name, wildcard } = v;
  const t: MatchFn = wildcard ? (c) => (get(c.pkt) ?? '').startsWith(name) : (c) => get(c.pkt) === name;
  return o.negated ? (c) => !t(c) : t;
}

function compileBase(
  rule: Rule,
  src?: AddrMask,
  dst?: AddrMask,
  srcNeg = false,
  dstNeg = false,
): { fn?: MatchFn; text: string } {
  const tests: MatchFn[] = [];
  const text: string[] = [];
  const b = rule.base;
  if (b.protocol) {
    let p = b.protocol.value as number | undefined;
    if (typeof p !== 'number') p = protoNumber(b.protocol.args[0]?.text ?? 'all');
    if (p !== 0) {
      const proto = p;
      tests.push(b.protocol.negated ? (c) => c.pkt.proto !== proto : (c) => c.pkt.proto === proto);
    } else if (b.protocol.negated) tests.push(() => false);
    text.push(`${b.protocol.negated ? '! ' : ''}-p ${b.protocol.args[0]?.text}`);
  }
  if (src && !src.hostname && src.family === 4) {
    const { addr, mask } = src;
    tests.push(srcNeg ? (c) => (c.pkt.src & mask) >>> 0 !== addr : (c) => (c.pkt.src & mask) >>> 0 === addr);
    text.push(`${srcNeg ? '! ' : ''}-s ${b.source?.args[0]?.text}`);
  }
  if (dst && !dst.hostname && dst.family === 4) {
    const { addr, mask } = dst;
    tests.push(dstNeg ? (c) => (c.pkt.dst & mask) >>> 0 !== addr : (c) => (c.pkt.dst & mask) >>> 0 === addr);
    text.push(`${dstNeg ? '! ' : ''}-d ${b.destination?.args[0]?.text}`);
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

let nextRef = 1;

function compileRule(
  rule: Rule,
  chain: Chain,
  tableChains: Map<string, Chain>,
  rulenum: number,
  src?: AddrMask,
  dst?: AddrMask,
): CRule {
  const ref: RuleRef = { id: nextRef++, table: rule.table, chain: chain.name, rulenum, line: rule.line + 1 };
  const errors: string[] = [];
  const base = compileBase(rule, src, dst, rule.base.source?.negated, rule.base.destination?.negated);
  const opts = ruleOptions(rule);
  const matches: CMatch[] = [];
  for (const m of opts.matches) {
    const ev = MATCH_EVALUATORS[m.module];
    if (!ev) {
      const mod = m.module;
      matches.push({ module: mod, test: (c) => c.undecided(mod, `the "${mod}" match is not simulated`, true) });
      continue;
    }
    try {
      matches.push({ module: m.module, test: ev(m.opts, ref) });
    } catch (e) {
      const msg = `line ${ref.line}: -m ${m.module}: ${(e as Error).message}`;
      errors.push(msg);
      const mod = m.module;
      matches.push({
        module: mod,
        test: (c) => c.undecided(mod, `options could not be evaluated (${(e as Error).message})`, false),
      });
    }
  }
  let target: CTarget = { kind: 'none' };
  const t = opts.target;
  if (t) {
    if (tableChains.has(t.name) && !STANDARD_VERDICTS.has(t.name)) target = { kind: t.kind, chain: t.name };
    else if (STANDARD_VERDICTS.has(t.name)) {
      const v = t.name === 'ACCEPT' ? V_ACCEPT : t.name === 'DROP' ? V_DROP : t.name === 'RETURN' ? V_RETURN : V_QUEUE;
      target = { kind: 'verdict', verdict: v, name: t.name };
    } else {
      const ev = TARGET_EVALUATORS[t.name];
      if (ev) {
        try {
          target = { kind: 'ext', name: t.name, fn: ev(t.opts) };
        } catch (e) {
          errors.push(`line ${ref.line}: -j ${t.name}: ${(e as Error).message}`);
          target = { kind: 'ext', name: t.name, fn: () => 0 };
        }
      } else {
        const name = t.name;
        target = {
          kind: 'ext',
          name,
          fn: (c) => {
            c.note(`target ${name} is not simulated (treated as continuing)`);
            return 0;
          },
        };
      }
    }
  }
  const unconditional = base.fn === undefined && matches.length === 0 && !rule.base.protocol;
  return {
    ref,
    rule,
    base: base.fn,
    baseText: base.text,
    matches,
    target,
    unconditionalVerdict: unconditional && target.kind === 'verdict',
    text: `-A ${chain.name} ${rule.text}`,
    errors,
  };
}

/** Compiles every table and chain of a ruleset (all built-in chains exist here; the backend decides which are used). */
export function compileRuleset(rs: Ruleset): CompiledRuleset {
  const tables = new Map<string, CTable>();
  const errors: string[] = [];
  let ruleCount = 0;
  for (const [tname, table] of rs.tables) {
    const chains = new Map<string, CChain>();
    for (const [cname, chain] of table.chains) {
      const rules: CRule[] = [];
      for (const rule of chain.rules) {
        const s = addrList(rule, 'source');
        const d = addrList(rule, 'destination');
        const ss = s?.list.length ? s.list : [undefined];
        const ds = d?.list.length ? d.list : [undefined];
        for (const sa of ss) {
          for (const da of ds) {
            const cr = compileRule(rule, chain, table.chains, rules.length + 1, sa, da);
            for (const e of cr.errors) errors.push(e);
            rules.push(cr);
          }
        }
      }
      ruleCount += rules.length;
      const policyName = chain.policy && chain.policy !== '-' ? chain.policy : 'ACCEPT';
      chains.set(cname, {
        name: cname,
        builtin: chain.builtin,
        policy: policyName === 'DROP' ? V_DROP : V_ACCEPT,
        policyName,
        declared: chain.declSpan !== undefined || chain.rules.length > 0,
        rules,
      });
    }
    tables.set(tname, { name: tname, chains });
  }
  return { family: rs.family, tables, errors, ruleCount };
}
