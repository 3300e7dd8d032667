/**
 * The save parser's fast lane (parser/shapes.ts, parser/fastRule.ts) must give exactly what the
 * complete parse gives: the same commands, rules (every option with its words, spans and parsed
 * value, every match, the target), the same parse diagnostics and the same analysis findings.
 * Compared on every corpus file, on a generated kube-proxy ruleset, and on files whose values
 * were damaged while their shapes stayed the same (so the fast lane's value checks are the ones
 * deciding). Also checks the lane is really taken where it should be.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateKubeRuleset } from '../../bench/generate';
import { analyze } from '../../server/src/service/analysis/index';
import { detectForm } from '../../server/src/service/document';
import type { Command, Diagnostic, Family, OptionUse, Rule } from '../../server/src/service/model';
import { FastRule } from '../../server/src/service/parser/fastRule';
import { cachedLine, parseSave } from '../../server/src/service/parser/save';
import { baseValues, fastBaseValues, forgetShapes, laneCounts } from '../../server/src/service/parser/shapes';
import { inferHost } from '../../server/src/service/simulator/infer';
import { CORPUS } from '../helpers/paths';
import { mulberry32 } from '../helpers/rng';
import { readVerdicts } from '../helpers/verdicts';

function option(o: OptionUse): unknown {
  return {
    name: o.name,
    written: o.written,
    negated: o.negated,
    negSpan: o.negSpan,
    nameSpan: o.nameSpan,
    span: o.span,
    args: o.args.map((a) => ({ text: a.text, span: a.span, quoted: a.quoted })),
    value: o.value,
  };
}

function rule(r: Rule | undefined): unknown {
  if (!r) return undefined;
  return {
    table: r.table,
    chain: r.chain,
    family: r.family,
    text: r.text,
    span: r.span,
    line: r.line,
    counters: r.counters,
    broken: !!r.broken,
    base: Object.fromEntries(Object.entries(r.base).map(([k, o]) => [k, o ? option(o) : o])),
    matches: r.matches.map((m) => ({
      module: m.module,
      implicit: m.implicit,
      span: m.span,
      known: m.known,
      options: m.options.map(option),
    })),
    target: r.target && {
      name: r.target.name,
      kind: r.target.kind,
      isExtension: r.target.isExtension,
      span: r.target.span,
      nameSpan: r.target.nameSpan,
      options: r.target.options.map(option),
    },
  };
}

function command(c: Command): unknown {
  return {
    op: c.op,
    family: c.family,
    table: c.table,
    chain: c.chain,
    chainSpan: c.chainSpan,
    ruleNum: c.ruleNum,
    span: c.span,
    line: c.line,
    broken: c.broken,
    rule: rule(c.rule),
  };
}

/** Everything a parse and its analyses say, as comparable plain data. */
function snapshot(text: string, family: Family, fast: boolean): { json: string; fastRules: number; rules: number } {
  const doc = parseSave(text, { family, fast });
  const findings: Diagnostic[] = [...doc.diagnostics, ...analyze(doc)];
  let fastRules = 0;
  for (const c of doc.commands) if (c instanceof FastRule) fastRules++;
  const data = {
    commands: doc.commands.map(command),
    chains: Object.values(doc.rulesets).flatMap((rs) =>
      [...(rs?.tables.values() ?? [])].flatMap((t) =>
        [...t.chains.values()].map((ch) => [
          t.name,
          ch.name,
          ch.policy,
          ch.declSpan,
          ch.policySpan,
          ch.rules.map((r) => r.line),
        ]),
      ),
    ),
    findings: findings.map((d) => ({ ...d })),
  };
  const json = JSON.stringify(data, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
  return { json, fastRules, rules: doc.commands.length };
}

function assertSame(text: string, family: Family, label: string): { fastRules: number; rules: number } {
  const slow = snapshot(text, family, false);
  const fast = snapshot(text, family, true);
  if (fast.json !== slow.json) {
    assert.deepEqual(
      JSON.parse(fast.json),
      JSON.parse(slow.json),
      `${label}: fast lane differs from the complete parse`,
    );
  }
  return fast;
}

const DAMAGE = ['x', '9', '0', '.', '/', ':', ',', '-', '!', '"', '\\', '256', '0x', '65536', 'é', '*', '+', ''];

/** Replaces a character inside a value word (a word not starting with '-') of some rule lines. */
function damageValues(text: string, r: () => number): string {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.startsWith('-') || r() > 0.3) continue;
    const words = line.split(' ');
    const candidates = words.map((w, k) => (k > 0 && w && !w.startsWith('-') ? k : -1)).filter((k) => k >= 0);
    if (candidates.length === 0) continue;
    const k = candidates[Math.floor(r() * candidates.length)];
    const w = words[k];
    const at = Math.floor(r() * w.length);
    words[k] = w.slice(0, at) + DAMAGE[Math.floor(r() * DAMAGE.length)] + w.slice(at + 1);
    lines[i] = words.join(' ');
  }
  return lines.join('\n');
}

const corpusFiles = existsSync(CORPUS)
  ? readVerdicts(CORPUS)
      .map((v) => ({ path: join(CORPUS, v.file), family: v.family }))
      .filter((f) => existsSync(f.path) && detectForm(readFileSync(f.path, 'utf8'), 'iptables') === 'save')
  : [];

test('fast lane: every corpus ruleset parses and analyses exactly as the complete parse', (t) => {
  if (corpusFiles.length === 0) return t.skip(`corpus not found at ${CORPUS}`);
  forgetShapes();
  let fast = 0;
  let rules = 0;
  for (const f of corpusFiles) {
    const r = assertSame(readFileSync(f.path, 'utf8'), f.family, f.path);
    fast += r.fastRules;
    rules += r.rules;
  }
  // Hand-written files repeat fewer shapes, but the lane must still carry a good part of them.
  assert.ok(fast > rules * 0.3, `fast lane took ${fast} of ${rules} corpus rules`);
});

test('fast lane: corpus rulesets with damaged values (same shapes) give the same diagnostics', (t) => {
  if (corpusFiles.length === 0) return t.skip(`corpus not found at ${CORPUS}`);
  const r = mulberry32(7);
  let compared = 0;
  for (const f of corpusFiles) {
    const text = readFileSync(f.path, 'utf8');
    // Learn the shapes from the intact file first, so that the damaged lines meet known shapes.
    snapshot(text, f.family, true);
    for (let round = 0; round < 3; round++) {
      assertSame(damageValues(text, r), f.family, `${f.path} (damaged, round ${round})`);
      compared++;
    }
  }
  assert.ok(compared >= corpusFiles.length * 3);
});

test('fast lane: a kube-proxy ruleset takes the lane for nearly every rule, with identical results', () => {
  forgetShapes();
  const kube = generateKubeRuleset({ services: 300 });
  const r = assertSame(kube.text, 4, 'kube-proxy 300 services');
  assert.ok(r.fastRules > r.rules * 0.95, `fast lane took ${r.fastRules} of ${r.rules} rules`);
  const damaged = damageValues(kube.text, mulberry32(11));
  const d = assertSame(damaged, 4, 'kube-proxy 300 services, damaged values');
  assert.ok(d.fastRules < r.fastRules, 'damaged lines leave the fast lane');
});

/** The rule objects made so far for the rules a parse read into rows, and the rows' count. */
function rowObjects(doc: ReturnType<typeof parseSave>): { made: number; rows: number } {
  let made = 0;
  let rows = 0;
  for (const v of doc.cache.rows ?? []) {
    rows += v.count;
    for (let r = 0; r < v.count; r++) if (v.made(r)) made++;
  }
  return { made, rows };
}

test('fast lane: rules read into rows get objects only on use, one per rule, the same everywhere', () => {
  forgetShapes();
  const kube = generateKubeRuleset({ services: 300 });
  const doc = parseSave(kube.text, { family: 4 });
  const before = rowObjects(doc);
  assert.ok(before.rows > 2000 && before.made < 60, `${before.made} of ${before.rows} rules read into rows made`);
  // The parse makes an object only for the first rule of each shape (learned from the complete
  // parse); the analyses only for the rules they check one by one (the
  // first of each shape in each context, and those whose values the checks read).
  analyze(doc);
  const analysed = rowObjects(doc);
  assert.ok(analysed.made < 100, `${analysed.made} of ${analysed.rows} rules made by the analyses`);
  // Made on use: the chains' rules, the commands and the lines' results are the same objects.
  const inChains = new Map<Rule, string>();
  for (const t of doc.rulesets[4]?.tables.values() ?? [])
    for (const ch of t.chains.values()) for (const r of ch.rules) inChains.set(r, ch.name);
  assert.equal(rowObjects(doc).made, analysed.rows, 'every rule of the chains is made');
  const commands = doc.commands;
  assert.equal(commands.length, inChains.size);
  assert.ok(before.rows > commands.length * 0.95, `${before.rows} of ${commands.length} rules read into rows`);
  for (const c of commands) {
    assert.equal(inChains.get(c.rule as Rule), c.chain, `line ${c.line + 1}: the command's rule is in its chain`);
    assert.equal(cachedLine(doc.cache, c.line), c, `line ${c.line + 1}: the line's result is the command`);
  }
  assert.equal(doc.commands, commands, 'the commands are made once');
});

test('fast lane: a chain read into rows takes rules read another way in order', () => {
  forgetShapes();
  const lines = [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':C - [0:0]',
    '-A INPUT -j C',
    '-A C -s 10.0.0.1/32 -j ACCEPT',
    '-A C -s 10.0.0.2/32 -j ACCEPT',
    // Read by the complete parse (a quoted word), then rows again, then a new shape (learned).
    '-A C -s "10.0.0.3/32" -j ACCEPT',
    '-A C -s 10.0.0.4/32 -j ACCEPT',
    '-A C -d 10.0.0.5/32 -j DROP',
    '-A C -s 10.0.0.6/32 -j ACCEPT',
    '-A INPUT -j DROP',
    'COMMIT',
    '',
  ];
  const text = lines.join('\n');
  assertSame(text, 4, 'mixed chain');
  const doc = parseSave(text, { family: 4 });
  const c = doc.rulesets[4]?.tables.get('filter')?.chains.get('C');
  assert.deepEqual(
    c?.rules.map((r) => r.line),
    [6, 7, 8, 9, 10, 11],
  );
  const input = doc.rulesets[4]?.tables.get('filter')?.chains.get('INPUT');
  assert.deepEqual(
    input?.rules.map((r) => r.line),
    [5, 12],
  );
});

test('fast lane: a chain declared by a line read in place is where its line is, asked or not', () => {
  forgetShapes();
  const text = [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':UNUSED - [0:0]',
    'COMMIT',
    '',
  ];
  for (const fast of [true, false]) {
    const doc = parseSave(text.join('\n'), { family: 4, fast });
    const chains = doc.rulesets[4]?.tables.get('filter')?.chains;
    assert.deepEqual(chains?.get('UNUSED')?.declSpan, { line: 4, character: 0, endLine: 4, endCharacter: 7 });
    assert.deepEqual(chains?.get('INPUT')?.policySpan, { line: 1, character: 7, endLine: 1, endCharacter: 13 });
    const unused = analyze(doc).find((d) => d.code === 'unused-chain');
    assert.deepEqual(unused?.span, { line: 4, character: 0, endLine: 4, endCharacter: 7 }, `fast: ${fast}`);
  }
});

test('fast lane: details are built only on demand, and the same as the complete parse', () => {
  forgetShapes();
  const text = [
    '*filter',
    ':INPUT DROP [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    '[12:3400] -A INPUT -s 10.0.0.1/32 -p tcp -m tcp --dport 22 -j ACCEPT',
    '[5:600] -A INPUT -s 10.0.0.2/32 -p tcp -m tcp --dport 80 -j ACCEPT',
    '-A INPUT -s 10.0.0.3/32 -p tcp -m tcp --dport 443 -j ACCEPT',
    'COMMIT',
    '',
  ].join('\n');
  const doc = parseSave(text, { family: 4 });
  const rules = doc.commands.map((c) => c.rule as Rule);
  assert.ok(rules[1] instanceof FastRule && rules[2] instanceof FastRule, 'later rules of the shape are fast');
  const second = rules[1] as FastRule;
  assert.equal(second.isMaterialized, false);
  assert.equal(second.target?.name, 'ACCEPT');
  assert.equal(second.chain, 'INPUT');
  assert.equal(second.isMaterialized, false, 'name, chain and target need no details');
  assert.equal(second.counters?.packets, 5n);
  assert.equal(second.text, '-s 10.0.0.2/32 -p tcp -m tcp --dport 80 -j ACCEPT');
  assert.deepEqual(second.matches[0].options[0].value, [80, 80]);
  assert.equal(second.isMaterialized, true);
});

test('fast lane: rules that match every packet are found from their address and interface words', () => {
  // Each chain starts with a rule that learns the shape, then one whose values make it match
  // every packet (or nearly), then a rule that is unreachable only in the first case.
  const v4 = ['0.0.0.0/0', '0/0', '0.0.0.0/0.0.0.0', '1.2.3.4/0', '9.9.9.9/00', '0.0.0.0/1', '10.0.0.0/8', 'localhost'];
  const v6 = ['::/0', '::/1', '2001:db8::/0', 'fe80::1'];
  const ruleset = (family: Family) => {
    const addrs = family === 4 ? v4 : v6;
    const lines = ['*filter', ':INPUT DROP [0:0]', ':FORWARD DROP [0:0]', ':OUTPUT ACCEPT [0:0]'];
    for (let i = 0; i < addrs.length; i++) lines.push(`:S${i} - [0:0]`, `:D${i} - [0:0]`, `:I${i} - [0:0]`);
    const first = family === 4 ? '192.0.2.1' : '2001:db8::1';
    addrs.forEach((a, i) => {
      lines.push(`-A S${i} -s ${first} -j DROP`, `-A S${i} -s ${a} -j DROP`, `-A S${i} -s ${first} -j ACCEPT`);
      lines.push(`-A D${i} -d ${first} -j REJECT`, `-A D${i} ! -d ${a} -j REJECT`, `-A D${i} -d ${a} -j REJECT`);
      lines.push(`-A D${i} -d ${first} -j ACCEPT`);
    });
    const any = family === 4 ? '0.0.0.0/0' : '::/0';
    ['eth0', '+', 'eth+', 'lo'].forEach((ifc, i) => {
      lines.push(`-A I${i} -i eth9 -s ${any} -j DROP`, `-A I${i} -i ${ifc} -s ${any} -j DROP`, `-A I${i} -j ACCEPT`);
    });
    lines.push('COMMIT', '');
    return lines.join('\n');
  };
  for (const family of [4, 6] as Family[]) {
    forgetShapes();
    const text = ruleset(family);
    const r = assertSame(text, family, `unreachable rules, IPv${family}`);
    assert.ok(r.fastRules > r.rules / 2, `fast lane took ${r.fastRules} of ${r.rules} rules`);
    const doc = parseSave(text, { family });
    const unreachable = analyze(doc).filter((d) => d.code === 'unreachable-rule');
    assert.ok(unreachable.length >= 4, `IPv${family}: ${unreachable.length} unreachable rules`);
  }
});

test('fast lane: address and interface values read from a line are those of the complete parse', (t) => {
  // What the simulator's chain layout and host inference read of every rule (baseValues), without
  // building its details: compared with the details built afterwards, on every corpus ruleset and
  // a kube-proxy one (whose -d words feed the dispatch index of KUBE-SERVICES).
  forgetShapes();
  const inputs = [
    { text: generateKubeRuleset({ services: 300 }).text, family: 4 as Family, label: 'kube-proxy' },
    ...corpusFiles.map((f) => ({ text: readFileSync(f.path, 'utf8'), family: f.family, label: f.path })),
  ];
  // Values after quoted words with blanks, after counters, out of order, negated.
  const lines = ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]'];
  for (let i = 1; i <= 20; i++) {
    lines.push(
      `-A INPUT -m comment --comment "host ${i} of the lab" -s 10.1.${i}.0/24 -i eth${i % 3} -j ACCEPT`,
      `[${i}:${i * 60}] -A FORWARD -o br${i} -m comment --comment "a b c" ! -d 192.0.2.${i} -s 10.2.0.${i} -j DROP`,
    );
  }
  lines.push('COMMIT', '');
  inputs.push({ text: lines.join('\n'), family: 4, label: 'quoted words' });
  if (corpusFiles.length === 0) t.diagnostic(`corpus not found at ${CORPUS}: the generated ruleset only`);
  let read = 0;
  let withValues = 0;
  for (const { text, family, label } of inputs) {
    const doc = parseSave(text, { family });
    for (const c of doc.commands) {
      if (!(c instanceof FastRule) || c.isMaterialized) continue;
      const fast = fastBaseValues(c);
      const viaBase = baseValues(c);
      if (fast === undefined) {
        assert.equal(c.isMaterialized, true, `${label}:${c.line + 1}: baseValues builds the details it needs`);
      } else {
        assert.equal(c.isMaterialized, false, `${label}:${c.line + 1}: read without building the details`);
        assert.deepEqual(viaBase, fast);
        read++;
        if (Object.keys(fast).length > 0) withValues++;
      }
      const b = c.materialized().base;
      const expected: Record<string, unknown> = {};
      for (const key of ['source', 'destination', 'inInterface', 'outInterface'] as const) {
        const o = b[key];
        if (o) expected[key] = { negated: o.negated, text: o.args[0]?.text, value: o.value };
      }
      assert.deepEqual(fast ?? viaBase, expected, `${label}:${c.line + 1}`);
    }
  }
  assert.ok(read > 1000 && withValues > 500, `${read} rules read from their line, ${withValues} with values`);
});

test('fast lane: line breaks, blanks and counters around the lines read in place give the same parse', () => {
  // Rule lines are read in place in the document's text (parser/lineRegex.ts): vary what lies
  // around and between them, line by line, and compare with the complete parse.
  const base = generateKubeRuleset({ services: 120 }).text.split('\n');
  const r = mulberry32(99);
  const variants: [string, (line: string) => string][] = [
    ['CRLF', (l) => `${l}\r`],
    ['trailing blank', (l) => `${l} `],
    ['double blank', (l) => l.replace(' ', '  ')],
    ['tab', (l) => l.replace(' ', '\t')],
    ['counters', (l) => (l.startsWith('-A') ? `[3:180] ${l}` : l)],
    ['bad counters', (l) => (l.startsWith('-A') ? `[3:x] ${l}` : l)],
    ['blank line after', (l) => `${l}\n`],
    ['comment after', (l) => `${l}\n# note`],
  ];
  for (let round = 0; round < 4; round++) {
    const lines = base.map((l) => {
      if (!l.startsWith('-A') || r() > 0.05) return l;
      return variants[Math.floor(r() * variants.length)][1](l);
    });
    const text = lines.join('\n');
    assertSame(text, 4, `variations, round ${round}`);
    // The same without the final line break, and ending in a rule line.
    const cut = text.replace(/\nCOMMIT\n*$/, '');
    assertSame(cut, 4, `variations, round ${round}, no COMMIT and no final line break`);
  }
});

test('fast lane: chain declarations read in place give the same parse as the complete one', () => {
  // `:NAME POLICY [p:b]` lines are read in place too (save.ts, chainLineAt): vary them, line by
  // line, including what only the complete parse accepts or reports, and compare.
  const base = generateKubeRuleset({ services: 120 }).text.split('\n');
  const r = mulberry32(7);
  const variants: [string, (line: string) => string][] = [
    ['CRLF', (l) => `${l}\r`],
    ['trailing blank', (l) => `${l} `],
    ['double blank', (l) => l.replace(' ', '  ')],
    ['tab', (l) => l.replace(' ', '\t')],
    ['no counters', (l) => l.replace(/ \[[^\]]*\]$/, '')],
    ['bad counters', (l) => l.replace(/\[\d+:/, '[x:')],
    ['big counters', (l) => l.replace(/\[\d+:\d+\]/, '[18446744073709551615:42]')],
    ['quote', (l) => l.replace(':', ':"').replace(' ', '" ')],
    ['name of 28', (l) => l.replace(/^:(\S+)/, (_m, n: string) => `:${n.padEnd(28, 'Z').slice(0, 28)}`)],
    ['name of 29', (l) => l.replace(/^:(\S+)/, (_m, n: string) => `:${n.padEnd(29, 'Z').slice(0, 29)}`)],
    ['policy DROP', (l) => l.replace(/ (-|ACCEPT|DROP) /, ' DROP ')],
    ['policy ACCEPT', (l) => l.replace(/ (-|ACCEPT|DROP) /, ' ACCEPT ')],
    ['bad policy', (l) => l.replace(/ (-|ACCEPT|DROP) /, ' REJECT ')],
    ['empty name', (l) => l.replace(/^:\S+/, ':')],
    ['declared twice', (l) => `${l}\n${l}`],
  ];
  for (let round = 0; round < 4; round++) {
    const lines = base.map((l) => {
      if (!l.startsWith(':') || r() > 0.1) return l;
      return variants[Math.floor(r() * variants.length)][1](l);
    });
    const text = lines.join('\n');
    assertSame(text, 4, `chain line variations, round ${round}`);
    // Ending in a chain declaration without a final line break.
    const cut = text.slice(0, text.indexOf('\n-A '));
    assertSame(cut, 4, `chain line variations, round ${round}, ending in a declaration`);
  }
});

test('fast lane: values at and past their length limits give the same parse as the complete one', () => {
  // The loose line patterns (lineRegex.ts, LinePatterns) leave the lengths of the chain names to
  // the caller and bound the comment by the line's length: a name of 29 characters and a comment
  // of 256 must be refused there, one of 28 and 255 still read by pattern.
  forgetShapes();
  const kube = generateKubeRuleset({ services: 120 });
  parseSave(kube.text, { family: 4 });
  laneCounts.pattern = 0;
  parseSave(kube.text, { family: 4 });
  const byPattern = laneCounts.pattern;
  const base = kube.text.split('\n');
  const pad = (n: string, to: number) => n.padEnd(to, 'Z').slice(0, to);
  const variants: [string, (line: string) => string][] = [
    ['chain of 28', (l) => l.replace(/^-A (\S+)/, (_m, n: string) => `-A ${pad(n, 28)}`)],
    ['chain of 29', (l) => l.replace(/^-A (\S+)/, (_m, n: string) => `-A ${pad(n, 29)}`)],
    ['target of 28', (l) => l.replace(/-j (KUBE-\S+)$/, (_m, n: string) => `-j ${pad(n, 28)}`)],
    ['target of 29', (l) => l.replace(/-j (KUBE-\S+)$/, (_m, n: string) => `-j ${pad(n, 29)}`)],
    ['comment of 255', (l) => l.replace(/--comment "([^"]*)"/, (_m, c: string) => `--comment "${c.padEnd(255, 'c')}"`)],
    ['comment of 256', (l) => l.replace(/--comment "([^"]*)"/, (_m, c: string) => `--comment "${c.padEnd(256, 'c')}"`)],
  ];
  const r = mulberry32(5);
  for (const [label, vary] of variants) {
    const lines = base.map((l) => (l.startsWith('-A ') && r() < 0.2 ? vary(l) : l));
    const text = lines.join('\n');
    assertSame(text, 4, label);
    // The varied lines within the limits are read by pattern as before; those past a limit are
    // not (the limit exceeded is reported, in the complete parse's words).
    laneCounts.pattern = 0;
    parseSave(text, { family: 4 });
    const within = !label.endsWith('29') && !label.endsWith('256');
    if (within) assert.equal(laneCounts.pattern, byPattern, `${label}: as many rules by pattern`);
    else assert.ok(laneCounts.pattern < byPattern, `${label}: the lines past the limit leave the pattern lane`);
  }
});

test('fast lane: rules of a value-sensitive shape are checked by their values, whether the shape was found clean or not', () => {
  // REJECT's `--reject-with tcp-reset` wants `-p tcp`: the analyses take rules whose value makes
  // no restriction apply as clean as their shape (analysis/shapes.ts, valueWords), and must still
  // check every other one. The offending rule first, in the middle, last, twice; in both families.
  forgetShapes();
  const rule = (n: number, with_: string) =>
    `-A FW -s 10.1.${n >> 8}.${n & 255}/32 -p udp -j REJECT --reject-with ${with_}`;
  const rule6 = (n: number, with_: string) =>
    `-A FW -s 2001:db8::${n.toString(16)}/128 -p udp -j REJECT --reject-with ${with_}`;
  for (const [family, make, inert] of [
    [4, rule, 'icmp-port-unreachable'],
    [6, rule6, 'icmp6-port-unreachable'],
  ] as const) {
    for (const [bad, counters] of [
      [[0], ''],
      [[40], ''],
      [[79], '[5:300] '],
      [[10, 60], '[0:0] '],
    ] as const) {
      const lines = ['*filter', ':INPUT ACCEPT [0:0]', ':FW - [0:0]', '-A INPUT -j FW'];
      for (let n = 0; n < 80; n++)
        lines.push(counters + make(n, (bad as readonly number[]).includes(n) ? 'tcp-reset' : inert));
      lines.push('COMMIT', '');
      const text = lines.join('\n');
      assertSame(text, family, `IPv${family}, tcp-reset at ${bad}${counters ? ', with counters' : ''}`);
      const doc = parseSave(text, { family });
      const found = analyze(doc).filter((d) => d.code === 'extension-needs-protocol');
      assert.deepEqual(
        found.map((d) => d.span.line),
        bad.map((n) => n + 4),
        `IPv${family}: each tcp-reset reported, no other rule`,
      );
    }
  }
});

test('fast lane: the simulator infers the same host from rules still in rows as from rule objects', (t) => {
  // inferHost passes over the rules whose shape names no interface without making their objects
  // (simulator/infer.ts): it must find what it finds when every rule is an object.
  const texts: [string, Family][] = corpusFiles.map((f) => [readFileSync(f.path, 'utf8'), f.family]);
  const lines = ['*nat', ':POSTROUTING ACCEPT [0:0]', ':SVC - [0:0]', '*filter', ':FORWARD DROP [0:0]', ':FW - [0:0]'];
  const nat: string[] = [];
  const filter: string[] = [];
  for (let i = 0; i < 200; i++) {
    nat.push(
      `-A SVC -d 10.96.${i & 255}.1/32 -p tcp -m tcp --dport ${1000 + i} -j DNAT --to-destination 10.1.0.${i & 255}`,
    );
    if (i % 40 === 39) nat.push(`-A POSTROUTING -s 10.${i & 255}.0.0/16 -o uplink${i} -j MASQUERADE`);
    filter.push(`-A FW -s 10.2.${i & 255}.0/24 -p udp -m udp --dport ${i} -j ACCEPT`);
    if (i % 50 === 7) filter.push(`-A FORWARD -i lan${i} -s 172.16.${i & 255}.0/24 -j FW`);
  }
  nat.sort((a, b) => a.split(' ')[1].localeCompare(b.split(' ')[1]));
  filter.sort((a, b) => a.split(' ')[1].localeCompare(b.split(' ')[1]));
  const generated = [...lines.slice(0, 3), ...nat, 'COMMIT', ...lines.slice(3), ...filter, 'COMMIT', ''].join('\n');
  texts.push([generated, 4], [generateKubeRuleset({ services: 120 }).text, 4]);
  if (corpusFiles.length === 0) t.diagnostic(`corpus not found at ${CORPUS}: generated rulesets only`);
  for (const [text, family] of texts) {
    const fast = inferHost(parseSave(text, { family }));
    const complete = inferHost(parseSave(text, { family, fast: false }));
    assert.deepEqual(fast, complete);
  }
  const g = inferHost(parseSave(generated, { family: 4 }));
  assert.deepEqual(
    g.host.interfaces?.map((i) => i.name),
    ['uplink39', 'uplink79', 'uplink119', 'uplink159', 'uplink199', 'lan7', 'lan57', 'lan107', 'lan157'],
  );
  assert.equal(g.host.forwarding, true);
});
