/**
 * The diagnostic-code catalogue drives these tests: every code's failing example must produce the
 * code (with the catalogued default severity) and its passing example must not. A code added to
 * the catalogue without working examples fails here; so does a code the sources emit without a
 * catalogue entry.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { allDiagnosticCodes, diagnosticCode, isKnownCode } from '../../server/src/service/diagnostics/codes';
import { lintText } from '../../server/src/service/document';
import { REPO_ROOT } from '../helpers/paths';

test('catalogue entries are well formed and unique', () => {
  const seen = new Set<string>();
  for (const c of allDiagnosticCodes()) {
    assert.match(c.code, /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/, `${c.code} is not kebab-case`);
    assert.ok(!seen.has(c.code), `${c.code} is catalogued twice`);
    seen.add(c.code);
    assert.ok(c.title.length > 0 && !c.title.includes('\n'), `${c.code}: one-line title`);
    assert.ok(c.description.length > 20, `${c.code}: description`);
    assert.notEqual(c.failing, c.passing, `${c.code}: examples must differ`);
    if (c.untestable === undefined) assert.ok(c.failing.length > 0, `${c.code}: failing example`);
    else assert.ok(c.untestable.length > 10, `${c.code}: say why it is untestable`);
    assert.equal(diagnosticCode(c.code), c);
  }
  assert.equal(isKnownCode('no-such-code'), false);
});

for (const info of allDiagnosticCodes()) {
  const skip = info.untestable ? `untestable: ${info.untestable}` : false;
  test(`${info.code}: the failing example reports it, the passing one does not`, { skip }, () => {
    const lint = (text: string) => lintText(text, { languageId: info.form === 'shell' ? 'shellscript' : 'iptables' });
    const fail = lint(info.failing).diagnostics.filter((d) => d.code === info.code);
    assert.ok(
      fail.length > 0,
      `failing example of ${info.code} produced: ${JSON.stringify(lint(info.failing).diagnostics.map((d) => `${d.code}: ${d.message}`))}`,
    );
    assert.ok(
      fail.some((d) => d.severity === info.severity),
      `${info.code} reported as ${fail.map((d) => d.severity).join(', ')}, catalogued as ${info.severity}`,
    );
    for (const d of fail) {
      assert.ok(d.message.length > 0);
      assert.ok(d.span.line >= 0 && d.span.endLine >= d.span.line);
    }
    const pass = lint(info.passing).diagnostics.filter((d) => d.code === info.code);
    assert.deepEqual(
      pass.map((d) => d.message),
      [],
      `passing example of ${info.code} still reports it`,
    );
  });
}

function sources(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('every code written in the language service sources is catalogued', () => {
  const missing = new Set<string>();
  // `code: 'x'`, `noteCode: 'x'`, and codes passed to report(ctx, 'x', ...) or err(span, msg, 'x').
  const patterns = [/\b(?:code|noteCode): '([a-z0-9-]+)'/g, /\breport\(\s*ctx,\s*'([a-z0-9-]+)'/g];
  for (const file of sources(join(REPO_ROOT, 'server', 'src', 'service'))) {
    if (file.endsWith(join('diagnostics', 'codes.ts'))) continue;
    const text = readFileSync(file, 'utf8');
    for (const re of patterns) {
      for (const m of text.matchAll(re))
        if (!isKnownCode(m[1])) missing.add(`${m[1]} (${file.slice(REPO_ROOT.length + 1)})`);
    }
  }
  assert.deepEqual([...missing], []);
});
