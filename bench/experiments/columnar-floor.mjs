// An experiment, not part of the product or of `npm run bench`: times the columnar pass of
// columnar-floor.ts (rules kept in typed arrays, no rule objects; see there what it does and does
// not do), with chains found through a Map and through its own index, beside the full parse +
// diagnostics, on the generated kube-proxy rulesets of 10k and 40k services (or the files given),
// alternating the three in one process (medians of 15 runs after 3). The pass must give the
// parser's counts (rules, chains, jumps to chains, chains reached from a hook) before anything is
// timed.
//
//   node bench/experiments/columnar-floor.mjs [FILE...]
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { compileAll } from '../../scripts/compile.mjs';

const require = createRequire(import.meta.url);
mkdirSync('.tmp', { recursive: true });
await compileAll();
const entry = '.tmp/columnar-floor-entry.ts';
writeFileSync(
  entry,
  [
    "export { columnarPass, learnedPlans } from '../bench/experiments/columnar-floor';",
    "export { parseDocument, documentDiagnostics } from '../server/src/service/document';",
    "export { buildGraph } from '../server/src/service/analysis/graph';",
  ].join('\n'),
);
await build({
  entryPoints: [entry],
  outfile: '.tmp/columnar-floor.js',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
const lib = require('../../.tmp/columnar-floor.js');
const { generatedInput } = require('../../out/bench/inputs.js');

const files = process.argv.slice(2);
if (files.length === 0) for (const s of [10_000, 40_000]) files.push(generatedInput('.tmp/bench', s).path);

const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];

/** What the real parse says: the counts the columnar pass must reproduce. */
function realCounts(doc) {
  let chains = 0;
  let chainJumps = 0;
  let reached = 0;
  for (const rs of Object.values(doc.rulesets)) {
    for (const t of rs?.tables.values() ?? []) {
      chains += t.chains.size;
      const g = lib.buildGraph(t);
      for (let c = 0; c < g.names.length; c++) if (g.mask[c] !== 0) reached++;
      // Every reference to a chain of the table (edges to user chains and jumps to built-ins).
      for (let c = 0; c < g.names.length; c++) chainJumps += g.references[c];
    }
  }
  return { rules: doc.commands.length, chains, chainJumps, reached };
}

for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const doc = lib.parseDocument(text);
  const plans = lib.learnedPlans(doc.commands);
  const real = realCounts(doc);
  let col;
  for (const own of [false, true]) {
    col = lib.columnarPass(text, plans, own);
    const got = { rules: col.rules, chains: col.chains, chainJumps: col.chainJumps, reached: col.reached };
    if (JSON.stringify(got) !== JSON.stringify(real)) {
      console.error(`${file}: the passes disagree: columnar ${JSON.stringify(col)}, parse ${JSON.stringify(real)}`);
      process.exit(1);
    }
  }
  const full = [];
  const withMap = [];
  const withOwn = [];
  const timed = (fn) => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  };
  for (let i = 0; i < 18; i++) {
    const f = timed(() => lib.documentDiagnostics(lib.parseDocument(text), text));
    const m = timed(() => lib.columnarPass(text, plans, false));
    const o = timed(() => lib.columnarPass(text, plans, true));
    if (i >= 3) {
      full.push(f);
      withMap.push(m);
      withOwn.push(o);
    }
  }
  const ms = (a) => `${median(a).toFixed(1)} ms (min ${Math.min(...a).toFixed(1)})`;
  console.log(
    `${file}: ${real.rules} rules (${col.otherLines} lines no pattern took), ${real.chains} chains, ` +
      `${real.chainJumps} jumps to chains\n  full parse + diagnostics ${ms(full)}\n` +
      `  columnar pass, chains in a Map: ${ms(withMap)}\n  columnar pass, own chain index: ${ms(withOwn)}`,
  );
}
