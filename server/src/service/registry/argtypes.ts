/**
 * Parsers for the argument grammars named in the registry (`ArgTypeName`). Each turns the text
 * iptables receives into a value the simulator can evaluate, or into an error message worded like
 * iptables' own, so diagnostics agree with what iptables-restore reports.
 *
 * Value shapes (the simulator relies on them):
 * - address: `AddrMask`; address-list: `AddrMask[]`
 * - iface: `{ name, wildcard }` (wildcard: trailing `+`, name is then the prefix)
 * - protocol: protocol number (0 = all)
 * - port: number; port-range / uint-range / length-range: `[lo, hi]`; port-list: `[lo, hi][]`
 * - uint / ttl / dscp / log-level: number; float: number
 * - mark: `{ value, mask }` (unsigned 32-bit numbers)
 * - string / chain / hex-string / any: string; enum: string; enum-list and *-list of names: string[]
 */
import type { Family } from '../model';
import { protocolNumber } from './protocols';
import type { ArgSpec } from './types';

export type AddrMask =
  | { family: 4; addr: number; mask: number; prefix: number; hostname?: string }
  | { family: 6; addr: bigint; mask: bigint; prefix: number; hostname?: string };

export interface ArgResult {
  value?: unknown;
  /** Error message (the argument is rejected by iptables). */
  error?: string;
  /** Stable diagnostic code for the error (default `bad-argument`). */
  code?: string;
  /** Accepted, but worth telling (e.g. a hostname that needs DNS when loading). */
  note?: string;
  noteCode?: string;
}

export type ArgParser = (text: string, spec: ArgSpec, family: Family) => ArgResult;

const parsers: Partial<Record<string, ArgParser>> = {};

/** Registers the parser of an argument type (used by the argument type modules). */
export function defineArgType(name: string, parser: ArgParser): void {
  parsers[name] = parser;
}

/** Parses `text` as the argument described by `spec`. Unknown grammars accept anything. */
export function parseArg(text: string, spec: ArgSpec, family: Family): ArgResult {
  const p = parsers[spec.type];
  if (!p) return { value: text };
  return p(text, spec, family);
}

// ---------------------------------------------------------------------------------------------
// Numbers

/** Parses an unsigned integer as strtoul(…, 0) would (decimal, 0x hex, leading-0 octal). */
export function parseUint(text: string): number | undefined {
  if (text.length === 0) return undefined;
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) n = Number.parseInt(text.slice(2), 16);
  else if (/^0[0-7]+$/.test(text)) n = Number.parseInt(text.slice(1), 8);
  else if (/^[0-9]+$/.test(text)) n = Number(text);
  else return undefined;
  return Number.isSafeInteger(n) ? n : undefined;
}

defineArgType('uint', (text, spec) => {
  const n = parseUint(text);
  const min = spec.min ?? 0;
  const max = spec.max ?? 0xffffffff;
  if (n === undefined || n < min || n > max) {
    return { error: `invalid value "${text}" for ${spec.placeholder} (expected ${min}-${max})` };
  }
  return { value: n };
});

defineArgType('ttl', (text) => {
  const n = parseUint(text);
  if (n === undefined || n > 255) return { error: `invalid TTL value "${text}" (expected 0-255)` };
  return { value: n };
});

defineArgType('uint-range', (text, spec) => {
  const max = spec.max ?? 0xffffffff;
  const parts = text.split(/[:]/);
  if (parts.length > 2) return { error: `invalid range "${text}"` };
  const lo = parts[0] === '' ? 0 : parseUint(parts[0]);
  const hi = parts.length === 2 ? (parts[1] === '' ? max : parseUint(parts[1])) : lo;
  if (lo === undefined || hi === undefined || lo > max || hi > max) return { error: `invalid range "${text}"` };
  return { value: [lo, hi] };
});

defineArgType('mark', (text) => {
  const slash = text.indexOf('/');
  const v = parseUint(slash < 0 ? text : text.slice(0, slash));
  const m = slash < 0 ? 0xffffffff : parseUint(text.slice(slash + 1));
  if (v === undefined || m === undefined || v > 0xffffffff || m > 0xffffffff) {
    return { error: `Bad mark value "${text}"` };
  }
  return { value: { value: v >>> 0, mask: m >>> 0 } };
});

// ---------------------------------------------------------------------------------------------
// Names

defineArgType('string', (text, spec) => {
  if (spec.max !== undefined && text.length > spec.max) {
    return { error: `"${text.slice(0, 20)}…" is longer than ${spec.max} characters` };
  }
  return { value: text };
});

/** Longest chain name the kernel accepts (XT_EXTENSION_MAXNAMELEN - 1). */
export const MAX_CHAIN_NAME = 28;

defineArgType('chain', (text) => {
  if (text.length > MAX_CHAIN_NAME) {
    return { error: `chain name "${text}" is longer than ${MAX_CHAIN_NAME} characters`, code: 'bad-chain-name' };
  }
  return { value: text };
});

defineArgType('iface', (text) => {
  if (text.length >= 16)
    return { error: `interface name "${text}" must be shorter than 16 characters`, code: 'bad-interface' };
  if (/[\s/]/.test(text) || text === '.' || text === '..')
    return { error: `invalid interface name "${text}"`, code: 'bad-interface' };
  const wildcard = text.endsWith('+');
  return { value: { name: wildcard ? text.slice(0, -1) : text, wildcard } };
});

defineArgType('protocol', (text) => {
  const n = protocolNumber(text);
  if (n === undefined) return { error: `unknown protocol "${text}" specified`, code: 'bad-protocol' };
  return { value: n };
});

defineArgType('enum', (text, spec) => {
  const values = spec.values ?? [];
  const found = spec.caseInsensitive
    ? values.find((v) => v.toLowerCase() === text.toLowerCase())
    : values.find((v) => v === text);
  if (found === undefined) return { error: `invalid value "${text}" (expected one of ${values.join(', ')})` };
  return { value: found };
});

defineArgType('enum-list', (text, spec) => {
  const values = spec.values ?? [];
  const out: string[] = [];
  for (const part of text.split(',')) {
    const found = spec.caseInsensitive
      ? values.find((v) => v.toLowerCase() === part.toLowerCase())
      : values.find((v) => v === part);
    if (found === undefined) return { error: `invalid value "${part}" (expected ${values.join(', ')})` };
    out.push(found);
  }
  return { value: out };
});

// ---------------------------------------------------------------------------------------------
// Addresses

/** Parses a dotted-quad IPv4 address into an unsigned 32-bit number. */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0;
  for (const p of parts) {
    if (p.length === 0 || p.length > 3 || !/^[0-9]+$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    v = v * 256 + n;
  }
  return v >>> 0;
}

/** Parses an IPv6 address (RFC 4291 text forms, including embedded IPv4) into a 128-bit bigint. */
export function parseIPv6(text: string): bigint | undefined {
  if (text.length === 0 || text.length > 45) return undefined;
  let head = text;
  let v4tail: number | undefined;
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.indexOf('.', lastColon) > lastColon) {
    v4tail = parseIPv4(text.slice(lastColon + 1));
    if (v4tail === undefined) return undefined;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const dbl = head.indexOf('::');
  if (dbl >= 0 && head.indexOf('::', dbl + 1) >= 0) return undefined;
  const parseGroups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const left = parseGroups(head.slice(0, dbl));
    const right = parseGroups(head.slice(dbl + 2));
    if (!left || !right || left.length + right.length > 7) return undefined;
    groups = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  } else {
    const all = parseGroups(head);
    if (!all || all.length !== 8) return undefined;
    groups = all;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  if (v4tail !== undefined) v = (v & ~0xffffffffn) | BigInt(v4tail);
  return v;
}

const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_-]{1,63})*\.?$/;

function prefixMask4(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

function prefixMask6(len: number): bigint {
  return len === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - len)) - 1n);
}

function maskLength4(mask: number): number {
  let n = 0;
  while (n < 32 && mask & (0x80000000 >>> n)) n++;
  return prefixMask4(n) === mask ? n : -1;
}

/** Parses `addr[/mask]` for the family (what -s/-d and many matches accept). */
export function parseAddress(text: string, family: Family): ArgResult {
  const slash = text.indexOf('/');
  const host = slash < 0 ? text : text.slice(0, slash);
  const maskText = slash < 0 ? undefined : text.slice(slash + 1);
  if (family === 4) {
    let prefix = 32;
    let mask = 0xffffffff;
    if (maskText !== undefined) {
      if (/^[0-9]+$/.test(maskText)) {
        prefix = Number(maskText);
        if (prefix > 32) return { error: `invalid mask \`${maskText}' specified`, code: 'bad-address' };
        mask = prefixMask4(prefix);
      } else {
        const m = parseIPv4(maskText);
        if (m === undefined) return { error: `invalid mask \`${maskText}' specified`, code: 'bad-address' };
        mask = m;
        prefix = maskLength4(m);
      }
    }
    const a = parseIPv4(host);
    if (a !== undefined) return { value: { family: 4, addr: (a & mask) >>> 0, mask, prefix } satisfies AddrMask };
    if (host.includes(':')) {
      return { error: `host/network \`${host}' not found (an IPv6 address in an IPv4 ruleset)`, code: 'bad-address' };
    }
    if (HOSTNAME_RE.test(host) && !/^[0-9.]+$/.test(host)) {
      return {
        value: { family: 4, addr: 0, mask, prefix, hostname: host } satisfies AddrMask,
        note: `"${host}" is a host name: iptables resolves it with DNS when the rule is loaded (and fails without it)`,
        noteCode: 'hostname-address',
      };
    }
    return { error: `host/network \`${host}' not found`, code: 'bad-address' };
  }
  let prefix = 128;
  if (maskText !== undefined) {
    if (!/^[0-9]+$/.test(maskText) || Number(maskText) > 128) {
      const m = parseIPv6(maskText);
      if (m === undefined) return { error: `invalid mask \`${maskText}' specified`, code: 'bad-address' };
      const a = parseIPv6(host);
      if (a === undefined) return { error: `host/network \`${host}' not found`, code: 'bad-address' };
      return { value: { family: 6, addr: a & m, mask: m, prefix: -1 } satisfies AddrMask };
    }
    prefix = Number(maskText);
  }
  const mask = prefixMask6(prefix);
  const a = parseIPv6(host);
  if (a !== undefined) return { value: { family: 6, addr: a & mask, mask, prefix } satisfies AddrMask };
  if (parseIPv4(host) !== undefined) {
    return { error: `host/network \`${host}' not found (an IPv4 address in an IPv6 ruleset)`, code: 'bad-address' };
  }
  if (HOSTNAME_RE.test(host)) {
    return {
      value: { family: 6, addr: 0n, mask, prefix, hostname: host } satisfies AddrMask,
      note: `"${host}" is a host name: ip6tables resolves it with DNS when the rule is loaded (and fails without it)`,
      noteCode: 'hostname-address',
    };
  }
  return { error: `host/network \`${host}' not found`, code: 'bad-address' };
}

defineArgType('address', (text, _spec, family) => parseAddress(text, family));

defineArgType('address-list', (text, _spec, family) => {
  const out: AddrMask[] = [];
  let note: ArgResult | undefined;
  for (const part of text.split(',')) {
    const r = parseAddress(part, family);
    if (r.error) return r;
    if (r.note) note = r;
    out.push(r.value as AddrMask);
  }
  return { value: out, note: note?.note, noteCode: note?.noteCode };
});
