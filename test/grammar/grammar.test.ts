/**
 * Grammar tests: runs vscode-tmgrammar-test on every `# SYNTAX TEST` case under
 * test/grammar/cases (the iptables-save grammar, and its injection into the real shell grammar
 * from tm-grammars), checks the harness really fails on a wrong assertion, and checks the
 * grammar contributions in package.json point at grammars with the declared scope names.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/paths';

const CASES = join(REPO_ROOT, 'test', 'grammar', 'cases');
const SHELL_GRAMMAR = require.resolve('tm-grammars/grammars/shellscript.json', { paths: [REPO_ROOT] });

function tmgrammarTest(files: string[]): { status: number | null; output: string } {
  const pkgPath = require.resolve('vscode-tmgrammar-test/package.json', { paths: [REPO_ROOT] });
  const bin = JSON.parse(readFileSync(pkgPath, 'utf8')).bin['vscode-tmgrammar-test'] as string;
  // The runner reads our grammars (and the injection's injectTo) from package.json.
  const r = spawnSync(
    process.execPath,
    [join(dirname(pkgPath), bin), '--config', join(REPO_ROOT, 'package.json'), '-g', SHELL_GRAMMAR, ...files],
    { cwd: REPO_ROOT, encoding: 'utf8' },
  );
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const cases = readdirSync(CASES).filter((f) => !f.startsWith('.'));

test('there are grammar cases for both grammars', () => {
  assert.ok(cases.some((f) => readFileSync(join(CASES, f), 'utf8').startsWith('# SYNTAX TEST "source.iptables"')));
  assert.ok(cases.some((f) => readFileSync(join(CASES, f), 'utf8').startsWith('# SYNTAX TEST "source.shell"')));
});

for (const file of cases) {
  test(`grammar case ${file}`, () => {
    const r = tmgrammarTest([join(CASES, file)]);
    assert.equal(r.status, 0, r.output);
  });
}

test('the grammar harness fails on a wrong scope assertion', () => {
  const dir = mkdtempSync(join(tmpdir(), 'iptables-grammar-'));
  try {
    const file = join(dir, 'wrong.iptables');
    writeFileSync(file, '# SYNTAX TEST "source.iptables"\n*filter\n#^^^^^ keyword.control.commit.iptables\n');
    const r = tmgrammarTest([file]);
    assert.notEqual(r.status, 0, r.output);
    assert.match(r.output, /keyword\.control\.commit\.iptables/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('package.json grammar contributions match the grammar files', () => {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
  const grammars = pkg.contributes.grammars as { scopeName: string; path: string; injectTo?: string[] }[];
  assert.ok(grammars.length >= 2);
  for (const g of grammars) {
    const grammar = JSON.parse(readFileSync(join(REPO_ROOT, g.path), 'utf8'));
    assert.equal(grammar.scopeName, g.scopeName, g.path);
    if (g.injectTo) assert.ok(typeof grammar.injectionSelector === 'string', `${g.path} needs an injectionSelector`);
  }
  assert.ok(grammars.some((g) => g.injectTo?.includes('source.shell')));
});
