/**
 * Turns a scenario packet into the exact packet the oracle injects: defaults (TTL 64, TOS 0, an IP
 * ID per packet), `reply_to` (built from the frame the earlier packet actually left with), TCP
 * sequence and acknowledgement numbers that follow each connection (including segments the host
 * itself sent), link-layer addresses, and the `sent` record of the result file.
 */
import {
  buildIpv4,
  ethernetFrame,
  type Header,
  icmpTypeNumber,
  ipToInt,
  type PacketFields,
  protoName,
  protoNumber,
  tcpFlagsValue,
} from './packet';
import {
  buildIpv6,
  ethernetFrame6,
  icmp6TypeNumber,
  ip6ToBytes,
  isIpv6,
  multicastMac6,
  type Packet6Fields,
} from './packet6';
import type { PacketSpec } from './scenario';
import type { PeerInfo } from './topology';

export interface Injection {
  /** The `sent` record. */
  sent: Record<string, unknown>;
  /** Interface the frame arrives on (null: sent by the host itself). */
  iface: string | null;
  /** Ethernet frame (incoming) or IP packet (local). */
  bytes: Buffer;
  fields: PacketFields;
  notes: string[];
}

/** Next expected sequence number per TCP direction, `src:sport>dst:dport`. */
export class TcpState {
  private next = new Map<string, number>();

  private static key(h: Header): string {
    return `${h.src}:${h.sport}>${h.dst}:${h.dport}`;
  }

  /** Records a segment seen on the wire (injected, or sent by the host). */
  observe(h: Header): void {
    if (h.proto !== 'tcp' || typeof h.seq !== 'number') return;
    const flags = String(h.flags ?? '');
    const len = typeof h.payload_len === 'number' ? h.payload_len : 0;
    const adv = len + (flags.includes('S') ? 1 : 0) + (flags.includes('F') ? 1 : 0);
    this.next.set(TcpState.key(h), (h.seq + adv) >>> 0);
  }

  nextSeq(h: Header): number | undefined {
    return this.next.get(TcpState.key(h));
  }

  /** What the other side expects: the next sequence number of the reverse direction. */
  expectedAck(h: Header): number | undefined {
    return this.next.get(TcpState.key({ src: h.dst, sport: h.dport, dst: h.src, dport: h.sport }));
  }
}

function multicastMac(ip: string): string {
  const n = ipToInt(ip);
  const b = [0x01, 0x00, 0x5e, (n >>> 16) & 0x7f, (n >>> 8) & 0xff, n & 0xff];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

function isBroadcast(ip: string, peer: PeerInfo): boolean {
  if (ip === '255.255.255.255') return true;
  const n = ipToInt(ip);
  return peer.addrs.some(([a, len]) => {
    if (len >= 31) return false;
    const host = (0xffffffff >>> len) >>> 0;
    return (n & host) >>> 0 === host && (ipToInt(a) & ~host) >>> 0 === (n & ~host) >>> 0;
  });
}

const OVERRIDABLE: (keyof PacketSpec)[] = [
  'in',
  'src',
  'dst',
  'proto',
  'sport',
  'dport',
  'flags',
  'seq',
  'ack',
  'window',
  'type',
  'code',
  'id',
  'ttl',
  'tos',
  'ip_id',
  'df',
  'len',
  'payload_size',
  'payload_hex',
  'mac',
  'flowlabel',
  'target',
];

/**
 * The target of a neighbour solicitation sent to `dst`: `dst` itself when unicast, else the
 * host's address on the interface whose last 24 bits the solicited-node address carries.
 */
function solicitationTarget(dst: string, peer: PeerInfo | undefined): string {
  const d = ip6ToBytes(dst);
  if (d[0] !== 0xff) return dst;
  for (const [a] of peer?.addrs ?? []) {
    if (!isIpv6(a)) continue;
    const b = ip6ToBytes(a);
    if (b[13] === d[13] && b[14] === d[14] && b[15] === d[15]) return a;
  }
  throw new Error(`neighbour solicitation to ${dst}: no address of the interface matches; give "target"`);
}

/** A reply to an earlier packet, from the first frame that packet left the host with. */
export function replySpec(spec: PacketSpec, egress: Header[] | undefined): PacketSpec {
  const e = egress?.[0];
  if (!e)
    throw new Error(
      `packet ${spec.name}: reply_to ${spec.reply_to}: that packet never left the host, there is nothing to reply to`,
    );
  const base: PacketSpec = {
    name: spec.name,
    in: e.iface as string,
    src: e.dst as string,
    dst: e.src as string,
    proto: e.proto as string,
  };
  if (e.sport !== undefined) {
    base.sport = e.dport as number;
    base.dport = e.sport as number;
  }
  if (e.proto === 'tcp') base.flags = String(e.flags).includes('S') && !String(e.flags).includes('A') ? 'SA' : 'A';
  if (e.proto === 'icmpv6') {
    base.type = e.icmp_type === 128 ? 129 : (e.icmp_type as number);
    base.code = e.icmp_code as number;
    if (e.icmp_id !== undefined) base.id = e.icmp_id as number;
    if (e.icmp_seq !== undefined) base.seq = e.icmp_seq as number;
  }
  if (e.proto === 'icmp') {
    base.type = e.icmp_type === 8 ? 0 : e.icmp_type === 13 ? 14 : (e.icmp_type as number);
    base.code = e.icmp_code as number;
    if (e.icmp_id !== undefined) base.id = e.icmp_id as number;
    if (e.icmp_seq !== undefined) base.seq = e.icmp_seq as number;
  }
  const out = { ...base } as Record<string, unknown>;
  for (const k of OVERRIDABLE) if (spec[k] !== undefined) out[k] = spec[k];
  out.reply_to = spec.reply_to;
  return out as unknown as PacketSpec;
}

/**
 * Builds packet number `index` of the scenario. `peers` gives the MACs of each interface;
 * `tcp` supplies automatic sequence numbers.
 */
export function buildInjection(
  spec: PacketSpec,
  index: number,
  peers: Map<string, PeerInfo>,
  tcp: TcpState,
): Injection {
  const notes: string[] = [];
  const iface = spec.in ?? null;
  const peer = iface === null ? undefined : peers.get(iface);
  if (iface !== null && !peer) throw new Error(`packet ${spec.name}: unknown interface ${iface}`);
  const src = spec.src as string;
  const dst = spec.dst as string;
  const v6 = isIpv6(src);
  if (v6 !== isIpv6(dst)) throw new Error(`packet ${spec.name}: source and destination are of different IP versions`);
  let proto = protoNumber(spec.proto);
  if (v6 && proto === 1) proto = 58;
  if (!v6 && proto === 58) throw new Error(`packet ${spec.name}: ICMPv6 needs IPv6 addresses`);
  const sent: Record<string, unknown> = { in: iface, src, dst, proto: protoName(proto) };
  const fields: Packet6Fields = {
    src,
    dst,
    proto,
    ttl: spec.ttl ?? 64,
    tos: spec.tos ?? 0,
    ipId: spec.ip_id ?? (0x5100 + 7 * index) & 0xffff,
    df: spec.df ?? false,
    payload: Buffer.alloc(0),
    // IPv6 has no IP ID: a flow label per packet identifies it instead (same numbering).
    flowLabel: spec.flowlabel ?? (0x5100 + 7 * index) & 0xfffff,
  };
  if (fields.ipId === 0) fields.ipId = 1;
  if (v6) fields.ipId = fields.flowLabel;
  const ipLen = v6 ? 40 : 20;
  const headerLen = ipLen + (proto === 6 ? 20 : proto === 17 || proto === 1 || proto === 58 ? 8 : 0);
  if (spec.payload_hex !== undefined) {
    if (!/^([0-9a-fA-F]{2})*$/.test(spec.payload_hex))
      throw new Error(`packet ${spec.name}: payload_hex is not hexadecimal`);
    fields.payload = Buffer.from(spec.payload_hex, 'hex');
  } else if (spec.payload_size !== undefined) fields.payload = Buffer.alloc(spec.payload_size);
  else if (spec.len !== undefined) fields.payload = Buffer.alloc(Math.max(0, spec.len - headerLen));
  if (proto === 6 || proto === 17) {
    if (spec.sport === undefined || spec.dport === undefined)
      throw new Error(`packet ${spec.name}: sport and dport are required for ${protoName(proto)}`);
    fields.sport = spec.sport;
    fields.dport = spec.dport;
    sent.sport = spec.sport;
    sent.dport = spec.dport;
  }
  if (proto === 6) {
    const flagText = spec.flags ?? 'S';
    const flags = tcpFlagsValue(flagText);
    const auto: string[] = [];
    const h = { src, dst, sport: spec.sport, dport: spec.dport };
    let seq = spec.seq;
    if (seq === undefined) {
      seq = tcp.nextSeq(h) ?? (index + 1) * 1_000_000 + 1;
      auto.push('seq');
    }
    let ack = spec.ack;
    if (ack === undefined) {
      auto.push('ack');
      ack = 0;
      if (flags & 0x10) {
        const exp = tcp.expectedAck(h);
        if (exp === undefined) notes.push('ACK set but no earlier segment of the reverse direction: ack=0');
        else ack = exp;
      }
    }
    Object.assign(fields, { flags, seq, ack, window: spec.window ?? 64240 });
    sent.flags = [...'FSRPAUEC'].filter((c) => flagText.toUpperCase().includes(c)).join('');
    sent.seq = seq;
    sent.ack = ack;
    if (spec.window !== undefined) sent.window = spec.window;
    if (auto.length) sent.auto = auto;
  } else if (proto === 58) {
    const type = icmp6TypeNumber(spec.type);
    fields.icmpType = type;
    fields.icmpCode = spec.code ?? 0;
    sent.type = spec.type ?? type;
    sent.code = fields.icmpCode;
    if (type === 128 || type === 129) {
      fields.icmpId = spec.id ?? 0;
      fields.icmpSeq = spec.seq ?? 0;
      sent.id = fields.icmpId;
      sent.seq = fields.icmpSeq;
    }
    if (type === 135 || type === 136) {
      fields.ndTarget = spec.target ?? (type === 135 ? solicitationTarget(dst, peer) : src);
      // the source link-layer option (NS) / target link-layer option (NA): the sender's MAC
      if (src !== '::' && peer) fields.ndMac = spec.mac ?? peer.peerMac;
      if (type === 136) fields.naFlags = 0x20;
      sent.target = fields.ndTarget;
    }
  } else if (proto === 1) {
    const type = icmpTypeNumber(spec.type);
    fields.icmpType = type;
    fields.icmpCode = spec.code ?? 0;
    sent.type = spec.type ?? type;
    sent.code = fields.icmpCode;
    if ([0, 8, 13, 14].includes(type)) {
      fields.icmpId = spec.id ?? 0;
      fields.icmpSeq = spec.seq ?? 0;
      sent.id = fields.icmpId;
      sent.seq = fields.icmpSeq;
    }
  }
  if (v6) Object.assign(sent, { ttl: fields.ttl, tos: fields.tos, flowlabel: fields.flowLabel });
  else Object.assign(sent, { ttl: fields.ttl, tos: fields.tos, ip_id: fields.ipId });
  if (spec.df !== undefined && !v6) sent.df = spec.df;
  const ip = v6 ? buildIpv6(fields) : buildIpv4(fields);
  sent.len = ip.length;
  let bytes = ip;
  if (peer) {
    const macSrc = spec.mac ?? peer.peerMac;
    let macDst: string;
    if (v6) macDst = dst.toLowerCase().startsWith('ff') ? multicastMac6(dst) : peer.hostMac;
    else {
      const first = Number(dst.split('.')[0]);
      macDst =
        first >= 224 && first <= 239 ? multicastMac(dst) : isBroadcast(dst, peer) ? 'ff:ff:ff:ff:ff:ff' : peer.hostMac;
    }
    sent.mac_src = macSrc;
    sent.mac_dst = macDst;
    bytes = v6 ? ethernetFrame6(macDst, macSrc, ip) : ethernetFrame(macDst, macSrc, ip);
  }
  if (spec.reply_to !== undefined) sent.reply_to = spec.reply_to;
  if (proto === 6)
    tcp.observe({
      src,
      dst,
      proto: 'tcp',
      sport: fields.sport,
      dport: fields.dport,
      flags: sent.flags,
      seq: fields.seq,
      payload_len: fields.payload.length,
    });
  return { sent, iface, bytes, fields, notes };
}
