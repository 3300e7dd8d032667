/**
 * Extension tests: diagnostics of an iptables-save file (test/editor/workspace/firewall.rules,
 * which holds two mistakes) reach the editor with our codes, severities and exact ranges, and
 * follow edits made in the editor.
 */
import * as assert from 'node:assert/strict';
import { suite, suiteSetup, test } from 'mocha';
import type * as vscode from 'vscode';
import { openFixture, rangeOf, rangeText, replace, summarize, waitForDiagnostics } from './helpers';

const TYPO_LINE = '--dprot 22';
const UNDEFINED_LINE = '-j LOGDROP';

suite('iptables-save diagnostics', () => {
  let doc: vscode.TextDocument;
  suiteSetup(async () => {
    doc = await openFixture('firewall.rules');
  });

  test('the misspelt option and the jump to a missing chain are reported at their exact ranges', async () => {
    const diagnostics = await waitForDiagnostics(doc.uri, (d) => d.length >= 2, 'two diagnostics');
    assert.deepEqual(summarize(diagnostics), [
      { code: 'unknown-option', severity: 'Error', range: rangeText(rangeOf(doc, TYPO_LINE, '--dprot')) },
      { code: 'undefined-chain', severity: 'Error', range: rangeText(rangeOf(doc, UNDEFINED_LINE, 'LOGDROP')) },
    ]);
    const typo = diagnostics.find((d) => d.code === 'unknown-option');
    assert.match(typo?.message ?? '', /--dprot/);
    const jump = diagnostics.find((d) => d.code === 'undefined-chain');
    assert.match(jump?.message ?? '', /LOGDROP/);
  });

  test('fixing the typo in the editor clears its diagnostic; bringing it back reports it again', async () => {
    const typo = rangeOf(doc, TYPO_LINE, '--dprot');
    const jump = rangeText(rangeOf(doc, UNDEFINED_LINE, 'LOGDROP'));
    await replace(doc, typo, '--dport');
    const fixed = await waitForDiagnostics(
      doc.uri,
      (d) => !d.some((x) => x.code === 'unknown-option'),
      'unknown-option to clear',
    );
    // The other mistake is still there, at the same place.
    assert.deepEqual(summarize(fixed), [{ code: 'undefined-chain', severity: 'Error', range: jump }]);

    await replace(doc, typo, '--dprot');
    const again = await waitForDiagnostics(
      doc.uri,
      (d) => d.some((x) => x.code === 'unknown-option'),
      'unknown-option to come back',
    );
    assert.equal(again.find((d) => d.code === 'unknown-option')?.range.isEqual(typo), true);
  });
});
