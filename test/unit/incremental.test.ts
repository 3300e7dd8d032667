// The incremental path (re-parse with the previous parse's cache, then re-analyse): unchanged
// chains and tables are shared with the previous parse, the analyses reuse what they found for
// them, and the result is always the same as a fresh parse and analysis of the new text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateKubeRuleset } from '../../bench/generate';
import { documentDiagnostics, type ParseResult, parseDocument } from '../../server/src/service/document';
import type { Diagnostic } from '../../server/src/service/model';

const json = (ds: Diagnostic[]) => JSON.parse(JSON.stringify(ds));

/** Parses and analyses `before`, then `after` incrementally; checks it against a fresh run. */
function edit(before: string, after: string): { prev: ParseResult; next: ParseResult; diags: Diagnostic[] } {
  const prev = parseDocument(before);
  documentDiagnostics(prev, before);
  const next = parseDocument(after, { cache: prev.cache });
  const diags = documentDiagnostics(next, after);
  assert.deepEqual(json(diags), json(documentDiagnostics(parseDocument(after), after)));
  return { prev, next, diags };
}

const lines = (...l: string[]) => `${l.join('\n')}\n`;

const CALLED_FROM_OUTPUT = [
  '*filter',
  ':INPUT ACCEPT [0:0]',
  ':FORWARD ACCEPT [0:0]',
  ':OUTPUT ACCEPT [0:0]',
  ':X - [0:0]',
  ':Y - [0:0]',
  '-A OUTPUT -j X',
  '-A X -i eth0 -j ACCEPT',
  '-A Y -j ACCEPT',
  'COMMIT',
];

test('a finding that names the calling path follows an edit of the calling rule', () => {
  const before = lines(...CALLED_FROM_OUTPUT);
  const changed = CALLED_FROM_OUTPUT.slice();
  changed[6] = '-A OUTPUT -p tcp -j X';
  const { diags } = edit(before, lines(...changed));
  const d = diags.find((x) => x.code === 'interface-never-matches');
  assert.ok(d, 'the -i in a chain reached only from OUTPUT is reported');
  const first = documentDiagnostics(parseDocument(before), before).find((x) => x.code === 'interface-never-matches');
  // The jump moved: the related location must be the new one, not the one remembered.
  assert.equal(first?.related?.[0].span.character, 10);
  assert.equal(d.related?.[0].span.character, 17);
});

test('an edit that adds a jump loop is found, and removing it clears the finding', () => {
  const base = [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':A - [0:0]',
    ':B - [0:0]',
    '-A INPUT -j A',
    '-A A -j B',
    '-A B -j RETURN',
    'COMMIT',
  ];
  const loop = base.slice();
  loop[8] = '-A B -j A';
  const added = edit(lines(...base), lines(...loop));
  assert.ok(added.diags.some((d) => d.code === 'chain-loop'));
  const removed = edit(lines(...loop), lines(...base));
  assert.ok(!removed.diags.some((d) => d.code === 'chain-loop'));
});

test('unchanged chains and tables are shared with the previous parse; changed ones are new', () => {
  const text = lines(
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':SVC - [0:0]',
    '-A PREROUTING -j SVC',
    '-A SVC -p tcp --dport 80 -j DNAT --to-destination 10.0.0.1',
    'COMMIT',
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    '-A INPUT -p tcp --dport 22 -j ACCEPT',
    'COMMIT',
  );
  const after = text.replace('--dport 80', '--dport 8080');
  const table = (r: ParseResult, name: string) => r.rulesets[4]!.tables.get(name)!;
  const prev = parseDocument(text);
  // (The one-line edit path updates the superseded parse's chain map in place: read it first.)
  const prevFilter = table(prev, 'filter');
  const prevNat = table(prev, 'nat');
  const prevPrerouting = prevNat.chains.get('PREROUTING');
  const prevSvc = prevNat.chains.get('SVC');
  const next = parseDocument(after, { cache: prev.cache });
  assert.equal(table(next, 'filter'), prevFilter);
  assert.notEqual(table(next, 'nat'), prevNat);
  assert.equal(table(next, 'nat').chains.get('PREROUTING'), prevPrerouting);
  assert.notEqual(table(next, 'nat').chains.get('SVC'), prevSvc);
  assert.deepEqual(json(documentDiagnostics(next, after)), json(documentDiagnostics(parseDocument(after), after)));
});

test('declaring a chain the rules jump to clears "undefined chain"; removing it brings it back', () => {
  const declared = [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':LOGDROP - [0:0]',
    '-A INPUT -s 10.0.0.0/8 -j LOGDROP',
    '-A LOGDROP -j LOG --log-prefix "drop: "',
    '-A LOGDROP -j DROP',
    'COMMIT',
  ];
  const undeclared = declared.slice();
  undeclared[4] = '# no chain';
  const gone = edit(lines(...declared), lines(...undeclared));
  assert.ok(gone.diags.some((d) => d.code === 'undefined-chain'));
  const back = edit(lines(...undeclared), lines(...declared));
  assert.ok(!back.diags.some((d) => d.code === 'undefined-chain'));
});

test('rule findings survive edits elsewhere and follow a change of the hooks reaching the chain', () => {
  const base = [
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':M - [0:0]',
    '-A POSTROUTING -j M',
    '-A M -p tcp -j DNAT --to-destination 10.0.0.1',
    '-A OUTPUT -p udp --dport 53 -j ACCEPT',
    'COMMIT',
  ];
  const elsewhere = base.slice();
  elsewhere[8] = '-A OUTPUT -p udp --dport 5353 -j ACCEPT';
  const kept = edit(lines(...base), lines(...elsewhere));
  assert.ok(
    kept.diags.some((d) => d.code === 'target-not-in-hook'),
    'DNAT reached from POSTROUTING',
  );
  const moved = elsewhere.slice();
  moved[6] = '-A PREROUTING -j M';
  const fixed = edit(lines(...elsewhere), lines(...moved));
  assert.ok(!fixed.diags.some((d) => d.code === 'target-not-in-hook'));
});

test('inserting and deleting lines (everything after them shifts) gives the fresh result', () => {
  const text = lines(...CALLED_FROM_OUTPUT);
  const inserted = CALLED_FROM_OUTPUT.slice();
  inserted.splice(6, 0, '-A OUTPUT -o lo -j ACCEPT');
  const ins = edit(text, lines(...inserted));
  const d = ins.diags.find((x) => x.code === 'interface-never-matches');
  assert.equal(d?.span.line, 8);
  const deleted = CALLED_FROM_OUTPUT.slice();
  deleted.splice(5, 1);
  const del = edit(text, lines(...deleted));
  assert.equal(del.diags.find((x) => x.code === 'interface-never-matches')?.span.line, 6);
});

/** The parts of a parse a consumer sees (spans through their getters), rule ids left out. */
function modelOf(r: ParseResult): unknown {
  const sp = (s: { line: number; character: number; endLine: number; endCharacter: number } | undefined) =>
    s && [s.line, s.character, s.endLine, s.endCharacter];
  const opt = (o: import('../../server/src/service/model').OptionUse) => [
    o.name,
    o.written,
    o.negated,
    sp(o.negSpan),
    sp(o.nameSpan),
    sp(o.span),
    o.args.map((t) => [t.text, sp(t.span), t.quoted]),
    JSON.stringify(o.value, (_k, v) => (typeof v === 'bigint' ? String(v) : v)),
  ];
  const rule = (x: import('../../server/src/service/model').Rule) => [
    x.table,
    x.chain,
    x.text,
    sp(x.span),
    x.line,
    !!x.broken,
    Object.entries(x.base).map(([k, o]) => [k, o && opt(o)]),
    x.matches.map((m) => [m.module, m.implicit, m.known, sp(m.span), m.options.map(opt)]),
    x.target && [x.target.name, x.target.kind, x.target.isExtension, sp(x.target.nameSpan), sp(x.target.span)],
  ];
  const tables = Object.values(r.rulesets).map((rs) =>
    [...rs!.tables.values()].map((t) => [
      t.name,
      sp(t.declSpan),
      t.committed,
      [...t.chains.values()].map((c) => [c.name, c.builtin, c.policy, sp(c.declSpan), c.rules.map(rule)]),
    ]),
  );
  const commands = r.commands.map((c) => [c.op, c.chain, sp(c.chainSpan), sp(c.span), c.line, c.broken]);
  return { tables, commands, lineCount: r.lineCount, diagnostics: JSON.parse(JSON.stringify(r.diagnostics)) };
}

test('random one-line edits, each parsed from the previous parse, equal a fresh parse', () => {
  const rules: string[] = [];
  for (let i = 0; i < 40; i++) {
    rules.push(
      `-A KUBE-SERVICES -d 10.96.0.${i}/32 -p tcp -m comment --comment "ns/svc-${i}:http" -m tcp --dport ${8000 + i} -j KUBE-SVC-${i}`,
    );
  }
  const chains: string[] = [];
  for (let i = 0; i < 40; i++) chains.push(`:KUBE-SVC-${i} - [0:0]`);
  const svc: string[] = [];
  for (let i = 0; i < 40; i++) {
    // Suppression comments over some rules: a one-line edit carries them over unless the edited
    // line ends with a backslash (then a next-line comment may reach further).
    if (i % 7 === 3) svc.push('# iptables-sim-disable-next-line');
    svc.push(`-A KUBE-SVC-${i} -m statistic --mode random --probability 0.5 -j DNAT --to-destination 10.1.0.${i}:80`);
  }
  let text = lines(
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
    ':KUBE-SERVICES - [0:0]',
    ...chains,
    '-A PREROUTING -j KUBE-SERVICES',
    '-A OUTPUT -j KUBE-SERVICES',
    ...rules,
    ...svc,
    'COMMIT',
  );
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = ['1', '9', 'x', ' ', '"', '!', '-', 'A', ':', '/', '#', ',', '.', '\\', ''];
  let prev = parseDocument(text);
  documentDiagnostics(prev, text);
  for (let step = 0; step < 150; step++) {
    const ls = text.split('\n');
    const ln = 45 + rnd(ls.length - 47);
    const line = ls[ln];
    const at = rnd(line.length + 1);
    ls[ln] = line.slice(0, at) + alphabet[rnd(alphabet.length)] + line.slice(at + rnd(3));
    const next = ls.join('\n');
    const inc = parseDocument(next, { cache: prev.cache });
    const fresh = parseDocument(next);
    assert.deepEqual(modelOf(inc), modelOf(fresh), `step ${step}: line ${ln} "${ls[ln]}"`);
    assert.deepEqual(json(documentDiagnostics(inc, next)), json(documentDiagnostics(fresh, next)), `step ${step}`);
    prev = inc;
    text = next;
  }
});

test('suppression comments are carried over one-line edits, also when a line gains a trailing backslash', () => {
  const base = [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    '# iptables-sim-disable-next-line',
    '-A INPUT -p tcp --dport 22 -j ACCEPT',
    '-A INPUT -p tcp --dport 70000 -j ACCEPT',
    '-A INPUT -p udp --dport 53 -j ACCEPT',
    'COMMIT',
  ];
  const text = lines(...base);
  let prev = parseDocument(text);
  const first = documentDiagnostics(prev, text);
  assert.ok(
    first.some((d) => d.span.line === 4),
    'the bad port is reported',
  );
  // Each step edits one rule line of the newest version, parsed from the previous parse.
  const steps = [
    [5, '-A INPUT -p udp --dport 54 -j ACCEPT'],
    [3, '-A INPUT -p tcp --dport 22 -j ACCEPT \\'],
    [5, '-A INPUT -p udp --dport 55 -j ACCEPT'],
    [3, '-A INPUT -p tcp --dport 23 -j ACCEPT'],
  ] as const;
  const cur = base.slice();
  for (const [ln, line] of steps) {
    cur[ln] = line;
    const next = lines(...cur);
    const inc = parseDocument(next, { cache: prev.cache });
    assert.equal(inc.cache.save?.lineEdit?.line, ln, 'took the one-line edit path');
    const diags = documentDiagnostics(inc, next);
    assert.deepEqual(json(diags), json(documentDiagnostics(parseDocument(next), next)), `after editing line ${ln}`);
    // With the backslash the comment reaches the bad port's line too.
    assert.equal(
      diags.some((d) => d.span.line === 4),
      !cur[3].endsWith('\\'),
    );
    prev = inc;
  }
});

test('edits told by the editor (offset, removed, inserted) parse as a fresh parse, in small and big files', () => {
  let seed = 99;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed >>> 8) % n; // the high bits: the low ones of this generator cycle quickly
  };
  // Mostly edits that keep the line a rule (so the one-line path is taken), some that do not.
  const benign = ['1', '9', 'x', 'ACCEPT', '', '70000', '0'];
  const harsh = [' ', '"', '-', ':', '/', '\\', '\r', '\n'];
  // Small: hand-written lines, one with CRLF; big: over the sizes the form and family are read from.
  const small = lines(
    '*filter',
    ':INPUT DROP [0:0]',
    ':X - [0:0]',
    '-A INPUT -p tcp --dport 22 -j ACCEPT',
    '-A INPUT -s 10.0.0.1 -j X\r',
    '-A X -p udp -m udp --dport 53 -j ACCEPT',
    'COMMIT',
  );
  const big = generateKubeRuleset({ services: 1200 }).text;
  assert.ok(big.length > 250_000);
  for (const start of [small, big]) {
    let text = start;
    let prev = parseDocument(text);
    documentDiagnostics(prev, text);
    let told1 = 0;
    for (let step = 0; step < 80; step++) {
      if (step % 20 === 19) {
        // Back to the start (the editor reloads the file): compared with the previous text.
        text = start;
        prev = parseDocument(text, { cache: prev.cache });
        continue;
      }
      const ls = text.split('\n');
      // Mostly rule lines (a broken *table line would leave no rule to edit).
      const rules = ls.flatMap((l, i) => (l.startsWith('-A') ? [i] : []));
      const ln = rules.length > 0 && rnd(4) > 0 ? rules[rnd(rules.length)] : rnd(ls.length);
      let offset = 0;
      for (let i = 0; i < ln; i++) offset += ls[i].length + 1;
      offset += rnd(ls[ln].length + 1);
      const removed = Math.min(rnd(4), text.length - offset);
      const inserted = rnd(5) === 0 ? harsh[rnd(harsh.length)] : benign[rnd(benign.length)];
      const next = text.slice(0, offset) + inserted + text.slice(offset + removed);
      const told = parseDocument(next, { cache: prev.cache, change: { offset, removed, inserted } });
      const fresh = parseDocument(next);
      const label = `step ${step}: line ${ln} ${JSON.stringify(inserted)} at ${offset}`;
      assert.deepEqual(modelOf(told), modelOf(fresh), label);
      assert.deepEqual(json(documentDiagnostics(told, next)), json(documentDiagnostics(fresh, next)), label);
      if (told.cache.save?.lineEdit) told1++;
      prev = told;
      text = next;
    }
    assert.ok(told1 >= 5, `${start === small ? 'small' : 'big'} file: the one-line path was taken ${told1} times`);
  }
  // A change that does not add up to the new text is not trusted.
  const a = lines('*filter', ':INPUT DROP [0:0]', '-A INPUT -j ACCEPT', 'COMMIT');
  const b = a.replace('ACCEPT', 'DROP');
  const pa = parseDocument(a);
  const wrong = parseDocument(b, { cache: pa.cache, change: { offset: 0, removed: 0, inserted: 'x' } });
  assert.deepEqual(modelOf(wrong), modelOf(parseDocument(b)));
});
