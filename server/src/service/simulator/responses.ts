/**
 * Packets the host builds in reaction to another packet: TCP resets (REJECT --reject-with
 * tcp-reset, or a closed port), ICMP errors (REJECT, port unreachable, time exceeded, network
 * unreachable), echo replies, and a listener's SYN-ACK. Header fields follow what the kernel
 * puts there (TTL 64, DF and ID 0 on resets, TOS 0xC0 on ICMP errors, 576-byte limit).
 */
import { clonePkt, emptyPkt, type Pkt, PROTO_ICMP, PROTO_TCP, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from './packet';

let ipIdCounter = 0x6100;

function nextId(): number {
  ipIdCounter = (ipIdCounter + 7919) & 0xffff;
  return ipIdCounter;
}

/** A TCP reset answering `orig` (sent from orig's destination). */
export function tcpReset(orig: Pkt): Pkt {
  const r = emptyPkt();
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
    const payload = Math.max(0, orig.len - 40);
    r.ack = (orig.seq + payload + (orig.flags & TCP_SYN ? 1 : 0) + (orig.flags & TCP_FIN ? 1 : 0)) >>> 0;
  }
  r.window = 0;
  r.df = true;
  r.ipId = 0;
  r.len = 40;
  return r;
}

/** An ICMP error about `orig` from `src` (type/code), embedding as much of orig as fits 576 bytes. */
export function icmpError(orig: Pkt, type: number, code: number, src: number): Pkt {
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

/** The echo reply to an echo request. */
export function echoReply(orig: Pkt): Pkt {
  const r = emptyPkt();
  r.proto = PROTO_ICMP;
  r.icmpType = 0;
  r.icmpCode = 0;
  r.icmpId = orig.icmpId;
  r.icmpSeq = orig.icmpSeq;
  r.src = orig.dst;
  r.dst = orig.src;
  r.tos = orig.tos;
  r.len = orig.len;
  r.ipId = nextId();
  return r;
}

/** A listener's SYN-ACK (MSS option; the initial sequence number is random in the kernel). */
export function synAck(orig: Pkt, loopback: boolean): Pkt {
  const r = emptyPkt();
  r.proto = PROTO_TCP;
  r.src = orig.dst;
  r.dst = orig.src;
  r.sport = orig.dport;
  r.dport = orig.sport;
  r.flags = TCP_SYN | TCP_ACK;
  r.seq = 1000000000;
  r.ack = (orig.seq + 1) >>> 0;
  r.window = loopback ? 65495 : 64240;
  r.tcpOpts = '020405B4';
  r.df = true;
  r.ipId = 0;
  r.len = 44;
  return r;
}
