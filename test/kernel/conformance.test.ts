/**
 * Kernel conformance suite: every scenario of the shared set (scenarios/) and of our own set
 * (test/scenarios/) is run through the real kernel by the oracle, with both iptables backends,
 * and through the simulator; the two must agree (test/helpers/compare.ts: same chains, rules,
 * verdicts, egress headers, disposition, TRACE/LOG text). Where a recording exists beside the
 * scenario (results/<name>.<backend>.out.json), the oracle must also reproduce it: that keeps the
 * oracle itself honest. Needs root, iproute2, iptables (both backends), conntrack and python3;
 * skips with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runScenario } from '../../server/src/service/simulator';
import { compareResults, tablesInRuleset } from '../helpers/compare';
import { type Backend, kernelAvailable, run } from '../helpers/netns';
import { REPO_ROOT, SCENARIOS } from '../helpers/paths';
import { type ComparableResult, diffResults, nondeterministicPackets, rulesetTables } from './diff';
import { type OracleResult, runOracle } from './oracle';
import { type LoadedScenario, loadScenario } from './scenario';

const BACKENDS: Backend[] = ['nft', 'legacy'];
const JOBS = Math.max(1, Number(process.env.KERNEL_ORACLE_JOBS) || 3);

function why(): string | null {
  const k = kernelAvailable();
  if (!k.ok) return `kernel conformance needs root and iptables (${k.why})`;
  for (const bin of ['conntrack', 'python3']) {
    if (run('sh', ['-c', `command -v ${bin}`]).status !== 0)
      return `kernel conformance needs root and ${bin} (Debian package ${bin === 'conntrack' ? 'conntrack' : 'python3'})`;
  }
  return null;
}

function scenarioFiles(): string[] {
  const out: string[] = [];
  for (const dir of [SCENARIOS, join(REPO_ROOT, 'test', 'scenarios')]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.json')) out.push(join(dir, f));
  }
  return out;
}

const skipReason = why();
const files = skipReason ? [] : scenarioFiles();

// Every oracle run starts now, a few at a time; each test awaits its own.
const pending: (() => void)[] = [];
let active = 0;
function limited<T>(fn: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolvePromise, reject) => {
    const start = () => {
      active++;
      fn()
        .then(resolvePromise, reject)
        .finally(() => {
          active--;
          pending.shift()?.();
        });
    };
    if (active < JOBS) start();
    else pending.push(start);
  });
}

interface Job {
  loaded: LoadedScenario;
  backend: Backend;
  result: Promise<OracleResult>;
}

const jobs: Job[] = [];
const unreadable: [string, string][] = [];
for (const f of files) {
  let loaded: LoadedScenario;
  try {
    loaded = loadScenario(f);
  } catch (e) {
    unreadable.push([f, (e as Error).message]);
    continue;
  }
  for (const backend of BACKENDS) jobs.push({ loaded, backend, result: limited(() => runOracle(loaded, backend)) });
}
for (const [f, message] of unreadable) {
  test(`scenario ${f} can be read`, () => {
    assert.fail(message);
  });
}

if (skipReason) {
  test('kernel conformance', (t) => {
    t.skip(skipReason);
  });
} else {
  test('there are scenarios to run', () => {
    assert.ok(files.length > 0, `no scenario found in ${SCENARIOS} nor test/scenarios`);
  });
}

for (const job of jobs) {
  const { loaded, backend } = job;
  test(`${loaded.name} (${backend})`, async (t) => {
    const result = await job.result;
    assert.deepEqual(result.errors, [], `the oracle failed: ${result.errors.join('; ')}`);
    assert.equal(result.packets.length, loaded.scenario.packets.length);
    const recorded = join(loaded.path, '..', 'results', `${loaded.name}.${backend}.out.json`);
    if (existsSync(recorded)) {
      await t.test('the oracle reproduces the recorded kernel answer', () => {
        const expected = JSON.parse(readFileSync(recorded, 'utf8')) as ComparableResult;
        const diffs = diffResults(expected, result as unknown as ComparableResult, {
          tables: rulesetTables(loaded.rulesetText),
          nondeterministic: nondeterministicPackets(loaded.scenario),
          text: backend === 'legacy',
        });
        assert.deepEqual(diffs, [], diffs.join('\n'));
      });
    }
    await t.test('the simulator agrees with the kernel', () => {
      const sim = runScenario(
        loaded.scenario as unknown as Parameters<typeof runScenario>[0],
        loaded.rulesetText,
        backend,
      );
      assert.deepEqual(sim.errors ?? [], [], `the simulator reported errors: ${(sim.errors ?? []).join('; ')}`);
      const diffs = compareResults(
        sim as unknown as Parameters<typeof compareResults>[0],
        result as unknown as Parameters<typeof compareResults>[1],
        {
          tables: tablesInRuleset(loaded.rulesetText),
          backend,
          nondeterministic: nondeterministicPackets(loaded.scenario),
        },
      );
      assert.deepEqual(diffs, [], diffs.join('\n'));
    });
  });
}
