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
