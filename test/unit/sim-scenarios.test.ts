// Conformance: every kernel-recorded scenario (shared ones, and our own once the kernel oracle
// has recorded them) runs through the simulator for both backends and must agree with the
// kernel's answers field by field (test/helpers/compare.ts).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { runScenario, type Scenario } from '../../server/src/service/simulator/index';
import { compareResults, tablesInRuleset } from '../helpers/compare';
import { REPO_ROOT, SCENARIOS } from '../helpers/paths';

function scenarioDirs(): string[] {
  return [SCENARIOS, join(REPO_ROOT, 'test', 'scenarios')].filter((d) => existsSync(join(d, 'results')));
}

for (const dir of scenarioDirs()) {
  for (const f of readdirSync(dir)
    .filter((x) => x.endsWith('.json'))
    .sort()) {
    const name = f.slice(0, -5);
    for (const backend of ['nft', 'legacy'] as const) {
      const recorded = join(dir, 'results', `${name}.${backend}.out.json`);
      if (!existsSync(recorded)) continue;
      test(`scenario ${name} (${backend}) agrees with the kernel`, () => {
        const sc = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Scenario;
        const text = sc.ruleset_text ?? readFileSync(join(dirname(join(dir, f)), sc.ruleset as string), 'utf8');
        const kernel = JSON.parse(readFileSync(recorded, 'utf8'));
        const sim = runScenario(sc, text, backend);
        assert.deepEqual(sim.errors, []);
        const nd = [...(sc.nondeterministic?.values ?? []), ...(sc.nondeterministic?.paths ?? [])];
        const diffs = compareResults(sim, kernel, { tables: tablesInRuleset(text), backend, nondeterministic: nd });
        assert.deepEqual(diffs, []);
      });
    }
  }
}

test('our own scenarios are well-formed and simulate without errors on both backends', () => {
  const dir = join(REPO_ROOT, 'test', 'scenarios');
  const files = readdirSync(dir).filter((x) => x.endsWith('.json'));
  assert.ok(files.length >= 30, `only ${files.length} scenarios`);
  for (const f of files) {
    const sc = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Scenario;
    const text = readFileSync(join(dir, sc.ruleset as string), 'utf8');
    for (const backend of ['nft', 'legacy'] as const) {
      const r = runScenario(sc, text, backend);
      assert.deepEqual(r.errors, [], f);
      for (const p of r.packets) assert.notEqual(p.disposition, 'unknown', `${f} ${p.name}: ${p.notes.join('; ')}`);
    }
  }
});

test('the shared scenarios are present', () => {
  assert.ok(existsSync(join(SCENARIOS, 'results')), `no scenarios at ${SCENARIOS}`);
});
