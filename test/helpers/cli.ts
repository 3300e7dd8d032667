/**
 * The command line as it ships: dist/cli/iptables-sim.js, the one bundle of server/src/cli/main.ts
 * (what `npx iptables-sim` runs). Tests spawn it, so what they check is what users run (a second
 * entry point bundled into it once printed a stray error before every simulation).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';

export const CLI_BUNDLE = join(REPO_ROOT, 'dist', 'cli', 'iptables-sim.js');

let built = false;

/** Builds dist/cli/iptables-sim.js once per test process; returns its path. */
export function cliBundle(): string {
  if (built) return CLI_BUNDLE;
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs'), 'cli'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`building the command line failed:\n${r.stdout}${r.stderr}`);
  built = true;
  return CLI_BUNDLE;
}
