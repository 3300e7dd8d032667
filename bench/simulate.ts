/**
 * Packet-simulation measurements on a parsed generated ruleset: one packet to the last service in
 * KUBE-SERVICES (it is compared against every service rule before its own), one packet that
 * matches no service, and a 3-packet TCP flow (SYN, SYN-ACK reply, ACK) to the late service.
 * The simulator module is loaded lazily: if it is missing or fails, the result says why.
 */
import type { ParsedDocument } from '../server/src/service/model';
import type { HostSpec, PacketResult, PacketSpec } from '../server/src/service/simulator/types';
import type { KubeProbe } from './generate';
import { type Timing, timeRuns } from './stats';

export interface SimulationResult {
  available: boolean;
  reason?: string;
  /**
   * The first packet simulated on a fresh parse: includes compiling the ruleset for the simulator
   * (which it then caches per parse), so it is what a user waits for after an edit.
   */
  firstPacketMs?: number;
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

/** Where the simulator entry point is, relative to this compiled file (out/bench/). */
const SIMULATOR_MODULE = '../server/src/service/simulator/index';

function loadSimulator(): { api?: SimulatorApi; reason?: string } {
  let mod: Partial<SimulatorApi>;
  try {
    mod = require(SIMULATOR_MODULE) as Partial<SimulatorApi>;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'MODULE_NOT_FOUND' && String((e as Error).message).includes('simulator/index')) {
      return { reason: 'server/src/service/simulator/index.ts does not exist yet' };
    }
    return { reason: `loading the simulator failed: ${e instanceof Error ? e.message : e}` };
  }
  if (typeof mod.simulate !== 'function') return { reason: 'the simulator does not export simulate()' };
  return { api: mod as SimulatorApi };
}

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
 * The first packet on the fresh parse is timed on its own (it pays for compiling the ruleset);
 * the medians then use the simulator's cached compilation, as an editor does after that.
 */
export function measureSimulation(
  doc: ParsedDocument,
  probe: KubeProbe,
  runs: number,
  warmup: number,
): SimulationResult {
  const { api, reason } = loadSimulator();
  if (!api) return { available: false, reason };
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
    return {
      available: true,
      firstPacketMs,
      latePacket,
      unmatchedPacket,
      flow: { ...flow.timing, dispositions: flow.last.map((p) => p.disposition) },
    };
  } catch (e) {
    return { available: false, reason: `simulation failed: ${e instanceof Error ? e.message : e}` };
  }
}
