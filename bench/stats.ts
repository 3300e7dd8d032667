/**
 * Timing and memory helpers for the benchmark: repeated measurement with warm-up and a forced
 * garbage collection between runs (when node runs with --expose-gc), medians, peak RSS from
 * /proc, and number formatting for the report.
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** Summary of repeated timings, in milliseconds. */
export interface Timing {
  median: number;
  min: number;
  max: number;
  runs: number;
  /** Every run, in order. */
  samples: number[];
}

/** Median of a non-empty list. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function summarize(samples: number[]): Timing {
  return {
    median: median(samples),
    min: Math.min(...samples),
    max: Math.max(...samples),
    runs: samples.length,
    samples: samples.map((x) => Math.round(x * 1000) / 1000),
  };
}

/** Runs the garbage collector when node was started with --expose-gc (no-op otherwise). */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
}

/**
 * Whether to force a full garbage collection before every timed call. Off by default: a forced
 * collection shrinks the heap, so the next call pays for growing it again, which a long-running
 * language server does not (it is measured in its steady state instead). `--gc-each-run` sets it.
 */
export const gcPolicy = { eachRun: false };

/**
 * Times `fn` `runs` times after `warmup` untimed calls (garbage is collected once before the
 * first, and before each call under `gcPolicy.eachRun`). `prepare` (untimed) runs before each
 * call and its result is passed to `fn`.
 */
/**
 * Samples for the edit measurements: edits are short, so a few runs are at the mercy of one slow
 * sample (a collection, another process); at least 20 make the median steady.
 */
export function editRuns(runs: number): number {
  return Math.max(runs, 20);
}

export function timeRuns<P>(runs: number, warmup: number, prepare: (i: number) => P, fn: (p: P) => unknown): Timing {
  const samples: number[] = [];
  collectGarbage();
  for (let i = 0; i < warmup + runs; i++) {
    const p = prepare(i);
    if (gcPolicy.eachRun) collectGarbage();
    const t0 = performance.now();
    fn(p);
    const t1 = performance.now();
    if (i >= warmup) samples.push(t1 - t0);
  }
  return summarize(samples);
}

/** Reads a `Vm*` field (kB) of /proc/<pid>/status; undefined where /proc is missing. */
export function procStatusKb(pid: number | 'self', field: 'VmHWM' | 'VmRSS'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Peak resident set size of a process in MB (VmHWM), or undefined. */
export function peakRssMb(pid: number | 'self' = 'self'): number | undefined {
  const kb = procStatusKb(pid, 'VmHWM');
  return kb === undefined ? undefined : kb / 1024;
}

/**
 * Resets the peak RSS (VmHWM) of this process to its current RSS (Linux: `5` to clear_refs), so
 * the next peakRssMb() covers only what follows. Returns false where that is not possible.
 */
export function resetPeakRss(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Heap in use after a full garbage collection (MB); undefined without --expose-gc. */
export function heapAfterGcMb(): number | undefined {
  if (!(globalThis as { gc?: unknown }).gc) return undefined;
  collectGarbage();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** Formats milliseconds compactly: 0.42 ms, 12.3 ms, 1.23 s. */
export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 100) return `${ms.toFixed(0)} ms`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function fmtMb(mb: number | undefined): string {
  return mb === undefined ? '-' : `${mb.toFixed(0)} MB`;
}

export function fmtRatio(r: number | undefined): string {
  return r === undefined || !Number.isFinite(r) ? '-' : `${r.toFixed(r >= 10 ? 1 : 2)}×`;
}
