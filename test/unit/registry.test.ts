/**
 * Registry data checks: every entry is well formed (arguments have parsers, conflicts and required
 * options name real options, kernel restrictions use real tables and hooks), the registry covers
 * every extension shipped with this machine's iptables and used in the shared corpus, and every
 * ruleset the kernel accepted parses without registry diagnostics.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BUILTIN_TABLES, HOOKS } from '../../server/src/service/model';
import { parseSave } from '../../server/src/service/parser/save';
import { parseArg } from '../../server/src/service/registry/argtypes';
import { allMatches, allTargets, findMatch, findTarget, optionNames } from '../../server/src/service/registry/index';
import type { ExtensionSpec } from '../../server/src/service/registry/types';
import { CORPUS } from '../helpers/paths';
import { readVerdicts } from '../helpers/verdicts';

const ALL: ExtensionSpec[] = [...allMatches(), ...allTargets()];
const XTABLES = '/usr/lib/x86_64-linux-gnu/xtables';

test('every option argument grammar has a parser that rejects garbage or accepts by design', () => {
  // iface: iptables takes any name shorter than 16 characters (with a warning for '/' and blanks)
  const acceptsAnything = new Set(['string', 'any', 'cgroup-path', 'hex-string', 'iface']);
  for (const spec of ALL) {
    for (const o of spec.options) {
      for (const a of o.args) {
        for (const family of spec.families) {
          const r = parseArg('\u0001bogus value\u0001', a, family);
          if (!acceptsAnything.has(a.type)) {
            assert.ok(r.error, `${spec.name} --${o.name}: grammar ${a.type} accepted garbage`);
          }
        }
      }
    }
  }
});

test('conflicts, requireOneOf and optionRestrictions name real options; kernel data is valid', () => {
  for (const spec of ALL) {
    const names = new Set(spec.options.map((o) => o.name));
    for (const o of spec.options) {
      for (const c of o.conflicts ?? [])
        assert.ok(names.has(c), `${spec.name} --${o.name} conflicts with unknown --${c}`);
      assert.ok(o.doc.length > 5, `${spec.name} --${o.name} has no doc`);
    }
    for (const g of spec.requireOneOf ?? [])
      for (const n of g) assert.ok(names.has(n), `${spec.name} requires unknown --${n}`);
    for (const r of spec.optionRestrictions ?? [])
      assert.ok(names.has(r.option), `${spec.name}: restriction on unknown --${r.option}`);
    for (const k of [spec.kernel, ...(spec.optionRestrictions ?? []).map((r) => r.kernel)]) {
      for (const t of k?.tables ?? [])
        assert.ok((BUILTIN_TABLES as readonly string[]).includes(t), `${spec.name}: table ${t}`);
      for (const h of k?.hooks ?? []) assert.ok((HOOKS as readonly string[]).includes(h), `${spec.name}: hook ${h}`);
    }
    assert.ok(spec.summary.length > 5 && spec.doc.length > 20, `${spec.name} lacks documentation`);
  }
});

test('option names are unique per extension and family (getopt would be ambiguous otherwise)', () => {
  for (const spec of ALL) {
    for (const family of spec.families) {
      const seen = new Set<string>();
      for (const o of spec.options) {
        if (o.families && !o.families.includes(family)) continue;
        for (const n of [o.name, ...(o.aliases ?? [])]) {
          assert.ok(!seen.has(n), `${spec.name} (IPv${family}): --${n} defined twice`);
          seen.add(n);
        }
      }
    }
  }
});

test('targets have the flow the kernel gives them', () => {
  const expect: Record<string, string> = {
    ACCEPT: 'verdict',
    DROP: 'verdict',
    RETURN: 'verdict',
    QUEUE: 'verdict',
    REJECT: 'terminal',
    DNAT: 'terminal',
    SNAT: 'terminal',
    MASQUERADE: 'terminal',
    REDIRECT: 'terminal',
    NFQUEUE: 'terminal',
    SYNPROXY: 'terminal',
    TPROXY: 'terminal',
    LOG: 'continue',
    NFLOG: 'continue',
    MARK: 'continue',
    CONNMARK: 'continue',
    CT: 'continue',
    TRACE: 'continue',
    TCPMSS: 'continue',
    CLASSIFY: 'continue',
    DSCP: 'continue',
    TOS: 'continue',
    TTL: 'continue',
    HL: 'continue',
  };
  for (const [name, flow] of Object.entries(expect)) {
    const t = findTarget(name, name === 'TTL' ? 4 : name === 'HL' ? 6 : 4) ?? findTarget(name, 6);
    assert.equal(t?.flow, flow, `${name} flow`);
  }
});

test('key kernel restrictions are recorded', () => {
  assert.deepEqual(findTarget('DNAT', 4)?.kernel, { tables: ['nat'], hooks: ['PREROUTING', 'OUTPUT'] });
  assert.deepEqual(findTarget('SNAT', 6)?.kernel, { tables: ['nat'], hooks: ['INPUT', 'POSTROUTING'] });
  assert.deepEqual(findTarget('MASQUERADE', 4)?.kernel?.hooks, ['POSTROUTING']);
  assert.deepEqual(findTarget('REDIRECT', 4)?.kernel?.hooks, ['PREROUTING', 'OUTPUT']);
  for (const raw of ['TRACE', 'CT', 'NOTRACK']) assert.deepEqual(findTarget(raw, 4)?.kernel?.tables, ['raw']);
  assert.deepEqual(findTarget('REJECT', 4)?.kernel, { tables: ['filter'], hooks: ['INPUT', 'FORWARD', 'OUTPUT'] });
  assert.deepEqual(findMatch('tcp', 4)?.kernel?.protocols, ['tcp']);
  assert.deepEqual(findMatch('owner', 4)?.kernel?.hooks, ['OUTPUT', 'POSTROUTING']);
  assert.deepEqual(findMatch('mac', 6)?.kernel?.hooks, ['PREROUTING', 'INPUT', 'FORWARD']);
  assert.ok(findMatch('state', 4)?.deprecated?.includes('conntrack'));
  assert.ok(findTarget('NOTRACK', 4)?.deprecated?.includes('CT --notrack'));
});

test('families: IPv4-only and IPv6-only extensions', () => {
  assert.ok(findMatch('icmp', 4) && !findMatch('icmp', 6));
  assert.ok(findMatch('icmp6', 6) && !findMatch('icmp6', 4));
  assert.ok(findTarget('TTL', 4) && !findTarget('TTL', 6));
  assert.ok(findTarget('HL', 6) && !findTarget('HL', 4));
  assert.deepEqual(findMatch('ah', 4)?.kernel?.protocols, ['ah']);
  assert.equal(findMatch('ah', 6)?.kernel?.protocols, undefined);
  const reject4 = findTarget('REJECT', 4)?.options.find((o) => !o.families || o.families.includes(4));
  assert.ok(reject4?.args[0].values?.includes('icmp-host-prohibited'));
  const reject6 = findTarget('REJECT', 6)?.options.find((o) => !o.families || o.families.includes(6));
  assert.ok(reject6?.args[0].values?.includes('icmp6-adm-prohibited'));
});

test("every extension shipped with this machine's iptables is in the registry", (t) => {
  if (!existsSync(XTABLES)) {
    t.skip(`${XTABLES} not found (iptables extensions not installed)`);
    return;
  }
  const missing: string[] = [];
  for (const f of readdirSync(XTABLES)) {
    const m = /^lib(xt|ipt|ip6t)_(.+)\.so$/.exec(f);
    if (!m || m[2] === 'standard' || m[2] === 'NAT') continue;
    const name = m[2];
    const family = m[1] === 'ip6t' ? 6 : 4;
    if (!findMatch(name, family) && !findTarget(name, family)) missing.push(f);
  }
  assert.deepEqual(missing, []);
});

test('every match and target named in the corpus is in the registry', (t) => {
  if (!existsSync(CORPUS)) {
    t.skip(`corpus not found at ${CORPUS}`);
    return;
  }
  const matches = new Set<string>();
  const jumps = new Set<string>();
  const chains = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        walk(p);
        continue;
      }
      const text = readFileSync(p, 'latin1');
      for (const m of text.matchAll(/(?:^|\s)(?:-m|--match)\s+([A-Za-z0-9_]+)/g)) matches.add(m[1]);
      for (const m of text.matchAll(/(?:^|\s)(?:-j|--jump)\s+([^\s"';)]+)/g)) jumps.add(m[1]);
      for (const m of text.matchAll(/(?:^:|\s-[NAI]\s+|--(?:new-chain|append|insert)\s+)([^\s]+)/gm)) chains.add(m[1]);
    }
  };
  walk(CORPUS);
  assert.ok(matches.size > 20 && jumps.size > 10, 'too few -m/-j names found in the corpus');
  const unknownMatches = [...matches].filter((n) => !findMatch(n, 4) && !findMatch(n, 6));
  assert.deepEqual(unknownMatches, []);
  // all-capital jump targets that no file defines as a chain must be target extensions (one
  // listing has `ACC` cut by a line wrap: not a target)
  const unknownTargets = [...jumps].filter(
    (n) => /^[A-Z]+$/.test(n) && n !== 'ACC' && !chains.has(n) && !findTarget(n, 4) && !findTarget(n, 6),
  );
  assert.deepEqual(unknownTargets, []);
});

const REGISTRY_CODES =
  /^(unknown-match|unknown-option|option-needs-module|unknown-target|bad-.*|missing-required-option|conflicting-options|port-needs-protocol)$/;

test('every ruleset the kernel accepted parses without registry diagnostics', (t) => {
  const tsv = join(CORPUS, 'restore-verdicts.tsv');
  if (!existsSync(tsv)) {
    t.skip(`${tsv} not found`);
    return;
  }
  const rows = readVerdicts(CORPUS).filter((v) => v.verdict === 'valid');
  assert.ok(rows.length >= 50, `only ${rows.length} valid rulesets listed`);
  const problems: string[] = [];
  for (const { family, file } of rows) {
    const r = parseSave(readFileSync(join(CORPUS, file), 'utf8'), { family });
    for (const d of r.diagnostics) {
      if (d.severity === 'error' && REGISTRY_CODES.test(d.code))
        problems.push(`${file}:${d.span.line + 1}: ${d.code}: ${d.message}`);
    }
  }
  assert.deepEqual(problems.slice(0, 20), []);
});

test('the registry resolves aliases and canonical option names as iptables-save prints them', () => {
  assert.ok(optionNames(findMatch('multiport', 4) as ExtensionSpec).includes('destination-ports'));
  assert.equal(
    findMatch('multiport', 4)?.options.find((o) => o.aliases?.includes('destination-ports'))?.name,
    'dports',
  );
  assert.equal(findMatch('tcp', 6)?.options.find((o) => o.aliases?.includes('source-port'))?.name, 'sport');
  assert.equal(
    findMatch('hashlimit', 4)?.options.find((o) => o.aliases?.includes('hashlimit'))?.name,
    'hashlimit-upto',
  );
  assert.equal(findMatch('set', 4)?.options.find((o) => o.name === 'match-set')?.args.length, 2);
  assert.equal(findMatch('tcp', 4)?.options.find((o) => o.name === 'tcp-flags')?.args.length, 2);
});
