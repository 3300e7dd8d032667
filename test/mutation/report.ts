/**
 * Aggregates mutant outcomes into the two figures (errors on kernel-rejected mutants, silence on
 * kernel-accepted ones), per-kind tallies, and the disagreements grouped by cause: missed rejects
 * by kind and kernel message, false errors by diagnostic code. Renders them as text and JSON.
 */
import type { MutantOutcome } from './compare';

/** Detection rate the linter must reach on kernel-rejected mutants. */
export const REJECT_THRESHOLD = 0.95;
/** Silence rate the linter must reach on kernel-accepted mutants. */
export const ACCEPT_THRESHOLD = 0.99;

export interface KindTally {
  mutants: number;
  rejected: number;
  detected: number;
  misplaced: number;
  missed: number;
  accepted: number;
  clean: number;
  falseError: number;
  /** Rejected only because a host name could not be resolved offline (left out of the figures). */
  env: number;
  /** Rejected by one backend only. */
  nftOnly: number;
  legacyOnly: number;
}

export interface Example {
  id: number;
  file: string;
  variant: string;
  before: string;
  after: string;
  nft: string;
  legacy: string;
  said: string;
}

export interface Group {
  key: string;
  count: number;
  examples: Example[];
}

export interface Summary {
  seed: number;
  mutants: number;
  rejected: number;
  detected: number;
  /** detected / rejected */
  rejectRate: number;
  accepted: number;
  clean: number;
  /** clean / accepted */
  acceptRate: number;
  /** Detected mutants whose errors on the offending line were already there before the mutation. */
  inheritedDetections: number;
  /** Accepted mutants whose only errors were already on the unmutated file's same line. */
  inheritedOnly: number;
  passes: boolean;
  byKind: Record<string, KindTally>;
  /** Kernel-rejected mutants without an error on the offending line, by kind then kernel message. */
  missed: Record<string, Group[]>;
  /** Kernel-accepted mutants with errors, by diagnostic code (new errors first). */
  falseErrors: Group[];
  /** Mutants rejected only for an unresolvable host name (not counted in either figure). */
  env: number;
  envGroups: Group[];
  durationMs?: number;
  maxLintMs: number;
}

const MAX_EXAMPLES = 4;

/** The kernel message without program names, versions and line numbers. */
export function normalizeKernelMessage(msg: string): string {
  return msg
    .replace(/^(?:ip6?tables(?:-nft|-legacy)?-restore)(?: v[\d.]+ \([^)]*\))?:\s*/gm, '')
    .replace(/\s*Error occurred at line: \d+/g, '')
    .replace(/line \d+/g, 'line N')
    .replace(/Try `[^`']*' or '[^']*' for more information\./g, '')
    .replace(/`[^`']*'/g, "`X'")
    .replace(/"[^"]*"/g, '"X"')
    .replace(/\s+/g, ' ')
    .trim();
}

function describeSaid(o: MutantOutcome): string {
  if (o.said.length === 0) return 'nothing';
  return o.said
    .map((s) => `L${s.line + 1} ${s.severity} ${s.code}: ${s.message}${s.inherited ? ' (also on base file)' : ''}`)
    .join(' | ');
}

function example(o: MutantOutcome): Example {
  return {
    id: o.id,
    file: o.file,
    variant: o.variant,
    before: o.before,
    after: o.after,
    nft: o.nft.ok ? 'ok' : o.nft.message,
    legacy: o.legacy.ok ? 'ok' : o.legacy.message,
    said: describeSaid(o),
  };
}

function addTo(groups: Map<string, Group>, key: string, o: MutantOutcome): void {
  let g = groups.get(key);
  if (!g) {
    g = { key, count: 0, examples: [] };
    groups.set(key, g);
  }
  g.count++;
  if (g.examples.length < MAX_EXAMPLES) g.examples.push(example(o));
}

const sorted = (m: Map<string, Group>) =>
  [...m.values()].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));

/** Tallies outcomes into the summary. */
export function summarize(outcomes: MutantOutcome[], seed: number): Summary {
  const byKind: Record<string, KindTally> = {};
  const missed = new Map<string, Map<string, Group>>();
  const falseErrors = new Map<string, Group>();
  let rejected = 0;
  let detected = 0;
  let accepted = 0;
  let clean = 0;
  let inheritedOnly = 0;
  let inheritedDetections = 0;
  let env = 0;
  const envGroup = new Map<string, Group>();
  let maxLintMs = 0;
  for (const o of outcomes) {
    maxLintMs = Math.max(maxLintMs, o.lintMs);
    byKind[o.kind] ??= {
      mutants: 0,
      rejected: 0,
      detected: 0,
      misplaced: 0,
      missed: 0,
      accepted: 0,
      clean: 0,
      falseError: 0,
      env: 0,
      nftOnly: 0,
      legacyOnly: 0,
    };
    const t = byKind[o.kind];
    t.mutants++;
    if (o.verdict === 'env') {
      t.env++;
      env++;
      addTo(envGroup, normalizeKernelMessage(o.nft.ok ? o.legacy.message : o.nft.message), o);
      continue;
    }
    if (o.kernelRejects) {
      rejected++;
      t.rejected++;
      if (!o.nft.ok && o.legacy.ok) t.nftOnly++;
      if (o.nft.ok && !o.legacy.ok) t.legacyOnly++;
      if (o.verdict === 'detected') {
        detected++;
        t.detected++;
        if (o.inheritedDetection) inheritedDetections++;
        continue;
      }
      if (o.verdict === 'misplaced') t.misplaced++;
      else t.missed++;
      const msg = normalizeKernelMessage(o.nft.ok ? o.legacy.message : o.nft.message);
      const side = !o.nft.ok && o.legacy.ok ? ' [nft only]' : o.nft.ok && !o.legacy.ok ? ' [legacy only]' : '';
      let kindGroups = missed.get(o.kind);
      if (!kindGroups) {
        kindGroups = new Map();
        missed.set(o.kind, kindGroups);
      }
      addTo(kindGroups, `${o.verdict}: ${msg}${side}`, o);
    } else {
      accepted++;
      t.accepted++;
      if (o.verdict === 'clean') {
        clean++;
        t.clean++;
        continue;
      }
      t.falseError++;
      const fresh = o.said.filter((s) => !s.inherited);
      if (fresh.length === 0) inheritedOnly++;
      const first = fresh[0] ?? o.said[0];
      addTo(falseErrors, `${fresh.length ? 'new' : 'inherited from base file'}: ${first.code}`, o);
    }
  }
  const rejectRate = rejected ? detected / rejected : 1;
  const acceptRate = accepted ? clean / accepted : 1;
  const missedOut: Record<string, Group[]> = {};
  for (const [k, g] of [...missed.entries()].sort((a, b) => a[0].localeCompare(b[0]))) missedOut[k] = sorted(g);
  return {
    seed,
    mutants: outcomes.length,
    rejected,
    detected,
    rejectRate,
    accepted,
    clean,
    acceptRate,
    inheritedOnly,
    inheritedDetections,
    passes: rejectRate >= REJECT_THRESHOLD && acceptRate >= ACCEPT_THRESHOLD,
    byKind,
    missed: missedOut,
    falseErrors: sorted(falseErrors),
    env,
    envGroups: sorted(envGroup),
    maxLintMs,
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const clip = (s: string, n = 160) =>
  (s.length > n ? `${s.slice(0, n)}…` : s).replace(/\r/g, '\\r').replace(/\n/g, ' ⏎ ');

/** Human-readable report (figures, per-kind table, disagreements with examples). */
export function renderSummary(s: Summary, examplesPerGroup = 2): string {
  const out: string[] = [];
  out.push(`mutation test: seed ${s.seed}, ${s.mutants} mutants`);
  out.push(
    `kernel rejected ${s.rejected}: linter error on the offending line in ${s.detected} = ${pct(s.rejectRate)} (need ${pct(REJECT_THRESHOLD)}); ${s.inheritedDetections} of these only repeat an error of the unmutated line`,
  );
  out.push(
    `kernel accepted ${s.accepted}: no linter error in ${s.clean} = ${pct(s.acceptRate)} (need ${pct(ACCEPT_THRESHOLD)}); ${s.inheritedOnly} false-error mutants only repeat errors of the unmutated file`,
  );
  out.push(`left out: ${s.env} mutants rejected only because a host name does not resolve offline`);
  out.push(`verdict: ${s.passes ? 'PASS' : 'FAIL'}; slowest lint ${s.maxLintMs.toFixed(0)} ms`);
  out.push('');
  out.push(
    'kind                        mutants rejected detected misplaced missed accepted clean false nft-only legacy-only',
  );
  for (const [k, t] of Object.entries(s.byKind).sort((a, b) => a[0].localeCompare(b[0]))) {
    out.push(
      `${k.padEnd(28)}${String(t.mutants).padStart(7)}${String(t.rejected).padStart(9)}${String(t.detected).padStart(9)}${String(t.misplaced).padStart(10)}${String(t.missed).padStart(7)}${String(t.accepted).padStart(9)}${String(t.clean).padStart(6)}${String(t.falseError).padStart(6)}${String(t.env).padStart(6)}${String(t.nftOnly).padStart(9)}${String(t.legacyOnly).padStart(12)}`,
    );
  }
  const renderGroup = (g: Group) => {
    out.push(`  [${g.count}] ${g.key}`);
    for (const e of g.examples.slice(0, examplesPerGroup)) {
      out.push(`      #${e.id} ${e.file} (${e.variant})`);
      out.push(`        line:   ${clip(e.after || `(deleted) ${e.before}`)}`);
      out.push(`        nft:    ${clip(e.nft)}`);
      out.push(`        legacy: ${clip(e.legacy)}`);
      out.push(`        we:     ${clip(e.said, 240)}`);
    }
  };
  out.push('');
  out.push('== kernel rejected, linter silent on the offending line (by kind) ==');
  for (const [k, groups] of Object.entries(s.missed)) {
    out.push(`${k}: ${groups.reduce((n, g) => n + g.count, 0)}`);
    for (const g of groups) renderGroup(g);
  }
  out.push('');
  out.push('== kernel accepted, linter reported errors (by diagnostic) ==');
  for (const g of s.falseErrors) renderGroup(g);
  out.push('');
  out.push('== left out: rejected only because a host name does not resolve offline ==');
  for (const g of s.envGroups) renderGroup(g);
  return out.join('\n');
}
