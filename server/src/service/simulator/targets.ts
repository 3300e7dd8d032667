/**
 * Target evaluation: standard verdicts, and the target extensions keyed by name (LOG, MARK,
 * CONNMARK, SNAT/DNAT/MASQUERADE/REDIRECT/NETMAP, REJECT, CT/NOTRACK, TRACE, TTL, TOS/DSCP...).
 * Each compiles its options once into an action returning a verdict number.
 */
import { type Addr, parseAddr, parseCidrAny } from './addr';
import type { MatchCtx } from './context';
import { LOG_IPOPT, LOG_MACDECODE, LOG_TCPOPT, LOG_TCPSEQ, LOG_UID } from './logformat';
import { argText, find, markOf, num, numOf, type Opt } from './options';

export const V_CONTINUE = 0;
export const V_ACCEPT = 1;
export const V_DROP = 2;
export const V_RETURN = 3;
export const V_QUEUE = 4;

export type NatKind = 'SNAT' | 'DNAT' | 'MASQUERADE' | 'REDIRECT' | 'NETMAP';

/** A NAT mapping request made by a target. */
export interface NatRange {
  kind: NatKind;
  minIp?: Addr;
  maxIp?: Addr;
  minPort?: number;
  maxPort?: number;
  netmap?: { addr: Addr; len: number };
  random: boolean;
  persistent: boolean;
}

export interface TargetCtx extends MatchCtx {
  /** Emits a LOG line (prefix + packet text with the given flags) at a syslog level. */
  log(prefix: string, flags: number, level: number): void;
  /** Records an NFLOG copy of the packet to userspace (nothing is printed to the kernel log). */
  nflog(group: number, prefix: string, size?: number, threshold?: number): void;
  /** Sets up NAT for the connection; returns the verdict (ACCEPT, or DROP when impossible). */
  nat(range: NatRange): number;
  /** Sends the REJECT response (after this the packet is dropped). */
  reject(kind: string): void;
  /** A note for explanations. */
  note(text: string): void;
}

export type TargetFn = (c: TargetCtx) => number;
type TargetCompiler = (opts: Opt[]) => TargetFn;

const LEVELS: Record<string, number> = {
  emerg: 0,
  alert: 1,
  crit: 2,
  err: 3,
  error: 3,
  warning: 4,
  warn: 4,
  notice: 5,
  info: 6,
  debug: 7,
  panic: 0,
};

const LOG: TargetCompiler = (opts) => {
  const p = find(opts, 'log-prefix');
  const prefix = p ? argText(p) : '';
  const l = find(opts, 'log-level');
  const lt = l ? argText(l) : '4';
  const level = /^\d+$/.test(lt) ? Number(lt) : (LEVELS[lt.toLowerCase()] ?? 4);
  let flags = 0;
  if (find(opts, 'log-tcp-sequence')) flags |= LOG_TCPSEQ;
  if (find(opts, 'log-tcp-options')) flags |= LOG_TCPOPT;
  if (find(opts, 'log-ip-options')) flags |= LOG_IPOPT;
  if (find(opts, 'log-uid')) flags |= LOG_UID;
  if (find(opts, 'log-macdecode')) flags |= LOG_MACDECODE;
  return (c) => {
    c.log(prefix, flags, level);
    return V_CONTINUE;
  };
};

const NFLOG: TargetCompiler = (opts) => {
  const g = find(opts, 'nflog-group');
  const group = g ? numOf(g) : 0;
  if (group > 65535) throw new Error(`--nflog-group ${group} is out of range (0-65535)`);
  const p = find(opts, 'nflog-prefix');
  const prefix = p ? argText(p) : '';
  const sz = find(opts, 'nflog-size', 'nflog-range');
  const size = sz ? numOf(sz) : undefined;
  const t = find(opts, 'nflog-threshold');
  const threshold = t ? numOf(t) : undefined;
  return (c) => {
    c.nflog(group, prefix, size, threshold);
    return V_CONTINUE;
  };
};

/** `(value, mask)` pairs of MARK/CONNMARK set operations as the kernel applies them (x = (x & ~mask) ^ value). */
function xmark(opts: Opt[]): { value: number; mask: number } | undefined {
  const x = find(opts, 'set-xmark');
  if (x) return markOf(x);
  const s = find(opts, 'set-mark');
  if (s) {
    const m = markOf(s);
    const hasMask = (s.args[0] ?? '').includes('/') || (s.value as { mask?: number } | undefined)?.mask !== undefined;
    return { value: m.value, mask: hasMask ? (m.mask | m.value) >>> 0 : 0xffffffff };
  }
  const a = find(opts, 'and-mark');
  if (a) return { value: 0, mask: ~numOf(a) >>> 0 };
  const o = find(opts, 'or-mark');
  if (o) return { value: numOf(o) >>> 0, mask: numOf(o) >>> 0 };
  const r = find(opts, 'xor-mark');
  if (r) return { value: numOf(r) >>> 0, mask: 0 };
  return undefined;
}

const MARK: TargetCompiler = (opts) => {
  const m = xmark(opts);
  if (!m) throw new Error('MARK needs --set-xmark, --set-mark, --and-mark, --or-mark or --xor-mark');
  return (c) => {
    c.pkt.mark = ((c.pkt.mark & ~m.mask) ^ m.value) >>> 0;
    return V_CONTINUE;
  };
};

const CONNMARK: TargetCompiler = (opts) => {
  const maskO = find(opts, 'mask');
  const nfO = find(opts, 'nfmask');
  const ctO = find(opts, 'ctmask');
  const nfmask = nfO ? numOf(nfO) >>> 0 : maskO ? numOf(maskO) >>> 0 : 0xffffffff;
  const ctmask = ctO ? numOf(ctO) >>> 0 : maskO ? numOf(maskO) >>> 0 : 0xffffffff;
  if (find(opts, 'save-mark')) {
    return (c) => {
      const e = c.ct.entry;
      if (e) e.mark = ((e.mark & ~ctmask) ^ (c.pkt.mark & nfmask)) >>> 0;
      return V_CONTINUE;
    };
  }
  if (find(opts, 'restore-mark')) {
    return (c) => {
      const e = c.ct.entry;
      if (e) c.pkt.mark = ((c.pkt.mark & ~nfmask) ^ (e.mark & ctmask)) >>> 0;
      return V_CONTINUE;
    };
  }
  const m = xmark(opts);
  if (!m) throw new Error('CONNMARK needs --set-xmark, --set-mark, --save-mark or --restore-mark');
  return (c) => {
    const e = c.ct.entry;
    if (e) e.mark = ((e.mark & ~m.mask) ^ m.value) >>> 0;
    return V_CONTINUE;
  };
};

/** Parses `[ip[-ip]][:port[-port]]`, IPv6 as `[ip[-ip]]:port[-port]` or a bare address range. */
export function parseNatTo(text: string): Pick<NatRange, 'minIp' | 'maxIp' | 'minPort' | 'maxPort'> {
  const r: Pick<NatRange, 'minIp' | 'maxIp' | 'minPort' | 'maxPort'> = {};
  let ips: string;
  let ports: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new Error(`bad address in "${text}"`);
    ips = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw new Error(`bad port in "${text}"`);
    ports = rest === '' ? undefined : rest.slice(1);
  } else if ((text.match(/:/g) ?? []).length > 1) {
    ips = text;
  } else {
    const colon = text.indexOf(':');
    ips = colon < 0 ? text : text.slice(0, colon);
    ports = colon < 0 ? undefined : text.slice(colon + 1);
  }
  if (ips !== '') {
    const [a, b] = ips.split('-');
    r.minIp = parseAddr(a);
    r.maxIp = b === undefined ? r.minIp : parseAddr(b);
    if (r.minIp === undefined || r.maxIp === undefined) throw new Error(`bad address in "${text}"`);
  }
  if (ports !== undefined) {
    const [a, b] = ports.split('-');
    r.minPort = num(a);
    r.maxPort = b === undefined ? r.minPort : num(b);
  }
  return r;
}

function natTarget(kind: NatKind, toOpt: string[]): TargetCompiler {
  return (opts) => {
    const to = find(opts, ...toOpt);
    let range: NatRange = {
      kind,
      random: !!find(opts, 'random', 'random-fully'),
      persistent: !!find(opts, 'persistent'),
    };
    if (kind === 'NETMAP') {
      if (!to) throw new Error('NETMAP needs --to');
      range.netmap = parseCidrAny(argText(to));
    } else if (to) {
      const t = argText(to);
      if (kind === 'MASQUERADE' || kind === 'REDIRECT') {
        const [a, b] = t.split('-');
        range = { ...range, minPort: num(a), maxPort: b === undefined ? num(a) : num(b) };
      } else range = { ...range, ...parseNatTo(t) };
    } else if (kind === 'SNAT' || kind === 'DNAT') {
      throw new Error(`${kind} needs --to-${kind === 'SNAT' ? 'source' : 'destination'}`);
    }
    return (c) => c.nat(range);
  };
}

const REJECT_ALIASES: Record<string, string> = {
  'net-unreach': 'icmp-net-unreachable',
  'host-unreach': 'icmp-host-unreachable',
  'port-unreach': 'icmp-port-unreachable',
  'proto-unreach': 'icmp-proto-unreachable',
  'net-prohib': 'icmp-net-prohibited',
  'host-prohib': 'icmp-host-prohibited',
  'admin-prohib': 'icmp-admin-prohibited',
  'tcp-rst': 'tcp-reset',
};

const REJECT: TargetCompiler = (opts) => {
  const w = find(opts, 'reject-with');
  const t = w ? argText(w) : 'icmp-port-unreachable';
  const kind = REJECT_ALIASES[t] ?? t;
  return (c) => {
    c.reject(kind);
    return V_DROP;
  };
};

const CT: TargetCompiler = (opts) => {
  if (find(opts, 'notrack')) {
    return (c) => {
      c.pkt.notrack = true;
      return V_CONTINUE;
    };
  }
  const names = opts.map((o) => `--${o.name}`).join(' ');
  return (c) => {
    c.note(`CT ${names}: conntrack helpers/zones/timeouts are not simulated`);
    return V_CONTINUE;
  };
};

const NOTRACK: TargetCompiler = () => (c) => {
  c.pkt.notrack = true;
  return V_CONTINUE;
};

const TRACE: TargetCompiler = () => (c) => {
  c.pkt.traced = true;
  return V_CONTINUE;
};

const TTL: TargetCompiler = (opts) => {
  const s = find(opts, 'ttl-set');
  const d = find(opts, 'ttl-dec');
  const i = find(opts, 'ttl-inc');
  return (c) => {
    if (s) c.pkt.ttl = numOf(s) & 255;
    else if (d) c.pkt.ttl = Math.max(0, c.pkt.ttl - numOf(d));
    else if (i) c.pkt.ttl = Math.min(255, c.pkt.ttl + numOf(i));
    return V_CONTINUE;
  };
};

const TOS: TargetCompiler = (opts) => {
  const s = find(opts, 'set-tos');
  let value = 0;
  let mask = 0xff;
  if (s) {
    const [a, b] = argText(s).split('/');
    value = num(a);
    mask = b === undefined ? 0xff : num(b);
  }
  return (c) => {
    c.pkt.tos = ((c.pkt.tos & ~mask) ^ value) & 0xff;
    return V_CONTINUE;
  };
};

const DSCP: TargetCompiler = (opts) => {
  const s = find(opts, 'set-dscp');
  const v = s ? numOf(s) : 0;
  return (c) => {
    c.pkt.tos = (c.pkt.tos & 3) | (v << 2);
    return V_CONTINUE;
  };
};

/** Targets that change nothing the simulation looks at (accounting, offloads, checksums...). */
function passive(note?: string): TargetCompiler {
  return () => (c) => {
    if (note) c.note(note);
    return V_CONTINUE;
  };
}

const QUEUE: TargetCompiler = (opts) => {
  const bypass = find(opts, 'queue-bypass') !== undefined;
  return (c) => {
    c.note(
      bypass
        ? 'NFQUEUE with --queue-bypass: no program is listening here, so the packet continues as ACCEPT'
        : 'queued to a userspace program: its verdict is not known',
    );
    return bypass ? V_ACCEPT : V_QUEUE;
  };
};

export const TARGET_EVALUATORS: Record<string, TargetCompiler> = {
  LOG,
  MARK,
  CONNMARK,
  SNAT: natTarget('SNAT', ['to-source', 'to']),
  DNAT: natTarget('DNAT', ['to-destination', 'to']),
  MASQUERADE: natTarget('MASQUERADE', ['to-ports']),
  REDIRECT: natTarget('REDIRECT', ['to-ports']),
  NETMAP: natTarget('NETMAP', ['to']),
  REJECT,
  CT,
  NOTRACK,
  TRACE,
  TTL,
  TOS,
  DSCP,
  QUEUE,
  NFQUEUE: QUEUE,
  NFLOG,
  ULOG: passive('ULOG: the packet is copied to a userspace logger'),
  TCPMSS: passive(),
  CHECKSUM: passive(),
  CLASSIFY: passive(),
  SET: passive('SET: adds/removes addresses in an ipset (ipset contents are not simulated)'),
  AUDIT: passive(),
  SECMARK: passive(),
  CONNSECMARK: passive(),
  IDLETIMER: passive(),
  LED: passive(),
  RATEEST: passive(),
  HMARK: passive('HMARK: hash-based mark not simulated'),
  TEE: passive('TEE: a copy of the packet is sent to another gateway'),
  SYNPROXY: passive('SYNPROXY: the SYN proxy handshake is not simulated'),
  TPROXY: passive('TPROXY: transparent proxying is not simulated'),
  CLUSTERIP: passive(),
};
