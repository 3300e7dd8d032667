/**
 * Explains an option iptables does not know where it was written: which extension has it (so the
 * user can add `-m NAME`), or which `-p` protocol its match needs.
 */
import type { Family } from '../model';
import { allMatches, allTargets, findMatch, protocolMatch } from '../registry/index';
import type { ExtensionSpec } from '../registry/types';

/** Which extension provides an option that was not known where it was written. */
export function suggestModuleFor(
  name: string,
  family: Family,
  protocol: string | undefined,
):
  | { kind: 'protocol'; module: string; protocols: string[] }
  | { kind: 'module'; module: string; what: 'match' | 'target' }
  | undefined {
  const PROTO_MODULES: Record<string, string[]> = {
    tcp: ['tcp'],
    udp: ['udp'],
    sctp: ['sctp'],
    dccp: ['dccp'],
    udplite: ['udplite'],
    icmp: ['icmp'],
    icmp6: ['ipv6-icmp'],
  };
  const portish = ['sport', 'dport', 'source-port', 'destination-port'];
  if (portish.some((p) => p.startsWith(name) || p === name) && !protocol) {
    return { kind: 'protocol', module: 'tcp', protocols: ['tcp', 'udp', 'sctp', 'dccp'] };
  }
  for (const [module, protos] of Object.entries(PROTO_MODULES)) {
    const spec = findMatch(module, family);
    if (spec?.options.some((o) => o.name === name || o.aliases?.includes(name))) {
      if (!protocol || protocolMatch(protocol, family) !== module)
        return { kind: 'protocol', module, protocols: protos };
    }
  }
  const owner = findOptionOwner(name, family);
  if (owner) return { kind: 'module', module: owner.name, what: owner.kind };
  return undefined;
}

let optionOwners: Map<string, ExtensionSpec> | undefined;

function findOptionOwner(name: string, family: Family): ExtensionSpec | undefined {
  if (!optionOwners) {
    optionOwners = new Map();
    // Built lazily: only needed when reporting an unknown option.
    for (const s of [...allMatches(), ...allTargets()]) {
      for (const o of s.options) {
        for (const n of [o.name, ...(o.aliases ?? [])]) if (!optionOwners.has(`${n}`)) optionOwners.set(n, s);
      }
    }
  }
  const s = optionOwners.get(name);
  if (s?.families.includes(family)) return s;
  return undefined;
}

/**
 * Edit distance with adjacent transpositions (optimal string alignment), giving up above `max`.
 * Enough to catch the usual typos in option names (`--dprot`, `--sprot`, `--to-destinaton`).
 */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) rows.push([i]);
  for (let j = 1; j <= b.length; j++) rows[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    let best = max + 1;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i][j] = d;
      if (d < best) best = d;
    }
    if (best > max) return max + 1;
  }
  return rows[a.length][b.length];
}

/** The option name among `candidates` closest to the unknown `name`, if it is a likely typo. */
export function closestOptionName(name: string, candidates: Iterable<string>): string | undefined {
  const max = name.length <= 4 ? 1 : 2;
  let found: string | undefined;
  let best = max + 1;
  for (const c of candidates) {
    if (c === name) continue;
    const d = distance(name, c, max);
    if (d < best) {
      best = d;
      found = c;
    }
  }
  return found;
}
