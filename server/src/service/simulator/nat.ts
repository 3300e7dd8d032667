/**
 * NAT as the conntrack NAT core does it: a connection's first packet traverses the nat chains at
 * each manip hook (DST at PREROUTING/OUTPUT, SRC at INPUT/POSTROUTING) and a binding is made
 * (or a null binding); every packet of the connection, both directions, is then rewritten from
 * the conntrack entry without traversing nat chains (reverse SNAT at PREROUTING, reverse DNAT at
 * POSTROUTING). ICMP errors are translated together with the packet they carry. New tuples are
 * kept unique: a clash makes the source port (ICMP id) change, as the kernel does.
 */
import { type Addr, formatAddr } from './addr';
import type { ConntrackTable } from './conntrack';
import { type CtEntry, invert, type PacketCt, type Tuple, tupleText } from './conntrack';
import { isEcho, isIcmpProto, type Pkt, PROTO_ICMP, PROTO_TCP, PROTO_UDP } from './packet';
import type { NatRange } from './targets';

export const MANIP_SRC = 0;
export const MANIP_DST = 1;

/** Outcome of choosing a new tuple (what was random, for the report). */
export interface NatChoice {
  tuple: Tuple;
  random?: { why: string; possibilities: string[] };
}

function hasPorts(proto: number): boolean {
  return (
    proto === PROTO_TCP || proto === PROTO_UDP || isIcmpProto(proto) || proto === 132 || proto === 33 || proto === 136
  );
}

function withAddr(t: Tuple, manip: number, ip: Addr): Tuple {
  return manip === MANIP_SRC ? { ...t, src: ip } : { ...t, dst: ip };
}

function portOf(t: Tuple, manip: number): number {
  if (isIcmpProto(t.proto)) return t.sport;
  return manip === MANIP_SRC ? t.sport : t.dport;
}

function withPort(t: Tuple, manip: number, port: number): Tuple {
  if (isIcmpProto(t.proto)) return { ...t, sport: port };
  return manip === MANIP_SRC ? { ...t, sport: port } : { ...t, dport: port };
}

/**
 * get_unique_tuple: the tuple the connection's original direction will have after this manip.
 * `ip` is the address chosen by the target (undefined: keep).
 */
export function uniqueTuple(
  table: ConntrackTable,
  ct: CtEntry,
  orig: Tuple,
  manip: number,
  range: NatRange,
  ip: Addr | undefined,
): NatChoice {
  const taken = (t: Tuple) => table.taken(invert(t), ct);
  const portSpecified = range.minPort !== undefined;
  const cur = manip === MANIP_SRC ? orig.src : orig.dst;
  const addrOk = ip === undefined || ip === cur;
  const curPort = portOf(orig, manip);
  const inPortRange = !portSpecified || (curPort >= (range.minPort as number) && curPort <= (range.maxPort as number));
  if (manip === MANIP_SRC && !range.random && addrOk && inPortRange && !taken(orig)) return { tuple: orig };
  let t = ip === undefined ? orig : withAddr(orig, manip, ip);
  if (!hasPorts(t.proto)) return { tuple: t };
  if (!range.random) {
    if (!portSpecified) {
      if (!taken(t)) return { tuple: t };
    } else if (inPortRange && (range.minPort === range.maxPort || !taken(t))) return { tuple: t };
  }
  let min: number;
  let size: number;
  if (portSpecified) {
    min = range.minPort as number;
    size = (range.maxPort as number) - min + 1;
  } else if (isIcmpProto(t.proto)) {
    min = 0;
    size = 65536;
  } else {
    if (manip === MANIP_DST) return { tuple: t };
    if (curPort < 512) {
      min = 1;
      size = 511;
    } else if (curPort < 1024) {
      min = 600;
      size = 424;
    } else {
      min = 1024;
      size = 64512;
    }
  }
  // The kernel starts at a random offset; the simulation takes the first free value and says so.
  const start = curPort >= min && curPort < min + size ? curPort - min : 0;
  const what = isIcmpProto(t.proto) ? 'ICMP id' : manip === MANIP_SRC ? 'source port' : 'destination port';
  for (let i = 0; i < Math.min(size, 65536); i++) {
    const p = min + ((start + i) % size);
    const cand = withPort(t, manip, p);
    if (!taken(cand)) {
      t = cand;
      if (size === 1) return { tuple: t };
      return {
        tuple: t,
        random: {
          why: `the ${what} is picked at random by the kernel among the free values in ${min}-${min + size - 1}${curPort !== p ? ` (${curPort} is taken)` : ''}; the simulation shows ${p}`,
          possibilities: [`any free ${what} in ${min}-${min + size - 1}`],
        },
      };
    }
  }
  return { tuple: t };
}

/** Makes the binding for `manip` (nf_nat_setup_info); returns what changed. */
export function setupBinding(
  table: ConntrackTable,
  ct: CtEntry,
  manip: number,
  range: NatRange,
  ip: Addr | undefined,
): NatChoice {
  const curr = invert(ct.tuple[1]);
  const choice = uniqueTuple(table, ct, curr, manip, range, ip);
  const n = choice.tuple;
  if (n.src !== curr.src || n.dst !== curr.dst || n.sport !== curr.sport || n.dport !== curr.dport) {
    ct.tuple[1] = invert(n);
    if (manip === MANIP_SRC) ct.srcNat = true;
    else ct.dstNat = true;
  }
  ct.natDone[manip] = true;
  return choice;
}

/** A null binding (no nat rule matched): keeps the tuple unless it clashes. */
export function nullBinding(table: ConntrackTable, ct: CtEntry, manip: number): NatChoice {
  const curr = invert(ct.tuple[1]);
  const ip = manip === MANIP_SRC ? curr.src : curr.dst;
  return setupBinding(
    table,
    ct,
    manip,
    { kind: manip === MANIP_SRC ? 'SNAT' : 'DNAT', random: false, persistent: false, minIp: ip, maxIp: ip },
    ip,
  );
}

function applyTuple(p: Pkt, target: Tuple, manip: number): void {
  if (manip === MANIP_SRC) {
    p.src = target.src;
    if (p.proto === PROTO_TCP || p.proto === PROTO_UDP) p.sport = target.sport;
  } else {
    p.dst = target.dst;
    if (p.proto === PROTO_TCP || p.proto === PROTO_UDP) p.dport = target.dport;
  }
  if ((p.proto === PROTO_ICMP && (p.icmpType === 13 || p.icmpType === 14)) || isEcho(p)) p.icmpId = target.sport;
}

function statusApplies(ct: CtEntry, manip: number, dir: 0 | 1): boolean {
  let src = manip === MANIP_SRC;
  if (dir === 1) src = !src;
  return src ? ct.srcNat : ct.dstNat;
}

function hostPort(p: Pkt, which: 'src' | 'dst'): string {
  const a = formatAddr(which === 'src' ? p.src : p.dst, true);
  if (p.proto === PROTO_TCP || p.proto === PROTO_UDP) return `${a}:${which === 'src' ? p.sport : p.dport}`;
  if (isEcho(p)) return `${a} id ${p.icmpId}`;
  return a;
}

/**
 * Rewrites the packet from its conntrack entry at a manip hook (nf_nat_packet / ICMP reply
 * translation). Returns a description of the rewrite, or undefined when nothing changed.
 */
export function natPacket(
  p: Pkt,
  pct: PacketCt,
  manip: number,
): { kind: string; before: string; after: string } | undefined {
  const ct = pct.entry;
  if (!ct) return undefined;
  const dir = pct.dir;
  if (!statusApplies(ct, manip, dir)) return undefined;
  const which = manip === MANIP_SRC ? 'src' : 'dst';
  const before = hostPort(p, which);
  if (pct.state === 'RELATED' && isIcmpProto(p.proto) && p.inner) {
    const other = ct.tuple[dir === 0 ? 1 : 0];
    applyTuple(p.inner, other, manip === MANIP_SRC ? MANIP_DST : MANIP_SRC);
    const target = invert(other);
    if (manip === MANIP_SRC) p.src = target.src;
    else p.dst = target.dst;
  } else {
    applyTuple(p, invert(ct.tuple[dir === 0 ? 1 : 0]), manip);
  }
  const after = hostPort(p, which);
  const kind =
    dir === 0 ? (manip === MANIP_SRC ? 'SNAT' : 'DNAT') : manip === MANIP_DST ? 'reverse-SNAT' : 'reverse-DNAT';
  return { kind, before, after };
}

export function describeBinding(ct: CtEntry): string {
  return `${tupleText(ct.tuple[0])} / reply ${tupleText(ct.tuple[1])}`;
}
