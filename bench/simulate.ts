/**
 * Packet-simulation measurements on a parsed generated ruleset: one packet to the last service in
 * KUBE-SERVICES (it is compared against every service rule before its own), one packet that
 * matches no service, and a 3-packet TCP flow (SYN, SYN-ACK reply, ACK) to the late service.
 * If the simulator fails, the result says why.
 */
import type { ParsedDocument } from '../server/src/service/model';
import { simulate } from '../server/src/service/simulator/index';
import type { HostSpec, PacketResult, PacketSpec } from '../server/src/service/simulator/types';
import type { KubeProbe } from './generate';
import { editRuns, type Timing, timeRuns } from './stats';

export interface SimulationResult {
  available: boolean;
  reason?: string;
  /**
   * The first packet simulated in the process, on the parse measured: includes laying out and
   * indexing the chains it visits (cached per parse) and running the simulator's code cold.
   */
  firstPacketMs?: number;
  /**
   * The first packet on each new version of the document after a one-line edit (the incremental
   * re-parse is not timed): laying out and indexing the chains the packet visits, then the packet.
   * What a user waits for when simulating after an edit, with the simulator's code warm.
   */
  afterEdit?: Timing;
  /** One packet pod → late service (DNAT to an endpoint). */
  latePacket?: PacketTiming;
  /** One packet pod → an address no service has. */
  unmatchedPacket?: PacketTiming;
  /** SYN, SYN-ACK (reply), ACK to the late service. */
  flow?: Timing & { dispositions: string[] };
}

export interface PacketTiming extends Timing {
  disposition: string;
  /** Rules the simulator evaluated for the packet (its explanation). */
  rulesEvaluated: number;
  summary: string;
}

/** The slice of the simulator's API the benchmark uses (server/src/service/simulator/index.ts). */
interface SimulatorApi {
  simulate(input: { doc: ParsedDocument; host: HostSpec; packets: PacketSpec[]; backend?: 'nft' | 'legacy' }): {
    packets: PacketResult[];
    errors: string[];
  };
}

// Imported, not loaded from out/ at run time: the benchmark is bundled (scripts/bench.mjs), and a
// second copy of the service's modules would not recognise the parser's objects as its own (the
// fast-lane rules are told apart with instanceof).
const api: SimulatorApi = { simulate };

/** A kube node: pods on cni0 (the whole cluster CIDR is local here), the node network on eth0. */
const NODE_HOST: HostSpec = {
  interfaces: [
    { name: 'eth0', addr: '10.240.0.4/24' },
    { name: 'cni0', addr: '10.224.0.1/12' },
  ],
  routes: [{ dst: 'default', via: '10.240.0.1', dev: 'eth0' }],
  forwarding: true,
};

function packetTo(probe: KubeProbe, dst: string, dport: number, proto: 'tcp' | 'udp', name: string): PacketSpec {
  const p: PacketSpec = { name, in: 'cni0', src: probe.podIp, dst, proto, sport: 40001, dport };
  if (proto === 'tcp') p.flags = 'S';
  return p;
}

function timePackets(
  api: SimulatorApi,
  doc: ParsedDocument,
  packets: PacketSpec[],
  runs: number,
  warmup: number,
): { timing: Timing; last: PacketResult[] } {
  let last: PacketResult[] = [];
  const timing = timeRuns(
    runs,
    warmup,
    () => undefined,
    () => {
      const r = api.simulate({ doc, host: NODE_HOST, packets, backend: 'nft' });
      if (r.errors.length) throw new Error(`simulator errors: ${r.errors.join('; ')}`);
      last = r.packets;
    },
  );
  return { timing, last };
}

function packetTiming(t: { timing: Timing; last: PacketResult[] }): PacketTiming {
  const p = t.last[0];
  return {
    ...t.timing,
    disposition: p?.disposition ?? '?',
    rulesEvaluated: p?.evaluated.length ?? 0,
    summary: p?.summary ?? '',
  };
}

/**
 * Times the simulator on `doc` with packets aimed by `probe` (median of `runs` after `warmup`).
 * The first packet on the fresh parse is timed on its own (it pays for laying out the chains it
 * visits, with cold code); the medians then use the simulator's cached layout, as an editor does
 * after that. With `nextVersion` (a new version of the document after a one-line edit), the first
 * packet on each new version is timed too.
 */
export function measureSimulation(
  doc: ParsedDocument,
  probe: KubeProbe,
  runs: number,
  warmup: number,
  nextVersion?: () => ParsedDocument,
): SimulationResult {
  try {
    const late = probe.lateService;
    const syn = packetTo(probe, late.clusterIp, late.port, late.protocol, 'syn');
    const t0 = performance.now();
    const first = api.simulate({ doc, host: NODE_HOST, packets: [syn], backend: 'nft' });
    const firstPacketMs = performance.now() - t0;
    if (first.errors.length) throw new Error(`simulator errors: ${first.errors.join('; ')}`);
    const latePacket = packetTiming(timePackets(api, doc, [syn], runs, warmup));
    const none = packetTo(probe, probe.unmatchedIp, 80, 'tcp', 'no-service');
    const unmatchedPacket = packetTiming(timePackets(api, doc, [none], runs, warmup));
    const flowPackets: PacketSpec[] =
      late.protocol === 'tcp'
        ? [syn, { name: 'syn-ack', reply_to: 'syn' }, { ...syn, name: 'ack', flags: 'A' }]
        : [syn, { name: 'reply', reply_to: 'syn' }, { ...syn, name: 'again' }];
    const flow = timePackets(api, doc, flowPackets, runs, warmup);
    const afterEdit = nextVersion
      ? timeRuns(editRuns(runs), warmup, nextVersion, (version) => {
          const r = api.simulate({ doc: version, host: NODE_HOST, packets: [syn], backend: 'nft' });
          if (r.errors.length) throw new Error(`simulator errors: ${r.errors.join('; ')}`);
        })
      : undefined;
    return {
      available: true,
      firstPacketMs,
      afterEdit,
      latePacket,
      unmatchedPacket,
      flow: { ...flow.timing, dispositions: flow.last.map((p) => p.disposition) },
    };
  } catch (e) {
    return { available: false, reason: `simulation failed: ${e instanceof Error ? e.message : e}` };
  }
}
