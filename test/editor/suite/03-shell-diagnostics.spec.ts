/**
 * Extension tests: shell scripts. A script that runs iptables (setup-firewall.sh) gets
 * diagnostics for its iptables commands; one that does not (backup.sh) gets none until an
 * iptables command is typed into it.
 */
import * as assert from 'node:assert/strict';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import { openFixture, ours, rangeOf, rangeText, summarize, waitForDiagnostics } from './helpers';

suite('shell scripts', () => {
  test('a script running iptables gets diagnostics for its iptables commands', async () => {
    const doc = await openFixture('setup-firewall.sh');
    assert.equal(doc.languageId, 'shellscript');
    const diagnostics = await waitForDiagnostics(doc.uri, (d) => d.length >= 2, 'two diagnostics');
    assert.deepEqual(summarize(diagnostics), [
      {
        code: 'deprecated-match',
        severity: 'Information',
        range: rangeText(rangeOf(doc, '--state ESTABLISHED', '-m state')),
      },
      { code: 'undefined-chain', severity: 'Warning', range: rangeText(rangeOf(doc, '--dport 443', 'ACCEP')) },
    ]);
    const deprecated = diagnostics.find((d) => d.code === 'deprecated-match');
    assert.deepEqual(deprecated?.tags, [vscode.DiagnosticTag.Deprecated]);
  });

  test('a script without iptables gets none, until an iptables command with a mistake is added', async () => {
    const plain = await openFixture('backup.sh');
    assert.equal(plain.languageId, 'shellscript');
    // Barrier: a script opened after backup.sh is checked after it, so once its diagnostics are
    // in, the server has already dealt with backup.sh.
    const later = await vscode.workspace.openTextDocument({
      language: 'shellscript',
      content: '#!/bin/sh\niptables -A INPUT -p tcp --dprot 22 -j ACCEPT\n',
    });
    await waitForDiagnostics(later.uri, (d) => d.some((x) => x.code === 'unknown-option'), 'the barrier script');
    assert.deepEqual(summarize(ours(plain.uri)), [], 'backup.sh runs no iptables command');

    const end = plain.lineAt(plain.lineCount - 1).range.end;
    const edit = new vscode.WorkspaceEdit();
    edit.insert(plain.uri, end, '\niptables -A INPUT -j ACCEPTT\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const added = await waitForDiagnostics(plain.uri, (d) => d.length > 0, 'a diagnostic for the added command');
    assert.deepEqual(summarize(added), [
      { code: 'undefined-chain', severity: 'Warning', range: rangeText(rangeOf(plain, 'ACCEPTT', 'ACCEPTT')) },
    ]);

    const undo = new vscode.WorkspaceEdit();
    undo.delete(plain.uri, new vscode.Range(end, plain.lineAt(plain.lineCount - 1).range.end));
    assert.ok(await vscode.workspace.applyEdit(undo));
    await waitForDiagnostics(plain.uri, (d) => d.length === 0, 'the diagnostics to clear');
  });
});
