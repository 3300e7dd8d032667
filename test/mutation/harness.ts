/**
 * The mutation test end to end: load the kernel-accepted corpus files, re-check that both
 * backends still load them here (a base file the kernel refuses here is dropped and reported),
 * generate the seeded mutants, load each with both backends in fresh namespaces, lint each, and
 * summarize. Shared by the CI test and the full-run script.
 */
import { CORPUS } from '../helpers/paths';
import { baseErrorKeys, judge, type MutantOutcome } from './compare';
import { type BaseFile, loadBaseFiles } from './corpus';
import { loadBoth, mapConcurrent } from './kernel';
import { Mutator } from './mutator';
import { type Summary, summarize } from './report';

export interface RunOptions {
  count: number;
  seed: number;
  /** Loads in flight at once (default 3). */
  concurrency?: number;
  corpusDir?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface BaseReport {
  file: string;
  family: 4 | 6;
  lines: number;
  windowed: boolean;
  /** Why the file was dropped (the kernel refused it here), if it was. */
  dropped?: string;
  /** Errors the linter reports on the unmutated file (each is a false error). */
  lintErrors: string[];
}

export interface RunResult {
  summary: Summary;
  outcomes: MutantOutcome[];
  bases: BaseReport[];
  inapplicableKinds: string[];
}

/** Runs the whole mutation test. */
export async function runMutationTest(opts: RunOptions): Promise<RunResult> {
  const t0 = Date.now();
  const concurrency = opts.concurrency ?? 3;
  const all = loadBaseFiles(opts.corpusDir ?? CORPUS);
  if (all.length === 0) throw new Error(`no valid corpus files found under ${opts.corpusDir ?? CORPUS}`);
  const texts = all.map((f) => `${f.lines.join('\n')}\n`);
  const verdicts = await mapConcurrent(all, concurrency, (f, k) => loadBoth(texts[k], f.family));
  const bases: BaseReport[] = [];
  const usable: BaseFile[] = [];
  const baseKeys = new Map<string, Set<string>>();
  all.forEach((f, k) => {
    const v = verdicts[k];
    const keys = baseErrorKeys(texts[k], f.family);
    baseKeys.set(f.rel, keys);
    const report: BaseReport = {
      file: f.rel,
      family: f.family,
      lines: f.lines.length,
      windowed: f.windowed,
      lintErrors: [...keys],
    };
    if (!v.nft.ok || !v.legacy.ok)
      report.dropped = `nft: ${v.nft.message || 'ok'}; legacy: ${v.legacy.message || 'ok'}`;
    else usable.push(f);
    bases.push(report);
  });
  const mutator = new Mutator(usable, opts.seed);
  const mutants = mutator.mutants(opts.count);
  const outcomes = await mapConcurrent(
    mutants,
    concurrency,
    async (m) => judge(m, await loadBoth(m.text, m.family), baseKeys.get(m.file) ?? new Set()),
    (done) => opts.onProgress?.(done, mutants.length),
  );
  const summary = summarize(outcomes, opts.seed);
  summary.durationMs = Date.now() - t0;
  return { summary, outcomes, bases, inapplicableKinds: mutator.inapplicableKinds() };
}
