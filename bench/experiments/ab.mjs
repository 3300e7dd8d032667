// Compares the full parse + diagnostics of two builds on one file: a git revision (default HEAD)
// and the working tree. Each build is bundled on its own; then processes of the two alternate,
// each parsing the file 18 times (3 warm-ups), and the quartiles of all runs are printed. On a
// shared host one build varies by a third from run to run, so a difference is only worth
// believing when the minimum and the first quartile agree on it.
//
//   node bench/experiments/ab.mjs FILE [--base=REV] [--rounds=N] [--runs=N]
//
// An experiment, not part of `npm run bench`: the tool the performance work of issue 4 was
// measured with.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

const args = process.argv.slice(2);
const opt = (name, dflt) => (args.find((a) => a.startsWith(`--${name}=`)) ?? `=${dflt}`).split('=')[1];
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: node bench/experiments/ab.mjs FILE [--base=REV] [--rounds=N] [--runs=N]');
  process.exit(2);
}
const base = opt('base', 'HEAD');
const rounds = Number(opt('rounds', 5));
const runs = Number(opt('runs', 18));
const dir = resolve('.tmp', 'ab');
const tree = join(dir, 'base-tree');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

// The base revision's sources, beside the working tree's.
execFileSync('git', ['worktree', 'add', '--detach', '-f', tree, base], { stdio: 'ignore' });
try {
  for (const [name, root] of [
    ['base', tree],
    ['cur', resolve('.')],
  ]) {
    const entry = join(dir, `${name}-entry.ts`);
    writeFileSync(
      entry,
      `import { documentDiagnostics, parseDocument } from ${JSON.stringify(join(root, 'server/src/service/document'))};
export function run(text: string): [number, number] {
  const a = performance.now();
  const doc = parseDocument(text);
  const b = performance.now();
  documentDiagnostics(doc, text);
  return [b - a, performance.now() - b];
}
`,
    );
    await build({
      entryPoints: [entry],
      outfile: join(dir, `${name}.js`),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      logLevel: 'warning',
    });
  }
} finally {
  execFileSync('git', ['worktree', 'remove', '--force', tree], { stdio: 'ignore' });
}

const runner = join(dir, 'runner.js');
writeFileSync(
  runner,
  `const { readFileSync, appendFileSync } = require('node:fs');
const [lib, file, out, runs] = process.argv.slice(2);
const text = readFileSync(file, 'utf8');
const { run } = require(lib);
for (let i = 0; i < Number(runs); i++) { const [p, d] = run(text); if (i >= 3) appendFileSync(out, p + ' ' + d + '\\n'); }
`,
);
for (let r = 0; r < rounds; r++) {
  for (const name of ['base', 'cur']) {
    const res = spawnSync(
      process.execPath,
      [runner, join(dir, `${name}.js`), file, join(dir, `${name}.txt`), String(runs)],
      {
        stdio: 'inherit',
      },
    );
    if (res.status !== 0) process.exit(res.status ?? 1);
  }
}
const q = (xs, p) => [...xs].sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))].toFixed(1);
for (const name of ['base', 'cur']) {
  const rows = readFileSync(join(dir, `${name}.txt`), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' ').map(Number));
  const full = rows.map((x) => x[0] + x[1]);
  const parse = rows.map((x) => x[0]);
  const analyses = rows.map((x) => x[1]);
  console.log(
    `${(name === 'base' ? base : 'working tree').padEnd(14)} full min/q1/median ${q(full, 0)} ${q(full, 0.25)} ${q(full, 0.5)} ms | parse ${q(parse, 0)} ${q(parse, 0.25)} ${q(parse, 0.5)} | analyses ${q(analyses, 0)} ${q(analyses, 0.25)} ${q(analyses, 0.5)} (${rows.length} runs)`,
  );
}
