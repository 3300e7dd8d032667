/**
 * Helpers of the extension tests: the fixture workspace, opening its documents, and waiting
 * (with a timeout, never a blind sleep) for the diagnostics the language server publishes.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

/** Identifier of the extension under test (`publisher.name` of package.json). */
export const EXTENSION_ID = 'vscode-iptables.vscode-iptables';

/** How long a wait for the language server may take before the test fails. */
export const WAIT_MS = 30_000;

/** The fixture workspace folder (a scratch copy of test/editor/workspace made by the runner). */
export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need the fixture workspace open as the first folder');
  return folder.uri;
}

/** URI of a file of the fixture workspace. */
export function fixture(name: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), name);
}

/** Opens a fixture file in an editor and returns its document. */
export async function openFixture(name: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(fixture(name));
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}

/** The diagnostics of `uri` published by our language server (source `iptables`). */
export function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'iptables');
}

/** One diagnostic in a comparable, printable form. */
export interface Summary {
  code: string;
  severity: string;
  range: string;
}

/** `line:char-line:char`, 0-based as in the API. */
export function rangeText(r: vscode.Range): string {
  return `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
}

export function summarize(diagnostics: readonly vscode.Diagnostic[]): Summary[] {
  return diagnostics
    .map((d) => ({
      code: typeof d.code === 'object' ? String(d.code.value) : String(d.code),
      severity: vscode.DiagnosticSeverity[d.severity],
      range: rangeText(d.range),
    }))
    .sort((a, b) => a.range.localeCompare(b.range, 'en', { numeric: true }) || a.code.localeCompare(b.code));
}

/**
 * Resolves with our diagnostics of `uri` once `accept` holds for them, checking now and on every
 * diagnostics change; rejects after `timeoutMs` with what was last seen.
 */
export function waitForDiagnostics(
  uri: vscode.Uri,
  accept: (diagnostics: vscode.Diagnostic[]) => boolean,
  what: string,
  timeoutMs = WAIT_MS,
): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    let done = false;
    const check = (): void => {
      if (done) return;
      const current = ours(uri);
      if (!accept(current)) return;
      done = true;
      clearTimeout(timer);
      sub.dispose();
      resolve(current);
    };
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (e.uris.some((u) => u.toString() === uri.toString())) check();
    });
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      sub.dispose();
      const seen = JSON.stringify(summarize(ours(uri)));
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} on ${uri.path}; last seen: ${seen}`));
    }, timeoutMs);
    check();
  });
}

/** Waits until `condition` holds, polling every 50 ms; rejects after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The range of the only occurrence of `needle` on the line of `doc` that contains `lineMarker`
 * (so expected ranges follow the fixture text rather than hard-coded columns).
 */
export function rangeOf(doc: vscode.TextDocument, lineMarker: string, needle: string): vscode.Range {
  const lines: number[] = [];
  for (let i = 0; i < doc.lineCount; i++) if (doc.lineAt(i).text.includes(lineMarker)) lines.push(i);
  assert.equal(lines.length, 1, `exactly one line of ${doc.uri.path} should contain ${JSON.stringify(lineMarker)}`);
  const text = doc.lineAt(lines[0]).text;
  const at = text.indexOf(needle);
  assert.ok(at >= 0 && text.indexOf(needle, at + 1) < 0, `${JSON.stringify(needle)} once on line ${lines[0]}`);
  return new vscode.Range(lines[0], at, lines[0], at + needle.length);
}

/** Replaces the text of `range` in `doc` (in the editor, unsaved) and checks the edit applied. */
export async function replace(doc: vscode.TextDocument, range: vscode.Range, text: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, range, text);
  assert.ok(await vscode.workspace.applyEdit(edit), 'the workspace edit should apply');
}
