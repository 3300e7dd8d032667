/**
 * The seeded mutator: mutant number i of seed S is one mutation of one base file, of the kind
 * `KINDS[i % KINDS.length]` (so every kind gets an equal share), at a site chosen with a
 * generator seeded by (S, i). The same seed and index always give the same mutant, so a CI sample
 * of 150 is the first 150 mutants of the full run.
 */
import type { BaseFile } from './corpus';
import type { MutationKind } from './edits';
import { SYNTAX_KINDS } from './kinds-syntax';
import { TARGET_KINDS } from './kinds-targets';
import { VALUE_KINDS } from './kinds-values';
import { rngFor } from './rng';

/** Every mutation kind, in a fixed order. */
export const KINDS: MutationKind[] = [...SYNTAX_KINDS, ...TARGET_KINDS, ...VALUE_KINDS];

export interface Mutant {
  /** Index in the run (0-based). */
  id: number;
  kind: string;
  variant: string;
  /** Base file (corpus-relative path). */
  file: string;
  family: 4 | 6;
  /** The mutant's full text (ends with a newline). */
  text: string;
  /** 0-based lines of the mutant where the mutation is (an error is expected on one of them). */
  mutated: number[];
  /** The base line(s) before and the mutant's line(s) after. */
  before: string;
  after: string;
  /** Number of lines of the mutant. */
  lineCount: number;
}

/** Sites of every kind in every base file, computed once. */
export class Mutator {
  private readonly sites: Map<string, { file: BaseFile; lines: number[] }[]>;

  constructor(
    private readonly files: BaseFile[],
    private readonly seed: number,
  ) {
    this.sites = new Map();
    for (const k of KINDS) {
      const list: { file: BaseFile; lines: number[] }[] = [];
      for (const f of files) {
        const lines = k.sites(f);
        if (lines.length > 0) list.push({ file: f, lines });
      }
      this.sites.set(k.name, list);
    }
  }

  /** Kinds that apply to no base file (reported, never silently dropped). */
  inapplicableKinds(): string[] {
    return KINDS.filter((k) => (this.sites.get(k.name)?.length ?? 0) === 0).map((k) => k.name);
  }

  /** Mutant number `id`, or undefined when no site of its kind worked out in 20 tries. */
  mutant(id: number): Mutant | undefined {
    const kind = KINDS[id % KINDS.length];
    const candidates = this.sites.get(kind.name) ?? [];
    if (candidates.length === 0) return undefined;
    const rng = rngFor(this.seed, id);
    for (let attempt = 0; attempt < 20; attempt++) {
      const { file, lines } = rng.pick(candidates);
      const line = rng.pick(lines);
      const edit = kind.apply(file, line, rng);
      if (!edit) continue;
      const text = `${edit.lines.join('\n')}\n`;
      if (text === `${file.lines.join('\n')}\n`) continue;
      return {
        id,
        kind: kind.name,
        variant: edit.variant,
        file: file.rel,
        family: file.family,
        text,
        mutated: [...new Set(edit.mutated.filter((l) => l >= 0 && l < edit.lines.length))].sort((a, b) => a - b),
        before: edit.before,
        after: edit.after,
        lineCount: edit.lines.length,
      };
    }
    return undefined;
  }

  /** Mutants 0..count-1 (skipping ids whose kind found no working site). */
  mutants(count: number): Mutant[] {
    const out: Mutant[] = [];
    for (let id = 0; out.length < count && id < count * 4; id++) {
      const m = this.mutant(id);
      if (m) out.push(m);
    }
    return out;
  }

  get baseFiles(): readonly BaseFile[] {
    return this.files;
  }
}
