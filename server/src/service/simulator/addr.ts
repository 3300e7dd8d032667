/**
 * IPv4 address helpers for the simulator: text <-> unsigned 32-bit numbers, prefixes and masks.
 * Addresses are plain numbers on every hot path (no allocation per comparison).
 */
import { parseIPv4 } from '../registry/argtypes';

export { parseIPv4 };

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

/** Parses an IPv4 address; throws a readable error when malformed. */
export function mustIPv4(text: string, what = 'address'): number {
  const a = parseIPv4(String(text));
  if (a === undefined) throw new Error(`${what} "${text}" is not an IPv4 address`);
  return a;
}

export function isMulticast(a: number): boolean {
  return a >>> 28 === 0xe;
}

export function isLoopback(a: number): boolean {
  return a >>> 24 === 127;
}

export const BROADCAST_ALL = 0xffffffff;
