/**
 * The server's text documents (server/src/lsp/textDocument.ts) against the stock TextDocument of
 * vscode-languageserver-textdocument: the same text, ranges, offsets and positions after any
 * sequence of incremental and full changes; and the change each can tell since an earlier version
 * really turns that version's text into the current one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ParseCache } from '../../server/src/lsp/documents';
import { composeChanges, PieceTextDocument, pieceTextDocuments } from '../../server/src/lsp/textDocument';
import { documentDiagnostics, parseDocument } from '../../server/src/service/document';
import { mulberry32 } from '../helpers/rng';

/** A seeded generator of integers in [0, n). */
function rng(seed: number): (n: number) => number {
  const next = mulberry32(seed);
  return (n) => Math.floor(next() * n);
}

const START = [
  '*filter',
  ':INPUT DROP [0:0]',
  '-A INPUT -p tcp --dport 22 -j ACCEPT\r',
  '-A INPUT -s 10.0.0.1 -j DROP',
  '',
  'COMMIT',
  '',
].join('\n');

/** A change applied the way the stock document applies it (for computing ranges in tests). */
function applyTo(text: string, change: TextDocumentContentChangeEvent): string {
  if (!('range' in change) || !change.range) return change.text;
  const d = TextDocument.create('', '', 0, text);
  TextDocument.update(d, [change], 1);
  return d.getText();
}

const INSERTS = ['', 'x', '22', '\n', '\r\n', '\r', 'a\nb', '-A X -j Y\n', 'é'];

test('pieces behave as the stock document under random incremental and full changes', () => {
  const r = rng(5);
  for (let round = 0; round < 20; round++) {
    const stock = TextDocument.create('file:///a.rules', 'iptables', 1, START);
    const ours = pieceTextDocuments.create('file:///a.rules', 'iptables', 1, START);
    const texts = new Map<number, string>([[1, START]]);
    for (let v = 2; v < 120; v++) {
      const changes: TextDocumentContentChangeEvent[] = [];
      const n = 1 + r(3);
      for (let k = 0; k < n; k++) {
        // (Both documents apply the changes one after the other; ranges refer to the text so far.)
        const lines = new PieceTextDocument('', '', 0, changes.reduce(applyTo, stock.getText())).lineCount;
        if (r(40) === 0) {
          changes.push({ text: START.slice(r(START.length)) });
          continue;
        }
        // Positions inside the document as an editor sends them (past a line's end is clamped).
        const a = { line: r(lines), character: r(45) };
        const b = r(3) === 0 ? a : { line: Math.min(a.line + r(2), lines - 1), character: r(45) };
        changes.push({
          range: r(5) === 0 ? { start: b, end: a } : { start: a, end: b },
          text: INSERTS[r(INSERTS.length)],
        });
      }
      TextDocument.update(stock, changes, v);
      pieceTextDocuments.update(ours, changes, v);
      const text = stock.getText();
      texts.set(v, text);
      assert.equal(
        ours.getText(),
        text,
        `round ${round} version ${v}: ${JSON.stringify(changes)} on ${JSON.stringify(texts.get(v - 1))}`,
      );
      assert.equal(ours.lineCount, stock.lineCount);
      for (let k = 0; k < 5; k++) {
        const at = r(text.length + 3) - 1;
        assert.deepEqual(ours.positionAt(at), stock.positionAt(at), `positionAt(${at})`);
        const pos = { line: r(stock.lineCount + 1), character: r(50) };
        assert.equal(ours.offsetAt(pos), stock.offsetAt(pos), `offsetAt(${JSON.stringify(pos)})`);
        const range = { start: ours.positionAt(r(text.length + 1)), end: ours.positionAt(r(text.length + 1)) };
        assert.equal(ours.getText(range), stock.getText(range));
      }
      // Whatever it tells since an earlier version turns that text into this one.
      const since = v - 1 - r(4);
      const change = ours.changeSince(since);
      const old = texts.get(since);
      if (change && old !== undefined) {
        assert.equal(
          old.slice(0, change.offset) + change.inserted + old.slice(change.offset + change.removed),
          text,
          `change since ${since}`,
        );
      }
    }
  }
});

test('typing and deleting at one spot is told as one change; changes elsewhere are not', () => {
  const doc = new PieceTextDocument('file:///b.rules', 'iptables', 1, START);
  const at = { line: 3, character: 12 };
  doc.update([{ range: { start: at, end: at }, text: '0' }], 2);
  doc.update([{ range: { start: { line: 3, character: 13 }, end: { line: 3, character: 13 } }, text: '0' }], 3);
  doc.update([{ range: { start: { line: 3, character: 13 }, end: { line: 3, character: 14 } }, text: '' }], 4);
  const offset = doc.offsetAt(at);
  assert.deepEqual(doc.changeSince(1), { offset, removed: 0, inserted: '0' });
  assert.deepEqual(doc.changeSince(3), { offset: offset + 1, removed: 1, inserted: '' });
  assert.equal(doc.changeSince(4), undefined, 'nothing changed since the current version');
  doc.update([{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, text: '#' }], 5);
  assert.equal(doc.changeSince(1), undefined, 'two spots are not one change');
  assert.ok(doc.changeSince(4));
  doc.update([{ text: 'x' }], 6);
  assert.equal(doc.changeSince(5), undefined, 'a full replacement is not told');
  assert.equal(composeChanges([]), undefined);
});

test('the parse cache passes the change on: a one-line edit of the document is parsed from the old line', () => {
  const rules: string[] = ['*nat', ':PREROUTING ACCEPT [0:0]', ':SVC - [0:0]', '-A PREROUTING -j SVC'];
  for (let i = 0; i < 3000; i++)
    rules.push(
      `-A SVC -d 10.96.${i >> 8}.${i & 255}/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.1.0.1:8080`,
    );
  rules.push('COMMIT', '');
  const text = rules.join('\n');
  assert.ok(text.length > 200_000, 'past the parts the form and family are read from');
  const doc = new PieceTextDocument('file:///c.rules', 'iptables', 1, text);
  const cache = new ParseCache();
  documentDiagnostics(cache.get(doc, { family: 'auto' }), doc.getText());
  const line = 2500;
  const character = rules[line].length - 4;
  doc.update([{ range: { start: { line, character }, end: { line, character: character + 4 } }, text: '70000' }], 2);
  const edited = cache.get(doc, { family: 'auto' });
  assert.equal(edited.cache.save?.lineEdit?.line, line);
  const diagnostics = documentDiagnostics(edited, doc.getText());
  const fresh = parseDocument(doc.getText(), { languageId: 'iptables', fileName: 'c.rules' });
  assert.deepEqual(diagnostics, documentDiagnostics(fresh, doc.getText()));
  assert.ok(diagnostics.some((d) => d.span.line === line));
});
