// An experiment, not part of the product or of `npm run bench`: how far would a parser core in
// WebAssembly speed up the word-splitting pass of bench/floor.ts? Compiles wasm-floor.c (the same pass in C)
// with clang (Debian: `apt-get install clang lld`), then times on the generated kube-proxy ruleset
// of 10k and 40k services (or the files given) the JavaScript pass and the WebAssembly one, the
// latter including the copy of the text into its memory. Both must report the same counts.
//
//   node bench/experiments/wasm-floor.mjs [FILE...]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { compileAll } from '../../scripts/compile.mjs';

const require = createRequire(import.meta.url);
const source = new URL('./wasm-floor.c', import.meta.url).pathname;
const wasmFile = '.tmp/wasm-floor.wasm';
mkdirSync('.tmp', { recursive: true });
const cc = spawnSync(
  'clang',
  [
    '--target=wasm32',
    '-O2',
    '-msimd128',
    '-fno-builtin',
    '-nostdlib',
    '-Wl,--no-entry',
    '-Wl,--export-all',
    '-o',
    wasmFile,
    source,
  ],
  { encoding: 'utf8' },
);
if (cc.error || cc.status !== 0) {
  console.error(`clang failed (${cc.error?.message ?? cc.stderr}); install it with: apt-get install clang lld`);
  process.exit(2);
}
await compileAll();
const { floorPass } = require('../../out/bench/floor.js');
const { generatedInput } = require('../../out/bench/inputs.js');
const wasm = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmFile)), {}).exports;

const files = process.argv.slice(2);
if (files.length === 0) for (const s of [10_000, 40_000]) files.push(generatedInput('.tmp/bench', s).path);

const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
function time(fn, runs = 15, warmup = 3) {
  const out = [];
  for (let i = 0; i < warmup + runs; i++) {
    const t0 = performance.now();
    fn();
    if (i >= warmup) out.push(performance.now() - t0);
  }
  return median(out);
}

function wasmPass(text) {
  const n = Buffer.byteLength(text, 'latin1');
  const at = wasm.input(n);
  Buffer.from(wasm.memory.buffer, at, n).latin1Write(text, 0, n);
  if (wasm.run(n) < 0) throw new Error('input past the experiment limits');
  return { rules: wasm.rules(), chainJumps: wasm.chainJumps(), shapes: wasm.shapes(), chains: wasm.chains() };
}

for (const file of files) {
  const text = readFileSync(file, 'utf8');
  if (/[^\x00-\x7f]/.test(text)) {
    console.log(`${file}: skipped (not ASCII: the experiment copies bytes as latin1)`);
    continue;
  }
  const js = floorPass(text);
  const w = wasmPass(text);
  if (JSON.stringify(js) !== JSON.stringify(w)) {
    console.error(`${file}: the passes disagree: js ${JSON.stringify(js)} wasm ${JSON.stringify(w)}`);
    process.exit(1);
  }
  const tJs = time(() => floorPass(text));
  const tWasm = time(() => wasmPass(text));
  console.log(
    `${file}: ${js.rules} rules; JavaScript ${tJs.toFixed(1)} ms, WebAssembly ${tWasm.toFixed(1)} ms (copy included): ${(tJs / tWasm).toFixed(2)}×`,
  );
}
