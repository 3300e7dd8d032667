// The benchmark command (`npm run bench`): transpiles the sources (scripts/compile.mjs), then runs
// out/bench/main.js with --expose-gc, passing the options through (see bench/main.ts: --sizes=,
// --runs=, --no-lsp, --no-restore ...). Builds dist/server/server.js first when the server's
// sources exist, so the language server is measured as shipped.
//
// The library-path worker and the profiler are bundled like the shipped server.
//
// `node scripts/bench.mjs --profile[=SIZE] [--what=full|edit|both]` instead CPU-profiles the
// library path on the generated ruleset of SIZE services (default 10k) and prints the hot spots;
// the .cpuprofile is kept under .tmp/bench/prof/ (open it in Chrome DevTools or VS Code).
//
// `node scripts/bench.mjs --count[=10k,40k]` counts instead of timing: it runs the full parse +
// diagnostics under valgrind's cachegrind (Debian package valgrind) two and three times per size
// and prints what the third run added (instructions, level-1 and last-level data cache misses in a
// simulated 16 MB last-level cache), then the ratios between the sizes. Counts do not depend on
// other work on the machine, so they tell work that grows faster than the input from time that
// does. Slow: about 25 minutes for 10k and 40k.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { compileAll } from './compile.mjs';

const args = process.argv.slice(2);
const profileArg = args.find((a) => a === '--profile' || a.startsWith('--profile='));
const countArg = args.find((a) => a === '--count' || a.startsWith('--count='));

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

/** Writes the generated ruleset of `size` services (as the main driver does) and returns its path. */
function generated(size) {
  run([
    '-e',
    `const {generatedInput}=require('./out/bench/inputs.js');const {parseServiceCount}=require('./out/bench/generate.js');` +
      `console.log(generatedInput('.tmp/bench', parseServiceCount(${JSON.stringify(size)})).path)`,
  ]);
  const label = /^\d+000$/.test(String(size)) ? `${Number(size) / 1000}k` : size;
  return join('.tmp', 'bench', `kube-proxy-${label}.rules`);
}

/** Cachegrind's totals for `runs` full parses of `file`. */
function cachegrind(file, runs) {
  const r = spawnSync(
    'valgrind',
    [
      '--tool=cachegrind',
      '--cache-sim=yes',
      '--LL=16777216,16,64',
      '--cachegrind-out-file=/dev/null',
      process.execPath,
      'out/bench/profile.js',
      'run',
      `--file=${file}`,
      '--what=full',
      `--runs=${runs}`,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.error || r.status !== 0) {
    console.error(`bench --count: valgrind failed (${r.error?.message ?? `exit ${r.status}`}); is it installed?`);
    process.exit(1);
  }
  const num = (re) => {
    const m = re.exec(r.stderr);
    if (!m) {
      console.error(`bench --count: no ${re} in valgrind's output:\n${r.stderr.slice(-2000)}`);
      process.exit(1);
    }
    return Number(m[1].replaceAll(',', ''));
  };
  return {
    instructions: num(/I\s+refs:\s+([\d,]+)/),
    d1: num(/D1\s+misses:\s+([\d,]+)/),
    ll: num(/LLd misses:\s+([\d,]+)/),
  };
}

if (countArg) {
  const sizes = (countArg.includes('=') ? countArg.split('=')[1] : '10k,40k').split(',');
  const rows = [];
  for (const size of sizes) {
    const file = generated(size);
    console.log(`counting ${file} under cachegrind (2 and 3 runs)...`);
    const two = cachegrind(file, 2);
    const three = cachegrind(file, 3);
    const one = {
      size,
      instructions: three.instructions - two.instructions,
      d1: three.d1 - two.d1,
      ll: three.ll - two.ll,
    };
    rows.push(one);
    console.log(
      `  ${size}: one full parse + diagnostics = ${(one.instructions / 1e9).toFixed(2)} G instructions, ${(one.d1 / 1e6).toFixed(1)} M L1d misses, ${(one.ll / 1e6).toFixed(1)} M LLd misses (16 MB LL)`,
    );
  }
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = [rows[0], rows[i]];
    console.log(
      `${b.size} ÷ ${a.size}: instructions ${(b.instructions / a.instructions).toFixed(2)}, L1d misses ${(b.d1 / a.d1).toFixed(2)}, LLd misses ${(b.ll / a.ll).toFixed(2)}`,
    );
  }
} else if (profileArg) {
  const size = profileArg.includes('=') ? profileArg.split('=')[1] : '10k';
  const what = (args.find((a) => a.startsWith('--what=')) ?? '--what=full').slice(7);
  const runs = (args.find((a) => a.startsWith('--runs=')) ?? '--runs=5').slice(7);
  const dir = join('.tmp', 'bench', 'prof');
  mkdirSync(dir, { recursive: true });
  const file = generated(size);
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
