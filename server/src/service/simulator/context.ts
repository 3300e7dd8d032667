/**
 * What compiled matches and targets see while a packet is evaluated: the packet, the hook, its
 * conntrack, the host, the simulation's state that persists across packets (conntrack table,
 * recent lists, limit buckets, counters), and the hook to record undecidable matches.
 */
import type { Hook } from '../model';
import type { ConntrackTable, PacketCt } from './conntrack';
import type { Host } from './host';
import type { Opt } from './options';
import type { Pkt } from './packet';

export interface RuleRef {
  id: number;
  table: string;
  chain: string;
  rulenum: number;
  /** 1-based document line. */
  line: number;
}

/** State kept across the packets of one simulation. */
export interface SimState {
  conntrack: ConntrackTable;
  /** recent lists: name → source/destination address → hit times (seconds). */
  recent: Map<string, Map<number | bigint, number[]>>;
  /** Per-rule counters and buckets (limit tokens, nth counters, quota bytes...). */
  perRule: Map<string, { a: number; b: number }>;
  /** User-pinned outcomes of undecidable matches: `${line}:${module}` → matches. */
  assumptions: Map<string, boolean>;
}

export interface Undecided {
  module: string;
  reason: string;
  assumed: boolean;
  random?: boolean;
  rule: RuleRef;
}

export interface MatchCtx {
  pkt: Pkt;
  hook: Hook;
  ct: PacketCt;
  host: Host;
  sim: SimState;
  /** Seconds since the simulation started. */
  now: number;
  /** The rule being evaluated. */
  rule: RuleRef;
  /** Records an undecidable match and returns the outcome to assume. */
  undecided(module: string, reason: string, dflt: boolean, random?: boolean): boolean;
}

export type MatchFn = (c: MatchCtx) => boolean;

/** Compiles one match module's options into a test; throws a readable error on bad options. */
export type MatchCompiler = (opts: Opt[], rule: RuleRef) => MatchFn;

/** Flips a test when the option was negated. */
export function neg(o: Opt, f: MatchFn): MatchFn {
  return o.negated ? (c) => !f(c) : f;
}

/** All tests must pass. */
export function all(tests: MatchFn[]): MatchFn {
  if (tests.length === 0) return () => true;
  if (tests.length === 1) return tests[0];
  return (c) => {
    for (const t of tests) if (!t(c)) return false;
    return true;
  };
}
