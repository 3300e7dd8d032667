/**
 * Argument grammars for flags and states (TCP flags, conntrack states), rates, times and dates,
 * TOS/DSCP values, syslog levels, hex strings, ipset flags, sizes and socket owners. Messages
 * follow the wording of iptables 1.8.9 (`Bad ctstate "x"`, `bad rate "x"'`...).
 */
import { type ArgParser, type ArgResult, parseUint } from './argtypes-base';

const TCP_FLAGS: Record<string, number> = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ALL: 0x3f,
  NONE: 0,
};

const tcpFlags: ArgParser = (text) => {
  let mask = 0;
  // iptables splits with strtok(","): empty entries ("SYN,,ACK", a trailing comma) are skipped
  for (const f of text.split(',')) {
    if (f === '') continue;
    const bit = TCP_FLAGS[f.toUpperCase()];
    if (bit === undefined) return { error: `Unknown TCP flag \`${f}'`, code: 'bad-tcp-flags' };
    mask |= bit;
  }
  return { value: mask };
};

/** A comma list of case-insensitive names, returned upper-case. */
function nameList(allowed: readonly string[], what: string): ArgParser {
  const set = new Set(allowed);
  return (text) => {
    const out: string[] = [];
    for (const part of text.split(',')) {
      const up = part.toUpperCase();
      if (!set.has(up)) return { error: `Bad ${what} "${part}"`, code: 'bad-state' };
      out.push(up);
    }
    return { value: out };
  };
}

const UNITS: [string, 'second' | 'minute' | 'hour' | 'day', number][] = [
  ['second', 'second', 1],
  ['minute', 'minute', 60],
  ['hour', 'hour', 3600],
  ['day', 'day', 86400],
];
const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** `n[/unit]` (unit: a prefix of second/minute/hour/day); `Nkb/s`-style byte rates if allowed. */
const rate: ArgParser = (text, spec) => {
  const bad = (): ArgResult => ({ error: `bad rate "${text}"'`, code: 'bad-rate' });
  const slash = text.indexOf('/');
  const amount = slash < 0 ? text : text.slice(0, slash);
  let unit: (typeof UNITS)[number] = UNITS[0];
  if (slash >= 0) {
    const u = text.slice(slash + 1).toLowerCase();
    const hit = u.length > 0 ? UNITS.find(([name]) => name.startsWith(u)) : undefined;
    if (!hit) return bad();
    unit = hit;
  }
  const m = /^([0-9]+)([a-zA-Z]*)$/.exec(amount);
  if (!m) return bad();
  const count = Number(m[1]);
  const suffix = m[2].toLowerCase();
  if (suffix !== '') {
    const factor = BYTE_UNITS[suffix];
    if (factor === undefined || !spec.values?.includes('bytes')) return bad();
    const bytes = count * factor;
    if (bytes === 0) return bad();
    return { value: { count: bytes, unit: unit[1], perSecond: bytes / unit[2], bytes: true } };
  }
  if (count === 0) return bad();
  // the kernel's limit scale (10000 per second) caps packet rates
  if (count / unit[2] > 10000) return { error: `Rate too fast "${text}"`, code: 'bad-rate' };
  return { value: { count, unit: unit[1], perSecond: count / unit[2], bytes: false } };
};

/** `hh:mm[:ss]` within 00:00:00-23:59:59; value: seconds since midnight. */
const timeOfDay: ArgParser = (text) => {
  const m = /^([0-9]{1,2}):([0-9]{1,2})(?::([0-9]{1,2}))?$/.exec(text);
  const h = m ? Number(m[1]) : 99;
  const min = m ? Number(m[2]) : 99;
  const s = m?.[3] !== undefined ? Number(m[3]) : 0;
  if (!m || h > 23 || min > 59 || s > 59) {
    return {
      error: `invalid time "${text}" specified, should be hh:mm[:ss] format and within the boundaries`,
      code: 'bad-time',
    };
  }
  return { value: h * 3600 + min * 60 + s };
};

/** ISO 8601 `YYYY[-MM[-DD[Thh[:mm[:ss]]]]]`, 1970-2038 (32-bit time); value: epoch seconds (UTC). */
const datetime: ArgParser = (text) => {
  const m =
    /^([0-9]{4})(?:-([0-9]{1,2})(?:-([0-9]{1,2})(?:T([0-9]{1,2})(?::([0-9]{1,2})(?::([0-9]{1,2}))?)?)?)?)?$/.exec(text);
  const n = (i: number, dflt: number) => (m?.[i] !== undefined ? Number(m[i]) : dflt);
  const [y, mo, d, h, mi, s] = [n(1, 0), n(2, 1), n(3, 1), n(4, 0), n(5, 0), n(6, 0)];
  if (!m || y < 1970 || y > 2038 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) {
    return { error: `Invalid date "${text}" specified. Should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]]`, code: 'bad-time' };
  }
  return { value: Date.UTC(y, mo - 1, d, h, mi, s) / 1000 };
};

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Comma list of Mon..Sun (case-sensitive, longer spellings like `Tuesday` accepted) or 1..7. */
const weekdays: ArgParser = (text) => {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const n = /^[1-7]$/.test(part) ? Number(part) : DAYS.findIndex((d) => part.startsWith(d)) + 1;
    if (n <= 0) return { error: `${part} is not a valid day specifier`, code: 'bad-time' };
    out.push(n);
  }
  return { value: out };
};

const monthdays: ArgParser = (text) => {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const n = /^[0-9]{1,2}$/.test(part) ? Number(part) : 0;
    if (n < 1 || n > 31) return { error: `${part} is not a valid day for --monthdays`, code: 'bad-time' };
    out.push(n);
  }
  return { value: out };
};

const TOS_NAMES: Record<string, number> = {
  'minimize-delay': 0x10,
  'maximize-throughput': 0x08,
  'maximize-reliability': 0x04,
  'minimize-cost': 0x02,
  'normal-service': 0x00,
};

/** TOS `value[/mask]` (8-bit; mask defaults to 0xff) or a symbolic name (mask 0x3f). */
const tos: ArgParser = (text) => {
  const named = TOS_NAMES[text.toLowerCase()];
  if (named !== undefined) return { value: { value: named, mask: 0x3f } };
  const slash = text.indexOf('/');
  const v = parseUint(slash < 0 ? text : text.slice(0, slash));
  const m = slash < 0 ? 0xff : parseUint(text.slice(slash + 1));
  if (v === undefined || m === undefined || v > 255 || m > 255) {
    return { error: `Symbolic name "${text}" is unknown`, code: 'bad-tos' };
  }
  return { value: { value: v, mask: m } };
};

const dscp: ArgParser = (text) => {
  const n = parseUint(text);
  if (n === undefined || n > 63) return { error: `DSCP \`${text}' out of range (0-63)`, code: 'bad-dscp' };
  return { value: n };
};

const DSCP_CLASSES: Record<string, number> = { BE: 0, EF: 46 };
for (let i = 0; i < 8; i++) DSCP_CLASSES[`CS${i}`] = i * 8;
for (let c = 1; c <= 4; c++) for (let d = 1; d <= 3; d++) DSCP_CLASSES[`AF${c}${d}`] = c * 8 + d * 2;

const dscpClass: ArgParser = (text) => {
  const n = DSCP_CLASSES[text.toUpperCase()];
  if (n === undefined) return { error: `Invalid DSCP value \`${text}'`, code: 'bad-dscp' };
  return { value: n };
};

const LOG_LEVELS: Record<string, number> = {
  emerg: 0,
  panic: 0,
  alert: 1,
  crit: 2,
  error: 3,
  warning: 4,
  notice: 5,
  info: 6,
  debug: 7,
};

const logLevel: ArgParser = (text) => {
  const n = /^[0-7]$/.test(text) ? Number(text) : LOG_LEVELS[text];
  if (n === undefined) return { error: `log level "${text}" unknown`, code: 'bad-log-level' };
  return { value: n };
};

/** String match pattern with `|hex hex|` blocks (spaces allowed inside) and `\` escapes. */
const hexString: ArgParser = (text) => {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\' && i + 1 < text.length) {
      out += text[i + 1];
      i += 2;
    } else if (ch === '|') {
      const end = text.indexOf('|', i + 1);
      if (end < 0) return { error: 'Invalid hex block', code: 'bad-hex-string' };
      const hex = text.slice(i + 1, end).replace(/ /g, '');
      if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
        return { error: 'Invalid hex block', code: 'bad-hex-string' };
      }
      for (let k = 0; k < hex.length; k += 2) out += String.fromCharCode(Number.parseInt(hex.slice(k, k + 2), 16));
      i = end + 1;
    } else {
      out += ch;
      i++;
    }
  }
  if (out.length > 128) return { error: `STRING too long "${text.slice(0, 20)}…"`, code: 'bad-hex-string' };
  return { value: out };
};

const setFlags: ArgParser = (text) => {
  const parts = text.split(',');
  if (parts.length > 6) return { error: `Can't be more src/dst options than 6.`, code: 'bad-set-flags' };
  for (const p of parts) {
    if (p !== 'src' && p !== 'dst') {
      return { error: `You must specify (the comma separated list of) 'src' or 'dst'.`, code: 'bad-set-flags' };
    }
  }
  return { value: parts };
};

const SIZE_SUFFIX: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1 << 20,
  mb: 1 << 20,
  g: 1 << 30,
  gb: 1 << 30,
};

const size: ArgParser = (text, spec) => {
  const m = /^([0-9]+)([a-zA-Z]*)$/.exec(text);
  const factor = m ? SIZE_SUFFIX[m[2].toLowerCase()] : undefined;
  if (!m || factor === undefined) return { error: `invalid size "${text}" for ${spec.placeholder}` };
  return { value: Number(m[1]) * factor };
};

/** uid/gid `n[-m]` (below 2^32-1) or an account name, which iptables resolves when loading. */
function owner(what: 'user' | 'group', option: string): ArgParser {
  return (text) => {
    const m = /^([0-9]+)(?:-([0-9]+))?$/.exec(text);
    if (m) {
      const lo = Number(m[1]);
      const hi = m[2] === undefined ? lo : Number(m[2]);
      if (lo >= 0xffffffff || hi >= 0xffffffff || hi < lo) {
        return { error: `owner: Bad value for "--${option}" option: "${text}"`, code: 'bad-owner' };
      }
      return { value: { min: lo, max: hi } };
    }
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*\$?$/.test(text) || text.length > 32) {
      return { error: `owner: Bad value for "--${option}" option: "${text}"`, code: 'bad-owner' };
    }
    return {
      value: { name: text },
      note: `"${text}" is a ${what} name: iptables looks it up when the rule is loaded, and fails if this host has no such ${what}`,
      noteCode: 'account-name',
    };
  };
}

const cgroupPath: ArgParser = (text) => {
  if (text.length === 0 || text.length >= 4096) return { error: `invalid cgroup path "${text}"` };
  return { value: text };
};

const ctdir: ArgParser = (text) => {
  const up = text.toUpperCase();
  if (up !== 'ORIGINAL' && up !== 'REPLY')
    return { error: `Unknown --ctdir "${text}" (ORIGINAL or REPLY)`, code: 'bad-state' };
  return { value: up };
};

/** Parsers of this module by grammar name, registered by argtypes.ts. */
export const MISC_PARSERS: Record<string, ArgParser> = {
  'tcp-flags': tcpFlags,
  'ctstate-list': nameList(['INVALID', 'NEW', 'ESTABLISHED', 'RELATED', 'UNTRACKED', 'SNAT', 'DNAT'], 'ctstate'),
  'state-list': nameList(['INVALID', 'NEW', 'ESTABLISHED', 'RELATED', 'UNTRACKED'], 'state'),
  'ctstatus-list': nameList(['NONE', 'EXPECTED', 'SEEN_REPLY', 'ASSURED', 'CONFIRMED'], 'ctstatus'),
  ctdir,
  rate,
  time: timeOfDay,
  datetime,
  weekdays,
  monthdays,
  tos,
  dscp,
  'dscp-class': dscpClass,
  'log-level': logLevel,
  'hex-string': hexString,
  'set-flags': setFlags,
  size,
  user: owner('user', 'uid-owner'),
  group: owner('group', 'gid-owner'),
  'cgroup-path': cgroupPath,
};
