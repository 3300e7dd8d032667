/**
 * Text the kernel and its tools print, read back into records: the legacy backend's TRACE lines
 * and the ruleset's LOG lines (nf_log_syslog format, as read from /dev/kmsg), and the connection
 * tracking table as listed by `conntrack -L`.
 */
import type { Header } from './packet';
import { bytesToIp6, ip6ToBytes } from './packet6';

/** The compressed form of a full IPv6 address as log lines print it (others unchanged). */
function shortAddr(a: string | undefined): string | undefined {
  if (a === undefined || !a.includes(':')) return a;
  try {
    return bytesToIp6(ip6ToBytes(a));
  } catch {
    return a;
  }
}

/** A legacy `TRACE: table:chain:type:rulenum ...` line. */
export interface TraceLine {
  table: string;
  chain: string;
  label: 'rule' | 'return' | 'policy';
  rulenum: number;
  /** Everything after the rule number (the packet fields). */
  rest: string;
}

const TRACE_RE = /^TRACE: ([^:\s]+):(\S+):(rule|return|policy):(\d+) (.*)$/;

export function parseTraceLine(text: string): TraceLine | null {
  const m = TRACE_RE.exec(text);
  if (!m) return null;
  return { table: m[1], chain: m[2], label: m[3] as TraceLine['label'], rulenum: Number(m[4]), rest: m[5] };
}

/** Rewrites the rule number of a TRACE line (used to hide the oracle's own TRACE rule). */
export function renumberTraceLine(text: string, rulenum: number): string {
  return text.replace(/^(TRACE: [^:\s]+:\S+:(?:rule|return|policy):)\d+/, `$1${rulenum}`);
}

/** Whether a kernel log message is a packet log line (TRACE or LOG): it has IN= and OUT=. */
export function isPacketLogLine(text: string): boolean {
  return /\bIN=\S* OUT=\S*/.test(text);
}

const TCP_FLAG_WORDS: [string, string][] = [
  ['FIN', 'F'],
  ['SYN', 'S'],
  ['RST', 'R'],
  ['PSH', 'P'],
  ['ACK', 'A'],
  ['URG', 'U'],
  ['ECE', 'E'],
  ['CWR', 'C'],
];

/** The packet fields of a TRACE/LOG line (the outer packet: an ICMP error's quoted packet is skipped). */
export function logFields(text: string): Header {
  const start = text.indexOf('IN=');
  let body = start >= 0 ? text.slice(start) : text;
  const bracket = body.indexOf('[');
  if (bracket >= 0) body = body.slice(0, bracket);
  const tokens = body.trim().split(/\s+/);
  const kv = new Map<string, string>();
  const words = new Set<string>();
  for (const t of tokens) {
    const i = t.indexOf('=');
    if (i > 0) {
      const k = t.slice(0, i);
      // The first occurrence wins (LEN= appears for IP and UDP; SEQ= for TCP and ICMP).
      if (!kv.has(k)) kv.set(k, t.slice(i + 1));
    } else words.add(t);
  }
  const h: Header = {};
  const num = (k: string) => (kv.has(k) ? Number(kv.get(k)) : undefined);
  if (kv.get('IN')) h.in = kv.get('IN');
  if (kv.get('OUT')) h.out = kv.get('OUT');
  h.src = shortAddr(kv.get('SRC'));
  h.dst = shortAddr(kv.get('DST'));
  const v6 = kv.has('HOPLIMIT');
  const proto = (kv.get('PROTO') ?? '').toLowerCase();
  h.proto = proto;
  if (proto === 'tcp' || proto === 'udp') {
    h.sport = num('SPT');
    h.dport = num('DPT');
  }
  if (proto === 'tcp') {
    h.flags = TCP_FLAG_WORDS.filter(([w]) => words.has(w))
      .map(([, c]) => c)
      .join('');
    h.seq = num('SEQ');
    h.ack = num('ACK');
  }
  if (proto === 'icmpv6') {
    h.icmp_type = num('TYPE');
    h.icmp_code = num('CODE');
    if (h.icmp_type === 128 || h.icmp_type === 129) {
      h.icmp_id = num('ID');
      h.icmp_seq = num('SEQ');
    }
  }
  if (proto === 'icmp') {
    h.icmp_type = num('TYPE');
    h.icmp_code = num('CODE');
    if (h.icmp_type === 0 || h.icmp_type === 8) {
      // The second ID= / SEQ= of the line are the ICMP echo's.
      const ids = [...body.matchAll(/\bID=(\d+)/g)].map((m) => Number(m[1]));
      const seqs = [...body.matchAll(/\bSEQ=(\d+)/g)].map((m) => Number(m[1]));
      if (ids.length > 1) h.icmp_id = ids[1];
      if (seqs.length) h.icmp_seq = seqs[seqs.length - 1];
    }
  }
  h.len = num('LEN');
  if (v6) {
    // IPv6: hop limit, traffic class (decimal) and the flow label, which stands in for the IP ID
    h.ttl = num('HOPLIMIT');
    h.tos = num('TC');
    h.id = num('FLOWLBL');
  } else {
    h.ttl = num('TTL');
    const tos = kv.get('TOS');
    if (tos !== undefined) h.tos = Number.parseInt(tos, 16);
    h.id = num('ID');
  }
  const ipFlags = ['DF', 'MF'].filter((f) => words.has(f)).join(' ');
  if (ipFlags) h.ip_flags = ipFlags;
  const mac = kv.get('MAC');
  if (mac && mac.length >= 35) {
    h.mac_src = mac.slice(18, 35);
    h.mac_dst = mac.slice(0, 17);
  }
  if (kv.has('MARK')) h.mark = kv.get('MARK');
  if (kv.has('UID')) h.uid = num('UID');
  if (kv.has('GID')) h.gid = num('GID');
  return h;
}

/** One `conntrack -L` entry. */
export interface ConntrackEntry {
  proto: string;
  timeout: number;
  state?: string;
  id?: number;
  mark: number;
  use: number;
  orig: Record<string, string | number>;
  reply: Record<string, string | number>;
  flags?: string[];
  text: string;
}

/** Parses `conntrack -L` output (one entry per line; the summary line on stderr is not given). */
export function parseConntrack(text: string): ConntrackEntry[] {
  const out: ConntrackEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('conntrack v')) continue;
    const tokens = line.split(/\s+/);
    const e: ConntrackEntry = {
      proto: tokens[0],
      timeout: Number(tokens[2]),
      mark: 0,
      use: 0,
      orig: {},
      reply: {},
      text: line,
    };
    let i = 3;
    if (tokens[i] && !tokens[i].includes('=') && !tokens[i].startsWith('[')) e.state = tokens[i++];
    let side: Record<string, string | number> = e.orig;
    const flags: string[] = [];
    for (; i < tokens.length; i++) {
      const t = tokens[i];
      if (t.startsWith('[') && t.endsWith(']')) {
        flags.push(t.slice(1, -1));
        continue;
      }
      const eq = t.indexOf('=');
      if (eq < 0) continue;
      const k = t.slice(0, eq);
      const v = t.slice(eq + 1);
      if (k === 'src' && 'src' in side) side = e.reply;
      if (k === 'mark') e.mark = Number(v);
      else if (k === 'use') e.use = Number(v);
      else if (k === 'id' && (e.proto === 'icmp' || e.proto === 'icmpv6')) {
        if (e.id === undefined) e.id = Number(v);
      } else if (['src', 'dst'].includes(k)) side[k] = v;
      else if (['sport', 'dport', 'type', 'code'].includes(k)) side[k] = Number(v);
      else if (side === e.reply && e.reply.src !== undefined && !['sport', 'dport'].includes(k)) {
        (e as unknown as Record<string, unknown>)[k] = /^\d+$/.test(v) ? Number(v) : v;
      }
    }
    if (flags.length) e.flags = flags;
    out.push(e);
  }
  return out;
}
