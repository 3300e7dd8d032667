// What a parse keeps alive: a language server holds the newest parse of each document, and a big
// ruleset's text is tens of megabytes. After one-line edits the parse may keep the text its
// unchanged rules were read from and the newest text, but no text of an intermediate version
// (through the edit's bookkeeping or the fast lane's remembered names).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { applyLineEdit, chooseLineEdit, type LineEdit } from '../../bench/edits';
import { generateKubeRuleset } from '../../bench/generate';
import { documentDiagnostics, type ParseResult, parseDocument } from '../../server/src/service/document';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Applies `n` one-line edits to the parse (alternating the line's two forms) and returns the last. */
function editTimes(first: ParseResult, text: string, edit: LineEdit, n: number): ParseResult {
  let doc = first;
  for (let i = 1; i <= n; i++) {
    // Every version is a fresh string (as an editor's document is), and none is kept here.
    const broken = applyLineEdit(text, edit, true);
    const v = i % 2 === 1 ? broken : applyLineEdit(broken, edit, false);
    doc = parseDocument(v, { cache: doc.cache });
    documentDiagnostics(doc, v);
    assert.equal(doc.cache.save?.lineEdit?.line, edit.line, `edit ${i} took the one-line path`);
  }
  return doc;
}

test('one-line edits keep at most the first and the newest text alive', () => {
  const { text } = generateKubeRuleset({ services: 4000 });
  const edit = chooseLineEdit(text);
  assert.ok(edit);
  let doc = parseDocument(text);
  documentDiagnostics(doc, text);
  // The chains declared in place wait without objects until the first lookup by name, which the
  // first edit makes (it puts the edited chain in its map): made now, they are not counted as
  // the edits' (see ChainMap).
  for (const rs of Object.values(doc.rulesets)) for (const t of rs?.tables.values() ?? []) t.chains.get('');
  const opened = heapAfterGc();
  doc = editTimes(doc, text, edit, 12);
  const edited = heapAfterGc();
  const bytes = text.length; // one byte per character (ASCII)
  // The newest text is one more; two or more would mean an older version is still referenced.
  assert.ok(
    edited - opened < 1.6 * bytes,
    `heap grew by ${((edited - opened) / 1e6).toFixed(1)} MB over ${(bytes / 1e6).toFixed(1)} MB of text`,
  );
  assert.ok(doc.commands.length > 0);
});
