/**
 * Building blocks of the argument parsers: the result types, unsigned integers as strtoul() reads
 * them, and IPv4/IPv6 addresses with masks as iptables' xtables_ipparse_any() accepts them. Kept
 * apart from argtypes.ts so that the grammar modules can share them without circular imports.
 */
import type { Family } from '../model';
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
  /** Severity of the note (default: hint). */
  noteSeverity?: 'warning' | 'information' | 'hint';
}

export type ArgParser = (text: string, spec: ArgSpec, family: Family) => ArgResult;

// ---------------------------------------------------------------------------------------------
// Numbers

/** Parses an unsigned integer as strtoul(…, 0) would (decimal, 0x hex, leading-0 octal). */
export function parseUint(text: string): number | undefined {
  const v = uintIn(text, 0, text.length);
  return v < 0 ? undefined : v;
}

/**
 * parseUint of `text` from `s` to `e` without slicing it: the value, or -1 when it is not a number
 * (or not a safe integer). Called for most words of most rules, so it scans characters.
 */
export function uintIn(text: string, s: number, e: number): number {
  const n = e - s;
  if (n <= 0) return -1;
  let v = 0;
  if (text.charCodeAt(s) === 48 && n > 1) {
    const x = text.charCodeAt(s + 1);
    if ((x | 32) === 120 /* x */) {
      if (n === 2) return -1;
      for (let i = s + 2; i < e; i++) {
        const c = text.charCodeAt(i);
        let d: number;
        if (c >= 48 && c <= 57) d = c - 48;
        else if ((c | 32) >= 97 && (c | 32) <= 102) d = (c | 32) - 87;
        else return -1;
        v = v * 16 + d;
      }
      return Number.isSafeInteger(v) ? v : -1;
    }
    let octal = true;
    for (let i = s + 1; i < e; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 55) {
        octal = false;
        break;
      }
      v = v * 8 + (c - 48);
    }
    if (octal) return Number.isSafeInteger(v) ? v : -1;
    v = 0;
  }
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  return Number.isSafeInteger(v) ? v : -1;
}

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

/**
 * Parses an IPv4 address the way iptables' xtables_numeric_to_ipaddr() does: one to four
 * dot-separated parts, each read by strtoul with base 0 (so `010` is octal 8 and `0x0a` is 10),
 * missing trailing parts are zero (`10/8` is 10.0.0.0/8, `0/0` is 0.0.0.0/0).
 */
export function parseIPv4Numeric(text: string): number | undefined {
  let v = 0;
  let s = 0;
  const n = text.length;
  for (let i = 0; i < 4; i++) {
    let part = 0;
    if (s <= n) {
      let e = text.indexOf('.', s);
      if (e < 0) e = n;
      else if (i === 3) return undefined;
      part = uintIn(text, s, e);
      if (part < 0 || part > 255) return undefined;
      s = e + 1;
    }
    v = v * 256 + part;
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
    if (all?.length !== 8) return undefined;
    groups = all;
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  if (v4tail !== undefined) v = (v & ~0xffffffffn) | BigInt(v4tail);
  return v;
}

const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_-]{1,63})*\.?$/;

export function prefixMask4(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

export function prefixMask6(len: number): bigint {
  return len === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - len)) - 1n);
}

function maskLength4(mask: number): number {
  let n = 0;
  while (n < 32 && mask & (0x80000000 >>> n)) n++;
  return prefixMask4(n) === mask ? n : -1;
}

/**
 * `a.b.c.d` or `a.b.c.d/len` written plainly (decimal parts without leading zeros, a decimal
 * prefix length): the address, or undefined for any other text. The common case of parseAddress
 * (every address of a machine-written ruleset), read without slicing the text.
 */
export function plainIPv4(text: string): AddrMask | undefined {
  const n = text.length;
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  let i = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && part === 0) return undefined;
      part = part * 10 + (c - 48);
      if (part > 255) return undefined;
      digits++;
    } else if (c === 46 /* . */) {
      if (digits === 0 || dots === 3) return undefined;
      v = v * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c === 47 /* / */) break;
    else return undefined;
  }
  if (dots !== 3 || digits === 0) return undefined;
  v = v * 256 + part;
  let prefix = 32;
  if (i < n) {
    prefix = 0;
    let pd = 0;
    for (i++; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57 || (pd === 1 && prefix === 0)) return undefined;
      prefix = prefix * 10 + (c - 48);
      if (prefix > 32) return undefined;
      pd++;
    }
    if (pd === 0) return undefined;
  }
  const mask = prefixMask4(prefix);
  return { family: 4, addr: (v & mask) >>> 0, mask, prefix };
}

/** Parses `addr[/mask]` for the family (what -s/-d and many matches accept). */
export function parseAddress(text: string, family: Family): ArgResult {
  if (family === 4) {
    const plain = plainIPv4(text);
    if (plain !== undefined) return { value: plain };
  }
  return readAddress(text, family);
}

/** parseAddress without the plain IPv4 shortcut: every form iptables accepts. */
export function readAddress(text: string, family: Family): ArgResult {
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
        const m = parseIPv4Numeric(maskText);
        if (m === undefined) return { error: `invalid mask \`${maskText}' specified`, code: 'bad-address' };
        mask = m;
        prefix = maskLength4(m);
      }
    }
    const a = parseIPv4Numeric(host);
    if (a !== undefined) return { value: { family: 4, addr: (a & mask) >>> 0, mask, prefix } satisfies AddrMask };
    if (host.includes(':')) {
      // iptables resolves the text with getaddrinfo(AF_INET), which maps an IPv4-mapped IPv6
      // address back to IPv4: "::ffff:192.0.2.1" loads as 192.0.2.1.
      const mapped = /^::ffff:([0-9.]+)$/i.exec(host);
      const m4 = mapped ? parseIPv4(mapped[1]) : undefined;
      if (mapped && m4 !== undefined) {
        return {
          value: { family: 4, addr: (m4 & mask) >>> 0, mask, prefix } satisfies AddrMask,
          note: `IPv4-mapped address: iptables loads it as ${mapped[1]}`,
          noteCode: 'mapped-address',
        };
      }
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
