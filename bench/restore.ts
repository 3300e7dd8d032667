/**
 * Times the real `iptables-restore --test` (nft backend, the default `iptables-restore` here, and
 * legacy) on a ruleset file, each run in a fresh throwaway network namespace that is deleted
 * afterwards. Nothing runs outside those namespaces. Needs root and both backends.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createNamespace, deleteNamespace, kernelAvailable } from '../test/helpers/netns';
import { summarize, type Timing } from './stats';

export type Backend = 'nft' | 'legacy';

export interface RestoreTiming extends Timing {
  backend: Backend;
  /** Exit status of the last run (0: the file is valid for this backend). */
  status: number;
  /** First line of stderr of the last run when it failed. */
  message?: string;
  /** Median cost of `ip netns exec NS true` (included in the figures above). */
  execOverheadMs: number;
}

/** Whether restore timing can run here, and why not. */
export function restoreAvailable(): { ok: boolean; why?: string } {
  return kernelAvailable();
}

function timeOnce(ns: string, argv: string[], file?: string): { ms: number; status: number; stderr: string } {
  const fd = file ? openSync(file, 'r') : 'ignore';
  try {
    const t0 = performance.now();
    const r = spawnSync('ip', ['netns', 'exec', ns, ...argv], {
      stdio: [fd, 'ignore', 'pipe'],
      encoding: 'utf8',
      timeout: 600_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const ms = performance.now() - t0;
    return { ms, status: r.status ?? -1, stderr: r.stderr ?? '' };
  } finally {
    if (typeof fd === 'number') closeSync(fd);
  }
}

/**
 * Wall time of `iptables-<backend>-restore --test < file` (`ip6tables-…` for family 6), `runs`
 * times, each in a new namespace (namespace creation is not timed).
 */
export function timeRestore(file: string, family: 4 | 6, backend: Backend, runs: number): RestoreTiming {
  const bin = `${family === 6 ? 'ip6tables' : 'iptables'}-${backend}-restore`;
  const samples: number[] = [];
  const overhead: number[] = [];
  let status = -1;
  let message: string | undefined;
  for (let i = 0; i < runs; i++) {
    const ns = createNamespace('bench-rs');
    try {
      overhead.push(timeOnce(ns, ['true']).ms);
      const r = timeOnce(ns, [bin, '--test'], file);
      samples.push(r.ms);
      status = r.status;
      message = r.status === 0 ? undefined : r.stderr.trim().split('\n')[0];
    } finally {
      deleteNamespace(ns);
    }
  }
  const t = summarize(samples);
  return { ...t, backend, status, message, execOverheadMs: summarize(overhead).median };
}
