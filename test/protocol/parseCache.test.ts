/**
 * Unit tests of the server's parse cache (server/src/lsp/documents.ts): one parse per document
 * version, reuse of unchanged lines' results across versions (the incremental path), and a
 * fresh parse when the family setting changes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { fileNameOf, ParseCache, shellWithoutIptables } from '../../server/src/lsp/documents';

const TEXT = '*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n';

function ruleIds(cache: ParseCache, doc: TextDocument, family: 'auto' | 4 | 6 = 'auto'): number[] {
  return cache.get(doc, { family }).commands.map((c) => c.rule?.id ?? -1);
}

test('the same version is parsed once', () => {
  const cache = new ParseCache();
  const doc = TextDocument.create('file:///a/rules.v4', 'iptables', 1, TEXT);
  const first = cache.get(doc, { family: 'auto' });
  assert.equal(cache.get(doc, { family: 'auto' }), first);
  assert.equal(cache.parses, 1);
  assert.equal(first.commands.length, 2);
});

test('a new version reuses the parse of unchanged lines (rule ids survive the edit)', () => {
  const cache = new ParseCache();
  const doc = TextDocument.create('file:///a/rules.v4', 'iptables', 1, TEXT);
  const before = ruleIds(cache, doc);
  // Change only the second rule's port.
  const edited = TextDocument.update(
    doc,
    [{ range: { start: { line: 3, character: 24 }, end: { line: 3, character: 26 } }, text: '2222' }],
    2,
  );
  const after = ruleIds(cache, edited);
  assert.equal(cache.parses, 2);
  assert.equal(after[0], before[0], 'the untouched rule kept its id');
  assert.notEqual(after[1], before[1], 'the edited rule was parsed again');
  assert.match(cache.get(edited, { family: 'auto' }).commands[1].rule?.text ?? '', /--dport 2222/);
});

test('a change of the family setting parses afresh', () => {
  const cache = new ParseCache();
  const doc = TextDocument.create('file:///a/fw.rules', 'iptables', 1, TEXT);
  const v4 = cache.get(doc, { family: 'auto' });
  const v6 = cache.get(doc, { family: 6 });
  assert.notEqual(v6, v4);
  assert.equal(cache.parses, 2);
  assert.equal(v6.rulesets[6]?.family, 6);
  assert.equal(v6.rulesets[4], undefined);
});

test('a deleted document is parsed again when reopened', () => {
  const cache = new ParseCache();
  const doc = TextDocument.create('file:///a/x.rules', 'iptables', 1, TEXT);
  const first = cache.get(doc, { family: 'auto' });
  assert.equal(cache.peek(doc.uri, 1), first);
  cache.delete(doc.uri);
  assert.equal(cache.peek(doc.uri, 1), undefined);
  const again = cache.get(doc, { family: 'auto' });
  assert.notEqual(again, first);
  assert.equal(cache.parses, 2);
});

test('shell scripts that cannot run iptables are skipped; file names are decoded', () => {
  assert.equal(shellWithoutIptables('shellscript', 'echo hi\n'), true);
  assert.equal(shellWithoutIptables('shellscript', 'ip6tables -F\n'), false);
  assert.equal(shellWithoutIptables('shellscript', '$IPT -F\n'), false);
  assert.equal(shellWithoutIptables('iptables', 'echo hi\n'), false);
  assert.equal(fileNameOf('file:///etc/iptables/rules.v6'), 'rules.v6');
  assert.equal(fileNameOf('file:///tmp/my%20fw.ip6tables-save'), 'my fw.ip6tables-save');
  assert.equal(fileNameOf('untitled:Untitled-1'), 'untitled:Untitled-1');
});
