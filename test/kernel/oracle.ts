/**
 * The kernel oracle: runs a scenario through the real Linux kernel and records what it did, in the
 * shape of the shared `results/<name>.<backend>.out.json` files. It builds the host in network
 * namespaces (topology.ts), loads the ruleset with iptables-<backend>-restore (ip6tables for a
 * `"family": 6` scenario, whose packets are IPv6) plus TRACE rules in
 * raw PREROUTING/OUTPUT, injects each packet (inject.ts, through the agent), and reads the trace
 * (legacy TRACE lines from the kernel log, or nf_tables trace events), the LOG lines, the frames
 * that left the host and the conntrack table (assemble.ts turns them into the result records).
 */
import { release } from 'node:os';
import { basename, relative } from 'node:path';
import type { Backend } from '../helpers/netns';
import { REPO_ROOT } from '../helpers/paths';
import { Agent, LOCK_DIR } from './agent';
import { assemblePacket, type PacketHistory, type PacketResult } from './assemble';
import { buildInjection, replySpec, TcpState } from './inject';
import { isPacketLogLine, parseConntrack } from './kernelText';
import { RulesIndex } from './rulesIndex';
import type { LoadedScenario } from './scenario';
import type { TraceContext } from './steps';
import {
  buildTopology,
  destroyTopology,
  exec,
  nsExec,
  restoreOrphanedSysctl,
  sweepLeftovers,
  type Topology,
} from './topology';

export const ORACLE_VERSION = 'kernel-oracle 2.0 (vscode-iptables)';

export interface OracleOptions {
  /** Waiting after each packet: at least `minMs`, until `quietMs` without events, at most `maxMs`. */
  minMs?: number;
  quietMs?: number;
  maxMs?: number;
}

export interface OracleResult {
  oracle: string;
  scenario: string;
  ruleset: string;
  kernel: string;
  backend: Backend;
  /** 4 (iptables) or 6 (ip6tables). */
  family: 4 | 6;
  iptables: string;
  setup_s: number;
  elapsed_s: number;
  base_chains: string[];
  topology: {
    host_ns: string;
    interfaces: Record<string, { host_mac: string; peer_mac: string; peer_ns: string; peer_addrs: string[] }>;
  };
  errors: string[];
  legacy?: { trace_mode: string; tables: string[]; oracle_trace_rules: string[]; raw_table_created_by_oracle: boolean };
  kernel_log?: { lock_wait_s: number; records_lost: number };
  packets: PacketResult[];
}

let swept = false;

const TRACE_RULES = ['-t raw -I PREROUTING 1 -j TRACE', '-t raw -I OUTPUT 1 -j TRACE'];

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

/** Tables in the order the ruleset file declares them. */
function declaredTables(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*\*(\S+)/gm)) if (!out.includes(m[1])) out.push(m[1]);
  return out;
}

/**
 * Runs `loaded` through the kernel with the given iptables backend. Namespaces are always
 * deleted; a ruleset the kernel refuses is reported in `errors` (with no packets run).
 */
export async function runOracle(
  loaded: LoadedScenario,
  backend: Backend,
  opts: OracleOptions = {},
): Promise<OracleResult> {
  const t0 = Date.now();
  if (!swept) {
    swept = true;
    await sweepLeftovers();
    restoreOrphanedSysctl(LOCK_DIR);
  }
  const { scenario, rulesetText } = loaded;
  const family: 4 | 6 = scenario.family === 6 ? 6 : 4;
  // ip6tables for family 6: the same tools, the nf_tables table family ip6
  const ipt = family === 6 ? 'ip6tables' : 'iptables';
  const nftFamily = family === 6 ? 'ip6' : 'ip';
  const version = await exec(`${ipt}-${backend}`, ['--version']);
  const result: OracleResult = {
    oracle: ORACLE_VERSION,
    scenario: loaded.path.startsWith(`${REPO_ROOT}/`)
      ? relative(REPO_ROOT, loaded.path)
      : `scenarios/${basename(loaded.path)}`,
    ruleset: loaded.rulesetName,
    kernel: release(),
    backend,
    family,
    iptables: version.stdout.trim(),
    setup_s: 0,
    elapsed_s: 0,
    base_chains: [],
    topology: { host_ns: '', interfaces: {} },
    errors: [],
    packets: [],
  };
  const topo: Topology = await buildTopology(scenario.host, family);
  let agent: Agent | null = null;
  try {
    result.topology.host_ns = topo.hostNs;
    for (const p of topo.peers)
      result.topology.interfaces[p.iface] = {
        host_mac: p.hostMac,
        peer_mac: p.peerMac,
        peer_ns: p.peerNs,
        peer_addrs: p.peerAddrs,
      };
    const restore = await nsExec(topo.hostNs, `${ipt}-${backend}-restore`, [], rulesetText);
    if (restore.status !== 0) {
      result.errors.push(`${ipt}-${backend}-restore failed: ${(restore.stderr + restore.stdout).trim()}`);
      return result;
    }
    const userSave = await nsExec(topo.hostNs, `${ipt}-${backend}-save`, []);
    const index = new RulesIndex(userSave.stdout, rulesetText);
    if (backend === 'nft') {
      for (const table of index.saved.keys())
        index.addNftChains(table, (await nsExec(topo.hostNs, 'nft', ['list', 'table', nftFamily, table])).stdout);
    }
    const userChains = new Map<string, Set<string>>();
    for (const [table, chains] of index.saved) {
      userChains.set(table, new Set([...chains].filter(([, c]) => c.policy === null).map(([n]) => n)));
      for (const [name, c] of chains)
        if (c.policy !== null && index.chainExists(table, name)) result.base_chains.push(`${table}:${name}`);
    }
    result.base_chains.sort();
    const rawByOracle = !index.saved.has('raw');
    for (const r of TRACE_RULES) {
      const x = await nsExec(topo.hostNs, `${ipt}-${backend}`, r.split(' '));
      if (x.status !== 0) throw new Error(`adding the oracle's TRACE rule (${r}) failed: ${x.stderr.trim()}`);
    }
    const oracleHandles = new Set<string>();
    if (backend === 'nft') {
      for (const table of new Set([...index.saved.keys(), 'raw'])) {
        const listing = await nsExec(topo.hostNs, 'nft', ['-a', 'list', 'table', nftFamily, table]);
        index.addNftListing(table, listing.stdout);
      }
      for (const chain of ['PREROUTING', 'OUTPUT']) {
        const h = index.handleAt('raw', chain, 1);
        if (h !== null) oracleHandles.add(`raw/${h}`);
      }
    } else {
      result.legacy = {
        trace_mode: 'rule',
        tables: declaredTables(rulesetText),
        oracle_trace_rules: TRACE_RULES,
        raw_table_created_by_oracle: rawByOracle,
      };
    }
    const needsKmsg = backend === 'legacy' || /(^|\s)(-j|--jump)\s+LOG\b/m.test(rulesetText);
    agent = await Agent.start({
      host_ns: topo.hostNs,
      peers: topo.peers.map((p) => ({ iface: p.iface, ns: p.peerNs, dev: p.peerDev, mac: p.peerMac })),
      host_ifaces: ['lo', ...topo.peers.map((p) => p.iface)],
      listen: scenario.host.listen ?? [],
      nftrace: backend === 'nft',
      kmsg: needsKmsg,
      lock_dir: LOCK_DIR,
      family,
    });
    const ifnames = new Map<number, string>(Object.entries(agent.ifindex).map(([n, i]) => [i, n]));
    const ctx: TraceContext = { index, rawByOracle, userChains, oracleHandles, ifnames };
    if (needsKmsg) result.kernel_log = { lock_wait_s: 0, records_lost: 0 };
    result.setup_s = seconds(Date.now() - t0);
    // Settle: drop whatever the setup produced (IGMP joins of listeners are kept for packet 1).
    const peersByIface = new Map(topo.peers.map((p) => [p.iface, p]));
    const ourIfaces = new Set(['lo', '', ...topo.peers.map((p) => p.iface)]);
    const tcp = new TcpState();
    const history: PacketHistory = { egress: new Map(), responses: [] };
    for (const [i, raw] of scenario.packets.entries()) {
      const tp = Date.now();
      const spec = raw.reply_to !== undefined ? replySpec(raw, history.egress.get(raw.reply_to)) : raw;
      const inj = buildInjection(spec, i, peersByIface, tcp);
      if (raw.reply_to !== undefined) inj.notes.unshift(`reply_to ${raw.reply_to}: built from its egress frame`);
      if (needsKmsg && result.kernel_log) {
        const lock = await agent.call({ op: 'lock', timeout_s: 300 }, 310_000);
        result.kernel_log.lock_wait_s = seconds((result.kernel_log.lock_wait_s + Number(lock.waited_s)) * 1000);
      }
      let collected: Awaited<ReturnType<Agent['collect']>>;
      try {
        await agent.call({ op: 'drain' });
        if (inj.iface === null)
          await agent.call({ op: 'send_local', packet: inj.bytes.toString('hex'), dst: inj.fields.dst });
        else await agent.call({ op: 'send', iface: inj.iface, frame: inj.bytes.toString('hex') });
        collected = await agent.collect(opts.minMs ?? 60, opts.quietMs ?? 40, opts.maxMs ?? 1500);
      } finally {
        if (needsKmsg) await agent.call({ op: 'unlock' });
      }
      if (result.kernel_log) result.kernel_log.records_lost += collected.kmsg_lost;
      const kmsg = collected.kmsg.map((k) => k.text).filter((t) => isPacketLogLine(t) && ourLine(t, ourIfaces));
      const ct = await nsExec(topo.hostNs, 'conntrack', ['-L', '-f', family === 6 ? 'ipv6' : 'ipv4']);
      const conntrack = ct.status === 0 ? parseConntrack(ct.stdout) : [];
      if (ct.status !== 0) inj.notes.push(`conntrack -L failed: ${ct.stderr.trim()}`);
      const pr = assemblePacket(ctx, backend, raw.name, inj, collected, kmsg, history, tcp);
      pr.elapsed_s = seconds(Date.now() - tp);
      pr.conntrack = conntrack;
      result.packets.push(pr);
    }
    return result;
  } catch (e) {
    result.errors.push((e as Error).message);
    return result;
  } finally {
    if (agent) await agent.close();
    await destroyTopology(topo);
    result.elapsed_s = seconds(Date.now() - t0);
  }
}

/** Whether a kernel log line concerns this run's host (by its IN=/OUT= interfaces). */
function ourLine(text: string, ifaces: Set<string>): boolean {
  const inDev = /\bIN=(\S*)/.exec(text)?.[1] ?? '';
  const outDev = /\bOUT=(\S*)/.exec(text)?.[1] ?? '';
  return ifaces.has(inDev) && ifaces.has(outDev);
}
