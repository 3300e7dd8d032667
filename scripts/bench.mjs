// The benchmark command (`npm run bench`): transpiles the sources (scripts/compile.mjs), then runs
// out/bench/main.js with --expose-gc, passing the options through (see bench/main.ts: --sizes=,
// --runs=, --no-lsp, --no-restore ...). Builds dist/server/server.js first when the server's
// sources exist, so the language server is measured as shipped.
//
// The library-path worker and the profiler are bundled like the shipped server.
//
// `node scripts/bench.mjs --profile[=SIZE] [--what=full|edit|both|sim]` instead CPU-profiles the
// library path on the generated ruleset of SIZE services (default 10k) and prints the hot spots;
// the .cpuprofile is kept under .tmp/bench/prof/ (open it in Chrome DevTools or VS Code).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { compileAll } from './compile.mjs';

const args = process.argv.slice(2);
const profileArg = args.find((a) => a === '--profile' || a.startsWith('--profile='));

function run(argv) {
  const r = spawnSync(process.execPath, argv, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

await compileAll();
// The measured code runs as shipped: the language service bundled into one file (as in
// dist/server and dist/cli), not as the per-file CommonJS modules of out/, whose cross-module
// references each go through an export getter.
await build({
  entryPoints: ['bench/worker.ts', 'bench/profile.ts'],
  outdir: 'out/bench',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
});

if (profileArg) {
  const size = profileArg.includes('=') ? profileArg.split('=')[1] : '10k';
  const what = (args.find((a) => a.startsWith('--what=')) ?? '--what=full').slice(7);
  const runs = (args.find((a) => a.startsWith('--runs=')) ?? '--runs=5').slice(7);
  const dir = join('.tmp', 'bench', 'prof');
  mkdirSync(dir, { recursive: true });
  // Writes the generated file (the main driver does the same when benchmarking).
  run([
    '-e',
    `const {generatedInput}=require('./out/bench/inputs.js');const {parseServiceCount}=require('./out/bench/generate.js');` +
      `console.log(generatedInput('.tmp/bench', parseServiceCount(${JSON.stringify(size)})).path)`,
  ]);
  const label = /^\d+000$/.test(String(size)) ? `${Number(size) / 1000}k` : size;
  const file = join('.tmp', 'bench', `kube-proxy-${label}.rules`);
  const before = new Set(readdirSync(dir));
  run([
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
    '--cpu-prof-interval=200',
    'out/bench/profile.js',
    'run',
    `--file=${file}`,
    `--what=${what}`,
    `--runs=${runs}`,
    `--services=${createRequire(import.meta.url)('../out/bench/generate.js').parseServiceCount(size)}`,
  ]);
  const made = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile') && !before.has(f))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!made.length) {
    console.error('no .cpuprofile was written');
    process.exit(1);
  }
  run(['out/bench/profile.js', 'summarize', made[0], '--top=30']);
} else {
  if (existsSync('server/src/lsp/main.ts')) {
    const b = spawnSync(process.execPath, ['scripts/build.mjs', 'server'], { stdio: 'inherit' });
    if (b.status !== 0)
      console.error('bench: building the language server failed; it is measured only if dist/ has it');
  }
  run(['--expose-gc', 'out/bench/main.js', ...args]);
}
