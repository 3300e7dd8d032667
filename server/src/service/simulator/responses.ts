/**
 * Packets the host builds in reaction to another packet: TCP resets (REJECT --reject-with
 * tcp-reset, or a closed port), ICMP/ICMPv6 errors (REJECT, port unreachable, time exceeded,
 * network unreachable), echo replies, neighbour advertisements, and a listener's SYN-ACK. Header fields follow what the kernel
 * puts there (TTL 64, DF and ID 0 on resets, TOS 0xC0 on ICMP errors, 576-byte limit).
 */
import type { Addr } from './addr';
import {
  clonePkt,
  emptyPkt,
  type Pkt,
  PROTO_ICMP,
  PROTO_ICMPV6,
  PROTO_TCP,
  TCP_ACK,
  TCP_FIN,
  TCP_RST,
  TCP_SYN,
} from './packet';

let ipIdCounter = 0x6100;

function nextId(): number {
  ipIdCounter = (ipIdCounter + 7919) & 0xffff;
  return ipIdCounter;
}

/** A TCP reset answering `orig` (sent from orig's destination). */
export function tcpReset(orig: Pkt): Pkt {
  const r = emptyPkt(orig.family);
  r.proto = PROTO_TCP;
  r.src = orig.dst;
  r.dst = orig.src;
  r.sport = orig.dport;
  r.dport = orig.sport;
  if (orig.flags & TCP_ACK) {
    r.flags = TCP_RST;
    r.seq = orig.ack;
    r.ack = 0;
  } else {
    r.flags = TCP_RST | TCP_ACK;
    r.seq = 0;
    const payload = Math.max(0, orig.len - (orig.family === 6 ? 60 : 40) - orig.tcpOpts.length / 2);
    r.ack = (orig.seq + payload + (orig.flags & TCP_SYN ? 1 : 0) + (orig.flags & TCP_FIN ? 1 : 0)) >>> 0;
  }
  r.window = 0;
  r.df = orig.family === 4;
  r.ipId = 0;
  r.len = orig.family === 6 ? 60 : 40;
  return r;
}

/**
 * An ICMP error about `orig` from `src` (type/code), embedding as much of orig as fits 576 bytes;
 * for IPv6 an ICMPv6 error embedding as much as fits the minimum MTU (1280 bytes).
 */
export function icmpError(orig: Pkt, type: number, code: number, src: Addr): Pkt {
  if (orig.family === 6) {
    const r = emptyPkt(6);
    r.proto = PROTO_ICMPV6;
    r.icmpType = type;
    r.icmpCode = code;
    r.src = src;
    r.dst = orig.src;
    const innerLen = Math.min(orig.len, 1280 - 48);
    r.len = 48 + innerLen;
    const inner = clonePkt(orig);
    inner.in = null;
    inner.out = null;
    inner.inner = undefined;
    r.inner = inner;
    r.innerL4Bytes = Math.max(0, innerLen - 40);
    return r;
  }
  const r = emptyPkt();
  r.proto = PROTO_ICMP;
  r.icmpType = type;
  r.icmpCode = code;
  r.src = src;
  r.dst = orig.src;
  r.tos = 0xc0;
  r.ipId = nextId();
  const innerLen = Math.min(orig.len, 576 - 28);
  r.len = 28 + innerLen;
  const inner = clonePkt(orig);
  inner.in = null;
  inner.out = null;
  inner.inner = undefined;
  r.inner = inner;
  r.innerL4Bytes = Math.max(0, innerLen - 20);
  return r;
}

/** The echo reply to an echo request (ICMP or ICMPv6). */
export function echoReply(orig: Pkt): Pkt {
  const r = emptyPkt(orig.family);
  r.proto = orig.proto;
  r.icmpType = orig.family === 6 ? 129 : 0;
  r.icmpCode = 0;
  r.icmpId = orig.icmpId;
  r.icmpSeq = orig.icmpSeq;
  r.src = orig.dst;
  r.dst = orig.src;
  r.tos = orig.tos;
  r.len = orig.len;
  r.ipId = orig.family === 6 ? 0 : nextId();
  return r;
}

/**
 * The neighbour advertisement answering a solicitation for one of the host's addresses
 * (solicited, override; hop limit 255 as neighbour discovery requires).
 */
export function neighbourAdvert(orig: Pkt, target: Addr): Pkt {
  const r = emptyPkt(6);
  r.proto = PROTO_ICMPV6;
  r.icmpType = 136;
  r.src = target;
  r.dst = orig.src;
  r.ttl = 255;
  r.len = 40 + 8 + 16 + 8;
  return r;
}

/** A listener's SYN-ACK (MSS option; the initial sequence number is random in the kernel). */
export function synAck(orig: Pkt, loopback: boolean): Pkt {
  const r = emptyPkt(orig.family);
  r.proto = PROTO_TCP;
  r.src = orig.dst;
  r.dst = orig.src;
  r.sport = orig.dport;
  r.dport = orig.sport;
  r.flags = TCP_SYN | TCP_ACK;
  r.seq = 1000000000;
  r.ack = (orig.seq + 1) >>> 0;
  r.window = loopback ? 65495 : 64240;
  r.tcpOpts = orig.family === 6 ? '020405A0' : '020405B4';
  r.df = orig.family === 4;
  r.ipId = 0;
  r.len = orig.family === 6 ? 64 : 44;
  return r;
}
