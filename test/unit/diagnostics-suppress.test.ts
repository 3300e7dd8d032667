/**
 * Suppression comments: next-line and whole-file forms, several codes, no codes (everything),
 * stacked comments, shell continuation lines, and unknown codes being reported.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applySuppressions, parseSuppressions } from '../../server/src/service/diagnostics/suppress';
import { lintText } from '../../server/src/service/document';
import type { Diagnostic } from '../../server/src/service/model';

const codesOf = (text: string) => lintText(text, { languageId: 'iptables' }).diagnostics.map((d) => d.code);

const BASE = ['*filter', ':SPARE - [0:0]', '-A INPUT -j DROP', '-A INPUT -j ACCEPT', 'COMMIT', ''];

test('without comments, the diagnostics are there', () => {
  const codes = codesOf(BASE.join('\n'));
  assert.ok(codes.includes('unreachable-rule'));
  assert.ok(codes.includes('unused-chain'));
});

test('disable-next-line silences the named code on the next rule only', () => {
  const text = [
    '*filter',
    ':SPARE - [0:0]',
    '-A INPUT -j DROP',
    '# iptables-sim-disable-next-line unreachable-rule',
    '-A INPUT -j ACCEPT',
    '-A INPUT -j RETURN',
    'COMMIT',
  ].join('\n');
  const ds = lintText(text).diagnostics.filter((d) => d.code === 'unreachable-rule');
  assert.deepEqual(
    ds.map((d) => d.span.line),
    [5],
  );
});

test('disable-next-line skips blank and comment lines and accepts several codes', () => {
  const text = [
    '*filter',
    '# iptables-sim-disable-next-line unused-chain,bad-chain-name -- kept for later',
    '',
    '# a note',
    ':RETURN - [0:0]',
    'COMMIT',
  ].join('\n');
  assert.deepEqual(codesOf(text), []);
});

test('a whole-file disable, with or without codes', () => {
  assert.deepEqual(
    codesOf(['# iptables-sim-disable unreachable-rule, unused-chain', ...BASE].join('\n')).filter(
      (c) => c === 'unreachable-rule' || c === 'unused-chain',
    ),
    [],
  );
  assert.deepEqual(codesOf(['# iptables-sim-disable', ...BASE].join('\n')), []);
  // Other codes stay.
  assert.ok(codesOf(['# iptables-sim-disable unused-chain', ...BASE].join('\n')).includes('unreachable-rule'));
});

test('unknown codes in the comment are reported where they are written', () => {
  const text = ['# iptables-sim-disable-next-line unreachable-rules', ...BASE].join('\n');
  const d = lintText(text).diagnostics.find((x) => x.code === 'unknown-suppression-code');
  assert.ok(d);
  assert.equal(d.span.line, 0);
  assert.equal(text.slice(d.span.character, d.span.endCharacter), 'unreachable-rules');
});

test('a marker that is not in a comment does nothing', () => {
  const text = [
    '*filter',
    '-A INPUT -m comment --comment iptables-sim-disable -j DROP',
    '-A INPUT -j ACCEPT',
    'COMMIT',
  ].join('\n');
  assert.ok(codesOf(text).includes('unreachable-rule'));
});

test('comments are found wherever their # is: after blanks, between other #s, and not after text', () => {
  const lines = [
    '# a comment, then # iptables-sim-disable unused-chain (not at the start: nothing)',
    '-A INPUT -m comment --comment "x#iptables-sim-disable-next-line" -j ACCEPT',
    '#',
    'iptables-sim-disable unreachable-rule',
    ' \t#\t iptables-sim-disable-next-line unknown-code-a',
    '\u00a0# iptables-sim-disable-next-line unknown-code-b',
    '#iptables-sim-disable-next-line unknown-code-c',
    '## iptables-sim-disable unknown-code-d',
  ];
  const found = parseSuppressions(lines.join('\n')).diagnostics.map((d) => [d.span.line, d.data?.code]);
  assert.deepEqual(found, [
    [4, 'unknown-code-a'],
    [5, 'unknown-code-b'],
    [6, 'unknown-code-c'],
  ]);
  assert.equal(parseSuppressions(lines.slice(0, 4).join('\n')).file.size, 0);
});

test('shell continuation lines belong to the suppressed command', () => {
  const text = [
    '#!/bin/sh',
    '# iptables-sim-disable-next-line interface-not-allowed',
    'iptables -A OUTPUT \\',
    '  -i eth0 -j ACCEPT',
    'iptables -A OUTPUT -i eth1 -j ACCEPT',
  ].join('\n');
  const s = parseSuppressions(text);
  assert.deepEqual(
    s.ranges.map((r) => [r.from, r.to]),
    [[2, 3]],
  );
  const mk = (line: number): Diagnostic => ({
    code: 'interface-not-allowed',
    severity: 'error',
    message: 'x',
    span: { line, character: 2, endLine: line, endCharacter: 9 },
  });
  assert.deepEqual(
    applySuppressions([mk(3), mk(4)], parseSuppressions(text)).map((d) => d.span.line),
    [4],
  );
});

test('many next-line comments are applied by line index', () => {
  const lines = ['*filter', '-A INPUT -j DROP'];
  for (let i = 0; i < 20; i++)
    lines.push('# iptables-sim-disable-next-line unreachable-rule', `-A INPUT -s 10.0.0.${i} -j ACCEPT`);
  lines.push('-A INPUT -j ACCEPT', 'COMMIT');
  const ds = lintText(lines.join('\n')).diagnostics.filter((d) => d.code === 'unreachable-rule');
  assert.deepEqual(
    ds.map((d) => d.span.line),
    [42],
  );
});
