/**
 * The benchmark driver (`npm run bench`): generates the kube-proxy rulesets, picks the largest
 * corpus files, and for each input runs the library-path worker (own process), the language
 * server measurement (when dist/server/server.js exists) and `iptables-restore --test` (when root
 * with both backends), then prints the tables, checks the targets and writes
 * bench/results/<timestamp>-<commit>.json.
 *
 * Then, when both the 80k and the 320k files are measured, the paired rounds: the two full
 * parses and restore --test on the 80k file again, alternating, so that each ratio the issue sets
 * is taken over the same minutes (see PairedReport).
 *
 * Options: --sizes=1k,10k,40k  --runs=N (the edit measurements take at least 20)  --warmup=N  --restore-runs=N  --corpus=N (largest save
 * files)  --scripts=N (largest shell scripts)  --pairs=N (paired rounds, 0: none)  --no-lsp
 * --no-restore  --no-corpus  --gc-each-run  --out=FILE
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { CORPUS, REPO_ROOT } from '../test/helpers/paths';
import { parseServiceCount } from './generate';
import { type BenchInput, corpusInputs, generatedInput } from './inputs';
import { measureLsp, serverPath } from './lsp';
import { type BenchReport, checkTargets, formatReport, type InputReport, type PairedReport } from './report';
import { restoreAvailable, timeRestore } from './restore';
import { fmtMs, summarize } from './stats';
import { type LibraryResult, RESULT_PREFIX, type WorkerConfig } from './worker';

interface Options {
  sizes: number[];
  runs: number;
  warmup: number;
  restoreRuns: number;
  corpus: number;
  scripts: number;
  lsp: boolean;
  restore: boolean;
  gcEachRun: boolean;
  pairs: number;
  out?: string;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    sizes: [1000, 10_000, 40_000],
    // On a shared host the same build varies by a third from run to run: a median needs more
    // than a handful of runs to be the same from one benchmark to the next.
    runs: 11,
    warmup: 3,
    restoreRuns: 5,
    corpus: 3,
    scripts: 1,
    lsp: true,
    restore: true,
    gcEachRun: false,
    pairs: 3,
  };
  for (const a of argv) {
    const [k, v = ''] = a.split('=', 2);
    const int = (): number => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${k} needs a whole number, got "${v}"`);
      return n;
    };
    if (k === '--sizes') o.sizes = v.split(',').filter(Boolean).map(parseServiceCount);
    else if (k === '--runs') o.runs = Math.max(1, int());
    else if (k === '--warmup') o.warmup = int();
    else if (k === '--restore-runs') o.restoreRuns = Math.max(1, int());
    else if (k === '--corpus') o.corpus = int();
    else if (k === '--scripts') o.scripts = int();
    else if (k === '--no-corpus') {
      o.corpus = 0;
      o.scripts = 0;
    } else if (k === '--no-lsp') o.lsp = false;
    else if (k === '--no-restore') o.restore = false;
    else if (k === '--gc-each-run') o.gcEachRun = true;
    else if (k === '--pairs') o.pairs = int();
    else if (k === '--out') o.out = v;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/** Runs the library worker for one input in its own node process (with --expose-gc). */
function runWorker(config: WorkerConfig): Promise<LibraryResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      ['--expose-gc', '--max-old-space-size=8192', join(__dirname, 'worker.js'), JSON.stringify(config)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    proc.stdout.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    proc.on('error', reject);
    proc.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
      if (!line) return reject(new Error(`worker exited with ${code} without a result`));
      const r = JSON.parse(line.slice(RESULT_PREFIX.length)) as LibraryResult & { error?: string };
      if (r.error) reject(new Error(r.error));
      else resolve(r);
    });
  });
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

async function benchInput(input: BenchInput, o: Options, server: string | undefined): Promise<InputReport> {
  const { probe: _probe, ...shown } = input;
  const r: InputReport = { input: shown };
  const log = (m: string) => process.stderr.write(`  ${input.name}: ${m}\n`);
  // Fewer repetitions on the largest inputs keep the whole run within a few minutes; the same
  // warm-up, so that the growth from 80k to 320k rules compares runs in the same state (the
  // third run of a 320k-rule worker was still among its slowest: V8 sizes its heap and optimizes
  // the per-table code over the first runs).
  const big = (input.generatedRules ?? 0) > 200_000;
  const runs = big ? Math.min(o.runs, 7) : o.runs;
  const warmup = o.warmup;

  try {
    r.library = await runWorker({
      file: input.path,
      runs,
      warmup,
      editLine: input.editLine,
      probe: input.probe,
      gcEachRun: o.gcEachRun,
    });
    log(`library full ${fmtMs(r.library.full.median)}, edit ${fmtMs(r.library.edit?.median)}`);
  } catch (e) {
    r.libraryError = e instanceof Error ? e.message : String(e);
    log(`library failed: ${r.libraryError.split('\n')[0]}`);
  }

  if (!o.lsp) r.lspSkipped = 'disabled (--no-lsp)';
  else if (!server) r.lspSkipped = 'dist/server/server.js not built (npm run build)';
  else if (!input.saveForm) r.lspSkipped = 'shell scripts are measured on the library path only';
  else {
    try {
      r.lsp = await measureLsp(server, input.path, { runs, warmup, editLine: input.editLine });
      log(`server open ${fmtMs(r.lsp.open.median)}, edit ${fmtMs(r.lsp.edit.median)}`);
    } catch (e) {
      r.lspSkipped = `failed: ${e instanceof Error ? e.message : e}`;
      log(`server failed: ${r.lspSkipped.split('\n')[0]}`);
    }
  }

  const avail = restoreAvailable();
  if (!o.restore) r.restoreSkipped = 'disabled (--no-restore)';
  else if (!avail.ok) r.restoreSkipped = avail.why;
  else if (!input.saveForm) r.restoreSkipped = 'not iptables-save text';
  else if (input.restoreValid === false) r.restoreSkipped = 'iptables-restore rejects this file (corpus verdict)';
  else {
    const restoreRuns = big ? Math.min(o.restoreRuns, 2) : o.restoreRuns;
    r.restore = {
      nft: timeRestore(input.path, input.family, 'nft', restoreRuns),
      legacy: timeRestore(input.path, input.family, 'legacy', restoreRuns),
    };
    const full = r.library?.full.median;
    if (full) {
      r.nftOverFull = r.restore.nft!.median / full;
      r.legacyOverFull = r.restore.legacy!.median / full;
    }
    log(`restore nft ${fmtMs(r.restore.nft?.median)}, legacy ${fmtMs(r.restore.legacy?.median)}`);
    for (const t of [r.restore.nft, r.restore.legacy]) {
      if (t && t.status !== 0 && input.kind === 'generated') {
        r.generatedInvalid = `rejected by iptables-${t.backend}-restore: ${t.message}`;
        log(`GENERATED RULESET INVALID: ${r.generatedInvalid}`);
      }
    }
  }
  return r;
}

/**
 * The paired rounds (see PairedReport): per round, the 80k and the 320k full parse (each in a
 * worker of its own, after warm-up) and two restore --test runs per backend on the 80k file,
 * the sizes' order alternating from round to round.
 */
async function pairedRounds(k10: BenchInput, k40: BenchInput, o: Options): Promise<PairedReport> {
  const s10: number[] = [];
  const s40: number[] = [];
  const nft: number[] = [];
  const legacy: number[] = [];
  const restore = o.restore && restoreAvailable().ok;
  for (let round = 0; round < o.pairs; round++) {
    process.stderr.write(`paired round ${round + 1} of ${o.pairs}\n`);
    const sizes = round % 2 === 0 ? [k10, k40] : [k40, k10];
    for (const input of sizes) {
      const big = input === k40;
      const r = await runWorker({
        file: input.path,
        runs: big ? Math.min(o.runs, 7) : o.runs,
        warmup: o.warmup,
        gcEachRun: o.gcEachRun,
        fullOnly: true,
      });
      (big ? s40 : s10).push(...r.full.samples);
      if (!big && restore) {
        nft.push(...timeRestore(input.path, input.family, 'nft', 2).samples);
        legacy.push(...timeRestore(input.path, input.family, 'legacy', 2).samples);
      }
    }
  }
  return {
    rounds: o.pairs,
    full80k: summarize(s10),
    full320k: summarize(s40),
    nft: nft.length ? summarize(nft) : undefined,
    legacy: legacy.length ? summarize(legacy) : undefined,
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const dir = join(REPO_ROOT, '.tmp', 'bench');
  const inputs: BenchInput[] = o.sizes.map((s) => generatedInput(dir, s));
  inputs.push(...corpusInputs(CORPUS, o.corpus, o.scripts));
  const server = serverPath(REPO_ROOT);
  const loadBefore = loadavg()[0];
  const reports: InputReport[] = [];
  for (const input of inputs) {
    process.stderr.write(`benchmarking ${input.name} (${input.path})\n`);
    reports.push(await benchInput(input, o, server));
  }
  const generated = (services: number) => inputs.find((i) => i.kind === 'generated' && i.services === services);
  const k10 = generated(10_000);
  const k40 = generated(40_000);
  let paired: PairedReport | undefined;
  if (o.pairs > 0 && k10 && k40) {
    try {
      paired = await pairedRounds(k10, k40, o);
    } catch (e) {
      process.stderr.write(`paired rounds failed: ${e instanceof Error ? e.message : e}\n`);
    }
  }
  const commit = git(['rev-parse', '--short', 'HEAD']) || 'unknown';
  const report: BenchReport = {
    date: new Date().toISOString(),
    commit,
    dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
    node: process.version,
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', memGb: Math.round(totalmem() / 2 ** 30) },
    load: { before: loadBefore, after: loadavg()[0] },
    options: { ...o, server: server ?? null },
    inputs: reports,
    paired,
    targets: checkTargets(reports, paired),
  };
  console.log(formatReport(report));
  const outFile =
    o.out ??
    join(
      REPO_ROOT,
      'bench',
      'results',
      `${report.date.replace(/[:.]/g, '-')}-${commit}${report.dirty ? '-dirty' : ''}.json`,
    );
  mkdirSync(join(outFile, '..'), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${outFile}`);
  const invalid = reports.filter((r) => r.generatedInvalid);
  if (invalid.length) {
    // The generator must produce what iptables accepts; a rejected file invalidates the figures.
    console.error(invalid.map((r) => `${r.input.name}: ${r.generatedInvalid}`).join('\n'));
    process.exitCode = 1;
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
