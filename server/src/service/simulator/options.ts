/**
 * Reads the options of a rule's matches and target for compilation from the parsed model
 * (`MatchUse.options`, `OptionUse.value`, as the registry's argument types produce them). The
 * readers below take the documented value shape, and fall back to the option's own argument
 * tokens only for values the registry leaves as text.
 */
import type { Rule } from '../model';
import { parseUint } from '../registry/argtypes';

/** One option of a module, normalized. */
export interface Opt {
  name: string;
  negated: boolean;
  args: string[];
  value?: unknown;
}

export interface ModuleOpts {
  module: string;
  opts: Opt[];
}

export interface RuleOpts {
  matches: ModuleOpts[];
  target?: { name: string; kind: 'jump' | 'goto'; opts: Opt[] };
}

const ALIASES: Record<string, string> = {
  'destination-port': 'dport',
  'source-port': 'sport',
  'destination-ports': 'dports',
  'source-ports': 'sports',
  'set-mark': 'set-mark',
};

function canon(name: string): string {
  return ALIASES[name] ?? name;
}

/** The normalized options of a rule's matches and target. */
export function ruleOptions(rule: Rule): RuleOpts {
  return {
    matches: rule.matches.map((m) => ({
      module: m.module,
      opts: m.options.map((o) => ({
        name: canon(o.name),
        negated: o.negated,
        args: o.args.map((a) => a.text),
        value: o.value,
      })),
    })),
    target: rule.target
      ? {
          name: rule.target.name,
          kind: rule.target.kind,
          opts: rule.target.options.map((o) => ({
            name: canon(o.name),
            negated: o.negated,
            args: o.args.map((a) => a.text),
            value: o.value,
          })),
        }
      : undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Value readers: the documented registry shape when present, else the text.

export function find(opts: Opt[], ...names: string[]): Opt | undefined {
  for (const o of opts) if (names.includes(o.name)) return o;
  return undefined;
}

export function argText(o: Opt): string {
  return o.args.join(' ');
}

/** `[lo, hi]` from a value or `n[:m]` / `n-m` text. */
export function rangeOf(o: Opt, max = 65535): [number, number] {
  const v = o.value;
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number') return [v[0], v[1]];
  if (typeof v === 'number') return [v, v];
  const t = o.args[0] ?? '';
  const m = /^([^:-]*)(?:[:-]([^:-]*))?$/.exec(t);
  if (!m) throw new Error(`invalid range "${t}"`);
  const lo = m[1] === '' ? 0 : num(m[1]);
  const hi = m[2] === undefined ? lo : m[2] === '' ? max : num(m[2]);
  return [lo, hi];
}

const SERVICES: Record<string, number> = {
  ssh: 22,
  http: 80,
  https: 443,
  domain: 53,
  smtp: 25,
  ftp: 21,
  telnet: 23,
  ntp: 123,
  bootps: 67,
  bootpc: 68,
  snmp: 161,
  'netbios-ns': 137,
  'netbios-dgm': 138,
  'netbios-ssn': 139,
  microsoft_ds: 445,
  mysql: 3306,
  postgresql: 5432,
  imap: 143,
  imaps: 993,
  pop3: 110,
  pop3s: 995,
  submission: 587,
  smtps: 465,
  ldap: 389,
  ldaps: 636,
  tftp: 69,
  syslog: 514,
  'http-alt': 8080,
  isakmp: 500,
  'ipsec-nat-t': 4500,
  openvpn: 1194,
  rsync: 873,
  sip: 5060,
  mdns: 5353,
};

/** A number (decimal, 0x hex) or a known service name. */
export function num(t: string): number {
  const n = parseUint(t);
  if (n !== undefined) return n;
  const s = SERVICES[t.toLowerCase()];
  if (s !== undefined) return s;
  throw new Error(`"${t}" is not a number`);
}

/** `[lo, hi][]` port list from a value or `a,b:c` text. */
export function portList(o: Opt): [number, number][] {
  const v = o.value;
  if (Array.isArray(v) && v.every((x) => Array.isArray(x) && x.length === 2)) return v as [number, number][];
  return argText(o)
    .split(',')
    .map((p) => {
      const [a, b] = p.split(':');
      const lo = a === '' ? 0 : num(a);
      return [lo, b === undefined ? lo : b === '' ? 65535 : num(b)] as [number, number];
    });
}

/** `{value, mask}` from a value or `v[/m]` text. */
export function markOf(o: Opt): { value: number; mask: number } {
  const v = o.value as { value?: unknown; mask?: unknown } | undefined;
  if (v && typeof v.value === 'number' && typeof v.mask === 'number')
    return { value: v.value >>> 0, mask: v.mask >>> 0 };
  const t = o.args[0] ?? '';
  const [a, b] = t.split('/');
  return { value: num(a) >>> 0, mask: b === undefined ? 0xffffffff : num(b) >>> 0 };
}

/** A comma list of names, upper-cased. */
export function nameList(o: Opt): string[] {
  const v = o.value;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return (v as string[]).map((x) => x.toUpperCase());
  return argText(o)
    .split(',')
    .map((x) => x.trim().toUpperCase())
    .filter((x) => x !== '');
}

/** A plain number option. */
export function numOf(o: Opt): number {
  if (typeof o.value === 'number') return o.value;
  return num(o.args[0] ?? '');
}
