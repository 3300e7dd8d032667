/**
 * The getopt_long option table iptables builds for one command: its own options (always present)
 * and, per loaded extension, that extension's options (built once per extension and family, and
 * shared by every rule). Used by the command parser to resolve an option word the way
 * getopt_long does.
 */
import type { CommandOp, Family, MatchUse, TargetUse } from '../model';
import type { ArgSpec, ExtensionSpec, OptionSpec } from '../registry/types';

export type Owner = { kind: 'builtin'; id: string } | { kind: 'match'; module: string } | { kind: 'target' };

export interface TableEntry {
  long: string;
  spec: OptionSpec;
  owner: Owner;
}

const ADDR: ArgSpec = { type: 'address-list', placeholder: 'address[/mask][,...]' };
const IFACE: ArgSpec = { type: 'iface', placeholder: 'name[+]' };
export const CHAIN: ArgSpec = { type: 'chain', placeholder: 'chain' };
const ANY = (placeholder: string): ArgSpec => ({ type: 'any', placeholder });

function builtin(
  id: string,
  longs: string[],
  short: string | undefined,
  args: ArgSpec[],
  extra: Partial<OptionSpec> = {},
) {
  return {
    id,
    longs,
    short,
    spec: { name: longs[0], aliases: longs.slice(1), short, args, doc: '', ...extra } as OptionSpec,
  };
}

/** iptables' own options (the part of the getopt table that is always present). */
const BUILTINS = [
  builtin('A', ['append'], 'A', [CHAIN]),
  builtin('C', ['check'], 'C', [CHAIN]),
  builtin('D', ['delete'], 'D', [CHAIN]),
  builtin('I', ['insert'], 'I', [CHAIN]),
  builtin('R', ['replace'], 'R', [CHAIN]),
  builtin('L', ['list'], 'L', [], { optionalArg: true }),
  builtin('S', ['list-rules'], 'S', [], { optionalArg: true }),
  builtin('F', ['flush'], 'F', [], { optionalArg: true }),
  builtin('Z', ['zero'], 'Z', [], { optionalArg: true }),
  builtin('N', ['new-chain'], 'N', [CHAIN]),
  builtin('X', ['delete-chain'], 'X', [], { optionalArg: true }),
  builtin('E', ['rename-chain'], 'E', [CHAIN]),
  builtin('P', ['policy'], 'P', [CHAIN]),
  builtin('p', ['protocol'], 'p', [{ type: 'protocol', placeholder: 'proto' }], { negatable: true }),
  builtin('s', ['source', 'src'], 's', [ADDR], { negatable: true }),
  builtin('d', ['destination', 'dst'], 'd', [ADDR], { negatable: true }),
  builtin('i', ['in-interface'], 'i', [IFACE], { negatable: true }),
  builtin('o', ['out-interface'], 'o', [IFACE], { negatable: true }),
  builtin('f', ['fragment'], 'f', [], { negatable: true, families: [4] }),
  builtin('j', ['jump'], 'j', [ANY('target')]),
  builtin('g', ['goto'], 'g', [CHAIN]),
  builtin('m', ['match'], 'm', [ANY('match')]),
  builtin('t', ['table'], 't', [ANY('table')]),
  builtin('c', ['set-counters'], 'c', [ANY('packets'), ANY('bytes')]),
  builtin('v', ['verbose'], 'v', []),
  builtin('n', ['numeric'], 'n', []),
  builtin('x', ['exact'], 'x', []),
  builtin('line-numbers', ['line-numbers'], undefined, []),
  builtin('w', ['wait'], 'w', [], { optionalArg: true }),
  builtin('W', ['wait-interval'], 'W', [], { optionalArg: true }),
  builtin('modprobe', ['modprobe'], 'M', [ANY('command')]),
  builtin('4', ['ipv4'], '4', []),
  builtin('6', ['ipv6'], '6', []),
  builtin('V', ['version'], 'V', []),
  builtin('h', ['help'], 'h', []),
];

export const BUILTIN_LONG: TableEntry[] = [];
export const BUILTIN_SHORT = new Map<string, TableEntry>();
for (const b of BUILTINS) {
  for (const l of b.longs) BUILTIN_LONG.push({ long: l, spec: b.spec, owner: { kind: 'builtin', id: b.id } });
  if (b.short) BUILTIN_SHORT.set(b.short, { long: b.longs[0], spec: b.spec, owner: { kind: 'builtin', id: b.id } });
}
export const BUILTIN_EXACT = new Map<string, TableEntry>(BUILTIN_LONG.map((e) => [e.long, e]));

export const COMMAND_OPS: Record<string, CommandOp> = {
  A: 'append',
  C: 'check',
  D: 'delete',
  I: 'insert',
  R: 'replace',
  L: 'list',
  S: 'list',
  F: 'flush',
  Z: 'zero',
  N: 'new-chain',
  X: 'delete-chain',
  E: 'rename-chain',
  P: 'policy',
};

/** Rule body options that make no sense without a rule (-A/-I/-R/-D spec/-C). */
export const RULE_OPS = new Set<CommandOp>(['append', 'insert', 'replace', 'delete', 'check']);

/** Loaded extension instance with its option table entries. */
export interface Loaded {
  spec: ExtensionSpec;
  entries: TableEntry[];
  exact: Map<string, TableEntry>;
  use: MatchUse | TargetUse;
  /** Options already given (canonical names) for "can only be used once" (a few at most). */
  seen: string[];
  /** A later `-m` of the same name completed this instance (iptables' `completed`). */
  completed: boolean;
}

interface OptionTable {
  entries: TableEntry[];
  exact: Map<string, TableEntry>;
}

/** Option tables depend only on the extension and the family: built once, shared by all rules. */
const optionTables: [WeakMap<ExtensionSpec, OptionTable>, WeakMap<ExtensionSpec, OptionTable>] = [
  new WeakMap(),
  new WeakMap(),
];

export function optionTableFor(spec: ExtensionSpec, family: Family): OptionTable {
  const cache = optionTables[family === 4 ? 0 : 1];
  let t = cache.get(spec);
  if (!t) {
    const owner: Owner = spec.kind === 'target' ? { kind: 'target' } : { kind: 'match', module: spec.name };
    const entries: TableEntry[] = [];
    for (const o of spec.options) {
      if (o.families && !o.families.includes(family)) continue;
      entries.push({ long: o.name, spec: o, owner });
      for (const a of o.aliases ?? []) entries.push({ long: a, spec: o, owner });
    }
    t = { entries, exact: new Map(entries.map((e) => [e.long, e])) };
    cache.set(spec, t);
  }
  return t;
}

export function builtinInFamily(e: TableEntry, family: Family): boolean {
  return !e.spec.families || e.spec.families.includes(family);
}

export function sameOwner(a: Owner, b: Owner): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'builtin') return a.id === (b as typeof a).id;
  if (a.kind === 'match') return a.module === (b as typeof a).module;
  return true;
}
