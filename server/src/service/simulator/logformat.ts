/**
 * The kernel's packet log text (nf_log_syslog's IPv4 and IPv6 dumps) as printed by the LOG target
 * and by legacy TRACE: `IN= OUT= MAC= SRC= DST= LEN= TOS= PREC= TTL= ID= [DF] [OPT (..)] PROTO=...`
 * for IPv4, `SRC= DST= LEN= TC= HOPLIMIT= FLOWLBL= PROTO=...` (full IPv6 groups) for IPv6, with the
 * optional TCP sequence/options, IP options, UID/GID and MARK parts selected by the log flags, and
 * the embedded packet of ICMP/ICMPv6 errors in brackets.
 */
import { formatAddr, formatIPv4 } from './addr';
import {
  type Pkt,
  PROTO_ICMP,
  PROTO_ICMPV6,
  PROTO_TCP,
  PROTO_UDP,
  TCP_ACK,
  TCP_CWR,
  TCP_ECE,
  TCP_FIN,
  TCP_PSH,
  TCP_RST,
  TCP_SYN,
  TCP_URG,
} from './packet';

export const LOG_TCPSEQ = 1;
export const LOG_TCPOPT = 2;
export const LOG_IPOPT = 4;
export const LOG_UID = 8;
export const LOG_MACDECODE = 32;
/** What TRACE uses (NF_LOG_DEFAULT_MASK without MACDECODE). */
export const LOG_TRACE_FLAGS = LOG_TCPSEQ | LOG_TCPOPT | LOG_IPOPT | LOG_UID;

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, '0');

function macPart(p: Pkt, flags: number): string {
  if (p.in === null) return '';
  const v6 = p.family === 6;
  if (flags & LOG_MACDECODE) return `MACSRC=${p.macSrc} MACDST=${p.macDst} MACPROTO=${v6 ? '86dd' : '0800'} `;
  return `MAC=${p.macDst}:${p.macSrc}:${v6 ? '86:dd' : '08:00'} `;
}

const FLAG_NAMES: [number, string][] = [
  [TCP_CWR, 'CWR'],
  [TCP_ECE, 'ECE'],
  [TCP_URG, 'URG'],
  [TCP_ACK, 'ACK'],
  [TCP_PSH, 'PSH'],
  [TCP_RST, 'RST'],
  [TCP_SYN, 'SYN'],
  [TCP_FIN, 'FIN'],
];

function l4Part(p: Pkt, flags: number, l4Bytes: number, inner: boolean): string {
  let s = '';
  if (p.proto === PROTO_TCP) {
    s += 'PROTO=TCP ';
    if (l4Bytes < 20) return `${s}INCOMPLETE [${l4Bytes} bytes] `;
    s += `SPT=${p.sport} DPT=${p.dport} `;
    if (flags & LOG_TCPSEQ) s += `SEQ=${p.seq >>> 0} ACK=${p.ack >>> 0} `;
    s += `WINDOW=${p.window} RES=0x00 `;
    for (const [b, n] of FLAG_NAMES) if (p.flags & b) s += `${n} `;
    s += 'URGP=0 ';
    if (flags & LOG_TCPOPT && p.tcpOpts) s += `OPT (${p.tcpOpts}) `;
    return s;
  }
  if (p.proto === PROTO_UDP) {
    s += 'PROTO=UDP ';
    if (l4Bytes < 8) return `${s}INCOMPLETE [${l4Bytes} bytes] `;
    const ipHdr = p.family === 6 ? 40 : 20 + p.ipOpts.length / 2;
    return `${s}SPT=${p.sport} DPT=${p.dport} LEN=${Math.max(0, p.len - ipHdr)} `;
  }
  if (p.proto === PROTO_ICMP) {
    s += 'PROTO=ICMP ';
    if (l4Bytes < 4) return `${s}INCOMPLETE [${l4Bytes} bytes] `;
    s += `TYPE=${p.icmpType} CODE=${p.icmpCode} `;
    const t = p.icmpType;
    if (t === 0 || t === 8) {
      if (l4Bytes < 8) return `${s}INCOMPLETE [${l4Bytes} bytes] `;
      s += `ID=${p.icmpId} SEQ=${p.icmpSeq} `;
    } else if (t === 12) {
      s += 'PARAMETER=0 ';
    } else if ((t === 3 || t === 4 || t === 5 || t === 11) && p.inner) {
      if (t === 5) s += `GATEWAY=${formatIPv4(0)} `;
      if (!inner) s += `[${ipPart(p.inner, flags, p.innerL4Bytes ?? 8, true)}] `;
    }
    return s;
  }
  if (p.proto === PROTO_ICMPV6) {
    s += 'PROTO=ICMPv6 ';
    if (l4Bytes < 8) return `${s}INCOMPLETE [${l4Bytes} bytes] `;
    s += `TYPE=${p.icmpType} CODE=${p.icmpCode} `;
    const t = p.icmpType;
    if (t === 128 || t === 129) s += `ID=${p.icmpId} SEQ=${p.icmpSeq} `;
    else if (t >= 1 && t <= 4) {
      if (t === 4) s += 'POINTER=00000000 ';
      if (p.inner && !inner) s += `[${ipPart(p.inner, flags, p.innerL4Bytes ?? 8, true)}] `;
      if (t === 2) s += 'MTU=1280 ';
    }
    return s;
  }
  return `${s}PROTO=${p.proto} `;
}

function ipPart(p: Pkt, flags: number, l4Bytes: number, inner: boolean): string {
  if (p.family === 6) {
    const head = `SRC=${formatAddr(p.src)} DST=${formatAddr(p.dst)} LEN=${p.len} TC=${p.tos} HOPLIMIT=${p.ttl} FLOWLBL=${p.flowLabel} `;
    return head + l4Part(p, flags, l4Bytes, inner);
  }
  let s = `SRC=${formatIPv4(p.src as number)} DST=${formatIPv4(p.dst as number)} LEN=${p.len} TOS=0x${hex2(p.tos & 0x1e)} PREC=0x${hex2(p.tos & 0xe0)} TTL=${p.ttl} ID=${p.ipId} `;
  if (p.df) s += 'DF ';
  if (flags & LOG_IPOPT && p.ipOpts) s += `OPT (${p.ipOpts}) `;
  s += l4Part(p, flags, l4Bytes, inner);
  return s;
}

/** Names of the LOG flags set in `flags` (iptables' option names without `--log-`). */
export function logFlagNames(flags: number): string[] {
  const out: string[] = [];
  if (flags & LOG_TCPSEQ) out.push('tcp-sequence');
  if (flags & LOG_TCPOPT) out.push('tcp-options');
  if (flags & LOG_IPOPT) out.push('ip-options');
  if (flags & LOG_UID) out.push('uid');
  if (flags & LOG_MACDECODE) out.push('macdecode');
  return out;
}

/** The log text of a packet after the prefix (`IN=... OUT=... ...`). */
export function formatPacketLog(p: Pkt, flags: number): string {
  let s = `IN=${p.in ?? ''} OUT=${p.out ?? ''} `;
  s += macPart(p, flags);
  s += ipPart(p, flags, 1 << 16, false);
  if (flags & LOG_UID && p.socket) s += 'UID=0 GID=0 ';
  if (p.mark) s += `MARK=0x${(p.mark >>> 0).toString(16)} `;
  return s;
}

/** A legacy TRACE line: `TRACE: table:chain:label:num IN=...`. */
export function formatTraceLine(table: string, chain: string, label: string, num: number, p: Pkt): string {
  return `TRACE: ${table}:${chain}:${label}:${num} ${formatPacketLog(p, LOG_TRACE_FLAGS)}`;
}
