/**
 * The fast lane's line patterns (parser/lineRegex.ts) may refuse valid text but must never accept
 * a word its argument type's parser refuses or notes: each value pattern is held to that with
 * generated words (mutations of valid values over the characters that matter), and must accept
 * the plain forms machine-written rulesets use. The whole-line lane is compared with the complete
 * parse by the fast-lane tests; here it must also be the way a kube-proxy ruleset is read.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateKubeRuleset } from '../../bench/generate';
import type { Family } from '../../server/src/service/model';
import { checkChainTarget } from '../../server/src/service/parser/command';
import { jumpNamePattern, valuePattern } from '../../server/src/service/parser/lineRegex';
import { parseSave } from '../../server/src/service/parser/save';
import { forgetShapes, laneCounts } from '../../server/src/service/parser/shapes';
import { parseArg } from '../../server/src/service/registry/argtypes';
import { findTarget } from '../../server/src/service/registry/index';
import type { ArgSpec } from '../../server/src/service/registry/types';
import { mulberry32 } from '../helpers/rng';

const rnd = mulberry32(2026);
const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];

/** Random edits of the seeds: characters replaced, inserted, deleted, words doubled. */
function variants(seeds: readonly string[], alphabet: string, n: number): string[] {
  const out = [...seeds];
  for (let i = 0; i < n; i++) {
    let w = pick(seeds);
    const edits = 1 + Math.floor(rnd() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rnd() * (w.length + 1));
      const c = alphabet[Math.floor(rnd() * alphabet.length)];
      const op = Math.floor(rnd() * 4);
      if (op === 0) w = w.slice(0, at) + c + w.slice(at + 1);
      else if (op === 1) w = w.slice(0, at) + c + w.slice(at);
      else if (op === 2) w = w.slice(0, at) + w.slice(at + 1);
      else w = w + w.slice(at);
    }
    out.push(w);
  }
  return out;
}

interface Case {
  name: string;
  spec: ArgSpec;
  family: Family;
  quoted?: boolean;
  seeds: string[];
  alphabet: string;
  /** Plain forms the pattern must accept. */
  plain: string[];
}

const DIGITS = '0123456789';
const CASES: Case[] = [
  {
    name: 'address-list',
    spec: { type: 'address-list', placeholder: 'address' },
    family: 4,
    seeds: ['10.96.12.64/32', '0.0.0.0/0', '192.168.1.0/24', '10.0.0.1,10.0.0.2/31', '255.255.255.255'],
    alphabet: `${DIGITS}./,x:-`,
    plain: ['10.96.12.64/32', '10.244.0.0/16', '1.2.3.4', '1.2.3.4/32,5.6.7.8'],
  },
  {
    name: 'port-range (tcp)',
    spec: { type: 'port-range', placeholder: 'port', protocol: 'tcp' },
    family: 4,
    seeds: ['80', '65535', '0', '8080', '1:1024', 'http'],
    alphabet: `${DIGITS}:x-`,
    plain: ['80', '443', '65535', '30001'],
  },
  {
    name: 'port-range (udp, wrapping)',
    spec: { type: 'port-range', placeholder: 'port', protocol: 'udp', portWrap: true },
    family: 4,
    seeds: ['53', '65535', '65536', '0', '99999'],
    alphabet: `${DIGITS}:`,
    plain: ['53', '65535'],
  },
  {
    name: 'nat-range',
    spec: { type: 'nat-range', placeholder: 'address' },
    family: 4,
    seeds: ['10.244.1.5:8080', '10.0.0.1', '10.0.0.1-10.0.0.9:80-90', '1.2.3.4:0', '10.0.0.1:65535'],
    alphabet: `${DIGITS}.:-/`,
    plain: ['10.244.1.5:8080', '192.168.0.1'],
  },
  {
    name: 'float (probability)',
    spec: { type: 'float', placeholder: 'p' },
    family: 4,
    seeds: ['0.50000000000', '0.33333333349', '1', '0', '1.5', '.5'],
    alphabet: `${DIGITS}.e-`,
    plain: ['0.50000000000', '0.20000000019', '1', '0'],
  },
  {
    name: 'string (comment, quoted)',
    spec: { type: 'string', placeholder: 'text', truncate: 255 },
    family: 4,
    quoted: true,
    seeds: ['"default/api-0:http cluster IP"', '"x"', `"${'a'.repeat(255)}"`, `"${'b'.repeat(256)}"`, '""'],
    alphabet: 'ab "\\!-\t\x01é',
    plain: ['"default/api-0:http cluster IP"', `"${'a'.repeat(255)}"`],
  },
  {
    name: 'string (comment, unquoted)',
    spec: { type: 'string', placeholder: 'text', truncate: 255 },
    family: 4,
    seeds: ['kubernetes', 'a', 'b'.repeat(255), 'c'.repeat(256)],
    alphabet: 'ab"\\!- \x01é',
    plain: ['kubernetes', 'x'.repeat(255)],
  },
  {
    name: 'chain',
    spec: { type: 'chain', placeholder: 'chain' },
    family: 4,
    seeds: ['KUBE-SERVICES', 'KUBE-SVC-ABCDEFGHIJKLMNOP', 'X'.repeat(28), 'Y'.repeat(29)],
    alphabet: 'AZ-_!" \\\x01é',
    plain: ['KUBE-SERVICES', 'INPUT', 'X'.repeat(28)],
  },
  {
    name: 'enum (statistic mode)',
    spec: { type: 'enum', placeholder: 'random|nth', values: ['random', 'nth'] },
    family: 4,
    seeds: ['random', 'nth', 'RANDOM', 'rand'],
    alphabet: 'randomth',
    plain: ['random', 'nth'],
  },
  {
    name: 'iface',
    spec: { type: 'iface', placeholder: 'name' },
    family: 4,
    seeds: ['eth0', 'cni0', 'veth+', 'a'.repeat(15), 'b'.repeat(16), 'br/0'],
    alphabet: 'e0+/ .-',
    plain: ['eth0', 'veth+', 'virbr0'],
  },
];

test('value patterns accept only words their argument type takes without an error or a note', () => {
  for (const c of CASES) {
    const p = valuePattern(c.spec, c.family, c.quoted === true);
    assert.ok(p, `${c.name}: has a pattern`);
    const re = new RegExp(`^(?:${p})$`);
    let accepted = 0;
    let refused = 0;
    for (const w of variants(c.seeds, c.alphabet, 4000)) {
      if (!re.test(w)) {
        refused++;
        continue;
      }
      accepted++;
      const text = c.quoted ? w.slice(1, -1) : w;
      const r = parseArg(text, c.spec, c.family);
      assert.equal(r.error, undefined, `${c.name}: the pattern accepts ${JSON.stringify(w)}, the parser refuses it`);
      assert.equal(r.note, undefined, `${c.name}: the pattern accepts ${JSON.stringify(w)}, the parser notes it`);
    }
    for (const w of c.plain) assert.ok(re.test(w), `${c.name}: the plain form ${JSON.stringify(w)} is accepted`);
    assert.ok(accepted > 50 && refused > 50, `${c.name}: ${accepted} accepted, ${refused} refused`);
  }
});

test('the jump pattern accepts only chain names: no target of either family, nothing the checks refuse', () => {
  const re = new RegExp(`^(?:${jumpNamePattern()})$`);
  const seeds = ['KUBE-MARK-MASQ', 'KUBE-SEP-ABC', 'ACCEPT', 'DNAT', 'DNPT', 'REJECT', 'MYCHAIN', 'X'.repeat(28)];
  let accepted = 0;
  for (const w of variants(seeds, 'ACDEPTNKX-_ !"\\', 4000)) {
    if (!re.test(w)) continue;
    accepted++;
    for (const family of [4, 6] as Family[]) {
      assert.equal(findTarget(w, family), undefined, `${w} is a target for IPv${family}`);
      const problems: string[] = [];
      checkChainTarget(w, true, family, (m) => problems.push(m));
      assert.deepEqual(problems, [], `${w}`);
    }
  }
  assert.ok(accepted > 100, `${accepted} accepted`);
  for (const w of ['ACCEPT', 'DROP', 'DNPT', 'MASQUERADE', 'KUBE SVC', '-X', '!X', 'X'.repeat(29)])
    assert.ok(!re.test(w), `${w} refused`);
  assert.ok(re.test('KUBE-MARK-MASQ') && re.test('ACCEPTED') && re.test('DROPS'));
  // As the last word of a line read in place in a document: a line break follows, not the end.
  const inText = new RegExp(`(?:${jumpNamePattern()})(?=\\n|$)`, 'y');
  for (const [word, ok] of [
    ['DROP', false],
    ['MASQUERADE', false],
    ['KUBE-MARK-MASQ', true],
  ] as const) {
    inText.lastIndex = 0;
    assert.equal(inText.test(`${word}\n-A INPUT -j ACCEPT\n`), ok, `${word} before a line break`);
  }
});

test('a kube-proxy ruleset is read through whole-line patterns', () => {
  forgetShapes();
  const kube = generateKubeRuleset({ services: 300 });
  laneCounts.pattern = 0;
  laneCounts.words = 0;
  const doc = parseSave(kube.text, { family: 4 });
  const rules = doc.commands.length;
  assert.ok(laneCounts.pattern > rules * 0.95, `${laneCounts.pattern} of ${rules} rules by pattern`);
  // With counters before every rule too (iptables-save -c).
  forgetShapes();
  laneCounts.pattern = 0;
  const counted = kube.text.replace(/^-A /gm, '[7:420] -A ');
  parseSave(counted, { family: 4 });
  assert.ok(laneCounts.pattern > rules * 0.95, `with counters: ${laneCounts.pattern} of ${rules} rules by pattern`);
});

test('a kube-proxy line is mostly matched by the first pattern tried', () => {
  // A service chain's line is followed by another `statistic` line or by the chain's last line,
  // an endpoint's MASQUERADE line by a tcp or a udp DNAT line: of the two shapes that followed a
  // shape last, the one whose lines are about as long is tried first. (Trying the other first,
  // which reads most of the line before it fails, took about 1.5 tries a line.)
  forgetShapes();
  const kube = generateKubeRuleset({ services: 2000 });
  parseSave(kube.text, { family: 4 });
  laneCounts.pattern = 0;
  laneCounts.tries = 0;
  parseSave(kube.text, { family: 4 });
  const perLine = laneCounts.tries / laneCounts.pattern;
  assert.ok(laneCounts.pattern > 10_000, `${laneCounts.pattern} lines by pattern`);
  assert.ok(perLine < 1.15, `${perLine.toFixed(3)} patterns tried a line`);
});
