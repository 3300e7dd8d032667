/**
 * Library-path measurements of one input, run in a child process of its own (so its peak RSS is
 * this input's alone): full parse + all diagnostics, the incremental re-parse after a one-line
 * edit and after a line insertion (`parseDocument(text, { cache })` + `documentDiagnostics`), and
 * packet simulation when the simulator exists. Started by main.ts as
 * `node --expose-gc out/bench/worker.js '<json WorkerConfig>'`; prints one JSON line prefixed
 * with RESULT_PREFIX.
 */
import { readFileSync } from 'node:fs';
import { documentDiagnostics, type ParseResult, parseDocument } from '../server/src/service/document';
import type { ParsedDocument } from '../server/src/service/model';
import { applyLineEdit, chooseLineEdit, insertLineCopy, lineOffset } from './edits';
import { columnarPass, learnedPlans } from './experiments/columnar-floor';
import { floorPass } from './floor';
import type { KubeProbe } from './generate';
import { measureSimulation, type SimulationResult } from './simulate';
import {
  collectGarbage,
  editRuns,
  gcPolicy,
  heapAfterGcMb,
  peakRssMb,
  resetPeakRss,
  summarize,
  type Timing,
  timeRuns,
} from './stats';

export const RESULT_PREFIX = '@@bench-result ';

export interface WorkerConfig {
  file: string;
  runs: number;
  warmup: number;
  /** 0-based line to edit (near it); the middle when absent. */
  editLine?: number;
  /** Where to aim simulated packets (generated rulesets only). */
  probe?: KubeProbe;
  /** Force a full garbage collection before every timed run (see gcPolicy). */
  gcEachRun?: boolean;
  /** Measure the full parse + diagnostics only (the paired rounds, see main.ts). */
  fullOnly?: boolean;
}

export interface LibraryResult {
  bytes: number;
  lines: number;
  rules: number;
  diagnostics: number;
  errors: number;
  /** Diagnostics by code (top 8), to tell real findings from missing registry entries. */
  topCodes: [string, number][];
  /** Full parse + documentDiagnostics. */
  full: Timing;
  /** Parse alone and analyses alone, measured in the same runs. */
  parse: Timing;
  analyze: Timing;
  /** The word-splitting pass (floor.ts) on the same text, save files only. */
  floor?: Timing;
  /**
   * The columnar floor (experiments/columnar-floor.ts, own chain index) on the same text, save
   * files only: the least a parse without rule objects would do.
   */
  columnar?: Timing;
  /** One-line in-place edit through the incremental path. */
  edit?: Timing & { line: number; before: string; after: string };
  /** A line inserted (every later line shifts) through the incremental path. */
  insert?: Timing;
  simulation?: SimulationResult;
  /** Heap retained by one parse and its diagnostics (MB, measured after full collections). */
  retainedHeapMb?: number;
  /** Peak RSS of this worker during the full-parse runs (MB): the library path on this input. */
  peakRssMb?: number;
  /** Peak RSS during the edit runs (two parses alive at a time, as in a language server). */
  peakRssEditMb?: number;
}

function countRules(doc: ParseResult): number {
  let n = 0;
  for (const rs of Object.values(doc.rulesets)) {
    if (!rs) continue;
    for (const t of rs.tables.values()) for (const c of t.chains.values()) n += c.rules.length;
  }
  return n;
}

function run(config: WorkerConfig): LibraryResult {
  const text = readFileSync(config.file, 'utf8');
  const { runs, warmup } = config;
  gcPolicy.eachRun = config.gcEachRun === true;

  // Full parse + diagnostics, parse and analyses timed separately within each run.
  const heapBefore = heapAfterGcMb();
  const canReset = resetPeakRss();
  const parseSamples: number[] = [];
  const analyzeSamples: number[] = [];
  const fullSamples: number[] = [];
  let last: ParseResult | undefined;
  let diags = documentDiagnostics(parseDocument(text), text);
  collectGarbage();
  for (let i = 0; i < warmup + runs; i++) {
    last = undefined;
    if (gcPolicy.eachRun) collectGarbage();
    const t0 = performance.now();
    const doc = parseDocument(text);
    const t1 = performance.now();
    diags = documentDiagnostics(doc, text);
    const t2 = performance.now();
    if (i >= warmup) {
      parseSamples.push(t1 - t0);
      analyzeSamples.push(t2 - t1);
      fullSamples.push(t2 - t0);
    }
    last = doc;
  }
  const doc = last ?? parseDocument(text);
  const heapWith = heapAfterGcMb();
  const peakFull = canReset ? peakRssMb() : undefined;
  const codes = new Map<string, number>();
  for (const d of diags) codes.set(d.code, (codes.get(d.code) ?? 0) + 1);
  const result: LibraryResult = {
    bytes: Buffer.byteLength(text),
    lines: doc.lineCount,
    rules: countRules(doc),
    diagnostics: diags.length,
    errors: diags.filter((d) => d.severity === 'error').length,
    topCodes: [...codes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8),
    full: summarize(fullSamples),
    parse: summarize(parseSamples),
    analyze: summarize(analyzeSamples),
    retainedHeapMb: heapBefore !== undefined && heapWith !== undefined ? heapWith - heapBefore : undefined,
    peakRssMb: peakFull,
  };

  if (config.fullOnly) return result;

  // The word-splitting pass beside it (iptables-save text only: that is what the pass reads).
  if (doc.form === 'save') {
    result.floor = timeRuns(runs, warmup, () => text, floorPass);
    // The columnar floor reads the rule lines with the shapes this parse learned.
    const plans = learnedPlans(doc.commands);
    result.columnar = timeRuns(
      runs,
      warmup,
      () => text,
      (t) => columnarPass(t, plans, true),
    );
  }

  // One-line edit: alternate between the edited and the original line, each a new version.
  const edit = chooseLineEdit(text, config.editLine);
  // New versions of the document, one line edited back and forth (for the simulation after an edit).
  let nextVersion: (() => ParsedDocument) | undefined;
  if (edit) {
    if (canReset) resetPeakRss();
    const off = lineOffset(text, edit.line);
    const variants = [applyLineEdit(text, edit, true, off), text];
    let prev: ParseResult = parseDocument(text);
    const t = timeRuns(
      editRuns(runs),
      warmup,
      (i) => variants[i % 2],
      (v) => {
        prev = parseDocument(v, { cache: prev.cache });
        documentDiagnostics(prev, v);
      },
    );
    result.edit = { ...t, line: edit.line, before: edit.before, after: edit.after };
    let n = 0;
    nextVersion = () => {
      prev = parseDocument(variants[n++ % 2], { cache: prev.cache });
      return prev;
    };
    if (canReset) result.peakRssEditMb = peakRssMb();

    // Line insertion: alternate inserting a copy of the line and removing it again.
    const inserted = insertLineCopy(text, edit.line);
    const insVariants = [inserted, text];
    prev = parseDocument(text);
    result.insert = timeRuns(
      editRuns(runs),
      warmup,
      (i) => insVariants[i % 2],
      (v) => {
        prev = parseDocument(v, { cache: prev.cache });
        documentDiagnostics(prev, v);
      },
    );
  }

  if (config.probe) result.simulation = measureSimulation(doc, config.probe, runs, warmup, nextVersion);
  // Without a resettable peak, report the whole worker's (an upper bound).
  if (!canReset) result.peakRssMb = peakRssMb();
  return result;
}

if (require.main === module) {
  try {
    const config = JSON.parse(process.argv[2] ?? '') as WorkerConfig;
    const result = run(config);
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
  } catch (e) {
    process.stdout.write(
      `${RESULT_PREFIX}${JSON.stringify({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) })}\n`,
    );
    process.exitCode = 1;
  }
}
