/**
 * Scenario files of the kernel oracle (the shared format described in scenarios/README.md):
 * types, loading (with the ruleset file resolved relative to the scenario) and validation, so that
 * a malformed scenario is reported with a clear message instead of failing half-way in the kernel.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export interface InterfaceSpec {
  name: string;
  addr?: string;
  addrs?: string[];
  mtu?: number;
  mac?: string;
}

export interface RouteSpec {
  dst?: string;
  via?: string;
  dev?: string;
  src?: string;
  metric?: number;
  table?: number | string;
  type?: string;
}

export interface HostSpec {
  interfaces: InterfaceSpec[];
  routes?: (RouteSpec | string)[];
  forwarding?: boolean;
  rp_filter?: number;
  sysctls?: Record<string, number | string>;
  ip_rules?: string[];
  listen?: string[];
}

/** One packet of a scenario (fields as in the README; unknown fields are kept and ignored). */
export interface PacketSpec {
  name: string;
  in?: string | null;
  src?: string;
  dst?: string;
  proto?: string | number;
  sport?: number;
  dport?: number;
  flags?: string;
  seq?: number;
  ack?: number;
  window?: number;
  type?: string | number;
  code?: number;
  id?: number;
  ttl?: number;
  tos?: number;
  ip_id?: number;
  df?: boolean;
  len?: number;
  payload_size?: number;
  payload_hex?: string;
  mac?: string;
  /** IPv6: the flow label (default: one per packet, numbered like the IPv4 IP ID). */
  flowlabel?: number;
  /** ICMPv6 neighbour solicitation/advertisement: the target address. */
  target?: string;
  reply_to?: string;
}

export interface Scenario {
  description?: string;
  comment?: string;
  ruleset?: string;
  ruleset_text?: string;
  host: HostSpec;
  packets: PacketSpec[];
  nondeterministic?: { why?: string; values?: string[]; paths?: string[] };
  /** 6: an ip6tables ruleset (loaded with ip6tables-restore) and IPv6 packets; default 4. */
  family?: 4 | 6;
}

export interface LoadedScenario {
  /** File name without `.json`. */
  name: string;
  path: string;
  scenario: Scenario;
  rulesetText: string;
  /** The ruleset file name as given in the scenario (or `<inline>`). */
  rulesetName: string;
}

/** Problems in a scenario that make it impossible to run (empty when it is usable). */
export function validateScenario(s: unknown): string[] {
  const errs: string[] = [];
  if (typeof s !== 'object' || s === null) return ['scenario is not a JSON object'];
  const sc = s as Partial<Scenario>;
  if (!sc.host || !Array.isArray(sc.host.interfaces) || sc.host.interfaces.length === 0) {
    errs.push('host.interfaces must be a non-empty array');
  } else {
    const names = new Set<string>();
    for (const [i, itf] of sc.host.interfaces.entries()) {
      if (!itf || typeof itf.name !== 'string' || !/^[A-Za-z0-9_.+-]{1,15}$/.test(itf.name)) {
        errs.push(`host.interfaces[${i}].name must be an interface name of 1-15 characters`);
        continue;
      }
      if (itf.name === 'lo') errs.push(`host.interfaces[${i}]: lo is always present and cannot be declared`);
      if (names.has(itf.name)) errs.push(`host.interfaces[${i}]: duplicate interface ${itf.name}`);
      names.add(itf.name);
    }
  }
  if (!Array.isArray(sc.packets)) errs.push('packets must be an array');
  else {
    const seen = new Set<string>();
    for (const [i, p] of sc.packets.entries()) {
      if (!p || typeof p.name !== 'string' || p.name === '') {
        errs.push(`packets[${i}] has no name`);
        continue;
      }
      if (seen.has(p.name)) errs.push(`packets[${i}]: duplicate packet name ${p.name}`);
      if (p.reply_to !== undefined && !seen.has(p.reply_to)) {
        errs.push(`packets[${i}] (${p.name}): reply_to ${p.reply_to} is not an earlier packet`);
      }
      seen.add(p.name);
      if (p.reply_to === undefined && (typeof p.src !== 'string' || typeof p.dst !== 'string')) {
        errs.push(`packets[${i}] (${p.name}): src and dst are required`);
      }
      if (p.reply_to === undefined && p.in === undefined)
        errs.push(`packets[${i}] (${p.name}): "in" is required (null for a locally generated packet)`);
    }
  }
  if (sc.family !== undefined && sc.family !== 4 && sc.family !== 6) errs.push('family must be 4 or 6');
  if (sc.ruleset === undefined && sc.ruleset_text === undefined)
    errs.push('either ruleset or ruleset_text is required');
  return errs;
}

/** Reads a scenario file and its ruleset; throws an Error listing every problem found. */
export function loadScenario(path: string): LoadedScenario {
  const abs = resolve(path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(abs, 'utf8'));
  } catch (e) {
    throw new Error(`${abs}: cannot read scenario: ${(e as Error).message}`);
  }
  const errs = validateScenario(parsed);
  if (errs.length) throw new Error(`${abs}: invalid scenario:\n  ${errs.join('\n  ')}`);
  const scenario = parsed as Scenario;
  let rulesetText: string;
  let rulesetName: string;
  if (scenario.ruleset_text !== undefined) {
    rulesetText = scenario.ruleset_text;
    rulesetName = '<inline>';
  } else {
    const rp = resolve(dirname(abs), scenario.ruleset as string);
    if (!existsSync(rp)) throw new Error(`${abs}: ruleset file ${scenario.ruleset} not found`);
    rulesetText = readFileSync(rp, 'utf8');
    rulesetName = scenario.ruleset as string;
  }
  return { name: basename(abs).replace(/\.json$/, ''), path: abs, scenario, rulesetText, rulesetName };
}
