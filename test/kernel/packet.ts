/**
 * IPv4 packets of the kernel oracle (IPv6 in packet6.ts): building the exact frames that are injected (Ethernet, IPv4,
 * TCP/UDP/ICMP with correct checksums) and decoding what the kernel sent or traced back into the
 * header records of the result files (`egress`, `headers_seen`, `first_header`).
 */

/** Header record of the result files (keys in the order the recorded results use). */
export type Header = Record<string, unknown>;

const PROTO_NUM: Record<string, number> = {
  icmp: 1,
  igmp: 2,
  tcp: 6,
  udp: 17,
  gre: 47,
  esp: 50,
  ah: 51,
  icmpv6: 58,
  icmp6: 58,
  'ipv6-icmp': 58,
  sctp: 132,
};
const PROTO_NAME: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6' };

export function protoNumber(p: string | number | undefined): number {
  if (p === undefined) return 6;
  if (typeof p === 'number') return p;
  if (/^\d+$/.test(p)) return Number(p);
  const n = PROTO_NUM[p.toLowerCase()];
  if (n === undefined) throw new Error(`unknown protocol ${p}`);
  return n;
}

export function protoName(n: number): string {
  return PROTO_NAME[n] ?? String(n);
}

const ICMP_TYPES: Record<string, number> = {
  'echo-reply': 0,
  'destination-unreachable': 3,
  'source-quench': 4,
  redirect: 5,
  'echo-request': 8,
  'router-advertisement': 9,
  'router-solicitation': 10,
  'time-exceeded': 11,
  'ttl-exceeded': 11,
  'parameter-problem': 12,
  'timestamp-request': 13,
  'timestamp-reply': 14,
};

export function icmpTypeNumber(t: string | number | undefined): number {
  if (t === undefined) return 8;
  if (typeof t === 'number') return t;
  if (/^\d+$/.test(t)) return Number(t);
  const n = ICMP_TYPES[t];
  if (n === undefined) throw new Error(`unknown ICMP type ${t}`);
  return n;
}

const UNREACH = [
  'network-unreachable',
  'host-unreachable',
  'protocol-unreachable',
  'port-unreachable',
  'fragmentation-needed',
  'source-route-failed',
  'network-unknown',
  'host-unknown',
  'source-host-isolated',
  'network-prohibited',
  'host-prohibited',
  'TOS-network-unreachable',
  'TOS-host-unreachable',
  'communication-prohibited',
  'host-precedence-violation',
  'precedence-cutoff',
];

/** A short name for an ICMP type/code (as in the responses' `summary`). */
export function icmpName(type: number, code: number): string {
  switch (type) {
    case 0:
      return 'echo-reply';
    case 8:
      return 'echo-request';
    case 3:
      return UNREACH[code] ?? `destination-unreachable/${code}`;
    case 5:
      return (
        ['redirect-network', 'redirect-host', 'redirect-tos-network', 'redirect-tos-host'][code] ?? `redirect/${code}`
      );
    case 11:
      return code === 0 ? 'ttl-exceeded' : 'fragment-reassembly-time-exceeded';
    case 12:
      return 'parameter-problem';
    default:
      return `icmp-type-${type}/${code}`;
  }
}

const TCP_FLAG_ORDER: [string, number][] = [
  ['F', 0x01],
  ['S', 0x02],
  ['R', 0x04],
  ['P', 0x08],
  ['A', 0x10],
  ['U', 0x20],
  ['E', 0x40],
  ['C', 0x80],
];

export function tcpFlagsValue(flags: string): number {
  let v = 0;
  for (const ch of flags.toUpperCase()) {
    const f = TCP_FLAG_ORDER.find(([c]) => c === ch);
    if (!f) throw new Error(`unknown TCP flag ${ch} in "${flags}"`);
    v |= f[1];
  }
  return v;
}

export function tcpFlagsString(v: number): string {
  return TCP_FLAG_ORDER.filter(([, b]) => v & b)
    .map(([c]) => c)
    .join('');
}

export function ipToBytes(ip: string): Buffer {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255))
    throw new Error(`not an IPv4 address: ${ip}`);
  return Buffer.from(parts.map(Number));
}

export function bytesToIp(b: Buffer, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

export function ipToInt(ip: string): number {
  return ipToBytes(ip).readUInt32BE(0);
}

export function macToBytes(mac: string): Buffer {
  const parts = mac.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p)))
    throw new Error(`not a MAC address: ${mac}`);
  return Buffer.from(parts.map((p) => Number.parseInt(p, 16)));
}

export function bytesToMac(b: Buffer, off = 0): string {
  return [...b.subarray(off, off + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function checksum(buf: Buffer, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < buf.length; i += 2) sum += buf.readUInt16BE(i);
  if (buf.length % 2) sum += buf[buf.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function pseudoSum(src: Buffer, dst: Buffer, proto: number, len: number): number {
  const p = Buffer.alloc(12);
  src.copy(p, 0);
  dst.copy(p, 4);
  p[9] = proto;
  p.writeUInt16BE(len, 10);
  let sum = 0;
  for (let i = 0; i < 12; i += 2) sum += p.readUInt16BE(i);
  return sum;
}

/** What is needed to build one IPv4 packet (all defaults already applied). */
export interface PacketFields {
  src: string;
  dst: string;
  proto: number;
  ttl: number;
  tos: number;
  ipId: number;
  df: boolean;
  sport?: number;
  dport?: number;
  flags?: number;
  seq?: number;
  ack?: number;
  window?: number;
  icmpType?: number;
  icmpCode?: number;
  icmpId?: number;
  icmpSeq?: number;
  payload: Buffer;
}

/**
 * The TCP (proto 6) or UDP (17) header with the payload, its checksum made by `checksum` from the
 * segment (IPv4 and IPv6 differ only in the pseudo header); undefined for other protocols.
 */
export function buildTransport(f: PacketFields, checksum: (segment: Buffer) => number): Buffer | undefined {
  if (f.proto === 6) {
    const l4 = Buffer.alloc(20 + f.payload.length);
    l4.writeUInt16BE(f.sport ?? 0, 0);
    l4.writeUInt16BE(f.dport ?? 0, 2);
    l4.writeUInt32BE((f.seq ?? 0) >>> 0, 4);
    l4.writeUInt32BE((f.ack ?? 0) >>> 0, 8);
    l4[12] = 5 << 4;
    l4[13] = f.flags ?? 0;
    l4.writeUInt16BE(f.window ?? 64240, 14);
    f.payload.copy(l4, 20);
    l4.writeUInt16BE(checksum(l4), 16);
    return l4;
  }
  if (f.proto === 17) {
    const l4 = Buffer.alloc(8 + f.payload.length);
    l4.writeUInt16BE(f.sport ?? 0, 0);
    l4.writeUInt16BE(f.dport ?? 0, 2);
    l4.writeUInt16BE(l4.length, 4);
    f.payload.copy(l4, 8);
    const c = checksum(l4);
    l4.writeUInt16BE(c === 0 ? 0xffff : c, 6);
    return l4;
  }
  return undefined;
}

/** Builds the IPv4 packet (header + transport header + payload) with valid checksums. */
export function buildIpv4(f: PacketFields): Buffer {
  const src = ipToBytes(f.src);
  const dst = ipToBytes(f.dst);
  let l4: Buffer;
  const transport = buildTransport(f, (seg) => checksum(seg, pseudoSum(src, dst, f.proto, seg.length)));
  if (transport) {
    l4 = transport;
  } else if (f.proto === 1) {
    l4 = Buffer.alloc(8 + f.payload.length);
    l4[0] = f.icmpType ?? 8;
    l4[1] = f.icmpCode ?? 0;
    if (f.icmpId !== undefined || f.icmpSeq !== undefined) {
      l4.writeUInt16BE(f.icmpId ?? 0, 4);
      l4.writeUInt16BE(f.icmpSeq ?? 0, 6);
    }
    f.payload.copy(l4, 8);
    l4.writeUInt16BE(checksum(l4), 2);
  } else {
    l4 = Buffer.from(f.payload);
  }
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip[1] = f.tos;
  ip.writeUInt16BE(20 + l4.length, 2);
  ip.writeUInt16BE(f.ipId, 4);
  ip.writeUInt16BE(f.df ? 0x4000 : 0, 6);
  ip[8] = f.ttl;
  ip[9] = f.proto;
  src.copy(ip, 12);
  dst.copy(ip, 16);
  ip.writeUInt16BE(checksum(ip), 10);
  return Buffer.concat([ip, l4]);
}

/** An Ethernet frame carrying an IP packet (IPv4 unless another EtherType is given). */
export function ethernetFrame(dstMac: string, srcMac: string, ipPacket: Buffer, etherType = 0x0800): Buffer {
  const eth = Buffer.alloc(14);
  macToBytes(dstMac).copy(eth, 0);
  macToBytes(srcMac).copy(eth, 6);
  eth.writeUInt16BE(etherType, 12);
  return Buffer.concat([eth, ipPacket]);
}

/**
 * Decodes a TCP or UDP header (`proto` 6 or 17) into `h`, and its payload length into `tail`.
 * Shared by the IPv4 and IPv6 decoders; false for other protocols or a truncated header.
 */
export function decodeTransport(proto: number, t: Buffer, l4len: number, h: Header, tail: Header): boolean {
  if (proto === 6 && t.length >= 14) {
    h.sport = t.readUInt16BE(0);
    h.dport = t.readUInt16BE(2);
    h.flags = tcpFlagsString(t[13]);
    h.seq = t.readUInt32BE(4);
    h.ack = t.readUInt32BE(8);
    tail.payload_len = l4len - (t[12] >> 4) * 4;
    return true;
  }
  if (proto === 17 && t.length >= 4) {
    h.sport = t.readUInt16BE(0);
    h.dport = t.readUInt16BE(2);
    tail.payload_len = l4len - 8;
    return true;
  }
  return false;
}

/**
 * Decodes an IPv4 header and what follows it (possibly truncated, as in nf_tables trace events
 * where the transport header comes separately: pass it as `l4`).
 */
export function decodeIpv4(ip: Buffer, l4?: Buffer): Header | null {
  if (ip.length < 20 || ip[0] >> 4 !== 4) return null;
  const ihl = (ip[0] & 0x0f) * 4;
  const proto = ip[9];
  const h: Header = { src: bytesToIp(ip, 12), dst: bytesToIp(ip, 16), proto: protoName(proto) };
  const totalLen = ip.readUInt16BE(2);
  const frag = ip.readUInt16BE(6);
  const t = l4 ?? ip.subarray(ihl);
  const l4len = totalLen - ihl;
  const tail: Header = {};
  if (decodeTransport(proto, t, l4len, h, tail)) {
    // TCP or UDP, decoded
  } else if (proto === 1 && t.length >= 2) {
    h.icmp_type = t[0];
    h.icmp_code = t[1];
    if ((t[0] === 0 || t[0] === 8) && t.length >= 8) {
      h.icmp_id = t.readUInt16BE(4);
      h.icmp_seq = t.readUInt16BE(6);
    }
    if ([3, 4, 5, 11, 12].includes(t[0]) && t.length >= 28) {
      const inner = decodeIpv4(t.subarray(8));
      if (inner) {
        const ii: Header = { src: inner.src, dst: inner.dst, proto: inner.proto };
        if (inner.sport !== undefined) ii.sport = inner.sport;
        if (inner.dport !== undefined) ii.dport = inner.dport;
        ii.id = inner.id;
        tail.icmp_inner = ii;
      }
    }
  }
  h.len = totalLen;
  h.ttl = ip[8];
  h.tos = ip[1];
  h.id = ip.readUInt16BE(4);
  const ipFlags = [frag & 0x4000 ? 'DF' : '', frag & 0x2000 ? 'MF' : ''].filter(Boolean).join(' ');
  if (ipFlags) h.ip_flags = ipFlags;
  return Object.assign(h, tail);
}

/** Decodes an Ethernet frame carrying IPv4 into an `egress` record (null for anything else). */
export function decodeFrame(iface: string, frame: Buffer): Header | null {
  if (frame.length < 34 || frame.readUInt16BE(12) !== 0x0800) return null;
  const ip = decodeIpv4(frame.subarray(14));
  if (!ip) return null;
  const { payload_len, icmp_inner, ...head } = ip;
  const out: Header = { iface, ...head, mac_src: bytesToMac(frame, 6), mac_dst: bytesToMac(frame, 0) };
  if (payload_len !== undefined) out.payload_len = payload_len;
  if (icmp_inner !== undefined) out.icmp_inner = icmp_inner;
  return out;
}

/** "tcp SA 1.2.3.4 -> 5.6.7.8" / "icmp port-unreachable 1.2.3.4 -> 5.6.7.8". */
export function describe(h: Header): string {
  if (h.proto === 'tcp') return `tcp ${h.flags} ${h.src} -> ${h.dst}`;
  if (h.proto === 'icmp') return `icmp ${icmpName(h.icmp_type as number, h.icmp_code as number)} ${h.src} -> ${h.dst}`;
  return `${h.proto} ${h.src} -> ${h.dst}`;
}
