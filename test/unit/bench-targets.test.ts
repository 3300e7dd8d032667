/**
 * The benchmark's checks of the issue's ratios (bench/report.ts, checkTargets): judged on the
 * paired rounds when they ran (both sides of each ratio over the same minutes), else on the
 * inputs' own measurements, and both shown.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkTargets, type InputReport, type PairedReport } from '../../bench/report';
import type { RestoreTiming } from '../../bench/restore';
import { summarize } from '../../bench/stats';
import type { LibraryResult } from '../../bench/worker';

function generated(services: number, full: number, restore?: { nft: number; legacy: number }): InputReport {
  const t = summarize([full]);
  const library = { full: t, parse: t, analyze: t } as LibraryResult;
  const timing = (backend: 'nft' | 'legacy', ms: number) =>
    ({ ...summarize([ms]), backend, status: 0, message: '', execOverheadMs: 0 }) as RestoreTiming;
  return {
    input: { name: `kube-${services}`, kind: 'generated', path: '', family: 4, services, saveForm: true },
    library,
    restore: restore && { nft: timing('nft', restore.nft), legacy: timing('legacy', restore.legacy) },
  } as InputReport;
}

const byName = (checks: ReturnType<typeof checkTargets>, part: string) => {
  const c = checks.find((x) => x.name.includes(part));
  assert.ok(c, part);
  return c;
};

test('the ratios are judged on the inputs alone without paired rounds', () => {
  // 80 ms against 700 / 900 ms: legacy passes, nft fails; 400 ÷ 80 = 5 fails growth.
  const inputs = [generated(10_000, 80, { nft: 700, legacy: 900 }), generated(40_000, 400)];
  const checks = checkTargets(inputs);
  assert.equal(byName(checks, '(nft)').pass, false);
  assert.equal(byName(checks, '(legacy)').pass, true);
  assert.equal(byName(checks, '÷ 80k').pass, false);
  assert.doesNotMatch(byName(checks, '÷ 80k').measured, /paired/);
});

test('the ratios are judged on the paired rounds when they ran, the inputs shown beside', () => {
  const inputs = [generated(10_000, 80, { nft: 700, legacy: 900 }), generated(40_000, 400)];
  const paired: PairedReport = {
    rounds: 3,
    full80k: summarize([60, 61, 62]),
    full320k: summarize([250, 260, 270]),
    nft: summarize([700, 710, 720]),
    legacy: summarize([580, 590, 600]),
  };
  const checks = checkTargets(inputs, paired);
  // 61 ms against 710 / 590 ms; 260 ÷ 61 = 4.26.
  assert.equal(byName(checks, '(nft)').pass, true);
  assert.equal(byName(checks, '(legacy)').pass, false);
  assert.equal(byName(checks, '÷ 80k').pass, true);
  assert.match(byName(checks, '÷ 80k').measured, /paired rounds: .*4\.26.*inputs' runs: .*5\.00/);
  assert.match(byName(checks, '(nft)').measured, /paired rounds: .*11\.6×.*inputs' runs/);
});
