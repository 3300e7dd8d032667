/**
 * CI-sized mutation test: 150 seeded mutants of kernel-accepted corpus files, each really loaded
 * with iptables-restore (nft and legacy backends, fresh network namespaces) and linted. Asserts
 * the two figures: an error on the offending line for ≥95% of the mutants the kernel rejects, no
 * error for ≥99% of those it accepts. Also checks the mutator's own guarantees (determinism,
 * every kind applicable, mutants differ from their base). Skips the kernel part when not root
 * or iptables is missing. Full run: `node out/test/mutation/run.js`.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { kernelAvailable } from '../helpers/netns';
import { CORPUS } from '../helpers/paths';
import { hostLookupOnly } from './compare';
import { describeFile, loadBaseFiles } from './corpus';
import { runMutationTest } from './harness';
import { KINDS, Mutator } from './mutator';
import { ACCEPT_THRESHOLD, REJECT_THRESHOLD, renderSummary } from './report';

const SAMPLE = Number(process.env.MUTATION_COUNT ?? 150);
const SEED = Number(process.env.MUTATION_SEED ?? 1);
const haveCorpus = existsSync(join(CORPUS, 'restore-verdicts.tsv'));

test('mutator is deterministic, covers every kind and always changes the file', {
  skip: !haveCorpus && 'shared corpus not found',
}, () => {
  const files = loadBaseFiles(CORPUS);
  assert.ok(files.length >= 20, `expected the valid corpus files, got ${files.length}`);
  const a = new Mutator(files, 7);
  const b = new Mutator(files, 7);
  assert.deepEqual(a.inapplicableKinds(), []);
  const ma = a.mutants(2 * KINDS.length);
  const mb = b.mutants(2 * KINDS.length);
  assert.deepEqual(
    ma.map((m) => m.text),
    mb.map((m) => m.text),
  );
  // Mutant i does not depend on how many were asked for.
  assert.equal(a.mutant(5)?.text, ma.find((m) => m.id === 5)?.text);
  assert.deepEqual(new Set(ma.map((m) => m.kind)), new Set(KINDS.map((k) => k.name)));
  const byRel = new Map(files.map((f) => [f.rel, `${f.lines.join('\n')}\n`]));
  for (const m of ma) {
    assert.notEqual(m.text, byRel.get(m.file), `mutant ${m.id} (${m.kind}) equals its base file`);
    assert.ok(m.mutated.length > 0 && m.mutated.every((l) => l >= 0 && l < m.lineCount), `mutant ${m.id} lines`);
  }
  const other = new Mutator(files, 8).mutants(KINDS.length);
  assert.notDeepEqual(
    other.map((m) => m.text),
    ma.slice(0, KINDS.length).map((m) => m.text),
  );
});

test('line description finds option groups, targets and tables', () => {
  const f = describeFile(
    'x',
    4,
    ['*filter', ':INPUT ACCEPT [0:0]', '-A INPUT ! -s 10.0.0.1 -p tcp --dport 22 -j LOG --log-prefix "a b"', 'COMMIT'],
    false,
  );
  const rule = f.info[2];
  assert.equal(rule.kind, 'rule');
  assert.deepEqual(
    rule.groups!.map((g) => g.name),
    ['-s', '-p', '--dport', '-j', '--log-prefix'],
  );
  assert.equal(rule.groups![0].neg, 2);
  assert.equal(rule.tokens[rule.target!.args[0]].text, 'LOG');
  assert.equal(f.tables[0].commit, 3);
  assert.equal(f.tables[0].chains.get('INPUT')?.builtin, true);
});

test('host lookup failures of host-like words are environment, numeric ones are not', () => {
  assert.equal(hostLookupOnly("iptables-restore v1.8.9 (legacy): host/network `DOS_PROTECT' not found"), true);
  assert.equal(hostLookupOnly("host/network `192.0.2.1.7' not found"), false);
  assert.equal(hostLookupOnly("host/network `2001:db8::1' not found"), false);
  assert.equal(hostLookupOnly("host/network `10.0.0.3 -j ACCEPT\n' not found"), false);
  assert.equal(hostLookupOnly('Bad IP address "1.2.3.4.5"'), false);
});

const kernel = kernelAvailable();

test(`linter agrees with the kernel on ${SAMPLE} mutants`, {
  skip:
    (!haveCorpus && 'shared corpus not found') || (!kernel.ok && `kernel tests need root and iptables: ${kernel.why}`),
  timeout: 600_000,
}, async () => {
  const { summary } = await runMutationTest({ count: SAMPLE, seed: SEED });
  const report = renderSummary(summary, 1);
  assert.ok(summary.mutants >= SAMPLE * 0.95, `only ${summary.mutants} mutants generated`);
  assert.ok(summary.rejected > 0 && summary.accepted > 0, 'the sample must contain both rejected and accepted mutants');
  assert.ok(
    summary.rejectRate >= REJECT_THRESHOLD && summary.acceptRate >= ACCEPT_THRESHOLD,
    `mutation figures below thresholds:\n${report}`,
  );
});
