/**
 * The host of a scenario, built in throwaway network namespaces: one namespace for the host with
 * the scenario's interfaces as veth ends, one peer namespace per interface holding the other end.
 * Nothing is ever created in (or linked to) the initial namespace. Namespaces carry the prefix
 * `ipto-<pid>-<random>` and are always deleted; leftovers of dead processes are swept.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ip6ToBytes, isIpv6 } from './packet6';
import type { HostSpec, RouteSpec } from './scenario';

export const NS_PREFIX = 'ipto';

export interface Exec {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a command asynchronously (so concurrent oracle runs overlap), with a timeout. */
export function exec(cmd: string, args: string[], input?: string, timeoutMs = 60_000): Promise<Exec> {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolvePromise({ status: -1, stdout, stderr: `${stderr}${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ status: code ?? -1, stdout, stderr: signal ? `${stderr}killed by ${signal}` : stderr });
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
}

/** Runs a command inside namespace `ns`. */
export function nsExec(ns: string, cmd: string, args: string[], input?: string, timeoutMs?: number): Promise<Exec> {
  return exec('ip', ['netns', 'exec', ns, cmd, ...args], input, timeoutMs);
}

async function must(p: Promise<Exec>, what: string): Promise<Exec> {
  const r = await p;
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r;
}

export interface PeerInfo {
  iface: string;
  hostMac: string;
  peerMac: string;
  peerNs: string;
  peerDev: string;
  peerAddrs: string[];
  /** The host's networks on this interface (IPv4 and IPv6): [address, prefix length]. */
  addrs: [string, number][];
}

export interface Topology {
  hostNs: string;
  peers: PeerInfo[];
  namespaces: string[];
}

function pid(): number {
  return process.pid;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Restores net.netfilter.nf_log_all_netns when the agents that raised it all died without
 * restoring it (their reference files are in `lockDir`, see agent.py).
 */
export function restoreOrphanedSysctl(lockDir: string): void {
  const users = join(lockDir, 'users');
  const saved = join(lockDir, 'nf_log_all_netns.saved');
  if (!existsSync(saved)) return;
  const live = existsSync(users) ? readdirSync(users).filter((n) => /^\d+$/.test(n) && alive(Number(n))) : [];
  if (live.length) return;
  writeFileSync('/proc/sys/net/netfilter/nf_log_all_netns', readFileSync(saved, 'utf8').trim() || '0');
  rmSync(saved, { force: true });
}

/** Deletes namespaces left behind by oracle processes that no longer exist. */
export async function sweepLeftovers(): Promise<string[]> {
  const r = await exec('ip', ['netns', 'list']);
  const removed: string[] = [];
  const re = new RegExp(`^(${NS_PREFIX}-(\\d+)-[0-9a-f]{6})-\\S+`);
  for (const line of r.stdout.split('\n')) {
    const m = re.exec(line.trim());
    if (!m) continue;
    if (!alive(Number(m[2]))) {
      const name = line.trim().split(/\s+/)[0];
      await exec('ip', ['netns', 'del', name]);
      removed.push(name);
    }
  }
  return removed;
}

function hexByte(n: number): string {
  return (n & 0xff).toString(16).padStart(2, '0');
}

function routeArgs(r: RouteSpec | string, ifaces: Set<string>): string {
  if (typeof r === 'string') return r;
  const parts: string[] = [];
  if (r.type) parts.push(r.type);
  parts.push(r.dst ?? 'default');
  if (r.via) parts.push('via', r.via);
  if (r.dev) {
    if (!ifaces.has(r.dev) && r.dev !== 'lo') throw new Error(`route ${JSON.stringify(r)}: unknown interface ${r.dev}`);
    parts.push('dev', r.dev);
  }
  if (r.src) parts.push('src', r.src);
  if (r.metric !== undefined) parts.push('metric', String(r.metric));
  if (r.table !== undefined) parts.push('table', String(r.table));
  return parts.join(' ');
}

function ip6Big(ip: string): bigint {
  return BigInt(`0x${ip6ToBytes(ip).toString('hex')}`);
}

function inPrefix(ip: string, net: string, len: number): boolean {
  if (isIpv6(ip) !== isIpv6(net)) return false;
  if (isIpv6(ip)) {
    const shift = BigInt(128 - len);
    return ip6Big(ip) >> shift === ip6Big(net) >> shift;
  }
  const a = ip.split('.').map(Number);
  const b = net.split('.').map(Number);
  const ai = ((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) >>> 0;
  const bi = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return (ai & mask) === (bi & mask);
}

/** Whether a route (object or `ip route` string) is an IPv6 one (family 6 scenarios default to it). */
function routeIsV6(r: RouteSpec | string, family: 4 | 6): boolean {
  const words = typeof r === 'string' ? r.split(/\s+/) : [r.dst, r.via, r.src].filter((x): x is string => !!x);
  if (words.some((w) => isIpv6(w.split('/')[0]) && /^[0-9a-fA-F:.]+$/.test(w.split('/')[0]))) return true;
  if (words.some((w) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(w))) return false;
  return family === 6;
}

/**
 * IPv6 in the host namespace (family 6): no duplicate address detection (addresses are usable at
 * once), no router solicitations, and flow label 0 on the kernel's own packets (auto flow labels
 * are a hash with a random key per namespace, which nobody could predict). Each interface keeps
 * its automatic link-local address (EUI-64 of its MAC): neighbour solicitations for forwarded
 * packets need one.
 */
const IPV6_HOST_SYSCTLS = [
  'net.ipv6.conf.all.accept_dad=0',
  'net.ipv6.conf.default.accept_dad=0',
  'net.ipv6.conf.all.router_solicitations=0',
  'net.ipv6.conf.default.router_solicitations=0',
  'net.ipv6.auto_flowlabels=0',
];

/**
 * Creates the namespaces, veth pairs, addresses, routes, policy rules and sysctls of `host`
 * (`family` 6: with IPv6 enabled on the host, see IPV6_HOST_SYSCTLS; the peers never run IPv6
 * themselves: the agent answers neighbour solicitations for them).
 * On failure everything created so far is deleted before the error propagates.
 */
export async function buildTopology(host: HostSpec, family: 4 | 6 = 4): Promise<Topology> {
  const base = `${NS_PREFIX}-${pid()}-${randomBytes(3).toString('hex')}`;
  const topo: Topology = { hostNs: `${base}-h`, peers: [], namespaces: [] };
  try {
    const ifaceNames = new Set(host.interfaces.map((i) => i.name));
    await must(exec('ip', ['netns', 'add', topo.hostNs]), `ip netns add ${topo.hostNs}`);
    topo.namespaces.push(topo.hostNs);
    const sysctl = (ns: string, kv: string[]) => must(nsExec(ns, 'sysctl', ['-q', '-w', ...kv]), `sysctl in ${ns}`);
    await sysctl(
      topo.hostNs,
      family === 6 ? IPV6_HOST_SYSCTLS : ['net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'],
    );
    const routes = host.routes ?? [];
    const nextHops: { via: string; dev?: string }[] = [];
    for (const r of routes) {
      const via = typeof r === 'string' ? /\bvia\s+(\S+)/.exec(r)?.[1] : r.via;
      const dev = typeof r === 'string' ? /\bdev\s+(\S+)/.exec(r)?.[1] : r.dev;
      if (via) nextHops.push({ via, dev });
    }
    const hostBatch: string[] = ['link set lo up'];
    for (const [i, itf] of host.interfaces.entries()) {
      const peerNs = `${base}-p${i}`;
      await must(exec('ip', ['netns', 'add', peerNs]), `ip netns add ${peerNs}`);
      topo.namespaces.push(peerNs);
      await sysctl(peerNs, ['net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
      const hostMac = itf.mac ?? `02:00:00:00:${hexByte(i)}:01`;
      const peerMac = `02:00:00:00:${hexByte(i)}:02`;
      const addrs: [string, number][] = [];
      for (const a of itf.addrs ?? (itf.addr ? [itf.addr] : [])) {
        const [ip, len] = a.split('/');
        addrs.push([ip, len === undefined ? (isIpv6(ip) ? 128 : 32) : Number(len)]);
      }
      topo.peers.push({ iface: itf.name, hostMac, peerMac, peerNs, peerDev: 'peer0', peerAddrs: [], addrs });
      const mtu = itf.mtu ? ['mtu', String(itf.mtu)] : [];
      await must(
        exec('ip', [
          '-n',
          topo.hostNs,
          'link',
          'add',
          itf.name,
          'address',
          hostMac,
          ...mtu,
          'type',
          'veth',
          'peer',
          'name',
          'peer0',
          'address',
          peerMac,
          ...mtu,
          'netns',
          peerNs,
        ]),
        `veth ${itf.name}`,
      );
      await must(exec('ip', ['-n', peerNs, 'link', 'set', 'peer0', 'up']), `peer up ${peerNs}`);
      await must(exec('ip', ['-n', peerNs, 'link', 'set', 'lo', 'up']), `lo up ${peerNs}`);
      for (const [ip, len] of addrs)
        hostBatch.push(
          isIpv6(ip)
            ? `addr add ${ip}/${len} dev ${itf.name} nodad`
            : `addr add ${ip}/${len}${len <= 30 ? ' brd +' : ''} dev ${itf.name}`,
        );
      hostBatch.push(`link set ${itf.name} up`);
    }
    // Peer addresses: the next hops of the routes through each interface (informational: the
    // peers answer ARP for every address, so no address is configured there).
    for (const p of topo.peers) {
      const hops = nextHops.filter((h) =>
        h.dev ? h.dev === p.iface : p.addrs.some(([a, l]) => inPrefix(h.via, a, l)),
      );
      p.peerAddrs = [...new Set(hops.map((h) => h.via))];
    }
    const rtBatch: string[] = [];
    const rtBatch6: string[] = [];
    for (const r of routes) (routeIsV6(r, family) ? rtBatch6 : rtBatch).push(`route add ${routeArgs(r, ifaceNames)}`);
    for (const rule of host.ip_rules ?? []) (routeIsV6(rule, family) ? rtBatch6 : rtBatch).push(`rule add ${rule}`);
    await must(exec('ip', ['-n', topo.hostNs, '-batch', '-'], `${hostBatch.join('\n')}\n`), 'host interfaces');
    const kv: string[] = [`net.ipv4.ip_forward=${host.forwarding ? 1 : 0}`];
    if (family === 6) kv.push(`net.ipv6.conf.all.forwarding=${host.forwarding ? 1 : 0}`);
    const rp = host.rp_filter ?? 0;
    kv.push(`net.ipv4.conf.all.rp_filter=${rp}`, `net.ipv4.conf.default.rp_filter=${rp}`);
    for (const itf of host.interfaces) kv.push(`net.ipv4.conf.${itf.name.replace(/\./g, '/')}.rp_filter=${rp}`);
    for (const [k, v] of Object.entries(host.sysctls ?? {})) kv.push(`${k}=${v}`);
    await sysctl(topo.hostNs, kv);
    if (rtBatch.length)
      await must(exec('ip', ['-n', topo.hostNs, '-batch', '-'], `${rtBatch.join('\n')}\n`), 'routes and rules');
    if (family === 6)
      await waitIpv6Ready(
        topo.hostNs,
        host.interfaces.map((i) => i.name),
      );
    if (rtBatch6.length)
      await must(
        exec('ip', ['-6', '-n', topo.hostNs, '-batch', '-'], `${rtBatch6.join('\n')}\n`),
        'IPv6 routes and rules',
      );
    return topo;
  } catch (e) {
    await destroyTopology(topo);
    throw e;
  }
}

/**
 * Waits until IPv6 is up on every interface: the kernel configures an interface for IPv6 only
 * once the link watcher has seen its carrier (asynchronously, up to a second after `link set
 * up`); until then it has no multicast route, and a neighbour solicitation sent to it is dropped
 * as unroutable.
 */
async function waitIpv6Ready(ns: string, ifaces: string[], timeoutMs = 5000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const r = await nsExec(ns, 'ip', ['-6', 'route', 'show', 'table', 'local']);
    const ready = new Set([...r.stdout.matchAll(/^multicast ff00::\/8 dev (\S+)/gm)].map((m) => m[1]));
    const missing = ifaces.filter((i) => !ready.has(i));
    if (missing.length === 0) return;
    if (Date.now() - t0 > timeoutMs)
      throw new Error(`IPv6 did not come up on ${missing.join(', ')} within ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

/** Deletes every namespace of the topology (never throws). */
export async function destroyTopology(topo: Topology): Promise<void> {
  for (const ns of topo.namespaces.slice().reverse()) await exec('ip', ['netns', 'del', ns]);
  topo.namespaces = [];
}
