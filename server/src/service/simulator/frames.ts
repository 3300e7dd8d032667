/**
 * Converts the simulator's packets and conntrack entries into the result shapes (oracle field
 * names): frames for `sent`/`egress`/`headers_seen`, conntrack entries with original and reply
 * tuples, and one-line summaries.
 */
import { formatAddr } from './addr';
import { type CtEntry, ctStatus, type PacketCt, TCP_STATE_NAMES } from './conntrack';
import { formatTcpFlags, icmpName, isEcho, isIcmpProto, type Pkt, PROTO_TCP, PROTO_UDP, protoText } from './packet';
import type { ConntrackOut, FrameOut } from './types';

/** A frame in the oracle's field names. */
export function frameOf(p: Pkt, extra: Partial<FrameOut> = {}, ct?: PacketCt): FrameOut {
  const f: FrameOut = {
    ...extra,
    src: formatAddr(p.src, true),
    dst: formatAddr(p.dst, true),
    proto: protoText(p.proto),
    len: p.len,
    ttl: p.ttl,
    tos: p.tos,
  };
  if (p.proto === PROTO_TCP || p.proto === PROTO_UDP) {
    f.sport = p.sport;
    f.dport = p.dport;
  }
  if (p.proto === PROTO_TCP) {
    f.flags = formatTcpFlags(p.flags);
    f.seq = p.seq;
    f.ack = p.ack;
  }
  if (isIcmpProto(p.proto)) {
    f.icmp_type = p.icmpType;
    f.icmp_code = p.icmpCode;
    if (isEcho(p)) f.icmp_id = p.icmpId;
  }
  f.id = p.ipId;
  if (p.mark) f.mark = `0x${p.mark.toString(16)}`;
  if (ct && !ct.none) {
    f.ctstate = ct.state;
    if (ct.entry) f.ctdir = ct.dir ? 'REPLY' : 'ORIGINAL';
  }
  return f;
}

/** `sent`: the packet as injected, in the scenario's own field names. */
export function sentOf(p: Pkt, name: string, replyTo?: string): Record<string, unknown> {
  const s: Record<string, unknown> = {
    in: p.in,
    src: formatAddr(p.src, true),
    dst: formatAddr(p.dst, true),
    proto: protoText(p.proto),
  };
  if (p.proto === PROTO_TCP || p.proto === PROTO_UDP) {
    s.sport = p.sport;
    s.dport = p.dport;
  }
  if (p.proto === PROTO_TCP) {
    s.flags = formatTcpFlags(p.flags);
    s.seq = p.seq;
    s.ack = p.ack;
  }
  if (isIcmpProto(p.proto)) {
    s.type = p.icmpType;
    s.code = p.icmpCode;
    if (isEcho(p)) {
      s.id = p.icmpId;
      s.seq = p.icmpSeq;
    }
  }
  s.ttl = p.ttl;
  s.tos = p.tos;
  s.ip_id = p.ipId;
  if (p.df) s.df = true;
  s.len = p.len;
  if (p.mark) s.mark = p.mark;
  if (replyTo) s.reply_to = replyTo;
  void name;
  return s;
}

function tupleOut(t: CtEntry['tuple'][0]): Record<string, string | number> {
  const o: Record<string, string | number> = { src: formatAddr(t.src, true), dst: formatAddr(t.dst, true) };
  if (isIcmpProto(t.proto)) {
    o.type = t.dport;
    o.id = t.sport;
  } else if (t.proto === PROTO_TCP || t.proto === PROTO_UDP) {
    o.sport = t.sport;
    o.dport = t.dport;
  }
  return o;
}

export function conntrackOut(e: CtEntry): ConntrackOut {
  const flags: string[] = [];
  if (!e.seenReply) flags.push('UNREPLIED');
  if (e.assured) flags.push('ASSURED');
  return {
    proto: protoText(e.tuple[0].proto),
    orig: tupleOut(e.tuple[0]),
    reply: tupleOut(e.tuple[1]),
    state: e.tuple[0].proto === PROTO_TCP ? TCP_STATE_NAMES[e.tcpState] : undefined,
    mark: e.mark,
    flags,
    status: ctStatus(e),
  };
}

/** `tcp RA 192.0.2.1 -> 10.77.3.3 (out eth0)` */
export function summaryOf(p: Pkt, out: string | undefined): string {
  const where = out ? ` (out ${out})` : ' (not seen leaving)';
  if (p.proto === PROTO_TCP)
    return `tcp ${formatTcpFlags(p.flags)} ${formatAddr(p.src, true)} -> ${formatAddr(p.dst, true)}${where}`;
  if (isIcmpProto(p.proto))
    return `${protoText(p.proto)} ${icmpName(p.icmpType, p.icmpCode, p.proto)} ${formatAddr(p.src, true)} -> ${formatAddr(p.dst, true)}${where}`;
  return `${protoText(p.proto)} ${formatAddr(p.src, true)} -> ${formatAddr(p.dst, true)}${where}`;
}
