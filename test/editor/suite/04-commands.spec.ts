/**
 * Extension tests: the commands the extension contributes are registered and work when run
 * through `vscode.commands.executeCommand`.
 */
import * as assert from 'node:assert/strict';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import { EXTENSION_ID, openFixture, rangeOf, replace, waitForDiagnostics, waitUntil } from './helpers';

suite('commands', () => {
  test('every command of package.json is registered', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    const contributed = (ext.packageJSON.contributes?.commands ?? []) as { command: string }[];
    const ids = contributed.map((c) => c.command).sort();
    assert.deepEqual(ids, ['iptables.restartServer', 'iptables.showServerOutput']);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const id of ids) assert.ok(registered.has(id), `${id} should be registered`);
  });

  test("iptables.showServerOutput shows the server's output channel", async () => {
    await openFixture('firewall.rules');
    const shown = () =>
      vscode.workspace.textDocuments.some(
        (d) => d.uri.scheme === 'output' && decodeURIComponent(d.uri.path).includes('iptables Language Server'),
      );
    assert.equal(shown(), false, 'the output channel should not be open before the command');
    await vscode.commands.executeCommand('iptables.showServerOutput');
    await waitUntil(shown, 'the output channel "iptables Language Server" to open');
  });

  test('iptables.restartServer restarts the server, which then checks edits again', async () => {
    const doc = await openFixture('firewall.rules');
    await waitForDiagnostics(doc.uri, (d) => d.some((x) => x.code === 'undefined-chain'), 'undefined-chain');
    await vscode.commands.executeCommand('iptables.restartServer');
    // Only a running server can notice this edit: the jump now goes to a built-in target.
    const jump = rangeOf(doc, '-j LOGDROP', 'LOGDROP');
    await replace(doc, jump, 'DROP');
    await waitForDiagnostics(
      doc.uri,
      (d) => d.length > 0 && !d.some((x) => x.code === 'undefined-chain'),
      'the restarted server to clear undefined-chain',
    );
    await replace(doc, new vscode.Range(jump.start, jump.start.translate(0, 'DROP'.length)), 'LOGDROP');
    await waitForDiagnostics(doc.uri, (d) => d.some((x) => x.code === 'undefined-chain'), 'undefined-chain again');
  });
});
