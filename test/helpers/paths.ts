/**
 * Paths tests use: the repository root and the shared material beside it (`../shared`), which
 * tests read in place (it is never copied into the repository).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'server'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export const REPO_ROOT = findRoot(__dirname);
export const SHARED = process.env.IPTABLES_SIM_SHARED ?? resolve(REPO_ROOT, '..', 'shared');
export const CORPUS = join(SHARED, 'corpus');
export const SCENARIOS = join(SHARED, 'scenarios');
