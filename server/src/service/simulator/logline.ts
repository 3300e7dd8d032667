/**
 * Parses a kernel LOG/TRACE line (as found in syslog, dmesg or journalctl output, with or without
 * timestamps and prefixes) back into a packet description the simulator can replay. Malformed
 * lines produce a clear error naming what is missing or wrong.
 */
import { parseIPv4 } from './addr';
import type { PacketSpec } from './types';

export interface ParsedLogLine {
  packet: PacketSpec;
  /** Text before `IN=` (log prefix, or `TRACE: table:chain:kind:num`). */
  prefix: string;
  trace?: { table: string; chain: string; kind: string; rulenum: number };
  /** Output interface named in the line (empty for INPUT/PREROUTING). */
  out: string;
  mark?: number;
}

const FLAG_WORDS: Record<string, string> = {
  CWR: 'C',
  ECE: 'E',
  URG: 'U',
  ACK: 'A',
  PSH: 'P',
  RST: 'R',
  SYN: 'S',
  FIN: 'F',
};

/** Parses one LOG/TRACE line. Throws an Error with a readable message on malformed input. */
export function parseLogLine(line: string): ParsedLogLine {
  const at = line.search(/(?:^|\s)IN=/);
  if (at < 0) throw new Error('not a kernel packet log line: no "IN=" field');
  let prefix = line
    .slice(0, at)
    .replace(/^.*?kernel:\s*/, '')
    .replace(/^\[\s*\d+\.\d+\]\s*/, '');
  prefix = prefix.trimEnd();
  // drop the embedded packet of ICMP errors
  const body = line.slice(at).replace(/\[[^\]]*\]/g, ' ');
  const kv = new Map<string, string>();
  const words: string[] = [];
  for (const tok of body.trim().split(/\s+/)) {
    const eq = tok.indexOf('=');
    if (eq > 0) {
      const k = tok.slice(0, eq);
      if (!kv.has(k)) kv.set(k, tok.slice(eq + 1));
    } else words.push(tok);
  }
  const need = (k: string) => {
    const v = kv.get(k);
    if (v === undefined || v === '') throw new Error(`log line has no ${k}= field`);
    return v;
  };
  const src = need('SRC');
  const dst = need('DST');
  if (parseIPv4(src) === undefined)
    throw new Error(`SRC=${src} is not an IPv4 address (IPv6 log lines are not supported)`);
  if (parseIPv4(dst) === undefined) throw new Error(`DST=${dst} is not an IPv4 address`);
  const inIf = kv.get('IN') ?? '';
  if (!/^[A-Za-z0-9_.@:+-]*$/.test(inIf) || inIf.length > 15) throw new Error(`IN=${inIf} is not an interface name`);
  const proto = need('PROTO');
  const num = (k: string): number | undefined => {
    const v = kv.get(k);
    if (v === undefined) return undefined;
    const n = /^0x/i.test(v) ? Number.parseInt(v, 16) : Number(v);
    if (!Number.isFinite(n)) throw new Error(`${k}=${v} is not a number`);
    return n;
  };
  const p: PacketSpec = { in: inIf === '' ? null : inIf, src, dst, proto: proto.toLowerCase() };
  const ttl = num('TTL');
  if (ttl !== undefined) p.ttl = ttl;
  const tos = num('TOS');
  const prec = num('PREC');
  if (tos !== undefined || prec !== undefined) p.tos = (tos ?? 0) | (prec ?? 0);
  const len = num('LEN');
  if (len !== undefined) p.len = len;
  const id = num('ID');
  if (id !== undefined) p.ip_id = id;
  if (words.includes('DF')) p.df = true;
  if (proto === 'TCP' || proto === 'UDP' || proto === 'UDPLITE') {
    const spt = num('SPT');
    const dpt = num('DPT');
    if (spt === undefined || dpt === undefined)
      throw new Error(`${proto} log line without SPT=/DPT= (truncated or fragment)`);
    p.sport = spt;
    p.dport = dpt;
  }
  if (proto === 'TCP') {
    p.flags = words.map((w) => FLAG_WORDS[w] ?? '').join('') || '';
    const seq = num('SEQ');
    const ack = num('ACK');
    if (seq !== undefined) p.seq = seq;
    if (ack !== undefined) p.ack = ack;
    const win = num('WINDOW');
    if (win !== undefined) p.window = win;
  }
  if (proto === 'ICMP') {
    const type = num('TYPE');
    if (type === undefined) throw new Error('ICMP log line without TYPE=');
    p.type = type;
    p.code = num('CODE') ?? 0;
    // the second ID= (after TYPE/CODE) is the echo id; the first one is the IP id
    const m = /TYPE=\d+ CODE=\d+ ID=(\d+) SEQ=(\d+)/.exec(body);
    if (m) {
      p.id = Number(m[1]);
      (p as { seq?: number }).seq = Number(m[2]);
    }
  }
  const mark = num('MARK');
  if (mark !== undefined) p.mark = mark;
  const macv = kv.get('MAC');
  if (macv && /^([0-9a-f]{2}:){13}[0-9a-f]{2}$/i.test(macv)) p.mac = macv.split(':').slice(6, 12).join(':');
  let trace: ParsedLogLine['trace'];
  const t = /TRACE:\s*([^:\s]+):([^:\s]+):(rule|return|policy):(\d+)/.exec(prefix);
  if (t) trace = { table: t[1], chain: t[2], kind: t[3], rulenum: Number(t[4]) };
  return { packet: p, prefix, trace, out: kv.get('OUT') ?? '', mark };
}
