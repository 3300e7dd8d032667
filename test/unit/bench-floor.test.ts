// The benchmark's word-splitting pass (bench/floor.ts) and the columnar experiment
// (bench/experiments/columnar-floor.ts) must do the parser's work, not less: they find the same
// rules, chains and jumps to user chains as the real parse of the same text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { columnarPass, learnedPlans } from '../../bench/experiments/columnar-floor';
import { floorPass } from '../../bench/floor';
import { generateKubeRuleset } from '../../bench/generate';
import { buildGraph, chainTargetOf } from '../../server/src/service/analysis/graph';
import { parseDocument } from '../../server/src/service/document';

function parserCounts(text: string) {
  const doc = parseDocument(text);
  let rules = 0;
  let chainJumps = 0;
  let chains = 0;
  for (const rs of Object.values(doc.rulesets)) {
    if (!rs) continue;
    for (const t of rs.tables.values()) {
      chains += t.chains.size;
      for (const c of t.chains.values()) {
        rules += c.rules.length;
        for (const r of c.rules) {
          const name = chainTargetOf(r);
          if (name !== undefined && t.chains.has(name)) chainJumps++;
        }
      }
    }
  }
  return { rules, chainJumps, chains };
}

test('the floor pass counts what the parser finds in a generated kube-proxy ruleset', () => {
  for (const services of [1, 300]) {
    const { text } = generateKubeRuleset({ services });
    const floor = floorPass(text);
    const { shapes, ...counts } = floor;
    assert.deepEqual(counts, parserCounts(text), `${services} services`);
    assert.ok(shapes > 5 && shapes < 60, `shapes ${shapes}`);
  }
});

test('the floor pass reads counters, quoted words and -g', () => {
  const text = [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':A - [0:0]',
    ':B - [0:0]',
    '[3:180] -A INPUT -m comment --comment "-j B" -j A',
    '-A INPUT -g B',
    '-A A -j ACCEPT',
    '-A B -j A',
    'COMMIT',
    '',
  ].join('\n');
  const floor = floorPass(text);
  assert.deepEqual({ rules: floor.rules, chainJumps: floor.chainJumps, chains: floor.chains }, parserCounts(text));
  assert.equal(floor.chainJumps, 3);
});

test('the columnar experiment counts what the parser finds, with either chain index', () => {
  const { text } = generateKubeRuleset({ services: 300 });
  const doc = parseDocument(text);
  const plans = learnedPlans(doc.commands);
  const counts = parserCounts(text);
  let reached = 0;
  for (const rs of Object.values(doc.rulesets))
    for (const t of rs?.tables.values() ?? []) {
      const g = buildGraph(t);
      for (let c = 0; c < g.names.length; c++) if (g.mask[c] !== 0) reached++;
    }
  for (const own of [false, true]) {
    const col = columnarPass(text, plans, own);
    // Rule lines with a chain target, as the parser counts them: jumps to user chains declared.
    assert.deepEqual(
      { rules: col.rules, chains: col.chains, reached: col.reached },
      { rules: counts.rules, chains: counts.chains, reached },
      `own index: ${own}`,
    );
    assert.equal(col.chainJumps, counts.chainJumps, `own index: ${own}`);
    assert.ok(col.otherLines < 20, `lines no pattern took: ${col.otherLines}`);
  }
});

test('the columnar experiment tells apart chain names that differ in one character only', () => {
  // Each name is compared as characters of the text: a run of rules, the next declared chains
  // and the index must all see that AXXXXXXXXXXX is not BXXXXXXXXXXX.
  const text = [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':AXXXXXXXXXXX - [0:0]',
    ':BXXXXXXXXXXX - [0:0]',
    ':CXXXXXXXXXXX - [0:0]',
    ':DXXXXXXXXXXX - [0:0]',
    '-A INPUT -s 10.0.0.1/32 -j AXXXXXXXXXXX',
    '-A AXXXXXXXXXXX -s 10.0.0.1/32 -j ACCEPT',
    '-A BXXXXXXXXXXX -d 10.0.0.2/32 -j CXXXXXXXXXXX',
    '-A CXXXXXXXXXXX -p tcp -j DXXXXXXXXXXX',
    'COMMIT',
    '',
  ].join('\n');
  const doc = parseDocument(text);
  const plans = learnedPlans(doc.commands);
  for (const own of [false, true]) {
    const col = columnarPass(text, plans, own);
    // Reached: INPUT and AXXXXXXXXXXX only (B jumps to C, C to D, but nothing reaches B).
    assert.deepEqual(
      { rules: col.rules, chains: col.chains, chainJumps: col.chainJumps, reached: col.reached },
      { rules: 4, chains: 5, chainJumps: 3, reached: 2 },
      `own index: ${own}`,
    );
  }
});
