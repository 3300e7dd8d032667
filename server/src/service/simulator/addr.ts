/**
 * Address helpers for the simulator: IPv4 addresses are unsigned 32-bit numbers, IPv6 addresses
 * 128-bit bigints (as the registry's argument parsers produce them); text conversion in the
 * kernel log form (full IPv6 groups) and the inet_ntop form (compressed), prefixes and masks.
 * IPv4 addresses stay plain numbers on every hot path (no allocation per comparison).
 */
import { parseIPv4, parseIPv6 } from '../registry/argtypes';
import { prefixMask6 } from '../registry/argtypes-base';

export { parseIPv4, parseIPv6, prefixMask6 };

/** An address of either family: number (IPv4) or bigint (IPv6). */
export type Addr = number | bigint;

/** Parses an IPv4 or IPv6 address (undefined when neither). */
export function parseAddr(text: string): Addr | undefined {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

/** Parses an address; throws a readable error when malformed. */
export function mustAddr(text: string, what = 'address'): Addr {
  const a = parseAddr(String(text));
  if (a === undefined) throw new Error(`${what} "${text}" is not an IPv4 or IPv6 address`);
  return a;
}

function groups6(a: bigint): number[] {
  const g: number[] = [];
  for (let i = 7; i >= 0; i--) g.push(Number((a >> BigInt(i * 16)) & 0xffffn));
  return g;
}

/** IPv6 text: `compressed` as inet_ntop (RFC 5952), otherwise the kernel log's full form. */
export function formatIPv6(a: bigint, compressed: boolean): string {
  const g = groups6(a);
  if (!compressed) return g.map((x) => x.toString(16).padStart(4, '0')).join(':');
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  // IPv4-mapped addresses keep their dotted tail (::ffff:a.b.c.d)
  if (best === 0 && bestLen === 5 && g[5] === 0xffff) return `::ffff:${formatIPv4(Number(a & 0xffffffffn))}`;
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** Formats an address of either family (IPv6 compressed unless `full`). */
export function formatAddr(a: Addr, compressed = false): string {
  return typeof a === 'bigint' ? formatIPv6(a, compressed) : formatIPv4(a);
}

/** `a` lies in `net` under `mask` (same family). */
export function inNet(a: Addr, net: Addr, mask: Addr): boolean {
  if (typeof a === 'bigint') return (a & (mask as bigint)) === ((net as bigint) & (mask as bigint));
  return (a & (mask as number)) >>> 0 === ((net as number) & (mask as number)) >>> 0;
}

/** `a` with only its first `len` bits kept (`len` undefined: the whole address). */
export function maskAddr(a: Addr, len?: number): Addr {
  if (typeof a === 'bigint') return len === undefined ? a : a & prefixMask6(len);
  return len === undefined ? a : (a & prefixMask(len)) >>> 0;
}

/** The netmask of a prefix length for the family of `a`. */
export function maskOf(a: Addr, len: number): Addr {
  return typeof a === 'bigint' ? prefixMask6(len) : prefixMask(len);
}

/** Formats an unsigned 32-bit number as a dotted quad. */
export function formatIPv4(a: number): string {
  return `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** The netmask of a prefix length (0..32) as an unsigned number. */
export function prefixMask(len: number): number {
  return len <= 0 ? 0 : len >= 32 ? 0xffffffff : (0xffffffff << (32 - len)) >>> 0;
}

/** `a` is inside `net/len`. */
export function inPrefix(a: number, net: number, len: number): boolean {
  const m = prefixMask(len);
  return (a & m) >>> 0 === (net & m) >>> 0;
}

export interface Cidr {
  addr: number;
  len: number;
}

/** Parses `a.b.c.d[/len]`; throws a readable error when malformed. */
export function parseCidr(text: string, defaultLen = 32): Cidr {
  const slash = text.indexOf('/');
  const host = slash < 0 ? text : text.slice(0, slash);
  const a = parseIPv4(host);
  if (a === undefined) throw new Error(`"${text}" is not an IPv4 address`);
  let len = defaultLen;
  if (slash >= 0) {
    const l = text.slice(slash + 1);
    if (!/^\d{1,2}$/.test(l) || Number(l) > 32) throw new Error(`"${text}" has an invalid prefix length`);
    len = Number(l);
  }
  return { addr: a, len };
}

/** Parses `addr[/len]` of either family (IPv6 default length 128). */
export function parseCidrAny(text: string): { addr: Addr; len: number } {
  if (!text.includes(':')) return parseCidr(text);
  const slash = text.indexOf('/');
  const a = parseIPv6(slash < 0 ? text : text.slice(0, slash));
  if (a === undefined) throw new Error(`"${text}" is not an IPv6 address`);
  let len = 128;
  if (slash >= 0) {
    const l = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(l) || Number(l) > 128) throw new Error(`"${text}" has an invalid prefix length`);
    len = Number(l);
  }
  return { addr: a, len };
}

/** Parses an IPv4 address; throws a readable error when malformed. */
export function mustIPv4(text: string, what = 'address'): number {
  const a = parseIPv4(String(text));
  if (a === undefined) throw new Error(`${what} "${text}" is not an IPv4 address`);
  return a;
}

export function isMulticast(a: Addr): boolean {
  return typeof a === 'bigint' ? a >> 120n === 0xffn : a >>> 28 === 0xe;
}

export function isLoopback(a: Addr): boolean {
  return typeof a === 'bigint' ? a === 1n : a >>> 24 === 127;
}

export const BROADCAST_ALL = 0xffffffff;
