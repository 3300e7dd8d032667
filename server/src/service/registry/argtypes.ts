/**
 * Parsers for the argument grammars named in the registry (`ArgTypeName`). Each turns the text
 * iptables receives into a value the simulator can evaluate, or into an error message worded like
 * iptables' own, so diagnostics agree with what iptables-restore reports. The grammars live in
 * three modules: this one (numbers, names, addresses), argtypes-net.ts (ports, NAT ranges, MAC,
 * ICMP types) and argtypes-misc.ts (flags, states, rates, times, TOS/DSCP, strings, owners).
 *
 * Value shapes (the simulator relies on them):
 * - address: `AddrMask`; address-list: `AddrMask[]`
 * - iface: `{ name, wildcard }` (wildcard: trailing `+`, name is then the prefix)
 * - protocol: protocol number (0 = all)
 * - port: number; port-range / uint-range / length-range / port-spec: `[lo, hi]`; port-list: `[lo, hi][]`
 * - uint / ttl / dscp / dscp-class / log-level / netmask-len: number; float: number
 * - mark / tos: `{ value, mask }` (unsigned numbers; tos 8-bit)
 * - string / chain / cgroup-path / any: string; hex-string: the decoded bytes as a string of
 *   char codes 0-255; enum: string; enum-list and *-list of names: string[] (canonical spelling:
 *   upper case for ctstate/state/ctstatus, as listed in `values` for enums); ctdir: string
 * - mac: lower-case `xx:xx:xx:xx:xx:xx`
 * - icmp-type / icmpv6-type: `{ type, codeMin, codeMax }` (IPv4 `any` is type 255, codes 0-255)
 * - tcp-flags: bit mask number (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20)
 * - rate: `{ count, unit: 'second'|'minute'|'hour'|'day', perSecond, bytes }` (`bytes`: a byte
 *   rate such as `512kb/s`, allowed when `values` contains 'bytes'; count is then in bytes)
 * - time: seconds since midnight; datetime: seconds since the epoch (UTC)
 * - weekdays: numbers 1 (Mon) - 7 (Sun); monthdays: numbers 1-31
 * - ip-range: `{ family, from, to }` (numbers for IPv4, bigints for IPv6)
 * - nat-range: `{ family, addrFrom?, addrTo?, portFrom?, portTo? }` (addresses as in ip-range)
 * - set-flags: ('src' | 'dst')[]
 * - size: number (bytes; k/m/g suffixes and kb/mb/gb accepted)
 * - user / group: `{ min, max }` for ids, or `{ name }` for a name resolved when loading
 */
import type { Family } from '../model';
import { type ArgParser, type ArgResult, parseAddress, parseUint } from './argtypes-base';
import { MISC_PARSERS } from './argtypes-misc';
import { NET_PARSERS } from './argtypes-net';
import { protocolNumber } from './protocols';
import type { ArgSpec } from './types';

export type { AddrMask, ArgParser, ArgResult } from './argtypes-base';
export { parseAddress, parseIPv4, parseIPv4Numeric, parseIPv6, parseUint } from './argtypes-base';

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

/** `n[:m]` with either side optional (`:m` from 0, `n:` up to max); reversed ranges are accepted. */
function uintRange(text: string, max: number, what: string): ArgResult {
  const parts = text.split(':');
  if (parts.length > 2 || text === '') return { error: `invalid ${what} "${text}"` };
  const lo = parts[0] === '' ? 0 : parseUint(parts[0]);
  const hi = parts.length === 2 ? (parts[1] === '' ? max : parseUint(parts[1])) : lo;
  if (lo === undefined || hi === undefined || lo > max || hi > max) {
    return { error: `invalid ${what} "${text}" (values 0-${max})` };
  }
  return { value: [lo, hi] };
}

defineArgType('uint-range', (text, spec) => uintRange(text, spec.max ?? 0xffffffff, 'range'));
defineArgType('length-range', (text) => uintRange(text, 65535, 'length'));

defineArgType('mark', (text) => {
  const slash = text.indexOf('/');
  const v = parseUint(slash < 0 ? text : text.slice(0, slash));
  const m = slash < 0 ? 0xffffffff : parseUint(text.slice(slash + 1));
  if (v === undefined || m === undefined || v > 0xffffffff || m > 0xffffffff) {
    return { error: `Bad mark value "${text}"` };
  }
  return { value: { value: v >>> 0, mask: m >>> 0 } };
});

defineArgType('float', (text, spec) => {
  const min = spec.min ?? 0;
  const max = spec.max ?? 1;
  const n = /^[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?$|^[0-9]+\.$/.test(text) ? Number(text) : Number.NaN;
  if (Number.isNaN(n) || n < min || n > max) {
    return { error: `bad value "${text}" for ${spec.placeholder}, or out of range (${min}-${max})` };
  }
  return { value: n };
});

// ---------------------------------------------------------------------------------------------
// Names

defineArgType('string', (text, spec) => {
  if (spec.max !== undefined && text.length > spec.max) {
    return { error: `"${text.slice(0, 20)}…" is longer than ${spec.max} characters` };
  }
  if (spec.truncate !== undefined && text.length > spec.truncate) {
    return {
      value: text.slice(0, spec.truncate),
      note: `iptables keeps only the first ${spec.truncate} characters: "${text.slice(0, spec.truncate)}"`,
      noteCode: 'truncated-argument',
    };
  }
  return { value: text };
});

defineArgType('any', (text) => ({ value: text }));

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
  const wildcard = text.endsWith('+');
  const value = { name: wildcard ? text.slice(0, -1) : text, wildcard };
  if (!wildcard && /[\s/]/.test(text)) {
    // iptables only warns ("weird character in interface"): no kernel interface can have this
    // name, so the rule can never match.
    return {
      value,
      note: `interface name "${text.replace(/\n/g, '\\n')}" contains '/' or a blank, which no interface can have: the rule never matches`,
      noteCode: 'weird-interface',
      noteSeverity: 'warning',
    };
  }
  return { value };
});

defineArgType('protocol', (text) => {
  const n = protocolNumber(text);
  if (n === undefined) return { error: `unknown protocol "${text}" specified`, code: 'bad-protocol' };
  return { value: n };
});

function findValue(values: readonly string[], text: string, caseInsensitive: boolean | undefined, prefix?: boolean) {
  if (prefix) {
    const lower = text.toLowerCase();
    return values.find((v) => v.toLowerCase().startsWith(lower));
  }
  if (!caseInsensitive) return values.find((v) => v === text);
  const lower = text.toLowerCase();
  return values.find((v) => v.toLowerCase() === lower);
}

defineArgType('enum', (text, spec) => {
  const values = spec.values ?? [];
  const found = findValue(values, text, spec.caseInsensitive, spec.prefix);
  if (found === undefined) return { error: `invalid value "${text}" (expected one of ${values.join(', ')})` };
  return { value: found };
});

defineArgType('enum-list', (text, spec) => {
  const values = spec.values ?? [];
  const out: string[] = [];
  for (const part of text.split(',')) {
    const found = findValue(values, part, spec.caseInsensitive);
    if (found === undefined) return { error: `invalid value "${part}" (expected ${values.join(', ')})` };
    out.push(found);
  }
  return { value: out };
});

// ---------------------------------------------------------------------------------------------
// Addresses

defineArgType('address', (text, _spec, family) => parseAddress(text, family));

defineArgType('address-list', (text, _spec, family) => {
  if (!text.includes(',')) {
    const r = parseAddress(text, family);
    return r.error ? r : { value: [r.value], note: r.note, noteCode: r.noteCode };
  }
  const out: unknown[] = [];
  let note: ArgResult | undefined;
  for (const part of text.split(',')) {
    const r = parseAddress(part, family);
    if (r.error) return r;
    if (r.note) note = r;
    out.push(r.value);
  }
  return { value: out, note: note?.note, noteCode: note?.noteCode };
});

for (const [name, parser] of Object.entries({ ...NET_PARSERS, ...MISC_PARSERS })) defineArgType(name, parser);
