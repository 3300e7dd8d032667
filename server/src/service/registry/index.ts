/**
 * The extension registry facade: lookups of matches and targets by name and family, and the
 * protocol-to-match mapping iptables uses to load a match implicitly for `-p`.
 */
import type { Family } from '../model';
import { MATCHES } from './matches';
import { TARGETS } from './targets';
import type { ExtensionSpec, MatchSpec, OptionSpec, TargetSpec } from './types';

export { protocolMatch, protocolName, protocolNumber } from './protocols';

export type { ArgSpec, ArgTypeName, ExtensionSpec, MatchSpec, OptionSpec, TargetSpec } from './types';

function index<T extends ExtensionSpec>(specs: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const s of specs) {
    for (const name of [s.name, ...(s.aliases ?? [])]) {
      const list = m.get(name) ?? [];
      list.push(s);
      m.set(name, list);
    }
  }
  return m;
}

const matchIndex = index(MATCHES);
const targetIndex = index(TARGETS);

/** Length of the longest target extension name (aliases too): a longer -j word names a chain. */
export const LONGEST_TARGET_NAME = Math.max(...[...targetIndex.keys()].map((n) => n.length));

/** Every name -j accepts as a target extension or verdict, in any family (aliases too). */
export function targetNames(): string[] {
  return [...targetIndex.keys()];
}

function pick<T extends ExtensionSpec>(list: T[] | undefined, family: Family): T | undefined {
  if (!list) return undefined;
  for (const s of list) if (s.families.includes(family)) return s;
  return undefined;
}

/** The match named `name` (as after `-m`) for this family. */
export function findMatch(name: string, family: Family): MatchSpec | undefined {
  return pick(matchIndex.get(name), family);
}

/** The match exists, but only for the other family. */
export function matchOfOtherFamily(name: string, family: Family): MatchSpec | undefined {
  return pick(matchIndex.get(name), family === 4 ? 6 : 4);
}

/** The target extension or standard verdict named `name` (as after `-j`) for this family. */
export function findTarget(name: string, family: Family): TargetSpec | undefined {
  return pick(targetIndex.get(name), family);
}

export function targetOfOtherFamily(name: string, family: Family): TargetSpec | undefined {
  return pick(targetIndex.get(name), family === 4 ? 6 : 4);
}

export function allMatches(): readonly MatchSpec[] {
  return MATCHES;
}

export function allTargets(): readonly TargetSpec[] {
  return TARGETS;
}

/** Standard verdicts handled by the kernel's standard target. */
export const STANDARD_VERDICTS = new Set(['ACCEPT', 'DROP', 'RETURN', 'QUEUE']);

/** Every option name (long names and aliases) of an extension, for resolution and completion. */
export function optionNames(spec: { options: readonly OptionSpec[] }): string[] {
  const out: string[] = [];
  for (const o of spec.options) out.push(o.name, ...(o.aliases ?? []));
  return out;
}
