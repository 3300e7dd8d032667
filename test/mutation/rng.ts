/**
 * A small seeded pseudo-random generator (mulberry32) so that mutant number i of seed S is always
 * the same mutant, whatever the count asked for.
 */

import { mulberry32 } from '../helpers/rng';

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Uniform integer in [lo, hi]. */
  between(lo: number, hi: number): number;
  pick<T>(items: readonly T[]): T;
  /** A random character of `s`. */
  char(s: string): string;
  chance(p: number): boolean;
}

function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

/** The generator for item `index` of a run seeded with `seed`. */
export function rngFor(seed: number, index: number): Rng {
  const next = mulberry32(mix(seed >>> 0, index >>> 0) || 1);
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    between: (lo, hi) => lo + int(hi - lo + 1),
    pick: <T>(items: readonly T[]) => items[int(items.length)],
    char: (s: string) => s[int(s.length)],
    chance: (p) => next() < p,
  };
}
