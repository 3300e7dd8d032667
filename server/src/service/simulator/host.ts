/**
 * The simulated host: interfaces and addresses, routing tables and policy rules (`ip rule`), the
 * sysctls that change outcomes, and open sockets. Normalizes the scenario's `host` object into
 * fast lookup structures and answers the questions the packet path asks: route lookups (input
 * and output, by fwmark/source), address types (addrtype match), and whether a socket listens.
 */
import { type Addr, formatAddr, inNet, isLoopback, isMulticast, maskOf, mustAddr, parseCidrAny } from './addr';
import type { HostSpec, InterfaceSpec, RouteSpec } from './types';

export interface HostIface {
  name: string;
  index: number;
  addrs: { addr: Addr; len: number }[];
  mac: string;
  peerMac: string;
  up: boolean;
  loopback: boolean;
  mtu: number;
}

export type RouteType = 'unicast' | 'local' | 'broadcast' | 'unreachable' | 'blackhole' | 'prohibit';

export interface Route {
  dst: Addr;
  len: number;
  via?: Addr;
  dev?: string;
  src?: Addr;
  metric: number;
  table: number;
  type: RouteType;
}

export interface IpRule {
  pref: number;
  fwmark?: number;
  fwmask: number;
  from?: { addr: Addr; len: number };
  to?: { addr: Addr; len: number };
  iif?: string;
  oif?: string;
  not: boolean;
  table: number;
  action: 'lookup' | 'blackhole' | 'unreachable' | 'prohibit';
  text: string;
}

export interface Listener {
  proto: 'tcp' | 'udp';
  port: number;
  addr?: Addr;
  iface?: string;
}

export interface Host {
  ifaces: Map<string, HostIface>;
  tables: Map<number, Route[]>;
  rules: IpRule[];
  forwarding: boolean;
  /** net.ipv6.conf.all.forwarding (defaults to `forwarding`). */
  forwarding6: boolean;
  rpFilter: number;
  routeLocalnet: boolean;
  sysctls: Record<string, number | string | boolean>;
  listeners: Listener[];
  /** Local addresses (type local in the local table) → interface. */
  local: Map<Addr, string>;
  /** Subnet broadcast addresses → interface. */
  broadcast: Map<Addr, string>;
  /** Multicast groups joined (address → interfaces). */
  groups: Map<Addr, Set<string>>;
}

const TABLE_IDS: Record<string, number> = { local: 255, main: 254, default: 253 };

function tableId(t: number | string | undefined): number {
  if (t === undefined) return 254;
  if (typeof t === 'number') return t;
  if (TABLE_IDS[t] !== undefined) return TABLE_IDS[t];
  const n = Number(t);
  if (!Number.isInteger(n) || n < 0) throw new Error(`unknown routing table "${t}"`);
  return n;
}

/** Parses an `ip route add` argument string into a route object. */
export function parseRouteString(text: string): RouteSpec {
  const w = text.trim().split(/\s+/);
  const r: RouteSpec = { dst: '' };
  let i = 0;
  if (['unicast', 'local', 'broadcast', 'unreachable', 'blackhole', 'prohibit'].includes(w[0])) r.type = w[i++];
  r.dst = w[i++] ?? '';
  for (; i < w.length; i++) {
    const k = w[i];
    const v = w[i + 1];
    if (k === 'via') r.via = v;
    else if (k === 'dev') r.dev = v;
    else if (k === 'src') r.src = v;
    else if (k === 'metric' || k === 'preference') r.metric = Number(v);
    else if (k === 'table') r.table = v;
    else if (['proto', 'scope', 'mtu'].includes(k)) {
      // accepted, no effect on the simulation
    } else throw new Error(`route "${text}": unknown keyword "${k}"`);
    i++;
  }
  if (!r.dst) throw new Error(`route "${text}": missing destination`);
  return r;
}

function parseIpRule(text: string, index: number): IpRule {
  const w = text.trim().split(/\s+/);
  const rule: IpRule = { pref: 0, fwmask: 0xffffffff, not: false, table: 254, action: 'lookup', text };
  let pref: number | undefined;
  for (let i = 0; i < w.length; i++) {
    const k = w[i];
    const v = w[i + 1];
    switch (k) {
      case 'not':
        rule.not = true;
        continue;
      case 'from':
        if (v !== 'all') rule.from = parseCidrAny(v);
        break;
      case 'to':
        if (v !== 'all') rule.to = parseCidrAny(v);
        break;
      case 'fwmark': {
        const [m, mask] = v.split('/');
        rule.fwmark = Number(m) >>> 0;
        rule.fwmask = mask === undefined ? 0xffffffff : Number(mask) >>> 0;
        if (Number.isNaN(rule.fwmark) || Number.isNaN(rule.fwmask)) throw new Error(`ip rule "${text}": bad fwmark`);
        break;
      }
      case 'iif':
        rule.iif = v;
        break;
      case 'oif':
        rule.oif = v;
        break;
      case 'lookup':
      case 'table':
        rule.table = tableId(v);
        break;
      case 'pref':
      case 'preference':
      case 'priority':
        pref = Number(v);
        break;
      case 'blackhole':
      case 'unreachable':
      case 'prohibit':
        rule.action = k;
        continue;
      default:
        throw new Error(`ip rule "${text}": unknown keyword "${k}"`);
    }
    i++;
  }
  // iproute2 gives rules without a preference the one below the lowest existing (from 32765 down).
  rule.pref = pref ?? 32765 - index;
  return rule;
}

function parseListener(text: string): Listener {
  const m = /^(tcp|udp):(\d+)(?:@([0-9.]+|\[[0-9a-fA-F:.]+\]))?(?:%(\S+))?$/.exec(text.trim());
  if (!m) throw new Error(`listen "${text}": expected proto:port[@addr][%iface], e.g. tcp:8080`);
  return {
    proto: m[1] as 'tcp' | 'udp',
    port: Number(m[2]),
    addr: m[3] ? mustAddr(m[3].replace(/^\[|\]$/g, ''), 'listen address') : undefined,
    iface: m[4],
  };
}

function ifaceAddrs(spec: InterfaceSpec): { addr: Addr; len: number }[] {
  const list = spec.addrs ?? (spec.addr ? [spec.addr] : []);
  return list.map((t) => parseCidrAny(t));
}

/** The automatic IPv6 link-local address of an interface: fe80::/64 with the EUI-64 of its MAC. */
export function linkLocalOf(mac: string): bigint {
  const b = mac.split(':').map((x) => Number.parseInt(x, 16));
  if (b.length !== 6 || b.some((x) => !(x >= 0 && x <= 255))) throw new Error(`invalid MAC address "${mac}"`);
  const eui = [b[0] ^ 2, b[1], b[2], 0xff, 0xfe, b[3], b[4], b[5]];
  let v = 0xfe80n << 112n;
  for (let i = 0; i < 8; i++) v |= BigInt(eui[i]) << BigInt(56 - 8 * i);
  return v;
}

/** Whether the kernel gives interfaces automatic link-local addresses (IPv6 on, addr_gen_mode 0). */
function autoLinkLocal(sysctls: Record<string, number | string | boolean>): boolean {
  const v = (k: string) => Number(sysctls[`net.ipv6.conf.${k}`] ?? 0);
  return v('all.disable_ipv6') !== 1 && v('default.disable_ipv6') !== 1 && v('default.addr_gen_mode') !== 1;
}

/** Throws a readable error when a host description does not have the documented shape. */
function checkHostShape(spec: unknown): asserts spec is HostSpec {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
    throw new Error('the host must be a JSON object ({"interfaces": [...], "routes": [...], ...})');
  const h = spec as Record<string, unknown>;
  const list = (k: string, item: (x: unknown) => boolean, what: string) => {
    const v = h[k];
    if (v === undefined) return;
    if (!Array.isArray(v)) throw new Error(`host "${k}" must be a list`);
    v.forEach((x, i) => {
      if (!item(x)) throw new Error(`host "${k}"[${i}] must be ${what}`);
    });
  };
  const isObj = (x: unknown) => typeof x === 'object' && x !== null && !Array.isArray(x);
  list('interfaces', isObj, 'an object with a "name"');
  list('routes', (x) => isObj(x) || typeof x === 'string', 'a route object or an "ip route" string');
  list('ip_rules', (x) => typeof x === 'string', 'an "ip rule" string');
  list('listen', (x) => typeof x === 'string', 'a "proto:port" string');
  if (h.sysctls !== undefined && !isObj(h.sysctls)) throw new Error('host "sysctls" must be an object');
  for (const [i, itf] of ((h.interfaces ?? []) as Record<string, unknown>[]).entries()) {
    if (itf.addrs !== undefined && !Array.isArray(itf.addrs))
      throw new Error(`host "interfaces"[${i}].addrs must be a list of addresses`);
    if (itf.addr !== undefined && typeof itf.addr !== 'string')
      throw new Error(`host "interfaces"[${i}].addr must be an address string`);
  }
}

/** Builds the host from its scenario description. Throws a readable error on bad input. */
export function buildHost(spec: HostSpec = {}): Host {
  checkHostShape(spec);
  const ifaces = new Map<string, HostIface>();
  ifaces.set('lo', {
    name: 'lo',
    index: -1,
    addrs: [
      { addr: mustAddr('127.0.0.1'), len: 8 },
      { addr: 1n, len: 128 },
    ],
    mac: '00:00:00:00:00:00',
    peerMac: '00:00:00:00:00:00',
    up: true,
    loopback: true,
    mtu: 65536,
  });
  const lla = autoLinkLocal(spec.sysctls ?? {});
  (spec.interfaces ?? []).forEach((s, i) => {
    if (!s || typeof s.name !== 'string' || s.name === '') throw new Error(`interface ${i + 1} has no name`);
    if (s.name === 'lo') return;
    const hex = (i & 255).toString(16).padStart(2, '0');
    const mac = s.mac ?? `02:00:00:00:${hex}:01`;
    const addrs = ifaceAddrs(s);
    if (lla && s.up !== false) addrs.push({ addr: linkLocalOf(mac), len: 64 });
    ifaces.set(s.name, {
      name: s.name,
      index: i,
      addrs,
      mac,
      peerMac: `02:00:00:00:${hex}:02`,
      up: s.up !== false,
      loopback: false,
      mtu: s.mtu ?? 1500,
    });
  });
  const tables = new Map<number, Route[]>();
  const add = (r: Route) => {
    let t = tables.get(r.table);
    if (!t) {
      t = [];
      tables.set(r.table, t);
    }
    t.push(r);
  };
  const local = new Map<Addr, string>();
  const broadcast = new Map<Addr, string>();
  const net = (a: Addr, len: number): Addr =>
    typeof a === 'bigint' ? a & (maskOf(a, len) as bigint) : (a & (maskOf(a, len) as number)) >>> 0;
  for (const ifc of ifaces.values()) {
    for (const a of ifc.addrs) {
      if (ifc.loopback) {
        add({
          dst: net(a.addr, a.len),
          len: a.len,
          dev: 'lo',
          src: a.addr,
          metric: 0,
          table: 255,
          type: 'local',
        });
      } else {
        add({
          dst: a.addr,
          len: typeof a.addr === 'bigint' ? 128 : 32,
          dev: ifc.name,
          src: a.addr,
          metric: 0,
          table: 255,
          type: 'local',
        });
      }
      local.set(a.addr, ifc.name);
      if (!ifc.loopback && typeof a.addr === 'number' && a.len < 31) {
        const nw = net(a.addr, a.len) as number;
        const bc = (nw | ~(maskOf(a.addr, a.len) as number)) >>> 0;
        broadcast.set(bc, ifc.name);
        add({ dst: bc, len: 32, dev: ifc.name, src: a.addr, metric: 0, table: 255, type: 'broadcast' });
      }
      if (!ifc.loopback && a.len < (typeof a.addr === 'bigint' ? 128 : 32) && ifc.up) {
        add({
          dst: net(a.addr, a.len),
          len: a.len,
          dev: ifc.name,
          src: a.addr,
          metric: 0,
          table: 254,
          type: 'unicast',
        });
      }
    }
  }
  for (const r0 of spec.routes ?? []) {
    const r = typeof r0 === 'string' ? parseRouteString(r0) : r0;
    const via = r.via ? mustAddr(r.via, 'gateway') : undefined;
    const dst =
      r.dst === 'default'
        ? { addr: typeof via === 'bigint' || r.dst.includes(':') ? 0n : 0, len: 0 }
        : r.dst === 'default6' || r.dst === '::/0'
          ? { addr: 0n, len: 0 }
          : parseCidrAny(r.dst);
    let dev = r.dev;
    if (dev !== undefined && !ifaces.has(dev)) throw new Error(`route to ${r.dst}: no interface "${dev}"`);
    if (dev === undefined && via !== undefined) {
      for (const ifc of ifaces.values())
        if (
          ifc.addrs.some(
            (a) => typeof a.addr === typeof via && inNet(via, a.addr, maskOf(a.addr, a.len)) && !ifc.loopback,
          )
        )
          dev = ifc.name;
      if (dev === undefined) throw new Error(`route to ${r.dst}: gateway ${r.via} is not on a connected network`);
    }
    const type = (r.type ?? 'unicast') as RouteType;
    if (dev === undefined && type === 'unicast') throw new Error(`route to ${r.dst}: needs "dev" or "via"`);
    add({
      dst: net(dst.addr, dst.len),
      len: dst.len,
      via,
      dev,
      src: r.src ? mustAddr(r.src, 'route source') : undefined,
      metric: r.metric ?? 0,
      table: tableId(r.table),
      type,
    });
  }
  for (const t of tables.values()) t.sort((a, b) => b.len - a.len || a.metric - b.metric);
  const rules: IpRule[] = [
    { pref: 0, fwmask: 0, not: false, table: 255, action: 'lookup', text: 'from all lookup local' },
    ...(spec.ip_rules ?? []).map((t, i) => parseIpRule(t, i)),
    { pref: 32766, fwmask: 0, not: false, table: 254, action: 'lookup', text: 'from all lookup main' },
    { pref: 32767, fwmask: 0, not: false, table: 253, action: 'lookup', text: 'from all lookup default' },
  ];
  rules.sort((a, b) => a.pref - b.pref);
  const sysctls = spec.sysctls ?? {};
  const sys = (k: string) => Number(sysctls[`net.ipv4.conf.all.${k}`] ?? 0);
  const listeners = (spec.listen ?? []).map(parseListener);
  const groups = new Map<Addr, Set<string>>();
  for (const l of listeners) {
    if (l.addr !== undefined && isMulticast(l.addr)) {
      let g = groups.get(l.addr);
      if (!g) {
        g = new Set();
        groups.set(l.addr, g);
      }
      g.add(l.iface ?? '*');
    }
  }
  return {
    ifaces,
    tables,
    rules,
    forwarding: spec.forwarding === true || Number(sysctls['net.ipv4.ip_forward'] ?? 0) === 1,
    forwarding6:
      sysctls['net.ipv6.conf.all.forwarding'] !== undefined
        ? Number(sysctls['net.ipv6.conf.all.forwarding']) === 1
        : spec.forwarding === true,
    rpFilter: Math.max(spec.rp_filter ?? 0, sys('rp_filter')),
    routeLocalnet: sys('route_localnet') === 1,
    sysctls,
    listeners,
    local,
    broadcast,
    groups,
  };
}

export interface RouteQuery {
  dst: Addr;
  src?: Addr;
  mark: number;
  iif?: string;
  oif?: string;
}

export interface RouteResult {
  type: RouteType;
  dev?: string;
  via?: Addr;
  src?: Addr;
  table: number;
  rule?: string;
}

function lookupTable(t: Route[] | undefined, dst: Addr): Route | undefined {
  if (!t) return undefined;
  const fam = typeof dst;
  for (const r of t) if (typeof r.dst === fam && inNet(dst, r.dst, maskOf(dst, r.len))) return r;
  return undefined;
}

/** `a` inside `net/len` of the same family (false across families). */
function inCidr(a: Addr, c: { addr: Addr; len: number }): boolean {
  return typeof a === typeof c.addr && inNet(a, c.addr, maskOf(a, c.len));
}

/** Policy routing lookup (ip rules in order, then the table's longest prefix). */
export function routeLookup(h: Host, q: RouteQuery): RouteResult {
  for (const rule of h.rules) {
    let ok = true;
    if (rule.fwmark !== undefined && (q.mark & rule.fwmask) >>> 0 !== (rule.fwmark & rule.fwmask) >>> 0) ok = false;
    if (ok && rule.from && (q.src === undefined || !inCidr(q.src, rule.from))) ok = false;
    if (ok && rule.to && !inCidr(q.dst, rule.to)) ok = false;
    if (ok && rule.iif && rule.iif !== (q.iif ?? 'lo')) ok = false;
    if (ok && rule.oif && rule.oif !== q.oif) ok = false;
    if (rule.not) ok = !ok;
    if (!ok) continue;
    if (rule.action !== 'lookup') return { type: rule.action, table: 0, rule: rule.text };
    const r = lookupTable(h.tables.get(rule.table), q.dst);
    if (!r) continue;
    if (r.type === 'unicast' && r.dev && h.ifaces.get(r.dev)?.up === false) continue;
    return {
      type: r.type,
      dev: r.dev,
      via: r.via,
      src: r.src ?? primaryAddr(h, r.dev, r.via ?? q.dst),
      table: rule.table,
      rule: rule.text,
    };
  }
  return { type: 'unreachable', table: 0 };
}

/** The address the kernel picks as source on `dev` toward `toward` (same subnet first). */
export function primaryAddr(h: Host, dev: string | undefined, toward?: Addr): Addr | undefined {
  const fam = toward === undefined ? 'number' : typeof toward;
  const ifc = dev ? h.ifaces.get(dev) : undefined;
  const usable = (a: { addr: Addr }) =>
    typeof a.addr === fam && (fam === 'number' || !isLinkLocal6(a.addr as bigint) || isLinkLocal6(toward as bigint));
  const mine = ifc?.addrs.filter(usable) ?? [];
  if (mine.length === 0) {
    // a device without addresses: the kernel picks one from another interface
    for (const i of h.ifaces.values()) if (!i.loopback) for (const a of i.addrs) if (usable(a)) return a.addr;
    return undefined;
  }
  if (toward !== undefined) for (const a of mine) if (inCidr(toward, a)) return a.addr;
  return mine[0].addr;
}

/** fe80::/10 */
export function isLinkLocal6(a: bigint): boolean {
  return a >> 118n === 0x3fan;
}

export type AddrType =
  | 'UNSPEC'
  | 'UNICAST'
  | 'LOCAL'
  | 'BROADCAST'
  | 'MULTICAST'
  | 'BLACKHOLE'
  | 'UNREACHABLE'
  | 'PROHIBIT';

/** The address type as the addrtype match computes it (local table first). */
export function addrType(h: Host, a: Addr, dev?: string): AddrType {
  if (typeof a === 'bigint') {
    if (a === 0n) return 'UNSPEC';
    if (a >> 120n === 0xffn) return 'MULTICAST';
    const l6 = h.local.get(a);
    if (l6 !== undefined && (dev === undefined || l6 === dev || a === 1n)) return 'LOCAL';
    return 'UNICAST';
  }
  if (a === 0 || a === 0xffffffff) return 'BROADCAST';
  if (isMulticast(a)) return 'MULTICAST';
  const l = h.local.get(a);
  if (l !== undefined && (dev === undefined || l === dev || isLoopback(a))) return 'LOCAL';
  if (isLoopback(a) && dev === undefined) return 'LOCAL';
  const b = h.broadcast.get(a);
  if (b !== undefined && (dev === undefined || b === dev)) return 'BROADCAST';
  const r = routeLookup(h, { dst: a, mark: 0 });
  if (r.type === 'blackhole') return 'BLACKHOLE';
  if (r.type === 'prohibit') return 'PROHIBIT';
  if (r.type === 'unreachable' && r.table === 0 && !r.dev) return 'UNICAST';
  return 'UNICAST';
}

/** A socket on the host accepts this protocol/port/address. */
export function listening(h: Host, proto: 'tcp' | 'udp', port: number, dst: Addr, iface?: string): boolean {
  for (const l of h.listeners) {
    if (l.proto !== proto || l.port !== port) continue;
    if (l.addr !== undefined && l.addr !== dst) continue;
    if (l.iface !== undefined && iface !== undefined && l.iface !== iface && iface !== 'lo') continue;
    return true;
  }
  return false;
}

/** One line describing a route result, for explanations. */
export function describeRoute(r: RouteResult): string {
  if (r.type !== 'unicast' && r.type !== 'local' && r.type !== 'broadcast') return r.type;
  const via = r.via !== undefined ? ` via ${formatAddr(r.via, true)}` : '';
  const src = r.src !== undefined ? ` src ${formatAddr(r.src, true)}` : '';
  const table = r.table === 254 ? '' : ` table ${r.table === 255 ? 'local' : r.table}`;
  return `${r.type}${via} dev ${r.dev ?? '?'}${src}${table}`;
}
