/**
 * Profiling support for the benchmark.
 *
 * `node --cpu-prof out/bench/profile.js run --file=F [--what=full|edit|both|sim] [--runs=N]` repeats
 * the library-path work on one file so the CPU profile is dominated by it (`sim`: parses a
 * generated file, then simulates the first packets on it; needs `--services=N`); `node
 * out/bench/profile.js summarize FILE.cpuprofile [--top=N]` prints the functions with the most
 * self time and their inclusive time, each located in its TypeScript source (through the inline
 * source maps that scripts/compile.mjs writes).
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { documentDiagnostics, type ParseResult, parseDocument } from '../server/src/service/document';
import { applyLineEdit, chooseLineEdit } from './edits';
import { generateKubeRuleset } from './generate';
import { measureSimulation } from './simulate';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  /** Function name and TypeScript location (`parseCommand server/src/service/parser/command.ts:190`). */
  where: string;
  selfMs: number;
  selfShare: number;
  totalMs: number;
  totalShare: number;
}

const maps = new Map<string, SourceMap | null>();

function sourceMapOf(url: string): SourceMap | null {
  if (maps.has(url)) return maps.get(url)!;
  let map: SourceMap | null = null;
  try {
    const js = readFileSync(fileURLToPath(url), 'utf8');
    const m = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(js);
    if (m) map = new SourceMap(JSON.parse(Buffer.from(m[1], 'base64').toString('utf8')));
  } catch {
    map = null;
  }
  maps.set(url, map);
  return map;
}

/** `name file:line` of a frame, in TypeScript terms when a source map is available. */
function describe(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  if (frame.url.startsWith('file://')) {
    const map = sourceMapOf(frame.url);
    const entry = map?.findEntry(frame.lineNumber, frame.columnNumber) as
      | { originalSource?: string; originalLine?: number }
      | undefined;
    if (entry?.originalSource) {
      const src = entry.originalSource
        .replace(/^(?:\.\.\/)+/, '')
        .replace(/^file:\/\/.*?\/(server|bench|test)\//, '$1/');
      return `${name} ${src}:${(entry.originalLine ?? 0) + 1}`;
    }
    return `${name} ${fileURLToPath(frame.url)}:${frame.lineNumber + 1}`;
  }
  return `${name} ${frame.url}:${frame.lineNumber + 1}`;
}

/** Self and inclusive time per function (grouped by name and location), largest self first. */
export function hotSpots(profile: CpuProfile): { totalMs: number; spots: HotSpot[] } {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of profile.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const key = new Map<number, string>();
  for (const n of profile.nodes) key.set(n.id, describe(n.callFrame));
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0; // a sample's time is the delta to the next one
    const id = profile.samples[i];
    totalUs += dt;
    const k = key.get(id)!;
    self.set(k, (self.get(k) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const ck = key.get(cur)!;
      if (seen.has(ck)) continue;
      seen.add(ck);
      total.set(ck, (total.get(ck) ?? 0) + dt);
    }
  }
  const spots = [...total.entries()]
    .map(([where, us]) => ({
      where,
      selfMs: (self.get(where) ?? 0) / 1000,
      selfShare: (self.get(where) ?? 0) / totalUs,
      totalMs: us / 1000,
      totalShare: us / totalUs,
    }))
    .sort((a, b) => b.selfMs - a.selfMs);
  return { totalMs: totalUs / 1000, spots };
}

/** The spots whose description matches `filter`, largest inclusive time first. */
export function byInclusive(spots: HotSpot[], filter: RegExp): HotSpot[] {
  return spots.filter((s) => filter.test(s.where)).sort((a, b) => b.totalMs - a.totalMs);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function summarize(file: string, top: number): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const { totalMs, spots } = hotSpots(profile);
  console.log(`${file}: ${(totalMs / 1000).toFixed(2)} s sampled`);
  console.log('\nTop self time');
  console.log('   self  share   total  share  function');
  for (const s of spots.slice(0, top)) {
    console.log(
      `${s.selfMs.toFixed(0).padStart(7)} ${pct(s.selfShare).padStart(6)} ${s.totalMs.toFixed(0).padStart(7)} ${pct(s.totalShare).padStart(6)}  ${s.where}`,
    );
  }
  console.log('\nTop inclusive time (project code)');
  const own = byInclusive(spots, / (?:server\/src|bench)\//).slice(0, top);
  for (const s of own) {
    console.log(`${s.totalMs.toFixed(0).padStart(7)} ${pct(s.totalShare).padStart(6)}  ${s.where}`);
  }
}

function runTarget(file: string, what: string, runs: number, services: number): void {
  if (what === 'sim') {
    // The first packet after each fresh parse (what a user waits for after an edit).
    const g = generateKubeRuleset({ services });
    for (let i = 0; i < runs; i++) {
      const r = measureSimulation(parseDocument(g.text), g.probe, 1, 0);
      if (!r.available) throw new Error(r.reason);
      console.log(`first packet: ${r.firstPacketMs?.toFixed(1)} ms`);
    }
    return;
  }
  const text = readFileSync(file, 'utf8');
  if (what === 'full' || what === 'both') {
    for (let i = 0; i < runs; i++) documentDiagnostics(parseDocument(text), text);
  }
  if (what === 'edit' || what === 'both') {
    const edit = chooseLineEdit(text);
    if (!edit) throw new Error('no rule line to edit');
    const variants = [applyLineEdit(text, edit, true), text];
    let prev: ParseResult = parseDocument(text);
    for (let i = 0; i < runs * 10; i++) {
      const v = variants[i % 2];
      prev = parseDocument(v, { cache: prev.cache });
      documentDiagnostics(prev, v);
    }
  }
}

if (require.main === module) {
  const [cmd, ...rest] = process.argv.slice(2);
  const opt = (name: string, dflt: string): string => {
    const a = rest.find((x) => x.startsWith(`--${name}=`));
    return a ? a.slice(name.length + 3) : dflt;
  };
  if (cmd === 'summarize' && rest[0]) summarize(rest[0], Number(opt('top', '25')));
  else if (cmd === 'run')
    runTarget(opt('file', ''), opt('what', 'full'), Number(opt('runs', '5')), Number(opt('services', '0')));
  else {
    console.error(
      'usage: profile.js run --file=F [--what=full|edit|both|sim] [--runs=N] [--services=N] | summarize FILE [--top=N]',
    );
    process.exit(2);
  }
}
