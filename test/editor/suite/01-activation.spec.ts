/**
 * Extension tests: the extension stays inactive until an iptables document opens, then activates
 * and starts its language server.
 */
import * as assert from 'node:assert/strict';
import { suite, test } from 'mocha';
import * as vscode from 'vscode';
import { EXTENSION_ID, openFixture, waitForDiagnostics, waitUntil } from './helpers';

suite('activation', () => {
  test('the extension activates when an iptables-save file opens', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} should be installed (extensionDevelopmentPath)`);
    assert.equal(ext.isActive, false, 'nothing of ours is open yet, so the extension should not be active');
    const doc = await openFixture('firewall.rules');
    assert.equal(doc.languageId, 'iptables', 'a .rules file should get the iptables language');
    await waitUntil(() => ext.isActive, 'the extension to activate');
    // Activation includes starting the client: the server then checks the open document.
    await waitForDiagnostics(doc.uri, (d) => d.length > 0, 'the first diagnostics from the language server');
  });
});
