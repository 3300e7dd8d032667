// The project's test command (`npm test`): type check, lint, the three bundles, then every test
// file under test/ with node's test runner. `node scripts/test.mjs --quick [substring...]` skips
// type check, lint and bundling and runs only the test files whose path contains one of the
// substrings (tests that need a bundle build it themselves).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildAll } from './build.mjs';
import { compileAll } from './compile.mjs';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const filters = args.filter((a) => !a.startsWith('--'));

/** Steps that failed before the tests ran (the tests still run, so one run shows everything). */
const failed = [];

function step(name, cmd, argv) {
  const r = spawnSync(cmd, argv, { stdio: 'inherit' });
  if (r.status !== 0) failed.push(name);
}

if (!quick) {
  step('type check (tsc)', 'npx', ['tsc', '-p', '.', '--noEmit']);
  step('format and lint (biome check)', 'npx', ['biome', 'check', '.']);
  try {
    console.log(`built ${(await buildAll()).join(', ')}`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    failed.push('bundles (scripts/build.mjs)');
  }
  if (failed.length) console.error(`\nFAILED before the tests: ${failed.join('; ')} (the tests run anyway)\n`);
}
await compileAll();

function walk(dir, out) {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.test.ts')) out.push(join('out', p.replace(/\.ts$/, '.js')));
  }
  return out;
}
// From the sources, so a stale compiled test of a deleted file never runs.
let files = walk('test', []).sort();
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(r.status === 0 && failed.length > 0 ? 1 : (r.status ?? 1));
