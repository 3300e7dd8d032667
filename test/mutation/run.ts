/**
 * Full mutation run from the command line (after `node scripts/compile.mjs`):
 *
 *   node out/test/mutation/run.js [--count N] [--seed S] [--json out.json] [--concurrency C] [--examples E]
 *
 * Prints both figures, the per-kind table and the disagreements grouped by cause, and writes the
 * summary, the base-file report and every mutant's outcome as JSON. Exits 0 when both thresholds
 * are met, 1 when not, 2 when the kernel cannot be used here (not root, iptables missing).
 */
import { writeFileSync } from 'node:fs';
import { kernelAvailable } from '../helpers/netns';
import { runMutationTest } from './harness';
import { renderSummary } from './report';

function parseArgs(argv: string[]): {
  count: number;
  seed: number;
  json?: string;
  concurrency: number;
  examples: number;
} {
  const out = { count: 1000, seed: 1, json: undefined as string | undefined, concurrency: 3, examples: 2 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    const num = (name: string) => {
      const n = Number(v);
      if (v === undefined || !Number.isInteger(n) || n < 0) throw new Error(`${name} needs a non-negative integer`);
      i++;
      return n;
    };
    if (a === '--count') out.count = num(a);
    else if (a === '--seed') out.seed = num(a);
    else if (a === '--concurrency') out.concurrency = Math.max(1, num(a));
    else if (a === '--examples') out.examples = num(a);
    else if (a === '--json') {
      if (!v) throw new Error('--json needs a file name');
      out.json = v;
      i++;
    } else throw new Error(`unknown argument ${a}`);
  }
  return out;
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(
      `${(e as Error).message}\nusage: run.js [--count N] [--seed S] [--json out.json] [--concurrency C] [--examples E]`,
    );
    return 2;
  }
  const k = kernelAvailable();
  if (!k.ok) {
    console.error(`mutation test needs the kernel: ${k.why}`);
    return 2;
  }
  let last = 0;
  const result = await runMutationTest({
    count: args.count,
    seed: args.seed,
    concurrency: args.concurrency,
    onProgress: (done, total) => {
      if (process.stderr.isTTY && (done - last >= 25 || done === total)) {
        last = done;
        process.stderr.write(`\r${done}/${total} mutants`);
        if (done === total) process.stderr.write('\n');
      }
    },
  });
  const { summary, bases, inapplicableKinds } = result;
  const dropped = bases.filter((b) => b.dropped);
  const noisy = bases.filter((b) => !b.dropped && b.lintErrors.length > 0);
  console.log(renderSummary(summary, args.examples));
  console.log('');
  console.log(
    `base files: ${bases.length - dropped.length} used (${bases.filter((b) => b.windowed).length} windowed), ${dropped.length} dropped`,
  );
  for (const b of dropped) console.log(`  dropped ${b.file}: ${b.dropped}`);
  console.log(`base files with linter errors before any mutation: ${noisy.length}`);
  for (const b of noisy)
    console.log(
      `  ${b.file}: ${b.lintErrors.slice(0, 3).join(' ; ')}${b.lintErrors.length > 3 ? ` (+${b.lintErrors.length - 3})` : ''}`,
    );
  if (inapplicableKinds.length) console.log(`kinds with no site in any base file: ${inapplicableKinds.join(', ')}`);
  console.log(`took ${((summary.durationMs ?? 0) / 1000).toFixed(1)} s`);
  if (args.json) {
    writeFileSync(args.json, `${JSON.stringify(result, null, 1)}\n`);
    console.log(`wrote ${args.json}`);
  }
  return summary.passes ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exitCode = 2;
  },
);
