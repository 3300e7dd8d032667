/**
 * Runs a sequence of packets through one simulated host (conntrack and stateful matches carry
 * over from packet to packet), including `reply_to` packets built from the frame an earlier
 * packet left with, and produces per packet the oracle's recorded-result shape.
 */
import { parseDocument } from '../document';
import type { ParsedDocument } from '../model';
import { formatIPv4 } from './addr';
import { attachAlternative, MAX_ALTERNATIVES, undecidableKey, undecidablesToFlip } from './alternatives';
import { compileAll, compileDocument } from './compile';
import { ConntrackTable } from './conntrack';
import type { SimState } from './context';
import { conntrackOut, sentOf } from './frames';
import { buildHost } from './host';
import { buildHooks, newResult, type Sim, simulatePacket } from './netstack';
import { type Pkt, PROTO_ICMP, PROTO_TCP, packetFromSpec, parseTcpFlags, TCP_ACK, TCP_SYN } from './packet';
import type { Assumption, Backend, HostSpec, PacketResult, PacketSpec, ScenarioResult } from './types';

export const SIMULATOR_VERSION = 'iptables-sim 0.1';

/** A scenario file (`/work/shared/scenarios/*.json` format). */
export interface Scenario {
  description?: string;
  comment?: string;
  ruleset?: string;
  ruleset_text?: string;
  host?: HostSpec;
  packets: PacketSpec[];
  nondeterministic?: { why: string; values?: string[]; paths?: string[] };
  /** 6: the ruleset is an ip6tables-save file (loaded with ip6tables-restore); default 4. */
  family?: 4 | 6;
}

export interface SimulateInput {
  /** The parsed ruleset document (compiled once and cached). */
  doc: ParsedDocument;
  host: HostSpec;
  packets: PacketSpec[];
  backend?: Backend;
  assumptions?: Assumption[];
  /** Record every rule evaluated (default true). */
  explain?: boolean;
  /** Compile every rule first, so all option errors are reported (not only those of rules reached). */
  validate?: boolean;
  /**
   * For each undecidable match met (at most this many, default MAX_ALTERNATIVES; 0: none),
   * re-run the flow with its answer flipped and report the other outcome (`alternatives`).
   */
  alternatives?: number;
}

function newState(assumptions: Assumption[] = []): SimState {
  return {
    conntrack: new ConntrackTable(),
    recent: new Map(),
    perRule: new Map(),
    assumptions: new Map(assumptions.map((a) => [`${a.line}:${a.module}`, a.matches])),
  };
}

/** Builds a `reply_to` packet from the frame the earlier packet left with. */
function replyPacket(spec: PacketSpec, earlier: PacketResult, earlierPkt: PacketSpec, index: number): PacketSpec {
  const eg = earlier.egress[0];
  if (!eg)
    throw new Error(
      `packet ${spec.name}: reply_to "${spec.reply_to}" did not leave the host, so there is nothing to reply to`,
    );
  const out: PacketSpec = {
    in: eg.iface ?? null,
    src: eg.dst,
    dst: eg.src,
    proto: eg.proto,
  };
  if (eg.sport !== undefined) {
    out.sport = eg.dport;
    out.dport = eg.sport;
  }
  if (eg.proto === 'tcp') {
    const f = parseTcpFlags(eg.flags ?? 'S');
    out.flags = f & TCP_SYN && !(f & TCP_ACK) ? 'SA' : 'A';
    out.seq = (index + 1) * 1000000 + 1;
    out.ack = ((eg.seq ?? 0) + (f & TCP_SYN ? 1 : 0)) >>> 0;
  }
  if (eg.proto === 'icmpv6') {
    out.type = eg.icmp_type === 128 ? 129 : (eg.icmp_type ?? 0);
    out.code = 0;
    out.id = eg.icmp_id;
    (out as { seq?: number }).seq = (earlierPkt as { seq?: number }).seq;
  }
  if (eg.proto === 'icmp') {
    out.type = eg.icmp_type === 8 ? 0 : eg.icmp_type === 13 ? 14 : (eg.icmp_type ?? 0);
    out.code = 0;
    out.id = eg.icmp_id;
    (out as { seq?: number }).seq = (earlierPkt as { seq?: number }).seq;
  }
  const { reply_to: _r, name: _n, ...overrides } = spec;
  return { ...out, ...overrides, name: spec.name };
}

/** What `simulate` returns. */
export interface SimulateResult {
  packets: PacketResult[];
  errors: string[];
  backend: Backend;
  /** Undecidable matches met but not explored for `alternatives` (over the bound). */
  alternativesOmitted?: number;
}

/**
 * Simulates a sequence of packets through one host, then (unless `alternatives` is 0) the same
 * flow once per undecidable match met with that match's answer flipped, to report both outcomes.
 */
export function simulate(input: SimulateInput): SimulateResult {
  const main = runFlow(input, input.assumptions ?? []);
  const max = input.alternatives ?? MAX_ALTERNATIVES;
  if (max <= 0 || main.errors.length) return main;
  const pins = input.assumptions ?? [];
  const { flip, omitted } = undecidablesToFlip(main.packets, new Set(pins.map(undecidableKey)), max);
  for (const u of flip) {
    const alt = runFlow({ ...input, explain: false, validate: false }, [
      ...pins,
      { line: u.line, module: u.module, matches: !u.assumed },
    ]);
    attachAlternative(main.packets, alt.packets, u);
  }
  if (omitted) main.alternativesOmitted = omitted;
  return main;
}

function runFlow(input: SimulateInput, assumptions: Assumption[]): SimulateResult {
  const backend = input.backend ?? 'nft';
  const compiled = compileDocument(input.doc, 4);
  const v6 = input.packets.some((p) => String(p.src ?? '').includes(':') || String(p.dst ?? '').includes(':'));
  const compiled6 = v6 ? compileDocument(input.doc, 6) : undefined;
  if (input.validate) {
    compileAll(compiled);
    if (compiled6) compileAll(compiled6);
  }
  const host = buildHost(input.host);
  const sim: Sim = {
    compiled,
    backend,
    host,
    state: newState(assumptions),
    now: 0,
    explain: input.explain !== false,
    hooks: buildHooks(compiled, backend),
    compiled6,
    hooks6: compiled6 ? buildHooks(compiled6, backend) : undefined,
    traceIds: 0,
  };
  const errors: string[] = [];
  const results: PacketResult[] = [];
  const byName = new Map<string, { res: PacketResult; spec: PacketSpec }>();
  input.packets.forEach((spec0, i) => {
    const name = spec0.name ?? `packet-${i + 1}`;
    let res: PacketResult;
    let spec = spec0;
    try {
      if (spec0.reply_to !== undefined) {
        const earlier = byName.get(spec0.reply_to);
        if (!earlier) throw new Error(`packet ${name}: reply_to "${spec0.reply_to}" names no earlier packet`);
        spec = replyPacket(spec0, earlier.res, earlier.spec, i);
      }
      if (spec.proto === undefined || spec.proto === 'tcp' || spec.proto === 6) {
        if (spec.seq === undefined && (spec.flags === undefined || /S/.test(spec.flags)))
          spec = { ...spec, seq: (i + 1) * 1000000 + 1 };
      }
      sim.now = spec.time ?? (i === 0 ? 0 : sim.now + 1);
      const pkt: Pkt = packetFromSpec(spec, 20736 + 7 * i);
      const sent = sentOf(pkt, name, spec0.reply_to);
      res = simulatePacket(sim, pkt, { name });
      res.sent = sent;
    } catch (e) {
      res = newResult(name, backend);
      res.notes.push((e as Error).message);
      errors.push((e as Error).message);
    }
    res.name = name;
    res.conntrack = sim.state.conntrack.entries.map(conntrackOut);
    results.push(res);
    byName.set(name, { res, spec });
  });
  // option errors of the rules compiled so far (rules compile on first use; `validate` compiles all)
  errors.unshift(...compiled.errors, ...(compiled6?.errors ?? []));
  return { packets: results, errors, backend };
}

/** Runs a scenario (the shared scenario format) for a backend; results in the oracle's shape. */
export function runScenario(
  scenario: Scenario,
  rulesetText: string,
  backend: Backend,
  assumptions?: Assumption[],
): ScenarioResult {
  const doc = parseDocument(rulesetText, { languageId: 'iptables', family: scenario.family === 6 ? 6 : undefined });
  const r = simulate({
    doc,
    host: scenario.host ?? {},
    packets: scenario.packets ?? [],
    backend,
    assumptions,
    validate: true,
  });
  const nd = scenario.nondeterministic;
  const ndNames = new Set([...(nd?.values ?? []), ...(nd?.paths ?? [])]);
  for (const p of r.packets) {
    if (ndNames.has(p.name) && !p.random)
      p.random = { why: nd?.why ?? 'the scenario marks this packet as nondeterministic', possibilities: [] };
  }
  return { backend, simulator: SIMULATOR_VERSION, errors: r.errors, packets: r.packets };
}

export { formatIPv4, PROTO_ICMP, PROTO_TCP };
