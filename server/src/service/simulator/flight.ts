/**
 * The shapes shared by the packet path modules: the simulation (host, compiled rulesets and hooks
 * per family, state across packets) and one packet in flight with what is recorded about it.
 */
import type { Hook } from '../model';
import type { Addr } from './addr';
import type { CChain, CompiledRuleset, CTable } from './compile';
import type { PacketCt } from './conntrack';
import type { SimState } from './context';
import type { Host } from './host';
import type { Pkt } from './packet';
import type { TraceSink } from './traverse';
import type { Backend, PacketResult } from './types';

export interface Sim {
  /** The IPv4 ruleset (iptables) and its hooks. */
  compiled: CompiledRuleset;
  backend: Backend;
  host: Host;
  state: SimState;
  now: number;
  explain: boolean;
  hooks: Map<Hook, HookStep[]>;
  /** The IPv6 ruleset (ip6tables) and its hooks, for IPv6 packets. */
  compiled6?: CompiledRuleset;
  hooks6?: Map<Hook, HookStep[]>;
  /** Counter for deterministic xtables-monitor trace ids. */
  traceIds: number;
}

export interface HookStep {
  table: string;
  prio: number;
  ctable?: CTable;
  chain?: CChain;
}

/** One packet in flight, with what is recorded about it. */
export interface Flight {
  sim: Sim;
  pkt: Pkt;
  ct: PacketCt;
  ctDone: boolean;
  res: PacketResult;
  sink: TraceSink;
  /** Device of the current route (may change on re-routing in OUTPUT). */
  routeDev?: string;
  nexthop?: Addr;
  rejected: boolean;
  depth: number;
  /** Responses to send once this packet's processing is over. */
  pending: { pkt: Pkt; ct?: PacketCt; note: string; sync?: boolean }[];
  /** Set while a REJECT target queues its response (sent before the rule's verdict is traced). */
  inTarget?: boolean;
  /** Where the REJECT rule's monitor line is, so its response's lines go before it. */
  monitorAt?: number;
}
