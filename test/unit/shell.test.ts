/**
 * Unit tests of the shell-script parser: finding iptables invocations in every shell construct,
 * the lexer (quotes, continuations, comments, here-documents), variables and unknown values,
 * restore here-documents, ruleset state in script order, form detection, and robustness.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectForm } from '../../server/src/service/document';
import type { ParsedDocument, Rule } from '../../server/src/service/model';
import { parseShell } from '../../server/src/service/parser/shell';

const errors = (d: ParsedDocument) => d.diagnostics.filter((x) => x.severity === 'error');
const rules = (d: ParsedDocument, chain = 'INPUT', table = 'filter', family: 4 | 6 = 4): Rule[] =>
  d.rulesets[family]?.tables.get(table)?.chains.get(chain)?.rules ?? [];
const texts = (d: ParsedDocument, chain = 'INPUT', table = 'filter', family: 4 | 6 = 4) =>
  rules(d, chain, table, family).map((r) => r.text);

test('finds invocations by name, path, and behind prefix commands', () => {
  const d = parseShell(
    [
      'iptables -A INPUT -j ACCEPT',
      '/sbin/iptables -A INPUT -p tcp --dport 22 -j ACCEPT',
      'sudo -u root iptables -A INPUT -s 10.0.0.1 -j DROP',
      'exec iptables-legacy -A INPUT -i lo -j ACCEPT',
      'command iptables-nft -A INPUT -o lo -j ACCEPT',
      'nice -n 5 env FOO=1 /usr/sbin/iptables -A INPUT -d 10.0.0.2 -j DROP',
      '/usr/sbin/ip6tables -A INPUT -s ::1 -j ACCEPT',
      'ip6tables-legacy -A INPUT -d ::1 -j DROP',
      'command -v iptables >/dev/null',
      'echo iptables -A INPUT -j DROP',
    ].join('\n'),
  );
  assert.deepEqual(errors(d), []);
  assert.equal(d.commands.length, 8);
  assert.deepEqual(texts(d), [
    '-j ACCEPT',
    '-p tcp --dport 22 -j ACCEPT',
    '-s 10.0.0.1 -j DROP',
    '-i lo -j ACCEPT',
    '-o lo -j ACCEPT',
    '-d 10.0.0.2 -j DROP',
  ]);
  assert.deepEqual(texts(d, 'INPUT', 'filter', 6), ['-s ::1 -j ACCEPT', '-d ::1 -j DROP']);
  assert.deepEqual(
    d.commands.map((c) => c.line),
    [0, 1, 2, 3, 4, 5, 6, 7],
  );
});

test('finds invocations inside conditions, lists, pipelines, subshells, functions and $(...)', () => {
  const d = parseShell(
    [
      'if iptables -C INPUT -j DROP; then :; fi',
      'while iptables -D INPUT -j DROP 2>/dev/null; do :; done',
      'true && iptables -A INPUT -s 1.1.1.1 -j DROP || iptables -A INPUT -s 2.2.2.2 -j DROP',
      'iptables -S | grep x; iptables -A INPUT -s 3.3.3.3 -j DROP',
      '( iptables -A INPUT -s 4.4.4.4 -j DROP )',
      'f() {',
      '  iptables -A INPUT -s 5.5.5.5 -j DROP',
      '}',
      'X=$(iptables -A INPUT -s 6.6.6.6 -j DROP)',
      'f',
    ].join('\n'),
  );
  assert.deepEqual(errors(d), []);
  assert.deepEqual(
    d.commands.map((c) => c.op),
    ['check', 'delete', 'append', 'append', 'list', 'append', 'append', 'append', 'append'],
  );
  assert.deepEqual(texts(d), [
    '-s 1.1.1.1 -j DROP',
    '-s 2.2.2.2 -j DROP',
    '-s 3.3.3.3 -j DROP',
    '-s 4.4.4.4 -j DROP',
    '-s 6.6.6.6 -j DROP',
    '-s 5.5.5.5 -j DROP',
  ]);
});

test('functions never called are still checked', () => {
  const d = parseShell('start() {\n  iptables -A INPUT -p tcp --dport 99999 -j ACCEPT\n}\n');
  const e = errors(d);
  assert.equal(e.length, 1);
  assert.equal(e[0].span.line, 1);
});

test('variables holding the command: path, braces, with options, local/export/readonly', () => {
  const d = parseShell(
    [
      'IPT=/sbin/iptables',
      '$IPT -A INPUT -s 10.0.0.1 -j DROP',
      'IPTABLES="iptables -w"',
      `\${IPTABLES} -A INPUT -s 10.0.0.2 -j DROP`,
      'export IP6T=/usr/sbin/ip6tables',
      '$IP6T -A INPUT -s ::2 -j DROP',
      'readonly R="iptables"',
      '$R -A INPUT -s 10.0.0.3 -j DROP',
      'g() { local L=iptables; $L -A INPUT -s 10.0.0.4 -j DROP; }',
      'g',
      'W=`which iptables`',
      '$W -A INPUT -s 10.0.0.5 -j DROP',
    ].join('\n'),
  );
  assert.deepEqual(errors(d), []);
  assert.deepEqual(texts(d), [
    '-s 10.0.0.1 -j DROP',
    '-s 10.0.0.2 -j DROP',
    '-s 10.0.0.3 -j DROP',
    '-s 10.0.0.4 -j DROP',
    '-s 10.0.0.5 -j DROP',
  ]);
  assert.deepEqual(texts(d, 'INPUT', 'filter', 6), ['-s ::2 -j DROP']);
  assert.equal(d.diagnostics.filter((x) => x.code === 'unknown-variable').length, 0);
});

test('wrapper functions pass their arguments through "$@"', () => {
  const text =
    'ipt() { iptables "$@"; }\nipt -A INPUT -p tcp --dport 22 -j ACCEPT\nipt -A INPUT -p tcp --dport 70000 -j ACCEPT\n';
  const d = parseShell(text);
  assert.deepEqual(texts(d), ['-p tcp --dport 22 -j ACCEPT']);
  const e = errors(d);
  assert.equal(e.length, 1);
  assert.equal(e[0].span.line, 2, 'the error points at the call site');
  assert.equal(d.commands.length, 2);
  assert.equal(d.commands[0].line, 1);
});

test("lexer: continuations, quotes, $'..', escapes and comments", () => {
  const text = [
    'iptables -A INPUT \\',
    '   -p tcp --dport 22 \\',
    '   -m comment --comment "two words" -j ACCEPT # trailing comment',
    "iptables -A INPUT -m comment --comment 'single q' -j ACCEPT",
    "iptables -A INPUT -m comment --comment $'tab\\there' -j ACCEPT",
    'iptables -A INPUT -m comment --comment a\\ b -j ACCEPT',
    'iptables -A INPUT -m comment --comment x#y -j ACCEPT',
    '# iptables -A INPUT -j NOT_PARSED',
  ].join('\n');
  const d = parseShell(text);
  assert.deepEqual(errors(d), []);
  const r = rules(d);
  assert.equal(r.length, 5);
  assert.deepEqual(
    r.map((x) => x.matches.find((m) => m.module === 'comment')?.options[0].args[0].text),
    ['two words', 'single q', 'tab\there', 'a b', 'x#y'],
  );
  // the first command spans three lines; spans of its tokens are exact
  const c = d.commands[0];
  assert.equal(c.span.line, 0);
  assert.equal(c.span.endLine, 2);
  const comment = r[0].matches.find((m) => m.module === 'comment')?.options[0].args[0];
  assert.deepEqual(comment?.span, { line: 2, character: 24, endLine: 2, endCharacter: 35 });
  assert.equal(comment?.quoted, true);
  const dport = r[0].matches.find((m) => m.module === 'tcp')?.options[0];
  assert.deepEqual(dport?.nameSpan, { line: 1, character: 10, endLine: 1, endCharacter: 17 });
});

test('here-documents are skipped, except iptables-restore ones which are parsed as restore input', () => {
  const text = [
    'cat <<EOF > /tmp/x', // 0
    'iptables -A INPUT -j BOGUS_NOT_PARSED', // 1
    'EOF', // 2
    'IF=eth0', // 3
    'ip6tables-restore <<-EOF', // 4
    '\t*filter', // 5
    '\t:INPUT DROP [0:0]', // 6
    '\t-A INPUT -i "$IF" -p tcp --dport 99999 -j ACCEPT', // 7
    '\tCOMMIT', // 8
    '\tEOF', // 9
    "iptables-restore --noflush <<'END'", // 10
    '*nat', // 11
    '-A POSTROUTING -o $IF -j MASQUERADE', // 12
    'COMMIT', // 13
    'END', // 14
  ].join('\n');
  const d = parseShell(text);
  const e = errors(d);
  assert.equal(e.length, 1, JSON.stringify(e));
  assert.equal(e[0].span.line, 7);
  // spans point into the script's text: `99999` at column 34 of line 7 (where "$IF" is still written)
  assert.equal(e[0].span.character, 34);
  assert.equal(e[0].span.endCharacter, 39);
  const six = d.rulesets[6]?.tables.get('filter')?.chains.get('INPUT');
  assert.equal(six?.policy, 'DROP');
  assert.equal(six?.policySpan?.line, 6);
  const nat = rules(d, 'POSTROUTING', 'nat', 4);
  assert.equal(nat.length, 1);
  assert.equal(nat[0].line, 12);
  // quoted delimiter: no expansion, the word stays literal
  assert.equal(nat[0].base.outInterface?.args[0].text, '$IF');
  assert.equal(
    d.commands.some((c) => c.line === 1),
    false,
  );
});

test('cat heredoc piped into iptables-restore and a file written by cat then restored', () => {
  const text = [
    'cat <<EOF | iptables-restore',
    '*filter',
    '-A INPUT -j ACCEPT',
    'COMMIT',
    'EOF',
    'cat > /etc/rules <<EOF',
    '*filter',
    '-A FORWARD -j DROP',
    'COMMIT',
    'EOF',
    'iptables-restore < /etc/rules',
  ].join('\n');
  const d = parseShell(text);
  assert.deepEqual(errors(d), []);
  assert.deepEqual(texts(d, 'FORWARD'), ['-j DROP']);
  assert.equal(rules(d, 'FORWARD')[0].line, 7);
});

test('unknown values: information diagnostic, unknown token, no error', () => {
  const text = [
    'iptables -A INPUT -i $EXT_IF -p tcp --dport "$1" -j ACCEPT', // 0
    'iptables -A INPUT -s $(cat /etc/ip) -j DROP', // 1
    'iptables -A INPUT $OPTS --dport 22 -j ACCEPT', // 2
    'iptables -A INPUT -p $PROTO --dport 22 -j $TARGET', // 3
    'for ip in $LIST; do iptables -A INPUT -s $ip -j DROP; done', // 4
  ].join('\n');
  const d = parseShell(text);
  assert.deepEqual(errors(d), []);
  const unk = d.diagnostics.filter((x) => x.code === 'unknown-variable');
  assert.ok(unk.every((x) => x.severity === 'information'));
  assert.deepEqual(
    unk.map((x) => x.message),
    [
      'value of $EXT_IF cannot be known here; not checked',
      'value of $1 cannot be known here; not checked',
      'value of $(...) cannot be known here; not checked',
      'value of $OPTS cannot be known here; not checked',
      'value of $PROTO cannot be known here; not checked',
      'value of $TARGET cannot be known here; not checked',
      'value of $ip cannot be known here; not checked',
    ],
  );
  assert.deepEqual(unk[0].span, { line: 0, character: 21, endLine: 0, endCharacter: 28 });
  const r = rules(d);
  const iface = r[0].base.inInterface?.args[0];
  assert.equal(iface?.unknown, true);
  assert.equal(iface?.text, '$EXT_IF');
  // rules whose structure is unknown are not put into the ruleset
  assert.equal(r.length, 3);
});

test('a command word that is an unknown variable: iptables only when the name says so', () => {
  const d = parseShell(
    '$IPT6 -A INPUT -s ::1 -j ACCEPT\n$IPTABLES -A INPUT -p tcp --dport 0x -j ACCEPT\n$FOO -A INPUT -j X\n',
  );
  assert.equal(d.commands.length, 2);
  assert.equal(d.commands[0].family, 6);
  assert.equal(d.commands[1].family, 4);
  const unk = d.diagnostics.filter((x) => x.code === 'unknown-variable').map((x) => x.message);
  assert.deepEqual(unk, [
    'value of $IPT6 cannot be known here; not checked',
    'value of $IPTABLES cannot be known here; not checked',
  ]);
  assert.equal(errors(d).length, 1, 'the guessed iptables command is still checked');
});

test('variables: script order, defaults, concatenation, branches and loops', () => {
  const text = [
    'NET=10.0.0',
    'iptables -A INPUT -s "$NET.1" -j DROP',
    'NET=192.168.1',
    `iptables -A INPUT -s \${NET}.2 -j DROP`,
    `iptables -A INPUT -s \${UNSET_VAR:-172.16.0.3} -j DROP`,
    'if [ -n "$X" ]; then B=1.1.1.1; else B=2.2.2.2; fi',
    'iptables -A INPUT -s $B -j DROP',
    'if [ -n "$X" ]; then C=3.3.3.3; else C=3.3.3.3; fi',
    'iptables -A INPUT -s $C -j DROP',
    'for p in 22 80 443; do iptables -A INPUT -p tcp --dport $p -j ACCEPT; done',
    'PORTS="25 110"',
    'for p in $PORTS; do iptables -A INPUT -p tcp --dport $p -j ACCEPT; done',
  ].join('\n');
  const d = parseShell(text);
  assert.deepEqual(errors(d), []);
  assert.deepEqual(texts(d), [
    '-s 10.0.0.1 -j DROP',
    '-s 192.168.1.2 -j DROP',
    '-s 172.16.0.3 -j DROP',
    '-s $B -j DROP',
    '-s 3.3.3.3 -j DROP',
    '-p tcp --dport 22 -j ACCEPT',
    '-p tcp --dport 80 -j ACCEPT',
    '-p tcp --dport 443 -j ACCEPT',
    '-p tcp --dport 25 -j ACCEPT',
    '-p tcp --dport 110 -j ACCEPT',
  ]);
  assert.ok(d.diagnostics.some((x) => x.code === 'unknown-variable' && x.message.includes('$B')));
});

test('ruleset state in script order: -t, -N, -F, -X, -I positions, -P', () => {
  const text = [
    'iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE',
    'iptables -N LOGDROP',
    'iptables -A LOGDROP -j LOG',
    'iptables -A LOGDROP -j DROP',
    'iptables -A INPUT -j LOGDROP',
    'iptables -I INPUT 1 -i lo -j ACCEPT',
    'iptables -I INPUT 5 -j DROP',
    'iptables -P INPUT DROP',
    'iptables -A USERCHAIN -j ACCEPT',
    'iptables -F LOGDROP',
    'iptables -A INPUT -j ACCEPT -t mangle',
  ].join('\n');
  const d = parseShell(text);
  assert.deepEqual(texts(d, 'POSTROUTING', 'nat'), ['-o eth0 -j MASQUERADE']);
  // -I INPUT 5 is refused (index too big); the builder keeps the rule at the end
  assert.deepEqual(texts(d), ['-i lo -j ACCEPT', '-j LOGDROP', '-j DROP']);
  assert.deepEqual(texts(d, 'LOGDROP'), []);
  // `-t` after the rule body still selects the table
  assert.equal(rules(d, 'INPUT', 'mangle').length, 1);
  assert.equal(rules(d, 'INPUT', 'mangle')[0].target?.name, 'ACCEPT');
  assert.equal(d.rulesets[4]?.tables.get('filter')?.chains.get('INPUT')?.policy, 'DROP');
  const codes = d.diagnostics.map((x) => `${x.span.line}:${x.code}`);
  assert.ok(codes.includes('6:bad-rule-number'), codes.join(' '));
  assert.ok(codes.includes('8:undefined-chain'), codes.join(' '));
  assert.equal(d.commands.length, 11);
});

test('pasted terminal sessions: the prompt is not the command', () => {
  const d = parseShell('root@host:~# iptables -A INPUT -p tcp --dport 25 -j ACCEPT\nroot@host:~# \n');
  assert.deepEqual(texts(d), ['-p tcp --dport 25 -j ACCEPT']);
});

test('-V and -h are not ruleset commands; a lone iptables is an error', () => {
  const d = parseShell('iptables -V\niptables --help\niptables\n');
  assert.equal(d.commands.length, 0);
  assert.deepEqual(
    errors(d).map((x) => x.span.line),
    [2],
  );
});

test('detectForm: scripts with restore heredocs or sessions are shell, save files are save', () => {
  assert.equal(detectForm('iptables-restore <<EOF\n*filter\n-A INPUT -j ACCEPT\nCOMMIT\nEOF\n'), 'shell');
  assert.equal(detectForm('*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -j ACCEPT\nCOMMIT\n'), 'save');
  assert.equal(detectForm('iptables \\\n  -w \\\n  --insert INPUT\n'), 'shell');
  assert.equal(
    detectForm('root@h:~# iptables -L\n*filter\n:INPUT ACCEPT [1:2]\n-A INPUT -j ACCEPT\nCOMMIT\n'),
    'shell',
  );
  assert.equal(detectForm('echo hi\nmodprobe x\nfoo() { bar; }\n'), 'shell');
  assert.equal(detectForm(' -A INPUT -j ACCEPT\n -A INPUT -j DROP\n'), 'save');
});

test('robust: garbage, unbalanced quotes, deep nesting, huge lines never throw and stay linear', () => {
  const inputs = [
    '\u0000\u0001\uffff\ud800 "\'`$(${{((<<',
    'iptables -A INPUT -m comment --comment "unterminated',
    "echo 'x\niptables -A INPUT -j DROP",
    'cat <<EOF\nno end',
    '$('.repeat(5000),
    '('.repeat(20000) + 'iptables -A INPUT -j DROP' + ')'.repeat(20000),
    'if '.repeat(20000),
    '${'.repeat(20000),
    '`'.repeat(10001),
    `iptables -A INPUT -m comment --comment ${'x'.repeat(1_000_000)} -j ACCEPT`,
    `echo ${'a '.repeat(500_000)}`,
    'f() { f; }; f',
    'for a in 1 2 3 4 5 6 7 8 9 10; do for b in 1 2 3 4 5 6 7 8 9 10; do for c in 1 2 3 4 5 6 7 8 9 10; do for e in 1 2 3 4 5 6 7 8 9 10; do for g in 1 2 3 4 5 6 7 8 9 10; do iptables -A INPUT -j DROP; done; done; done; done; done',
  ];
  for (const text of inputs) {
    const t0 = Date.now();
    const d = parseShell(text);
    assert.equal(d.form, 'shell');
    assert.ok(Date.now() - t0 < 5000, `slow on ${text.slice(0, 30)}`);
  }
  const u = parseShell('iptables -A INPUT -m comment --comment "unterminated');
  assert.ok(u.diagnostics.some((x) => x.code === 'unterminated-quote'));
  const deep = parseShell('('.repeat(20000) + 'iptables -A INPUT -j DROP' + ')'.repeat(20000));
  assert.equal(deep.commands.length, 1);
});
