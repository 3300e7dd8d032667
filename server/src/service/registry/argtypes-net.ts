/**
 * Argument grammars for network values: ports and service names, port lists and ranges, NAT
 * ranges, address ranges, prefix lengths, MAC addresses and ICMP/ICMPv6 types. Messages follow
 * the wording of iptables 1.8.9 (`invalid port/service `x' specified`, `Invalid ICMP type `x'`...).
 */
import type { Family } from '../model';
import { type ArgParser, type ArgResult, parseIPv4Numeric, parseIPv6, parseUint } from './argtypes-base';
import { ICMP_TYPES, ICMPV6_TYPES, type IcmpName } from './icmp';
import { servicePort } from './services';

/** A port number (decimal or 0x hex, as strtoul) or a service name; undefined if neither. */
export function parsePort(text: string, proto?: string): number | undefined {
  const n = parseUint(text);
  if (n !== undefined) return n <= 65535 ? n : undefined;
  return servicePort(text, proto);
}

const badPort = (text: string): ArgResult => ({ error: `invalid port/service \`${text}' specified`, code: 'bad-port' });

const port: ArgParser = (text, spec) => {
  const p = parsePort(text, spec.protocol);
  return p === undefined ? badPort(text) : { value: p };
};

/**
 * The udp match's port parser (xtopt's strtoul truncated to 16 bits, no order check): numbers
 * wrap around 65536 and a reversed range is accepted (and then matches nothing).
 */
function wrappingPortRange(text: string, proto: string | undefined): ArgResult {
  const colon = text.indexOf(':');
  const parts = colon < 0 ? [text] : [text.slice(0, colon), text.slice(colon + 1)];
  const notes: string[] = [];
  const vals: number[] = [];
  for (const [k, part] of parts.entries()) {
    if (part === '') {
      vals.push(k === 0 ? 0 : 65535);
      continue;
    }
    // decimal only: "0x16" is not a number to this parser and then fails as a service name
    if (/^[0-9]+$/.test(part)) {
      const big = BigInt(part);
      const v = Number(big % 65536n);
      if (big > 65535n) notes.push(`${part} is loaded as port ${v} (the udp match keeps only 16 bits)`);
      vals.push(v);
      continue;
    }
    const p = servicePort(part, proto);
    if (p === undefined) return badPort(part);
    vals.push(p);
  }
  const [lo, hi] = vals.length === 1 ? [vals[0], vals[0]] : vals;
  if (lo > hi) notes.push(`the range ${lo}:${hi} is reversed: the rule never matches`);
  if (notes.length) return { value: [lo, hi], note: notes.join('; '), noteCode: 'port-wraps', noteSeverity: 'warning' };
  return { value: [lo, hi] };
}

/** `port[:port]`: `:n` starts at 0, `n:` ends at 65535; min > max is refused. */
function portRange(text: string, proto: string | undefined): ArgResult {
  const colon = text.indexOf(':');
  if (colon < 0) {
    const p = parsePort(text, proto);
    return p === undefined ? badPort(text) : { value: [p, p] };
  }
  const a = text.slice(0, colon);
  const b = text.slice(colon + 1);
  const lo = a === '' ? 0 : parsePort(a, proto);
  if (lo === undefined) return badPort(a);
  const hi = b === '' ? 65535 : parsePort(b, proto);
  if (hi === undefined) return badPort(b);
  if (lo > hi) return { error: 'invalid portrange (min > max)', code: 'bad-port' };
  return { value: [lo, hi] };
}

const portList: ArgParser = (text, spec) => {
  const out: [number, number][] = [];
  let slots = 0;
  for (const part of text.split(',')) {
    const colon = part.indexOf(':');
    const lo = parsePort(colon < 0 ? part : part.slice(0, colon), spec.protocol);
    if (lo === undefined) return badPort(colon < 0 ? part : part.slice(0, colon));
    let hi = lo;
    if (colon >= 0) {
      const h = parsePort(part.slice(colon + 1), spec.protocol);
      if (h === undefined) return badPort(part.slice(colon + 1));
      if (lo > h) return { error: 'invalid portrange specified', code: 'bad-port' };
      hi = h;
    }
    slots += colon >= 0 ? 2 : 1;
    if (slots > 15) return { error: 'too many ports specified (at most 15, a range counts as two)', code: 'bad-port' };
    out.push([lo, hi]);
  }
  return { value: out };
};

/** `port[-port]` of MASQUERADE/REDIRECT --to-ports (numbers only). */
function portDash(text: string): ArgResult {
  const dash = text.indexOf('-');
  const lo = parseUint(dash < 0 ? text : text.slice(0, dash));
  const hi = dash < 0 ? lo : parseUint(text.slice(dash + 1));
  if (lo === undefined || lo > 65535) return { error: `Port \`${text}' not valid`, code: 'bad-port' };
  if (hi === undefined || hi > 65535 || hi < lo) return { error: `Port range \`${text}' funky`, code: 'bad-port' };
  return { value: [lo, hi] };
}

function parseHost(text: string, family: Family): number | bigint | undefined {
  return family === 4 ? parseIPv4Numeric(text) : parseIPv6(text);
}

const badAddr = (text: string): ArgResult => ({ error: `host/network \`${text}' not found`, code: 'bad-address' });

function less(a: number | bigint, b: number | bigint): boolean {
  return a < b;
}

const ipRange: ArgParser = (text, _spec, family) => {
  const dash = text.indexOf('-');
  const a = dash < 0 ? text : text.slice(0, dash);
  const from = parseHost(a, family);
  if (from === undefined) return badAddr(a);
  const b = dash < 0 ? a : text.slice(dash + 1);
  const to = parseHost(b, family);
  if (to === undefined) return badAddr(b);
  const r: ArgResult = { value: { family, from, to } };
  if (less(to, from)) {
    r.note = `range ${text} is reversed and will never match`;
    r.noteCode = 'reversed-range';
  }
  return r;
};

/** SNAT/DNAT `[addr[-addr]][:port[-port]]`; IPv6 addresses in brackets when a port follows. */
const natRange: ArgParser = (text, _spec, family) => {
  let addrPart = text;
  let portPart: string | undefined;
  if (family === 6 && text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return badAddr(text);
    addrPart = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return badAddr(text);
      portPart = rest.slice(1);
    }
  } else if (family === 4) {
    const colon = text.indexOf(':');
    if (colon >= 0) {
      addrPart = text.slice(0, colon);
      portPart = text.slice(colon + 1);
    }
  } else if (text.startsWith(':') && !text.startsWith('::')) {
    addrPart = '';
    portPart = text.slice(1);
  }
  const value: Record<string, unknown> = { family };
  if (addrPart !== '') {
    const r = ipRange(addrPart, { type: 'ip-range', placeholder: '' }, family);
    if (r.error) return r;
    const v = r.value as { from: number | bigint; to: number | bigint };
    if (less(v.to, v.from)) return { error: `Bad IP range "${addrPart}"`, code: 'bad-address' };
    value.addrFrom = v.from;
    value.addrTo = v.to;
  }
  if (portPart !== undefined) {
    // an optional `/base` after the range (port shifting) is accepted and ignored
    const slash = portPart.indexOf('/');
    const p = portDash(slash < 0 ? portPart : portPart.slice(0, slash));
    if (p.error) return p;
    const [lo, hi] = p.value as [number, number];
    value.portFrom = lo;
    value.portTo = hi;
  }
  if (addrPart === '' && portPart === undefined) return badAddr(text);
  return { value };
};

const netmaskLen: ArgParser = (text, _spec, family) => {
  const max = family === 6 ? 128 : 32;
  const n = /^[0-9]+$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 0 && n <= max))
    return { error: `invalid prefix length "${text}" (expected 0-${max})`, code: 'bad-address' };
  return { value: n };
};

const MAC_RE = /^[0-9a-fA-F]{1,2}(?::[0-9a-fA-F]{1,2}){5}$/;

const mac: ArgParser = (text) => {
  if (!MAC_RE.test(text)) return { error: `Invalid MAC address \`${text}' specified`, code: 'bad-mac' };
  return {
    value: text
      .split(':')
      .map((b) => b.toLowerCase().padStart(2, '0'))
      .join(':'),
  };
};

/** ICMP type: a name (unique case-insensitive prefix, as iptables), a number, or type/code. */
function icmpType(text: string, names: readonly IcmpName[], what: 'ICMP' | 'ICMPv6'): ArgResult {
  const lower = text.toLowerCase();
  let found: IcmpName | undefined;
  for (const n of names) {
    const name = n.name.toLowerCase();
    if (name === lower) {
      found = n;
      break;
    }
    if (lower.length > 0 && name.startsWith(lower)) {
      if (found && (found.type !== n.type || found.codeMin !== n.codeMin)) {
        return { error: `Ambiguous ${what} type \`${text}': \`${found.name}' or \`${n.name}'?`, code: 'bad-icmp-type' };
      }
      found = found ?? n;
    }
  }
  if (found) return { value: { type: found.type, codeMin: found.codeMin, codeMax: found.codeMax } };
  const slash = text.indexOf('/');
  const t = parseUint(slash < 0 ? text : text.slice(0, slash));
  if (t === undefined || !/^[0-9]/.test(text))
    return { error: `Invalid ${what} type \`${text}'`, code: 'bad-icmp-type' };
  if (t > 255) return { error: `Unknown ${what} type \`${text}'`, code: 'bad-icmp-type' };
  if (slash < 0) return { value: { type: t, codeMin: 0, codeMax: 255 } };
  const c = parseUint(text.slice(slash + 1));
  if (c === undefined || c > 255)
    return { error: `Invalid ${what} code \`${text.slice(slash + 1)}'`, code: 'bad-icmp-type' };
  return { value: { type: t, codeMin: c, codeMax: c } };
}

/** Parsers of this module by grammar name, registered by argtypes.ts. */
export const NET_PARSERS: Record<string, ArgParser> = {
  port,
  'port-range': (text, spec) =>
    spec.portWrap ? wrappingPortRange(text, spec.protocol) : portRange(text, spec.protocol),
  'port-list': portList,
  'port-spec': (text) => portDash(text),
  'ip-range': ipRange,
  'nat-range': natRange,
  'netmask-len': netmaskLen,
  mac,
  'icmp-type': (text) => icmpType(text, ICMP_TYPES, 'ICMP'),
  'icmpv6-type': (text) => icmpType(text, ICMPV6_TYPES, 'ICMPv6'),
};
