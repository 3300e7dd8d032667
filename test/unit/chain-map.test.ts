/**
 * The table's chain map that lets declared chains wait (server/src/service/parser/chainMap.ts):
 * it must answer every Map method as a Map holding them would, put them in on the first lookup,
 * and the parser must settle names declared twice without it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateKubeRuleset } from '../../bench/generate';
import { buildGraph } from '../../server/src/service/analysis/graph';
import { documentDiagnostics, parseDocument } from '../../server/src/service/document';
import type { Chain } from '../../server/src/service/model';
import { BuiltChain, copyChain } from '../../server/src/service/parser/chain';
import { ChainList, ChainMap, DeclaredChains } from '../../server/src/service/parser/chainMap';
import { mulberry32 } from '../helpers/rng';

const chain = (name: string): Chain => new BuiltChain(name, false, undefined);

function sameAsMap(m: ChainMap, ref: Map<string, Chain>, what: string): void {
  assert.equal(m.size, ref.size, `${what}: size`);
  assert.deepEqual([...m.keys()], [...ref.keys()], `${what}: keys`);
  assert.deepEqual([...m.values()], [...ref.values()], `${what}: values`);
  assert.deepEqual([...m.entries()], [...ref.entries()], `${what}: entries`);
  assert.deepEqual([...m], [...ref], `${what}: iterator`);
  const seen: [string, Chain][] = [];
  m.forEach((c, n, map) => {
    assert.equal(map, m);
    seen.push([n, c]);
  });
  assert.deepEqual(seen, [...ref], `${what}: forEach`);
  assert.deepEqual([...new Map(m)], [...ref], `${what}: copied`);
}

test('a chain map with waiting chains answers as a map holding them', () => {
  const rnd = mulberry32(11);
  for (let round = 0; round < 30; round++) {
    const m = new ChainMap();
    const ref = new Map<string, Chain>();
    for (let step = 0; step < 60; step++) {
      const name = `C${Math.floor(rnd() * 25)}`;
      const r = rnd();
      const what = `round ${round}, step ${step}`;
      if (r < 0.45) {
        // peekUser answers from the map proper (the waiting chains aside).
        const had = ref.get(name);
        const waiting = had !== undefined && m.deferred.includes(had);
        assert.equal(m.peekUser(name), waiting ? undefined : had, `${what}: peekUser`);
        // A chain waits only while no chain has its name.
        if (had === undefined) {
          const c = chain(name);
          m.defer(c);
          ref.set(name, c);
        }
      } else if (r < 0.6) {
        const c = chain(name);
        m.set(name, c);
        ref.set(name, c);
      } else if (r < 0.75) assert.equal(m.get(name), ref.get(name), `${what}: get`);
      else if (r < 0.85) assert.equal(m.has(name), ref.has(name), `${what}: has`);
      else if (r < 0.95) assert.equal(m.delete(name), ref.delete(name), `${what}: delete`);
      else {
        m.clear();
        ref.clear();
      }
      sameAsMap(m, ref, what);
    }
  }
});

test('a chain map puts its waiting chains in on the first lookup, leaving out a name it has', () => {
  const m = new ChainMap();
  const a = chain('A');
  const b = chain('B');
  const again = chain('A');
  m.set('INPUT', new BuiltChain('INPUT', true, undefined));
  m.defer(a);
  m.defer(b);
  m.defer(again);
  const told: [Chain, Chain][] = [];
  m.onDuplicate = (first, second) => told.push([first, second]);
  const before = ChainMap.flushes;
  // Iteration does not put them in.
  assert.equal([...m.values()].length, 4);
  assert.equal(ChainMap.flushes, before);
  assert.equal(m.get('B'), b);
  assert.equal(ChainMap.flushes, before + 1);
  assert.deepEqual(told, [[a, again]]);
  assert.deepEqual([...m.keys()], ['INPUT', 'A', 'B']);
});

test('iterating a chain map whose callback looks a name up visits every chain once', () => {
  // The lookup comes while the map's own chains are visited (then the map's iteration goes on
  // into the chains put in), and while the waiting ones are.
  const iterations: [string, (m: ChainMap, visit: (name: string) => void) => void][] = [
    [
      'forEach',
      (m, visit) => {
        m.forEach((_c, n) => {
          visit(n);
        });
      },
    ],
    [
      'iterator',
      (m, visit) => {
        for (const [n] of m) visit(n);
      },
    ],
    [
      'keys',
      (m, visit) => {
        for (const n of m.keys()) visit(n);
      },
    ],
    [
      'values',
      (m, visit) => {
        for (const c of m.values()) visit(c.name);
      },
    ],
  ];
  for (const lookAt of ['INPUT', 'B']) {
    for (const [how, iterate] of iterations) {
      const m = new ChainMap();
      m.set('INPUT', new BuiltChain('INPUT', true, undefined));
      for (const n of ['A', 'B', 'C']) m.defer(chain(n));
      const seen: string[] = [];
      iterate(m, (n) => {
        seen.push(n);
        if (n === lookAt) m.get('C');
      });
      assert.deepEqual(seen, ['INPUT', 'A', 'B', 'C'], `${how}, looking up at ${lookAt}`);
    }
  }
});

/** A kube-proxy ruleset of 500 services parsed and analysed: its findings, its nat chains, and how many chain objects that made. */
function analysedKube() {
  const kube = generateKubeRuleset({ services: 500 });
  const before = DeclaredChains.madeCount;
  const doc = parseDocument(kube.text);
  const diags = documentDiagnostics(doc, kube.text);
  const made = DeclaredChains.madeCount - before;
  const chains = doc.rulesets[4]?.tables.get('nat')?.chains;
  assert.ok(chains instanceof ChainMap);
  return { text: kube.text, diags, made, nat: { chains } };
}

test('a kube-proxy ruleset is parsed and analysed without putting its nat chains in a map', () => {
  const { nat } = analysedKube();
  const waiting = nat.chains.deferred.length;
  assert.ok(waiting > 1000, `${waiting} chains waiting`);
  // The first lookup puts them in; the answers are those of the declarations.
  assert.equal(nat.chains.get('KUBE-SERVICES')?.name, 'KUBE-SERVICES');
  assert.equal(nat.chains.deferred.length, 0);
  assert.equal(nat.chains.size, waiting + 4);
});

test('a kube-proxy ruleset is parsed and analysed making objects only for the first chains of its tables', () => {
  const { diags, made, nat } = analysedKube();
  // Only the first chains of a table are made (the analyses find an edited table's earlier
  // version through them, see OWNED_CHAINS), and those reported (kube-proxy's canary chains).
  const reported = diags.filter((d) => d.data?.chain !== undefined).length;
  assert.equal(reported, 2);
  assert.ok(made <= 2 * 16 + reported, `${made} chain objects made`);
  assert.ok(nat.chains.store.length > 1000);
});

test('a kube-proxy ruleset is parsed and analysed without making strings of its chain names', () => {
  const { text, nat } = analysedKube();
  const rows = nat.chains.store.rows;
  assert.ok(rows !== undefined && rows.count > 3000);
  // Only the runs of the chains with objects (the built-in ones) have their names made, and the
  // lines read the complete way (the first of each shape, learned from).
  assert.ok(rows.chainNamesMade <= 16, `${rows.chainNamesMade} names made`);
  // Asked for, they are the chains' names.
  const store = nat.chains.store;
  for (let i = 0; i < store.length; i += 97) {
    if (store.rowEnd[i] === store.rowStart[i]) continue;
    const name = store.name(i);
    assert.equal(rows.chainOf(store.rowStart[i]), name);
    assert.equal(rows.ruleAt(store.rowEnd[i] - 1).chain, name);
    assert.ok(text.includes(`\n:${name} - [0:0]\n`));
  }
});

test('a chain list answers the same from the columns as from the chains made of them', () => {
  const kube = generateKubeRuleset({ services: 60 });
  const doc = parseDocument(kube.text);
  const nat = doc.rulesets[4]?.tables.get('nat');
  assert.ok(nat?.chains instanceof ChainMap);
  const g = buildGraph(nat);
  const list = g.chains;
  const read = (l: ChainList, k: number) => [
    l.name(k),
    l.builtin(k),
    l.declared(k),
    l.keyAt(k),
    l.rows(k) !== undefined,
    l.rows(k) !== undefined ? l.rowStart(k) : -1,
    l.ruleCount(k),
  ];
  const columns = Array.from({ length: list.length }, (_, k) => read(list, k));
  const again = buildGraph(nat);
  assert.ok(list.same(list.length - 1, again.chains), 'same entry, no objects');
  assert.ok(!list.same(list.length - 1, ChainList.of([])), 'not in the other list');
  const before = DeclaredChains.madeCount;
  const objects = Array.from({ length: list.length }, (_, k) => list.at(k));
  assert.ok(DeclaredChains.madeCount - before > 100);
  // Made once: every way to a chain gives the same object.
  for (let k = 0; k < list.length; k++) {
    assert.equal(list.at(k), objects[k]);
    assert.equal(again.chains.at(k), objects[k]);
    assert.deepEqual(read(list, k), columns[k], `chain ${k}`);
    assert.equal(objects[k].graphIndex, k);
    assert.equal(g.id.get(objects[k].name), k);
  }
  assert.ok(list.same(list.length - 1, again.chains));
  // A made chain keeps its declaration and its rules.
  const sep = objects.find((c) => c.name.startsWith('KUBE-SEP-')) as Chain;
  assert.equal(kube.text.split('\n')[sep.declSpan?.line ?? -1], `:${sep.name} - [0:0]`);
  assert.ok(sep.rules.length > 0 && sep.rules.every((r) => r.chain === sep.name));
  assert.deepEqual([...nat.chains.values()], objects);
});

test('a chain declared twice in place is reported once and keeps the rules of both runs in order', () => {
  const text = [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':X - [0:0]',
    ':Y - [0:0]',
    ':X - [0:0]',
    ':Z - [0:0]',
    '-A INPUT -j X',
    '-A X -s 10.0.0.1/32 -j ACCEPT',
    '-A X -s 10.0.0.2/32 -j ACCEPT',
    '-A Y -s 10.0.0.3/32 -j ACCEPT',
    '-A X -s 10.0.0.4/32 -j DROP',
    '-A Z -j Y',
    'COMMIT',
    '',
  ].join('\n');
  const doc = parseDocument(text);
  const dups = doc.diagnostics.filter((d) => d.code === 'duplicate-chain');
  assert.equal(dups.length, 1);
  assert.equal(dups[0].span.line, 4);
  assert.equal(dups[0].related?.[0].span.line, 2);
  const t = doc.rulesets[4]?.tables.get('filter');
  assert.deepEqual([...(t?.chains.keys() ?? [])], ['INPUT', 'X', 'Y', 'Z']);
  assert.deepEqual(
    t?.chains.get('X')?.rules.map((r) => r.line),
    [7, 8, 10],
  );
  const diags = documentDiagnostics(doc, text);
  assert.equal(diags.filter((d) => d.code === 'duplicate-chain').length, 1);
});

test('a chain keeps the built-in mark and the policy apart from its other fields, and copies keep them', () => {
  const input = new BuiltChain('INPUT', true, undefined);
  assert.equal(input.builtin, true);
  assert.equal(input.policy, undefined);
  const span = { line: 1, character: 7, endLine: 1, endCharacter: 11 };
  input.policy = 'DROP';
  input.policySpan = span;
  const user = new BuiltChain('X', false, undefined);
  assert.equal(user.builtin, false);
  user.policy = undefined;
  user.policySpan = undefined;
  assert.equal(user.policy, undefined);
  // A policy given to a user chain (a merged restore) is kept; the chain stays a user chain.
  user.policy = 'ACCEPT';
  assert.equal(user.builtin, false);
  assert.equal(user.policy, 'ACCEPT');
  assert.equal(user.policySpan, undefined);
  for (const [c, builtin, policy, policySpan] of [
    [input, true, 'DROP', span],
    [user, false, 'ACCEPT', undefined],
  ] as const) {
    const copy = copyChain(c, []);
    assert.deepEqual([copy.name, copy.builtin, copy.policy, copy.policySpan], [c.name, builtin, policy, policySpan]);
  }
});
