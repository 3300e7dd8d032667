/**
 * Protocol tests of the built language server (forked, real JSON-RPC over IPC): capability
 * negotiation, diagnostics of iptables-save documents through open / incremental edit / close,
 * debouncing, settings, shell scripts, and robustness against garbage and huge documents.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DiagnosticSeverity, TextDocumentSyncKind } from 'vscode-languageserver-protocol/node';
import { LspTestClient } from './lspClient';

const BAD_RULE = '-A INPUT -p tcp --dprot 22 -j ACCEPT';
const SAVE_WITH_ERROR = `*filter\n:INPUT ACCEPT [0:0]\n${BAD_RULE}\nCOMMIT\n`;
const BAD_OPTION_LINE = 2;
const BAD_OPTION_START = BAD_RULE.indexOf('--dprot');

let client: LspTestClient;
let initResult: Awaited<ReturnType<typeof LspTestClient.start>>['init'];
let uriCounter = 0;
const uri = (ext = 'rules') => `file:///work/doc-${++uriCounter}.${ext}`;

before(async () => {
  const started = await LspTestClient.start({ settings: { validate: { enable: true, delay: 50 } } });
  client = started.client;
  initResult = started.init;
});

after(async () => {
  await client?.stop();
});

describe('capabilities', () => {
  test('the server asks for incremental text sync with open/close notifications', () => {
    const sync = initResult.capabilities.textDocumentSync;
    assert.ok(sync && typeof sync === 'object', 'textDocumentSync options object');
    assert.equal(sync.change, TextDocumentSyncKind.Incremental);
    assert.equal(sync.openClose, true);
    assert.equal(initResult.serverInfo?.name, 'iptables-language-server');
  });
});

describe('iptables-save documents', () => {
  test('an unknown option is reported with its code, range, severity and source', async () => {
    const u = uri();
    await client.open(u, 'iptables', SAVE_WITH_ERROR);
    const p = await client.waitForDiagnostics(u, (d) => d.diagnostics.length > 0);
    assert.equal(p.version, 1);
    const d = p.diagnostics.find((x) => x.code === 'unknown-option');
    assert.ok(d, `unknown-option expected, got ${client.describe(u)}`);
    assert.equal(d.source, 'iptables');
    assert.equal(d.severity, DiagnosticSeverity.Error);
    assert.deepEqual(d.range, {
      start: { line: BAD_OPTION_LINE, character: BAD_OPTION_START },
      end: { line: BAD_OPTION_LINE, character: BAD_OPTION_START + '--dprot'.length },
    });
    assert.match(d.message, /--dprot/);
    assert.deepEqual(d.data, { option: 'dprot', suggestion: 'dport' });
    assert.match(d.message, /did you mean "--dport"/);
  });

  test('an incremental edit that fixes the error clears the diagnostics; close leaves nothing', async () => {
    const u = uri();
    await client.open(u, 'iptables', SAVE_WITH_ERROR);
    await client.waitForDiagnostics(u, (d) => d.diagnostics.length > 0);
    // "--dprot" -> "--dport": replace the two swapped letters only.
    const at = BAD_OPTION_START + '--dp'.length;
    await client.change(u, 2, [
      {
        range: { start: { line: BAD_OPTION_LINE, character: at }, end: { line: BAD_OPTION_LINE, character: at + 2 } },
        text: 'or',
      },
    ]);
    const fixed = await client.waitForDiagnostics(u, (d) => d.version === 2);
    assert.deepEqual(fixed.diagnostics, []);

    // Break it again with another incremental edit, then close: the close clears the problems.
    await client.change(u, 3, [
      { range: { start: { line: 3, character: 0 }, end: { line: 3, character: 6 } }, text: '' },
    ]);
    const broken = await client.waitForDiagnostics(u, (d) => d.version === 3);
    assert.ok(
      broken.diagnostics.some((d) => d.code === 'missing-commit'),
      client.describe(u),
    );
    const before = client.published.length;
    await client.close(u);
    const cleared = await client.waitForDiagnostics(u, (d) => d.diagnostics.length === 0, 5000, before);
    assert.equal(cleared.version, undefined);
  });

  test('a burst of edits is validated once, after the last edit (debounce)', async () => {
    const u = uri();
    await client.open(u, 'iptables', SAVE_WITH_ERROR);
    await client.waitForDiagnostics(u, (d) => d.version === 1);
    const start = client.published.length;
    // Each edit appends one more bad rule; only version 6 (five bad rules + the first) may be published.
    for (let v = 2; v <= 6; v++) {
      await client.change(u, v, [
        { range: { start: { line: 3, character: 0 }, end: { line: 3, character: 0 } }, text: `${BAD_RULE}\n` },
      ]);
    }
    const last = await client.waitForDiagnostics(u, (d) => d.version === 6, 5000, start);
    assert.equal(last.diagnostics.filter((d) => d.code === 'unknown-option').length, 6);
    const versions = client.published
      .slice(start)
      .filter((p) => p.uri === u)
      .map((p) => p.version);
    assert.deepEqual(versions, [6]);
    await client.close(u);
  });

  test('whole-document replacement (full sync change) is handled too', async () => {
    const u = uri();
    await client.open(u, 'iptables', '*filter\nCOMMIT\n');
    await client.change(u, 2, [{ text: SAVE_WITH_ERROR }]);
    const p = await client.waitForDiagnostics(u, (d) => d.version === 2);
    assert.ok(
      p.diagnostics.some((d) => d.code === 'unknown-option'),
      client.describe(u),
    );
    await client.close(u);
  });
});

describe('settings', () => {
  test('validate.enable=false clears the diagnostics; re-enabling brings them back', async () => {
    const u = uri();
    await client.open(u, 'iptables', SAVE_WITH_ERROR);
    await client.waitForDiagnostics(u, (d) => d.diagnostics.length > 0);
    const mark = client.published.length;
    await client.changeSettings({ validate: { enable: false, delay: 50 } });
    await client.waitForDiagnostics(u, (d) => d.diagnostics.length === 0, 5000, mark);
    const mark2 = client.published.length;
    await client.changeSettings({ validate: { enable: true, delay: 50 } });
    const again = await client.waitForDiagnostics(u, (d) => d.diagnostics.length > 0, 5000, mark2);
    assert.ok(again.diagnostics.some((d) => d.code === 'unknown-option'));
    await client.close(u);
  });

  test('ill-typed settings fall back to the defaults instead of breaking validation', async () => {
    const mark = client.published.length;
    await client.changeSettings({ validate: { enable: 'yes', delay: 'soon' }, family: 7, backend: 42 });
    const u = uri();
    await client.open(u, 'iptables', SAVE_WITH_ERROR);
    const p = await client.waitForDiagnostics(u, (d) => d.diagnostics.length > 0, 5000, mark);
    assert.ok(p.diagnostics.some((d) => d.code === 'unknown-option'));
    await client.close(u);
    await client.changeSettings({ validate: { enable: true, delay: 50 } });
  });
});

describe('settings pushed by a client without workspace/configuration', () => {
  test('initializationOptions and didChangeConfiguration settings apply', async () => {
    const { client: push } = await LspTestClient.start({
      pullConfiguration: false,
      initializationOptions: { settings: { validate: { enable: false, delay: 0 } } },
    });
    try {
      const u = uri();
      await push.open(u, 'iptables', SAVE_WITH_ERROR);
      // Disabled from the start: nothing is published (validation on open is immediate).
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(push.published.length, 0, push.describe(u));
      await push.changeSettings({ validate: { enable: true, delay: 0 } });
      await push.waitForDiagnostics(u, (d) => d.diagnostics.length > 0);
      let mark = push.published.length;
      await push.changeSettings({ validate: { enable: false } });
      await push.waitForDiagnostics(u, (d) => d.diagnostics.length === 0, 5000, mark);
      mark = push.published.length;
      await push.changeSettings({ validate: { enable: true, delay: 0 } });
      await push.waitForDiagnostics(u, (d) => d.diagnostics.length > 0, 5000, mark);
      await push.close(u);
    } finally {
      await push.stop();
    }
  });
});

describe('languages', () => {
  test('documents of other languages are left alone', async () => {
    const other = uri('txt');
    await client.open(other, 'plaintext', SAVE_WITH_ERROR);
    const marker = uri();
    await client.open(marker, 'iptables', SAVE_WITH_ERROR);
    await client.waitForDiagnostics(marker, (d) => d.diagnostics.length > 0);
    assert.equal(client.published.filter((p) => p.uri === other).length, 0, client.describe(other));
    await client.close(other);
    await client.close(marker);
  });
});

describe('shell scripts', () => {
  test('a shell script without iptables commands gets no diagnostics', async () => {
    const quiet = uri('sh');
    await client.open(quiet, 'shellscript', '#!/bin/sh\necho "hello"\nls -la /tmp\n');
    // A document opened afterwards is validated after it: once its diagnostics arrived, the
    // script's validation has run too.
    const marker = uri();
    await client.open(marker, 'iptables', SAVE_WITH_ERROR);
    await client.waitForDiagnostics(marker, (d) => d.diagnostics.length > 0);
    assert.equal(client.published.filter((p) => p.uri === quiet).length, 0, client.describe(quiet));
    await client.close(quiet);
    await client.close(marker);
  });

  test('a shell script with a broken iptables command gets that command diagnosed', async () => {
    const u = uri('sh');
    await client.open(u, 'shellscript', `#!/bin/sh\nset -e\niptables -A INPUT -p tcp --dprot 22 -j ACCEPT\n`);
    const p = await client.waitForDiagnostics(u, (d) => d.diagnostics.length > 0);
    const d = p.diagnostics.find((x) => x.code === 'unknown-option');
    assert.ok(d, client.describe(u));
    const col = 'iptables -A INPUT -p tcp '.length;
    assert.deepEqual(d.range.start, { line: 2, character: col });
    // Fix the script: diagnostics go away; close sends nothing more to clear.
    await client.change(u, 2, [
      { range: { start: { line: 2, character: col }, end: { line: 2, character: col + 7 } }, text: '--dport' },
    ]);
    const fixed = await client.waitForDiagnostics(u, (x) => x.version === 2);
    assert.deepEqual(fixed.diagnostics, []);
    await client.close(u);
  });
});

describe('robustness', () => {
  test('at most 1000 problems are published, with a final note saying how many more there are', async () => {
    const u = uri();
    const lines = ['*filter', ':INPUT ACCEPT [0:0]'];
    for (let i = 0; i < 1500; i++) lines.push(`-A INPUT -s 10.0.${i >> 8}.${i & 255} -j NOSUCHCHAIN${i}`);
    lines.push('COMMIT');
    await client.open(u, 'iptables', `${lines.join('\n')}\n`);
    const p = await client.waitForDiagnostics(u, (d) => d.diagnostics.length > 0, 60_000);
    assert.equal(p.diagnostics.length, 1001);
    const note = p.diagnostics[1000];
    assert.equal(note.code, 'too-many-problems');
    assert.equal(note.severity, DiagnosticSeverity.Information);
    assert.match(note.message, /^500 more problems/);
  });

  test('garbage and huge documents do not crash the server; it keeps answering', async () => {
    const garbage = uri();
    const bytes: string[] = [];
    let seed = 12345;
    for (let i = 0; i < 200_000; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      bytes.push(String.fromCharCode(seed % 0x3000));
    }
    await client.open(garbage, 'iptables', bytes.join(''));

    const longLine = uri();
    await client.open(longLine, 'iptables', `*filter\n-A INPUT ${'-m tcp '.repeat(150_000)}"unterminated\nCOMMIT\n`);

    const huge = uri();
    const lines = ['*filter', ':INPUT DROP [0:0]', ':FORWARD DROP [0:0]'];
    for (let i = 0; i < 60_000; i++) {
      lines.push(
        `-A INPUT -s 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32 -p tcp --dport ${(i % 65535) + 1} -j ACCEPT`,
      );
    }
    lines.push(BAD_RULE, 'COMMIT');
    await client.open(huge, 'iptables', `${lines.join('\n')}\n`);
    const hugeDiagnostics = await client.waitForDiagnostics(huge, (d) => d.diagnostics.length > 0, 60_000);
    const bad = hugeDiagnostics.diagnostics.find((d) => d.code === 'unknown-option');
    assert.ok(bad, client.describe(huge));
    assert.equal(bad.range.start.line, lines.length - 2);

    // An edit at the end of the huge document (incremental path) is answered too.
    await client.change(huge, 2, [
      {
        range: {
          start: { line: lines.length - 2, character: BAD_OPTION_START + 4 },
          end: { line: lines.length - 2, character: BAD_OPTION_START + 6 },
        },
        text: 'or',
      },
    ]);
    const fixed = await client.waitForDiagnostics(huge, (d) => d.version === 2, 60_000);
    assert.deepEqual(fixed.diagnostics, []);

    // The garbage documents were validated (whatever they produced) and the server is alive.
    await client.waitForDiagnostics(garbage, () => true, 60_000);
    await client.waitForDiagnostics(longLine, () => true, 60_000);
    for (const p of client.published.filter((x) => x.uri === garbage || x.uri === longLine)) {
      assert.ok(p.diagnostics.length <= 1001, 'diagnostics are capped');
    }
    assert.ok(client.alive, 'server process is alive');
    const next = uri();
    await client.open(next, 'iptables', SAVE_WITH_ERROR);
    const answered = await client.waitForDiagnostics(next, (d) => d.diagnostics.length > 0);
    assert.ok(answered.diagnostics.some((d) => d.code === 'unknown-option'));
    for (const u of [garbage, longLine, huge, next]) await client.close(u);
    assert.deepEqual(
      client.logs.filter((l) => /uncaught|failed/i.test(l)),
      [],
      'the server logged no failure',
    );
  });
});
