/**
 * Connection tracking: the conntrack table (entries with original and reply tuples), the lookup
 * that classifies each packet (NEW, ESTABLISHED, RELATED for ICMP errors about a known flow,
 * INVALID, UNTRACKED), the TCP state machine (the kernel's transition table, with
 * nf_conntrack_tcp_loose=1 mid-stream pickup), confirmation when a packet leaves the host or is
 * delivered, and the tuple-uniqueness check NAT uses to avoid clashes.
 */
import { type Addr, formatAddr } from './addr';
import {
  isIcmpError,
  isIcmpProto,
  type Pkt,
  PROTO_ICMP,
  PROTO_ICMPV6,
  PROTO_TCP,
  PROTO_UDP,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
} from './packet';

export type CtState = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED';

/** A conntrack tuple. For ICMP/ICMPv6, `sport` is the id and `dport` the type. */
export interface Tuple {
  src: Addr;
  dst: Addr;
  proto: number;
  sport: number;
  dport: number;
}

export interface CtEntry {
  id: number;
  /** [original, reply] */
  tuple: [Tuple, Tuple];
  seenReply: boolean;
  assured: boolean;
  confirmed: boolean;
  srcNat: boolean;
  dstNat: boolean;
  /** NAT set up for the [SRC, DST] manip type. */
  natDone: [boolean, boolean];
  mark: number;
  tcpState: number;
  /** Packets and bytes per direction (connbytes). */
  packets: [number, number];
  bytes: [number, number];
  /** Time of creation (seconds) and of the last packet. */
  created: number;
  last: number;
}

/** What conntrack attached to a packet. */
export interface PacketCt {
  entry?: CtEntry;
  state: CtState;
  /** 0 = original, 1 = reply. */
  dir: 0 | 1;
  /** Why the state was chosen (for explanations). */
  why: string;
  /** Conntrack does not run in the namespace at all (no rule enabled it). */
  none?: boolean;
}

// TCP conntrack states (kernel order).
export const TCP_NONE = 0;
const SS = 1;
const SR = 2;
export const TCP_ESTABLISHED = 3;
const FW = 4;
const CW = 5;
const LA = 6;
const TW = 7;
export const TCP_CLOSE = 8;
const S2 = 9;
const IV = 10;
const IG = 11;
export const TCP_STATE_NAMES = [
  'NONE',
  'SYN_SENT',
  'SYN_RECV',
  'ESTABLISHED',
  'FIN_WAIT',
  'CLOSE_WAIT',
  'LAST_ACK',
  'TIME_WAIT',
  'CLOSE',
  'SYN_SENT2',
];

// Transition table [dir][flag index][state] from nf_conntrack_proto_tcp.c (states sNO..sS2).
// flag index: 0 syn, 1 synack, 2 fin, 3 ack, 4 rst, 5 none
const NO = TCP_NONE;
const ES = TCP_ESTABLISHED;
const CL = TCP_CLOSE;
const TCP_TABLE: number[][][] = [
  [
    /* syn */ [SS, SS, IG, IG, IG, IG, IG, SS, SS, S2],
    /* synack */ [IV, IV, SR, IV, IV, IV, IV, IV, IV, SR],
    /* fin */ [IV, IV, FW, FW, LA, LA, LA, TW, CL, IV],
    /* ack */ [ES, IV, ES, ES, CW, CW, TW, TW, CL, IV],
    /* rst */ [IV, CL, CL, CL, CL, CL, CL, CL, CL, CL],
    /* none */ [IV, IV, IV, IV, IV, IV, IV, IV, IV, IV],
  ],
  [
    /* syn */ [IV, S2, IV, IV, IV, IV, IV, SS, IV, S2],
    /* synack */ [IV, SR, IG, IG, IG, IG, IG, IG, IG, SR],
    /* fin */ [IV, IV, FW, FW, LA, LA, LA, TW, CL, IV],
    /* ack */ [IV, IG, SR, ES, CW, CW, TW, TW, CL, IG],
    /* rst */ [IV, CL, CL, CL, CL, CL, CL, CL, CL, CL],
    /* none */ [IV, IV, IV, IV, IV, IV, IV, IV, IV, IV],
  ],
];
void NO;

function tcpFlagIndex(f: number): number {
  if (f & TCP_RST) return 4;
  if (f & TCP_SYN) return f & TCP_ACK ? 1 : 0;
  if (f & TCP_FIN) return 2;
  if (f & TCP_ACK) return 3;
  return 5;
}

/** Flag combinations the kernel accepts (tcp_valid_flags); others are INVALID. */
function tcpFlagsValid(f: number): boolean {
  const core = f & ~(0x08 | 0x20 | 0x40 | 0x80); // ignore PSH, URG, ECE, CWR
  const ok = new Set([TCP_SYN, TCP_SYN | TCP_ACK, TCP_RST, TCP_RST | TCP_ACK, TCP_FIN | TCP_ACK, TCP_ACK]);
  return ok.has(core);
}

const ICMP_REPLY_TYPE: Record<number, number> = { 8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 17: 18, 18: 17 };
const ICMP_NEW_OK = new Set([8, 13, 15, 17]);
// ICMPv6: echo and node information queries start connections; neighbour discovery and MLD
// messages are left untracked (nf_conntrack_proto_icmpv6's noct_valid_new).
const ICMP6_REPLY_TYPE: Record<number, number> = { 128: 129, 129: 128, 139: 140, 140: 139 };
const ICMP6_NEW_OK = new Set([128, 139]);
const ICMP6_NOCT = new Set([130, 131, 132, 133, 134, 135, 136, 143]);

/** The tuple of a packet as conntrack sees it. */
export function pktTuple(p: Pkt): Tuple {
  if (isIcmpProto(p.proto)) return { src: p.src, dst: p.dst, proto: p.proto, sport: p.icmpId, dport: p.icmpType };
  if (p.proto === PROTO_TCP || p.proto === PROTO_UDP)
    return { src: p.src, dst: p.dst, proto: p.proto, sport: p.sport, dport: p.dport };
  return { src: p.src, dst: p.dst, proto: p.proto, sport: 0, dport: 0 };
}

export function invert(t: Tuple): Tuple {
  if (t.proto === PROTO_ICMP)
    return { src: t.dst, dst: t.src, proto: t.proto, sport: t.sport, dport: ICMP_REPLY_TYPE[t.dport] ?? t.dport };
  if (t.proto === PROTO_ICMPV6)
    return { src: t.dst, dst: t.src, proto: t.proto, sport: t.sport, dport: ICMP6_REPLY_TYPE[t.dport] ?? t.dport };
  return { src: t.dst, dst: t.src, proto: t.proto, sport: t.dport, dport: t.sport };
}

export function tupleKey(t: Tuple): string {
  return `${t.proto}|${t.src}|${t.dst}|${t.sport}|${t.dport}`;
}

export function tupleText(t: Tuple): string {
  const a = formatAddr(t.src, true);
  const b = formatAddr(t.dst, true);
  if (isIcmpProto(t.proto))
    return `${t.proto === PROTO_ICMP ? 'icmp' : 'icmpv6'} ${a} -> ${b} id ${t.sport} type ${t.dport}`;
  const sep = typeof t.src === 'bigint' ? ['[', ']'] : ['', ''];
  return `${t.proto === PROTO_TCP ? 'tcp' : t.proto === PROTO_UDP ? 'udp' : t.proto} ${sep[0]}${a}${sep[1]}:${t.sport} -> ${sep[0]}${b}${sep[1]}:${t.dport}`;
}

/** The conntrack table of one simulation. */
export class ConntrackTable {
  private readonly map = new Map<string, { e: CtEntry; dir: 0 | 1 }>();
  private nextId = 1;
  readonly entries: CtEntry[] = [];

  lookup(t: Tuple): { e: CtEntry; dir: 0 | 1 } | undefined {
    return this.map.get(tupleKey(t));
  }

  /** Whether `t` is already used by another (confirmed) connection: NAT must pick another. */
  taken(t: Tuple, ignore?: CtEntry): boolean {
    const hit = this.map.get(tupleKey(t));
    return hit !== undefined && hit.e !== ignore;
  }

  create(t: Tuple, now: number): CtEntry {
    return {
      id: this.nextId++,
      tuple: [t, invert(t)],
      seenReply: false,
      assured: false,
      confirmed: false,
      srcNat: false,
      dstNat: false,
      natDone: [false, false],
      mark: 0,
      tcpState: TCP_NONE,
      packets: [0, 0],
      bytes: [0, 0],
      created: now,
      last: now,
    };
  }

  /** Inserts an entry (when its first packet leaves the host or is delivered). */
  confirm(e: CtEntry): void {
    if (e.confirmed) return;
    e.confirmed = true;
    this.map.set(tupleKey(e.tuple[0]), { e, dir: 0 });
    this.map.set(tupleKey(e.tuple[1]), { e, dir: 1 });
    this.entries.push(e);
  }

  /** Drops a confirmed entry (TCP reset/close). */
  remove(e: CtEntry): void {
    if (!e.confirmed) return;
    this.map.delete(tupleKey(e.tuple[0]));
    this.map.delete(tupleKey(e.tuple[1]));
    const i = this.entries.indexOf(e);
    if (i >= 0) this.entries.splice(i, 1);
  }

  /** Count of entries whose original tuple satisfies `pred` (connlimit). */
  count(pred: (e: CtEntry) => boolean): number {
    let n = 0;
    for (const e of this.entries) if (pred(e)) n++;
    return n;
  }
}

/**
 * Classifies a packet at the conntrack hook (PREROUTING or OUTPUT, after raw). A packet that
 * already carries a conntrack (looped back, or a REJECT reply attached to its flow) keeps it.
 */
export function conntrackIn(table: ConntrackTable, p: Pkt, now: number): PacketCt {
  if (p.notrack) return { state: 'UNTRACKED', dir: 0, why: 'exempted from connection tracking (CT --notrack)' };
  if (isIcmpProto(p.proto) && isIcmpError(p.icmpType, p.proto)) {
    if (!p.inner) return { state: 'INVALID', dir: 0, why: 'ICMP error without an embedded packet' };
    const innerT = invert(pktTuple(p.inner));
    const hit = table.lookup(innerT);
    if (!hit) return { state: 'INVALID', dir: 0, why: 'ICMP error about a connection conntrack does not know' };
    return { entry: hit.e, state: 'RELATED', dir: hit.dir, why: `ICMP error about ${tupleText(hit.e.tuple[0])}` };
  }
  if (p.proto === PROTO_TCP && !tcpFlagsValid(p.flags))
    return { state: 'INVALID', dir: 0, why: 'invalid TCP flag combination' };
  const t = pktTuple(p);
  const hit = table.lookup(t);
  if (hit) {
    const e = hit.e;
    if (p.proto === PROTO_TCP) {
      const next = TCP_TABLE[hit.dir][tcpFlagIndex(p.flags)][e.tcpState];
      if (next === IV)
        return {
          state: 'INVALID',
          dir: hit.dir,
          why: `TCP ${TCP_STATE_NAMES[e.tcpState]}: segment not valid in this state`,
        };
      if (next !== IG) e.tcpState = next;
    }
    if (hit.dir === 1 && !e.seenReply) e.seenReply = true;
    else if (hit.dir === 0 && e.seenReply && !e.assured && p.proto === PROTO_TCP && e.tcpState === TCP_ESTABLISHED)
      e.assured = true;
    e.packets[hit.dir]++;
    e.bytes[hit.dir] += p.len;
    e.last = now;
    const state: CtState = hit.dir === 1 || e.seenReply ? 'ESTABLISHED' : 'NEW';
    return {
      entry: e,
      state,
      dir: hit.dir,
      why:
        state === 'NEW'
          ? 'no reply seen yet on this connection'
          : `known connection (${hit.dir ? 'reply' : 'original'} direction)`,
    };
  }
  if (p.proto === PROTO_ICMP && !ICMP_NEW_OK.has(p.icmpType)) {
    return { state: 'INVALID', dir: 0, why: `ICMP type ${p.icmpType} cannot start a connection` };
  }
  if (p.proto === PROTO_ICMPV6 && !ICMP6_NEW_OK.has(p.icmpType)) {
    if (ICMP6_NOCT.has(p.icmpType))
      return {
        state: 'UNTRACKED',
        dir: 0,
        why: `ICMPv6 type ${p.icmpType} (neighbour discovery/MLD) is not tracked by conntrack`,
      };
    return { state: 'INVALID', dir: 0, why: `ICMPv6 type ${p.icmpType} cannot start a connection` };
  }
  const e = table.create(t, now);
  if (p.proto === PROTO_TCP) {
    const next = TCP_TABLE[0][tcpFlagIndex(p.flags)][TCP_NONE];
    if (next === IV || next === IG) return { state: 'INVALID', dir: 0, why: 'TCP segment cannot start a connection' };
    e.tcpState = next;
  }
  e.packets[0] = 1;
  e.bytes[0] = p.len;
  return { entry: e, state: 'NEW', dir: 0, why: 'first packet of a new connection' };
}

/** ctstatus names set on an entry. */
export function ctStatus(e: CtEntry): string[] {
  const s: string[] = [];
  if (e.seenReply) s.push('SEEN_REPLY');
  if (e.assured) s.push('ASSURED');
  if (e.confirmed) s.push('CONFIRMED');
  if (e.srcNat) s.push('SRC_NAT');
  if (e.dstNat) s.push('DST_NAT');
  return s;
}
