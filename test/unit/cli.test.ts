/**
 * The `iptables-sim` command line: argument handling, output formats and exit statuses of
 * `lint`, through `main()` with an in-memory io object and by spawning the shipped bundle.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { CliIO } from '../../server/src/cli/io';
import { parseLintArgs } from '../../server/src/cli/lint';
import { main } from '../../server/src/cli/main';
import { cliBundle } from '../helpers/cli';

const CLEAN = '*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n';
const BROKEN = '*filter\n-A INPUT -j NOWHERE\n-A INPUT -j DROP\n-A INPUT -j ACCEPT\nCOMMIT\n';
const WARN_ONLY = '*filter\n-A INPUT -j DROP\n-A INPUT -j ACCEPT\nCOMMIT\n';

function fakeIO(files: Record<string, string>, stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    readFile: async (p) => {
      if (!(p in files)) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return files[p];
    },
    readStdin: async () => stdin,
  };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

test('argument parsing', () => {
  assert.deepEqual(parseLintArgs(['--json', '--family', '6', 'a', '-']), { json: true, family: 6, files: ['a', '-'] });
  assert.deepEqual(parseLintArgs(['--family=4', '--', '--json']), { json: false, family: 4, files: ['--json'] });
  assert.ok('error' in parseLintArgs(['--family', '5', 'a']));
  assert.ok('error' in parseLintArgs(['--bogus', 'a']));
  assert.ok('error' in parseLintArgs([]));
  assert.ok('help' in parseLintArgs(['--help']));
});

test('text output is file:line:column: severity code message, 1-based; errors give status 1', async () => {
  const f = fakeIO({ 'b.rules': BROKEN });
  assert.equal(await main(['lint', 'b.rules'], f.io), 1);
  const lines = f.out().trim().split('\n');
  assert.ok(
    lines.includes('b.rules:2:13: error undefined-chain no chain or target named "NOWHERE" in table filter'),
    f.out(),
  );
  assert.ok(lines.some((l) => l.startsWith('b.rules:4:1: warning unreachable-rule ')));
  assert.equal(f.err(), '');
});

test('warnings alone give status 0; a clean file prints nothing', async () => {
  const w = fakeIO({ 'w.rules': WARN_ONLY });
  assert.equal(await main(['lint', 'w.rules'], w.io), 0);
  assert.match(w.out(), /warning unreachable-rule/);
  const c = fakeIO({ 'c.rules': CLEAN });
  assert.equal(await main(['lint', 'c.rules'], c.io), 0);
  assert.equal(c.out(), '');
});

test('--json prints one array with 1-based ranges, across files and stdin', async () => {
  const f = fakeIO({ 'b.rules': BROKEN, 'c.rules': CLEAN }, WARN_ONLY);
  assert.equal(await main(['lint', '--json', 'c.rules', 'b.rules', '-'], f.io), 1);
  const arr = JSON.parse(f.out()) as Record<string, unknown>[];
  assert.ok(Array.isArray(arr));
  const undef = arr.find((r) => r.code === 'undefined-chain');
  assert.deepEqual(undef, {
    file: 'b.rules',
    line: 2,
    column: 13,
    endLine: 2,
    endColumn: 20,
    severity: 'error',
    code: 'undefined-chain',
    message: 'no chain or target named "NOWHERE" in table filter',
  });
  assert.ok(arr.some((r) => r.file === '<stdin>' && r.code === 'unreachable-rule'));
  for (const r of arr)
    assert.deepEqual(Object.keys(r).sort(), [
      'code',
      'column',
      'endColumn',
      'endLine',
      'file',
      'line',
      'message',
      'severity',
    ]);
});

test('I/O and usage errors give status 2 with a message on stderr', async () => {
  const f = fakeIO({ 'c.rules': CLEAN });
  assert.equal(await main(['lint', 'missing.rules', 'c.rules'], f.io), 2);
  assert.match(f.err(), /missing\.rules: no such file/);
  const u = fakeIO({});
  assert.equal(await main(['lint', '--family', 'x', 'a'], u.io), 2);
  assert.match(u.err(), /--family expects 4 or 6/);
  const n = fakeIO({});
  assert.equal(await main(['frobnicate'], n.io), 2);
  assert.match(n.err(), /unknown command "frobnicate"/);
  assert.equal(await main([], fakeIO({}).io), 2);
});

test('--help and --version', async () => {
  const h = fakeIO({});
  assert.equal(await main(['--help'], h.io), 0);
  assert.match(h.out(), /usage: iptables-sim <command>/);
  const v = fakeIO({});
  assert.equal(await main(['--version'], v.io), 0);
  assert.match(v.out(), /^iptables-sim \d+\.\d+\.\d+\n$/);
});

test('--family 6 forces an IPv6 parse of a save file', async () => {
  const v6 = '*filter\n-A INPUT -s 2001:db8::1 -j ACCEPT\nCOMMIT\n';
  const as4 = fakeIO({ 'x.rules': v6 });
  const as6 = fakeIO({ 'x.rules': v6 });
  assert.equal(await main(['lint', '--family', '4', 'x.rules'], as4.io), 1);
  assert.equal(await main(['lint', '--family', '6', 'x.rules'], as6.io), 0);
});

const dir = mkdtempSync(join(tmpdir(), 'ipts-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the compiled program: exit statuses, stdin and output streams', () => {
  const prog = cliBundle();
  const broken = join(dir, 'broken.rules');
  const clean = join(dir, 'clean.rules');
  writeFileSync(broken, BROKEN);
  writeFileSync(clean, CLEAN);
  const run = (args: string[], input?: string) =>
    spawnSync(process.execPath, [prog, ...args], { input, encoding: 'utf8', timeout: 30_000 });
  const r1 = run(['lint', broken]);
  assert.equal(r1.status, 1, r1.stderr);
  assert.match(r1.stdout, /broken\.rules:2:13: error undefined-chain /);
  const r0 = run(['lint', clean]);
  assert.equal(r0.status, 0, r0.stderr);
  assert.equal(r0.stdout, '');
  assert.equal(r0.stderr, '');
  const rs = run(['lint', '--json', '-'], WARN_ONLY);
  assert.equal(rs.status, 0, rs.stderr);
  assert.equal((JSON.parse(rs.stdout) as unknown[]).length, 1);
  const r2 = run(['lint', join(dir, 'nope.rules')]);
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /nope\.rules: no such file/);
  const rv = run(['--version']);
  assert.equal(rv.status, 0);
  assert.match(rv.stdout, /^iptables-sim /);
});

test('a reader that goes away (| head) ends the CLI quietly, without an EPIPE crash', () => {
  const prog = cliBundle();
  const dir = mkdtempSync(join(tmpdir(), 'ipts-epipe-'));
  try {
    const file = join(dir, 'many.rules');
    const rules = Array.from({ length: 20000 }, (_, i) => `-A INPUT -s 10.0.${i >> 8}.${i & 255} -j NOSUCHCHAIN`);
    writeFileSync(file, `*filter\n${rules.join('\n')}\nCOMMIT\n`);
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${prog}" lint "${file}" | head -n 1`], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.stdout.split('\n').filter(Boolean).length, 1);
    assert.doesNotMatch(r.stderr, /EPIPE|Unhandled|internal error/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
