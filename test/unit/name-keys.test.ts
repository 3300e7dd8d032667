/**
 * Chain names as keys (server/src/service/parser/nameKeys.ts): the batch join that resolves a
 * table's jump targets must answer exactly what a map from the names would, whatever the names
 * (lengths up to and past the keyed limit, characters beyond one byte, hashes that collide), and
 * the jump graph must use it for the rules read in place.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateKubeRuleset } from '../../bench/generate';
import { buildGraph } from '../../server/src/service/analysis/graph';
import { documentDiagnostics, parseDocument } from '../../server/src/service/document';
import { rowsOf } from '../../server/src/service/parser/chain';
import { rowChainTarget } from '../../server/src/service/parser/fastRule';
import { duplicateKeys, joinNames, MAX_KEYED_NAME, NameKeys } from '../../server/src/service/parser/nameKeys';
import { mulberry32 } from '../helpers/rng';

const ALPHABET = ['A', 'B', 'K', '-', '_', '0', '9', '\u0000', '\u00e9', '\u00ff', '\u0100', '\u4e2d'];

/** Names sharing beginnings and ends, of lengths 0..32, some with characters beyond one byte. */
function randomNames(count: number, seed: number): string[] {
  const rnd = mulberry32(seed);
  const out = new Set<string>();
  const pick = (wide: boolean) => ALPHABET[Math.floor(rnd() * (wide ? ALPHABET.length : ALPHABET.length - 2))];
  while (out.size < count) {
    const len = Math.floor(rnd() * 33);
    const wide = rnd() < 0.05;
    let s = rnd() < 0.5 ? 'KUBE-SEP-' : '';
    while (s.length < len) s += pick(wide);
    out.add(s.slice(0, len));
  }
  return [...out];
}

/** Keys of `names`, read in place from one text (as the parser reads them) rather than from the strings. */
function keysOf(names: readonly string[]): NameKeys {
  const text = ` ${names.join(' ')} `;
  const keys = new NameKeys(4);
  let at = 1;
  for (const name of names) {
    keys.add(text, at, at + name.length);
    at += name.length + 1;
  }
  return keys;
}

/** Targets: most of the names, and near misses (a character changed, one more or one less). */
function targetsFor(names: readonly string[], seed: number): string[] {
  const rnd = mulberry32(seed);
  const out: string[] = [];
  for (const name of names) {
    if (rnd() < 0.7) out.push(name);
    const i = Math.floor(rnd() * Math.max(1, name.length));
    const r = rnd();
    if (r < 0.3) out.push(`${name.slice(0, i)}${name[i] === 'A' ? 'B' : 'A'}${name.slice(i + 1)}`);
    else if (r < 0.5) out.push(`${name}\u0000`);
    else if (r < 0.7) out.push(name.slice(0, -1));
  }
  return out;
}

function expectMapAnswers(names: string[], targets: string[], nameKeys: NameKeys, targetKeys: NameKeys): void {
  const map = new Map(names.map((n, i) => [n, i]));
  const dest = joinNames(nameKeys, targetKeys);
  assert.equal(dest.length, targets.length);
  let found = 0;
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i];
    const keyed = t.length <= MAX_KEYED_NAME && ![...t].some((c) => c.charCodeAt(0) > 0xff);
    assert.equal(targetKeys.keyed(i), keyed, `keyed(${JSON.stringify(t)})`);
    // A target without a key is looked up by its string instead: the join answers -1.
    const want = keyed ? (map.get(t) ?? -1) : -1;
    assert.equal(dest[i], want, `target ${JSON.stringify(t)}`);
    if (want >= 0) found++;
  }
  assert.ok(found > targets.length / 3, `${found} of ${targets.length} targets found`);
}

test('joining names agrees with a map, in one partition and in many', () => {
  for (const [count, seed] of [
    [50, 1],
    [3000, 2],
    // More names than a partition holds: both sides are partitioned.
    [40_000, 3],
  ] as const) {
    const names = randomNames(count, seed);
    const targets = targetsFor(names, seed + 100);
    expectMapAnswers(names, targets, keysOf(names), keysOf(targets));
  }
});

test('joining names compares the names, not only their hashes', () => {
  // Every hash the same (as if all collided), or only a few values (the top bits, which pick the
  // partition, kept): the answers must not change.
  for (const [count, spread] of [
    [300, 1],
    [300, 3],
    [12_000, 3],
    // Partitioned (the top bits pick the partition, and are kept): collisions inside each.
    [40_000, 3],
  ] as const) {
    const names = randomNames(count, 7 + count);
    const targets = targetsFor(names, 8 + count);
    const nk = keysOf(names);
    const tk = keysOf(targets);
    for (const k of [nk, tk]) collide(k, spread);
    expectMapAnswers(names, targets, nk, tk);
  }
});

/** Leaves the hashes of `keys` few values apart from their top 12 bits (as if they collided). */
function collide(keys: NameKeys, spread: number): void {
  for (let i = 0; i < keys.count; i++) keys.hash[i] = (keys.hash[i] & 0xfff00000) | ((keys.hash[i] >>> 0) % spread);
}

test('names held twice are found as a map would find them, also when hashes collide', () => {
  for (const [count, seed, spread] of [
    [50, 1, 0],
    [3000, 2, 0],
    [3000, 3, 2],
    // As many names as a 320k-rule table has chains.
    [40_000, 4, 0],
    [40_000, 5, 5],
  ] as const) {
    const distinct = randomNames(count, seed);
    const rnd = mulberry32(seed + 50);
    // Names again, some several times, at random places after their first.
    const names = [...distinct];
    for (let i = 0; i < count / 10; i++) {
      const at = Math.floor(rnd() * names.length);
      names.splice(at + 1, 0, names[Math.floor(rnd() * (at + 1))]);
    }
    const from = seed % 2 === 0 ? 0 : 7;
    const keys = keysOf(names);
    if (spread > 0) collide(keys, spread);
    const want: number[][] = [];
    const first = new Map<string, number>();
    for (let i = from; i < names.length; i++) {
      const n = names[i];
      if (!keys.keyed(i)) continue;
      const f = first.get(n);
      if (f === undefined) first.set(n, i);
      else want.push([i, f]);
    }
    assert.ok(want.length > 0, `${count} names, seed ${seed}: none held twice`);
    assert.deepEqual(duplicateKeys(keys, from), want, `${count} names, seed ${seed}`);
  }
});

test('a key tells names apart by length: padding is not a NUL character', () => {
  const names = ['A', 'A\u0000', 'AB', 'ABCD', 'ABCD\u0000', '', 'X'.repeat(28), 'X'.repeat(29)];
  const targets = ['A\u0000', 'A', 'ABCD\u0000', 'ABCD', '', 'AB\u0000\u0000', 'X'.repeat(28), 'X'.repeat(29)];
  const dest = joinNames(keysOf(names), keysOf(targets));
  assert.deepEqual([...dest], [1, 0, 4, 3, 5, -1, 6, -1]);
});

/**
 * Checks that every chain still in rows has the edges a map from the graph's names gives its
 * rows' targets; returns the number of edges, of rows without a key, and of jumps to names that
 * are no chain.
 */
function checkRowEdges(g: ReturnType<typeof buildGraph>): { edges: number; unkeyed: number; undefinedJumps: number } {
  const byName = new Map(g.names.map((n, i) => [n, i]));
  let unkeyed = 0;
  let edges = 0;
  let undefinedJumps = 0;
  for (let c = 0; c < g.chains.length; c++) {
    const rc = rowsOf(g.chains.at(c));
    if (!rc) continue;
    const out: number[] = [];
    for (let r = rc.rowStart; r < rc.rowEnd; r++) {
      const name = rowChainTarget(rc.rows, r);
      if (name === undefined) continue;
      // Every row has a key: read by pattern, or adopted from the rule object of a line read
      // the complete way (a shape's first line).
      if (rc.rows.key[r] < 0) unkeyed++;
      if (rc.rows.key[r] >= 0)
        assert.equal(rowChainTarget(rc.rows, r), (rc.rows.ctx.keys as NameKeys).name(rc.rows.key[r]));
      const d = byName.get(name);
      if (d === undefined) undefinedJumps++;
      else if (!g.builtin[d]) out.push(d);
    }
    assert.deepEqual([...g.edgeTo.subarray(g.edgeStart[c], g.edgeStart[c + 1])], out, `edges of ${g.names[c]}`);
    edges += out.length;
  }
  return { edges, unkeyed, undefinedJumps };
}

test('the jump graph resolves the rows read in place through their keys, as a map would', () => {
  const kube = generateKubeRuleset({ services: 400 });
  // A chain of rows jumping to a chain nobody declared and to a declared one (each line twice:
  // the second is read by pattern), and a chain jumping to a name with a character beyond one
  // byte (no key) and to one with a character beyond ASCII (read the complete way: its rules are
  // objects).
  const latin = 'KUBE-\u00e9';
  const wide = 'KUBE-\u00c9\u4e2d';
  const added = [
    ...['KUBE-NOWHERE', 'KUBE-MARK-MASQ'].flatMap((t) => [`-A KUBE-EXTRA -j ${t}`, `-A KUBE-EXTRA -j ${t}`]),
    `-A KUBE-ODD -j ${latin}`,
    `-A KUBE-ODD -j ${wide}`,
  ];
  const natAt = kube.text.indexOf('*nat\n');
  const commitAt = kube.text.indexOf('\nCOMMIT\n', natAt);
  const declared = [latin, wide, 'KUBE-EXTRA', 'KUBE-ODD'].map((c) => `:${c} - [0:0]\n`).join('');
  const text =
    `${kube.text.slice(0, natAt)}*nat\n${declared}` +
    `${kube.text.slice(natAt + 5, commitAt)}\n${added.join('\n')}${kube.text.slice(commitAt)}`;
  const doc = parseDocument(text);
  const table = doc.rulesets[4]?.tables.get('nat');
  assert.ok(table);
  const g = buildGraph(table);
  const byName = new Map(g.names.map((n, i) => [n, i]));
  const { edges, unkeyed, undefinedJumps } = checkRowEdges(g);
  assert.ok(edges > 2000, `${edges} edges`);
  assert.equal(unkeyed, 0);
  assert.equal(undefinedJumps, 2);
  const odd = byName.get('KUBE-ODD') as number;
  assert.deepEqual(
    [...g.edgeTo.subarray(g.edgeStart[odd], g.edgeStart[odd + 1])],
    [byName.get(latin), byName.get(wide)],
  );
  const undef = documentDiagnostics(doc, text).filter((d) => /KUBE-NOWHERE/.test(d.message));
  assert.equal(undef.length, 2, JSON.stringify(undef.map((d) => d.message)));
});

test('the jump graph resolves the same when its chains are not the declarations in order', () => {
  // A rule of a built-in chain before the chain lines makes the chain (first in the table's
  // order) before its line declares it; a built-in chain may be declared twice; -N makes a chain
  // between chain lines.
  const kube = generateKubeRuleset({ services: 300 });
  const pre = ':PREROUTING ACCEPT [0:0]\n';
  const natAt = kube.text.indexOf(`*nat\n${pre}`) + 5;
  const jumpAt = kube.text.indexOf('\n-A KUBE-SERVICES ', natAt) + 1;
  const jumps = '-A KUBE-SERVICES -j KUBE-NEW\n'.repeat(2);
  for (const [head, chain, index] of [
    ['-A POSTROUTING -j ACCEPT\n', 'POSTROUTING', 0],
    [pre, 'PREROUTING', 0],
    [`${pre}-N KUBE-NEW\n${pre}`, 'KUBE-NEW', 1],
  ] as const) {
    const jumped = head.includes('KUBE-NEW');
    const text =
      kube.text.slice(0, natAt) +
      head +
      kube.text.slice(natAt, jumpAt) +
      (jumped ? jumps : '') +
      kube.text.slice(jumpAt);
    const table = parseDocument(text).rulesets[4]?.tables.get('nat');
    assert.ok(table);
    const g = buildGraph(table);
    assert.equal(g.names[index], chain);
    const { edges, undefinedJumps } = checkRowEdges(g);
    assert.ok(edges > 1500, `${edges} edges`);
    assert.equal(undefinedJumps, 0);
    if (jumped) assert.equal(g.references[index], 2);
  }
});
