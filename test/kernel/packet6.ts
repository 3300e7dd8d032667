/**
 * IPv6 packets of the kernel oracle: building the exact IPv6 frames that are injected (TCP, UDP
 * and ICMPv6 with the pseudo-header checksums, neighbour solicitations with their target and
 * source link-layer option) and decoding what the kernel sent or traced back (walking extension
 * headers) into the same header records as IPv4. An IPv6 header record's `id` is the flow label:
 * the oracle gives every injected packet its own, so it identifies the packet (skb) the way the
 * IP ID does for IPv4; the kernel's own packets carry flow label 0 (auto_flowlabels is off).
 */
import {
  buildTransport,
  bytesToMac,
  decodeFrame,
  decodeIpv4,
  decodeTransport,
  ethernetFrame,
  type Header,
  macToBytes,
  type PacketFields,
  protoName,
} from './packet';

/** Whether an address is written as IPv6. */
export function isIpv6(ip: string | undefined): boolean {
  return typeof ip === 'string' && ip.includes(':');
}

/** Parses an IPv6 address (with `::` and an optional dotted IPv4 tail) into 16 bytes. */
export function ip6ToBytes(ip: string): Buffer {
  const bad = () => new Error(`not an IPv6 address: ${ip}`);
  let text = ip;
  const tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const parts = dotted[2].split('.').map(Number);
    if (parts.some((p) => p > 255)) throw bad();
    tail.push((parts[0] << 8) | parts[1], (parts[2] << 8) | parts[3]);
    text = dotted[1].endsWith('::') ? dotted[1] : dotted[1].slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) throw bad();
  const group = (s: string) => (s === '' ? [] : s.split(':'));
  const head = group(halves[0]);
  const rest = halves.length === 2 ? group(halves[1]) : [];
  const words = [...head, ...rest];
  if (words.some((w) => !/^[0-9a-fA-F]{1,4}$/.test(w))) throw bad();
  const total = words.length + tail.length;
  if (halves.length === 1 ? total !== 8 : total > 7) throw bad();
  const nums = [
    ...head.map((w) => Number.parseInt(w, 16)),
    ...new Array(8 - total).fill(0),
    ...rest.map((w) => Number.parseInt(w, 16)),
    ...tail,
  ];
  const b = Buffer.alloc(16);
  nums.forEach((n, i) => {
    b.writeUInt16BE(n, i * 2);
  });
  return b;
}

/** Formats 16 bytes as the compressed text form (RFC 5952; `::ffff:a.b.c.d` for mapped addresses). */
export function bytesToIp6(b: Buffer, off = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push(b.readUInt16BE(off + i * 2));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best === 0 && bestLen === 5 && g[5] === 0xffff)
    return `::ffff:${b[off + 12]}.${b[off + 13]}.${b[off + 14]}.${b[off + 15]}`;
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** The full (uncompressed) form the kernel's log lines use: `2001:0db8:0000:...`. */
export function fullIp6(ip: string): string {
  const b = ip6ToBytes(ip);
  const g: string[] = [];
  for (let i = 0; i < 8; i++)
    g.push(
      b
        .readUInt16BE(i * 2)
        .toString(16)
        .padStart(4, '0'),
    );
  return g.join(':');
}

/** The solicited-node multicast address of `ip` (ff02::1:ffXX:XXXX). */
export function solicitedNode(ip: string): string {
  const b = ip6ToBytes(ip);
  const m = ip6ToBytes('ff02::1:ff00:0');
  b.copy(m, 13, 13, 16);
  return bytesToIp6(m);
}

/** The Ethernet multicast address of an IPv6 multicast address (33:33 + its last 4 bytes). */
export function multicastMac6(ip: string): string {
  const b = ip6ToBytes(ip);
  return ['33', '33', ...[...b.subarray(12)].map((x) => x.toString(16).padStart(2, '0'))].join(':');
}

function sum16(buf: Buffer, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i);
  if (buf.length % 2) sum += buf[buf.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The transport checksum over the IPv6 pseudo header and `l4`. */
export function checksum6(src: Buffer, dst: Buffer, nextHeader: number, l4: Buffer): number {
  const pseudo = Buffer.alloc(40);
  src.copy(pseudo, 0);
  dst.copy(pseudo, 16);
  pseudo.writeUInt32BE(l4.length, 32);
  pseudo[39] = nextHeader;
  return ~sum16(l4, sum16(pseudo)) & 0xffff;
}

/** What an IPv6 packet needs beyond the IPv4 fields (`ipId` is unused; `ttl` is the hop limit). */
export interface Packet6Fields extends PacketFields {
  flowLabel: number;
  /** Neighbour solicitation/advertisement: the target address. */
  ndTarget?: string;
  /** Neighbour discovery: the link-layer address option (source for NS, target for NA). */
  ndMac?: string;
  /** Neighbour advertisement flags (R=0x80, S=0x40, O=0x20). */
  naFlags?: number;
}

/** Builds the IPv6 packet (header + TCP/UDP/ICMPv6 + payload) with valid checksums. */
export function buildIpv6(f: Packet6Fields): Buffer {
  const src = ip6ToBytes(f.src);
  const dst = ip6ToBytes(f.dst);
  let l4: Buffer;
  const transport = buildTransport(f, (seg) => checksum6(src, dst, f.proto, seg));
  if (transport) {
    l4 = transport;
  } else if (f.proto === 58) {
    const type = f.icmpType ?? 128;
    let body: Buffer;
    if (type === 135 || type === 136) {
      body = Buffer.alloc(20 + (f.ndMac ? 8 : 0));
      if (type === 136) body[0] = f.naFlags ?? 0;
      ip6ToBytes(f.ndTarget ?? f.dst).copy(body, 4);
      if (f.ndMac) {
        body[20] = type === 135 ? 1 : 2;
        body[21] = 1;
        macToBytes(f.ndMac).copy(body, 22);
      }
    } else {
      body = Buffer.alloc(4);
      if (f.icmpId !== undefined || f.icmpSeq !== undefined) {
        body.writeUInt16BE(f.icmpId ?? 0, 0);
        body.writeUInt16BE(f.icmpSeq ?? 0, 2);
      }
    }
    l4 = Buffer.concat([Buffer.from([type, f.icmpCode ?? 0, 0, 0]), body, f.payload]);
    l4.writeUInt16BE(checksum6(src, dst, 58, l4), 2);
  } else {
    l4 = Buffer.from(f.payload);
  }
  const ip = Buffer.alloc(40);
  ip.writeUInt32BE(((6 << 28) | ((f.tos & 0xff) << 20) | (f.flowLabel & 0xfffff)) >>> 0, 0);
  ip.writeUInt16BE(l4.length, 4);
  ip[6] = f.proto;
  ip[7] = f.ttl;
  src.copy(ip, 8);
  dst.copy(ip, 24);
  return Buffer.concat([ip, l4]);
}

/** An Ethernet frame carrying IPv6. */
export function ethernetFrame6(dstMac: string, srcMac: string, ipPacket: Buffer): Buffer {
  return ethernetFrame(dstMac, srcMac, ipPacket, 0x86dd);
}

const EXT_HEADERS = new Set([0, 43, 44, 51, 60]);

/**
 * Decodes an IPv6 header, its extension headers and the transport header (in nf_tables trace
 * events the transport header comes separately: pass it as `l4`).
 */
export function decodeIpv6(ip: Buffer, l4?: Buffer): Header | null {
  if (ip.length < 40 || ip[0] >> 4 !== 6) return null;
  const first = ip.readUInt32BE(0);
  const payloadLen = ip.readUInt16BE(4);
  let next = ip[6];
  let off = 40;
  while (EXT_HEADERS.has(next) && off + 8 <= ip.length) {
    const len = next === 44 ? 8 : next === 51 ? (ip[off + 1] + 2) * 4 : (ip[off + 1] + 1) * 8;
    next = ip[off];
    off += len;
  }
  const h: Header = {
    src: bytesToIp6(ip, 8),
    dst: bytesToIp6(ip, 24),
    proto: next === 58 ? 'icmpv6' : protoName(next),
  };
  const t = l4 ?? ip.subarray(off);
  const l4len = payloadLen + 40 - off;
  const tail: Header = {};
  if (decodeTransport(next, t, l4len, h, tail)) {
    // TCP or UDP, decoded
  } else if (next === 58 && t.length >= 2) {
    h.icmp_type = t[0];
    h.icmp_code = t[1];
    if ((t[0] === 128 || t[0] === 129) && t.length >= 8) {
      h.icmp_id = t.readUInt16BE(4);
      h.icmp_seq = t.readUInt16BE(6);
    }
    if ((t[0] === 135 || t[0] === 136) && t.length >= 24) tail.nd_target = bytesToIp6(t, 8);
    if (t[0] >= 1 && t[0] <= 4 && t.length >= 48) {
      const inner = decodeIpv6(t.subarray(8));
      if (inner) {
        const ii: Header = { src: inner.src, dst: inner.dst, proto: inner.proto };
        if (inner.sport !== undefined) ii.sport = inner.sport;
        if (inner.dport !== undefined) ii.dport = inner.dport;
        ii.id = inner.id;
        tail.icmp_inner = ii;
      }
    }
  }
  h.len = payloadLen + 40;
  h.ttl = ip[7];
  h.tos = (first >>> 20) & 0xff;
  h.id = first & 0xfffff;
  return Object.assign(h, tail);
}

/** Decodes an IPv4 or IPv6 network header (with the transport header separately, as nft traces give it). */
export function decodeIp(nh: Buffer, th?: Buffer): Header | null {
  return nh.length && nh[0] >> 4 === 6 ? decodeIpv6(nh, th) : decodeIpv4(nh, th);
}

/** Decodes an Ethernet frame carrying IPv4 or IPv6 into an `egress` record (null for anything else). */
export function decodeAnyFrame(iface: string, frame: Buffer): Header | null {
  if (frame.length < 54 || frame.readUInt16BE(12) !== 0x86dd) return decodeFrame(iface, frame);
  const ip = decodeIpv6(frame.subarray(14));
  if (!ip) return null;
  const { payload_len, icmp_inner, nd_target, ...head } = ip;
  const out: Header = { iface, ...head, mac_src: bytesToMac(frame, 6), mac_dst: bytesToMac(frame, 0) };
  if (payload_len !== undefined) out.payload_len = payload_len;
  if (icmp_inner !== undefined) out.icmp_inner = icmp_inner;
  if (nd_target !== undefined) out.nd_target = nd_target;
  return out;
}

/** ICMPv6 neighbour discovery and MLD messages (the kernel's own link chatter). */
export function isNdOrMld(h: Header): boolean {
  if (h.proto !== 'icmpv6') return false;
  const t = h.icmp_type as number;
  return (t >= 130 && t <= 137) || t === 143;
}

const ICMP6_NAMES: Record<number, string> = {
  1: 'destination-unreachable',
  2: 'packet-too-big',
  3: 'time-exceeded',
  4: 'parameter-problem',
  128: 'echo-request',
  129: 'echo-reply',
  133: 'router-solicitation',
  134: 'router-advertisement',
  135: 'neighbour-solicitation',
  136: 'neighbour-advertisement',
};

/** A short name for an ICMPv6 type/code. */
export function icmp6Name(type: number, code: number): string {
  if (type === 1)
    return (
      ['no-route', 'adm-prohibited', 'beyond-scope', 'addr-unreachable', 'port-unreachable'][code] ??
      `destination-unreachable/${code}`
    );
  return ICMP6_NAMES[type] ?? `icmpv6-type-${type}/${code}`;
}

/** ICMPv6 type from a number or name. */
export function icmp6TypeNumber(t: string | number | undefined): number {
  if (t === undefined) return 128;
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(t)) return Number(t);
  const name = t === 'ping' ? 'echo-request' : t === 'pong' ? 'echo-reply' : t.replace('neighbor', 'neighbour');
  for (const [n, v] of Object.entries(ICMP6_NAMES)) if (v === name) return Number(n);
  throw new Error(`unknown ICMPv6 type ${t}`);
}
