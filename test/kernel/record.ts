/**
 * Script mode of the kernel oracle:
 *   node out/test/kernel/record.js [--backend nft|legacy] [--out DIR] [--check] [scenario.json...]
 * records the kernel's answers for the given scenarios (default: test/scenarios/*.json) into
 * DIR (default test/scenarios/results) as `<name>.<backend>.out.json`. With --check nothing is
 * written: each run is compared with the recording beside the scenario (`results/`) instead, and
 * the differences are printed (exit status 1 when there are any).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type Backend, kernelAvailable } from '../helpers/netns';
import { REPO_ROOT } from '../helpers/paths';
import { type ComparableResult, diffResults, nondeterministicPackets, rulesetTables } from './diff';
import { runOracle } from './oracle';
import { loadScenario } from './scenario';

function usage(msg: string): never {
  console.error(
    `${msg}\nusage: node out/test/kernel/record.js [--backend nft|legacy] [--out DIR] [--check] [--jobs N] [scenario.json...]`,
  );
  process.exit(2);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  let backends: Backend[] = ['nft', 'legacy'];
  let outDir = join(REPO_ROOT, 'test', 'scenarios', 'results');
  let check = false;
  let jobs = 2;
  const files: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--backend') {
      const b = args[++i];
      if (b !== 'nft' && b !== 'legacy') usage(`--backend must be nft or legacy, not ${b}`);
      backends = [b];
    } else if (a === '--out') outDir = args[++i] ?? usage('--out needs a directory');
    else if (a === '--check') check = true;
    else if (a === '--jobs') jobs = Math.max(1, Number(args[++i]) || 1);
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else files.push(a);
  }
  const avail = kernelAvailable();
  if (!avail.ok) {
    console.error(`the kernel oracle needs root and iptables: ${avail.why}`);
    return 2;
  }
  if (files.length === 0) {
    const dir = join(REPO_ROOT, 'test', 'scenarios');
    if (existsSync(dir)) for (const f of readdirSync(dir).sort()) if (f.endsWith('.json')) files.push(join(dir, f));
  }
  if (files.length === 0) usage('no scenario given and none in test/scenarios');
  const work: [string, Backend][] = files.flatMap((f) => backends.map((b) => [f, b] as [string, Backend]));
  let failures = 0;
  const runOne = async ([file, backend]: [string, Backend]) => {
    const loaded = loadScenario(file);
    const result = await runOracle(loaded, backend);
    const label = `${loaded.name}.${backend}`;
    if (result.errors.length) {
      failures++;
      console.log(`${label}: ERROR ${result.errors.join('; ')}`);
    }
    if (check) {
      const recorded = join(dirname(loaded.path), 'results', `${loaded.name}.${backend}.out.json`);
      if (!existsSync(recorded)) {
        console.log(`${label}: no recording at ${recorded}`);
        return;
      }
      const expected = JSON.parse(readFileSync(recorded, 'utf8')) as ComparableResult;
      const diffs = diffResults(expected, result as unknown as ComparableResult, {
        tables: rulesetTables(loaded.rulesetText),
        nondeterministic: nondeterministicPackets(loaded.scenario),
        text: backend === 'legacy',
      });
      if (diffs.length) failures++;
      console.log(`${label}: ${diffs.length ? `${diffs.length} difference(s)` : 'same'} (${result.elapsed_s}s)`);
      for (const d of diffs) console.log(`  ${d}`);
    } else {
      mkdirSync(outDir, { recursive: true });
      const out = join(outDir, `${basename(loaded.path, '.json')}.${backend}.out.json`);
      writeFileSync(out, `${JSON.stringify(result, null, 1)}\n`);
      console.log(`${label}: ${result.packets.length} packets -> ${out} (${result.elapsed_s}s)`);
    }
  };
  const queue = work.slice();
  await Promise.all(
    Array.from({ length: Math.min(jobs, queue.length) }, async () => {
      for (let w = queue.shift(); w; w = queue.shift()) {
        try {
          await runOne(w);
        } catch (e) {
          failures++;
          console.log(`${basename(w[0])} ${w[1]}: ${(e as Error).message}`);
        }
      }
    }),
  );
  return failures ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
