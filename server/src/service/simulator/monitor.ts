/**
 * The `xtables-monitor --trace` text (iptables 1.8.9, nft backend) for packets a TRACE rule marked:
 * a `PACKET:` line at the first trace event of each base-chain traversal (the packet as it is at
 * that event, i.e. after the rule's target ran), then one ` TRACE:` line per rule that matched
 * (with the nft rule handle and the rule in iptables syntax) and per policy; nft emits no line when
 * a user chain returns. Formats checked against our own recordings (test/fixtures/xtables-monitor).
 */
import { formatAddr } from './addr';
import type { Pkt } from './packet';
import { PROTO_TCP, PROTO_UDP, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } from './packet';
import type { TraceEntry } from './types';

/** NFPROTO number the monitor prints for the family. */
function nfproto(p: Pkt): number {
  return p.family === 6 ? 10 : 2;
}

/** ether_ntoa: hex bytes without leading zeros. */
function ntoa(mac: string): string {
  return mac
    .split(':')
    .map((b) => Number.parseInt(b, 16).toString(16))
    .join(':');
}

const MON_FLAGS: [number, string][] = [
  [TCP_SYN, 'SYN'],
  [TCP_ACK, 'ACK'],
  [TCP_FIN, 'FIN'],
  [TCP_RST, 'RST'],
  [TCP_PSH, 'PSH'],
  [TCP_URG, 'URG'],
];

/** A deterministic 32-bit trace id for a packet (the kernel picks a random one). */
export function traceId(p: Pkt, salt: number): string {
  let h = 0x811c9dc5 ^ salt;
  const mix = (v: number) => {
    h = Math.imul(h ^ (v & 0xffff), 16777619) >>> 0;
    h = Math.imul(h ^ (v >>> 16), 16777619) >>> 0;
  };
  mix(Number(typeof p.src === 'bigint' ? p.src & 0xffffffffn : p.src));
  mix(Number(typeof p.dst === 'bigint' ? p.dst & 0xffffffffn : p.dst));
  mix(p.sport);
  mix(p.dport);
  mix(p.ipId);
  return h.toString(16).padStart(8, '0');
}

/** The `PACKET:` line. */
export function monitorPacketLine(p: Pkt, id: string): string {
  let s = `PACKET: ${nfproto(p)} ${id} `;
  if (p.in) s += `IN=${p.in} `;
  if (p.out) s += `OUT=${p.out} `;
  const ethertype = p.family === 6 ? '86dd' : '0800';
  // loopback: ARPHRD_LOOPBACK (0x304) and its all-zero Ethernet-style header
  if (p.in === 'lo') s += `LL=0x304 ${'0'.repeat(24)}${ethertype} `;
  else if (p.in) s += `MACSRC=${ntoa(p.macSrc)} MACDST=${ntoa(p.macDst)} MACPROTO=${ethertype} `;
  if (p.family === 6) {
    s += `SRC=${formatAddr(p.src, true)} DST=${formatAddr(p.dst, true)} LEN=${p.len} TC=${p.tos} HOPLIMIT=${p.ttl} FLOWLBL=${p.flowLabel} `;
  } else {
    s += `SRC=${formatAddr(p.src)} DST=${formatAddr(p.dst)} LEN=${p.len} TOS=0x${p.tos.toString(16)} TTL=${p.ttl} ID=${p.ipId} `;
    if (p.df) s += 'DF ';
    if (p.ipOpts) s += `OPT (${p.ipOpts}) `;
  }
  if (p.proto === PROTO_TCP) {
    s += `SPORT=${p.sport} DPORT=${p.dport} `;
    for (const [b, n] of MON_FLAGS) if (p.flags & b) s += `${n} `;
  } else if (p.proto === PROTO_UDP || p.proto === 132 || p.proto === 33 || p.proto === 136) {
    s += `SPORT=${p.sport} DPORT=${p.dport} `;
  }
  if (p.mark) s += `MARK=0x${(p.mark >>> 0).toString(16)} `;
  return s;
}

/** The verdict as print_verdict shows it (RETURN is NFT_RETURN, printed as a number). */
function verdictText(v: string): string {
  if (v === 'RETURN') return '0xfffffffb';
  if (v.startsWith('JUMP:') || v.startsWith('GOTO:')) return v;
  return v;
}

/**
 * A ` TRACE:` line for a rule or policy entry (undefined for return entries, which nft does not
 * report). `handle` is the rule's nft handle, `ruleText` the rule after the chain name.
 */
export function monitorTraceLine(
  p: Pkt,
  id: string,
  e: TraceEntry,
  handle: number | undefined,
  ruleText: string | undefined,
): string | undefined {
  const head = ` TRACE: ${nfproto(p)} ${id} ${e.table}:${e.chain}`;
  if (e.kind === 'policy') return `${head}:policy:${e.verdict} `;
  if (e.kind !== 'rule') return undefined;
  const rule = ruleText === undefined ? '' : ` -${p.family === 6 ? 6 : 4} -t ${e.table} -A ${e.chain} ${ruleText}`;
  return `${head}:rule:0x${(handle ?? 0).toString(16)}:${verdictText(e.verdict)} ${rule}`;
}
