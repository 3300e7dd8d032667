/**
 * Unit tests of the semantic analyses beyond the catalogue examples: hook reachability through
 * chains of user chains, the lines and ranges diagnostics point at, quick-fix data, loops that no
 * hook reaches, mixed-hook interface rules, and linear cost on a kube-proxy-sized ruleset.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateKubeRuleset } from '../../bench/generate';
import { buildGraph, hookMask, hooksOf, jumpCycles, referenceCount } from '../../server/src/service/analysis/graph';
import { lintText } from '../../server/src/service/document';
import type { Diagnostic } from '../../server/src/service/model';
import { parseSave } from '../../server/src/service/parser/save';

const doc = (table: string, ...lines: string[]) => `*${table}\n${lines.join('\n')}\nCOMMIT\n`;
const lint = (text: string) => lintText(text, { languageId: 'iptables' }).diagnostics;
const withCode = (ds: Diagnostic[], code: string) => ds.filter((d) => d.code === code);

test('hook masks propagate transitively through jumps and gotos, once per table', () => {
  const text = doc(
    'nat',
    ':A - [0:0]',
    ':B - [0:0]',
    ':C - [0:0]',
    ':LONE - [0:0]',
    '-A PREROUTING -j A',
    '-A OUTPUT -j B',
    '-A A -g B',
    '-A B -j C',
    '-A POSTROUTING -j C',
  );
  const table = parseSave(text).rulesets[4]!.tables.get('nat')!;
  const g = buildGraph(table);
  assert.deepEqual(hooksOf(hookMask(g, 'A')), ['PREROUTING']);
  assert.deepEqual(hooksOf(hookMask(g, 'B')), ['PREROUTING', 'OUTPUT']);
  assert.deepEqual(hooksOf(hookMask(g, 'C')), ['PREROUTING', 'OUTPUT', 'POSTROUTING']);
  assert.equal(hookMask(g, 'LONE'), 0);
  assert.equal(referenceCount(g, 'LONE'), 0);
  assert.equal(referenceCount(g, 'C'), 2);
  assert.deepEqual(jumpCycles(g), []);
});

test('a chain reached again by a longer path after it was passed on passes the new hook on too', () => {
  // INPUT reaches X first, and X passes INPUT on to Y; FORWARD reaches X later, through A and B,
  // after X was passed on: X must pass FORWARD on as well.
  const text = doc(
    'filter',
    ':A - [0:0]',
    ':B - [0:0]',
    ':X - [0:0]',
    ':Y - [0:0]',
    '-A INPUT -j X',
    '-A FORWARD -j A',
    '-A A -j B',
    '-A B -j X',
    '-A X -j Y',
  );
  const g = buildGraph(parseSave(text).rulesets[4]!.tables.get('filter')!);
  assert.deepEqual(hooksOf(hookMask(g, 'X')), ['INPUT', 'FORWARD']);
  assert.deepEqual(hooksOf(hookMask(g, 'Y')), ['INPUT', 'FORWARD']);
  assert.deepEqual(g.names, ['A', 'B', 'X', 'Y', 'INPUT', 'FORWARD']);
});

test('a target reached from a forbidden hook two chains down names the path', () => {
  const text = doc(
    'nat',
    ':OUTER - [0:0]',
    ':INNER - [0:0]',
    '-A POSTROUTING -j OUTER',
    '-A OUTER -j INNER',
    '-A INNER -p tcp -j DNAT --to-destination 10.0.0.1',
  );
  const ds = withCode(lint(text), 'target-not-in-hook');
  assert.equal(ds.length, 1);
  const d = ds[0];
  assert.equal(d.span.line, 5);
  assert.match(d.message, /POSTROUTING → OUTER → INNER/);
  assert.deepEqual(d.data?.hooks, ['POSTROUTING']);
  assert.equal(d.related?.length, 2);
  assert.deepEqual(
    d.related!.map((r) => r.span.line),
    [3, 4],
  );
});

test('a chain no hook reaches is not checked against hooks, but is reported unused', () => {
  const text = doc('nat', ':SPARE - [0:0]', '-A SPARE -p tcp -j DNAT --to-destination 10.0.0.1');
  const ds = lint(text);
  assert.deepEqual(withCode(ds, 'target-not-in-hook'), []);
  assert.equal(withCode(ds, 'unused-chain').length, 1);
  assert.equal(withCode(ds, 'unused-chain')[0].severity, 'hint');
});

test('table restrictions apply even in chains no hook reaches', () => {
  const ds = lint(doc('filter', ':SPARE - [0:0]', '-A SPARE -j TRACE'));
  assert.equal(withCode(ds, 'target-not-in-table').length, 1);
});

test('jump loops: reported when a hook reaches them, on the jump that closes them', () => {
  const looped = lint(doc('filter', ':A - [0:0]', ':B - [0:0]', '-A A -j B', '-A INPUT -j A', '-A B -g A'));
  const loops = withCode(looped, 'chain-loop');
  assert.equal(loops.length, 1);
  assert.equal(loops[0].span.line, 5);
  assert.deepEqual(loops[0].data?.cycle, ['B', 'A', 'B']);
  const self = withCode(lint(doc('filter', ':A - [0:0]', '-A INPUT -j A', '-A A -j A')), 'chain-loop');
  assert.equal(self.length, 1);
  assert.deepEqual(self[0].data?.cycle, ['A', 'A']);
  // Both backends accept a loop that no built-in chain reaches.
  assert.deepEqual(
    withCode(lint(doc('filter', ':A - [0:0]', ':B - [0:0]', '-A A -j B', '-A B -j A')), 'chain-loop'),
    [],
  );
});

test('undefined jump targets are errors on the jump line; built-in chains are not targets', () => {
  const ds = lint(doc('filter', '-A INPUT -p tcp -j NOWHERE', '-A INPUT -g FORWARD'));
  const undef = withCode(ds, 'undefined-chain');
  assert.equal(undef.length, 1);
  assert.equal(undef[0].span.line, 1);
  assert.equal(undef[0].severity, 'error');
  assert.deepEqual(undef[0].data, { chain: 'NOWHERE', table: 'filter' });
  assert.equal(withCode(ds, 'jump-to-builtin-chain').length, 1);
  // Alone in its chain (no undefined name next to it), in a built-in and in a user chain.
  const alone = lint(doc('filter', ':A - [0:0]', '-A INPUT -j A', '-A OUTPUT -g FORWARD', '-A A -j INPUT'));
  assert.deepEqual(
    withCode(alone, 'jump-to-builtin-chain').map((d) => d.span.line),
    [3, 4],
  );
  assert.deepEqual(withCode(alone, 'undefined-chain'), []);
});

test('-i/-o: error written in the chain of that name, warning through user chains, silent for mixed hooks', () => {
  const direct = withCode(lint(doc('filter', '-A INPUT -o eth0 -j ACCEPT')), 'interface-not-allowed');
  assert.equal(direct.length, 1);
  assert.equal(direct[0].data?.replacement, '-i');
  const via = lint(doc('filter', ':C - [0:0]', '-A OUTPUT -j C', '-A C ! -i eth0 -j DROP'));
  const w = withCode(via, 'interface-never-matches');
  assert.equal(w.length, 1);
  assert.match(w[0].message, /always matches/);
  const mixed = lint(doc('filter', ':C - [0:0]', '-A OUTPUT -j C', '-A INPUT -j C', '-A C -i eth0 -j DROP'));
  assert.deepEqual(withCode(mixed, 'interface-never-matches'), []);
  const forward = lint(doc('filter', '-A FORWARD -i eth0 -o eth1 -j ACCEPT'));
  assert.deepEqual(
    forward.filter((d) => d.code.startsWith('interface')),
    [],
  );
  // By name in any table: in raw, INPUT is a user chain; the same rule shape is clean in another
  // user chain that nothing reaches, and still an error in INPUT (the fast lane learns shapes).
  const named = lint(
    doc('raw', ':X - [0:0]', ':INPUT - [0:0]', '-A X -o eth0 -j ACCEPT', '-A INPUT -o eth0 -j ACCEPT'),
  );
  assert.deepEqual(
    withCode(named, 'interface-not-allowed').map((d) => d.span.line),
    [4],
  );
});

test('protocol requirements: negated -p and -p all do not satisfy them; numbers do', () => {
  assert.equal(
    withCode(lint(doc('filter', '-A INPUT ! -p tcp -m tcp --dport 22 -j ACCEPT')), 'extension-needs-protocol').length,
    1,
  );
  assert.equal(
    withCode(lint(doc('filter', '-A INPUT -m tcp --dport 22 -j ACCEPT')), 'extension-needs-protocol').length,
    1,
  );
  assert.deepEqual(
    withCode(lint(doc('filter', '-A INPUT -p 6 -m tcp --dport 22 -j ACCEPT')), 'extension-needs-protocol'),
    [],
  );
  const reset = withCode(
    lint(doc('filter', '-A INPUT -p udp -j REJECT --reject-with tcp-reset')),
    'extension-needs-protocol',
  );
  assert.equal(reset.length, 1);
  assert.match(reset[0].message, /--reject-with tcp-reset/);
  assert.deepEqual(
    withCode(lint(doc('filter', '-A INPUT -p tcp -j REJECT --reject-with tcp-reset')), 'extension-needs-protocol'),
    [],
  );
});

test('policy match: --dir in and --dir out have different hooks', () => {
  const ok = lint(
    doc(
      'filter',
      '-A OUTPUT -m policy --dir out --pol ipsec -j ACCEPT',
      '-A INPUT -m policy --dir in --pol ipsec -j ACCEPT',
    ),
  );
  assert.deepEqual(withCode(ok, 'match-not-in-hook'), []);
  const bad = withCode(lint(doc('filter', '-A INPUT -m policy --dir out --pol ipsec -j ACCEPT')), 'match-not-in-hook');
  assert.equal(bad.length, 1);
});

test('unreachable rules: only after an unconditional terminating rule, each pointing back at it', () => {
  const text = doc(
    'filter',
    ':C - [0:0]',
    '-A INPUT -p tcp -j DROP',
    '-A INPUT -j C',
    '-A INPUT -j LOG',
    '-A INPUT -s 0.0.0.0/0 -m comment --comment all -j REJECT',
    '-A INPUT -j ACCEPT',
    '-A INPUT -p udp -j ACCEPT',
    '-A C -g C2',
    ':C2 - [0:0]',
  );
  const ds = withCode(lint(text), 'unreachable-rule');
  assert.deepEqual(
    ds.map((d) => d.span.line),
    [6, 7],
  );
  assert.equal(ds[0].related?.[0].span.line, 5);
});

test('-m state carries its conntrack replacement; NOTRACK its CT replacement', () => {
  const line = '-A INPUT -p tcp -m state ! --state INVALID -j ACCEPT';
  const ds = withCode(lint(doc('filter', line)), 'deprecated-match');
  assert.equal(ds.length, 1, 'reported once (parser and analysis agree on one diagnostic)');
  assert.equal(ds[0].data?.replacement, '-m conntrack ! --ctstate INVALID');
  const r = ds[0].data?.replaceSpan as { character: number; endCharacter: number };
  assert.equal(line.slice(r.character, r.endCharacter), '-m state ! --state INVALID');
  const nt = withCode(lint(doc('raw', '-A PREROUTING -j NOTRACK')), 'deprecated-target');
  assert.equal(nt.length, 1);
  assert.equal(nt[0].data?.replacement, '-j CT --notrack');
});

test('chain names the kernel refuses', () => {
  const ds = withCode(lint(doc('filter', ':RETURN - [0:0]', ':-dash - [0:0]', ':LOG - [0:0]')), 'bad-chain-name');
  assert.deepEqual(
    ds.map((d) => d.span.line),
    [1, 2],
  );
});

test('removed kernel extensions are errors', () => {
  const ds = withCode(lint(doc('filter', '-A INPUT -j ULOG')), 'removed-from-kernel');
  assert.equal(ds.length, 1);
  assert.equal(ds[0].severity, 'error');
});

test('analyses stay linear on a kube-proxy ruleset of ~320k rules', () => {
  const { text, rules } = generateKubeRuleset({ services: 40_000 });
  assert.ok(rules.total > 300_000, `generated ${rules.total} rules`);
  const t0 = performance.now();
  const ds = lint(text);
  const ms = performance.now() - t0;
  assert.deepEqual(ds.filter((d) => d.severity === 'error').slice(0, 3), []);
  // Parsing dominates; the bound is generous for slow CI machines but catches quadratic blowups.
  assert.ok(ms < 60_000, `lint took ${Math.round(ms)} ms`);
  console.log(`lint of ${rules.total} rules: ${Math.round(ms)} ms`);
});
