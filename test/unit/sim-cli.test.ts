// The `iptables-sim simulate` command as it ships (the bundle spawned: real exit statuses and streams):
// --help, the readable output (the packet as it arrived and what left, undecidable matches with
// the assumed answer and the other outcome), and bad input giving one line and exit status 2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cliBundle } from '../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'ipts-simcli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const RULES = file(
  'r.rules',
  '*nat\n:PREROUTING ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n-A POSTROUTING -s 192.168.122.0/24 -o eth0 -j MASQUERADE\nCOMMIT\n' +
    '*filter\n:FORWARD DROP [0:0]\n-A FORWARD -m set --match-set blocked src -j DROP\n-A FORWARD -i virbr0 -o eth0 -j ACCEPT\nCOMMIT\n',
);
const HOST = file(
  'h.json',
  JSON.stringify({
    interfaces: [
      { name: 'eth0', addr: '203.0.113.2/24' },
      { name: 'virbr0', addr: '192.168.122.1/24' },
    ],
    routes: [{ dst: 'default', via: '203.0.113.1' }],
    forwarding: true,
  }),
);
const PKT = 'tcp 192.168.122.17:40000 > 10.44.32.217:443 in virbr0 flags S';

function sim(...args: string[]) {
  const r = spawnSync(process.execPath, [cliBundle(), 'simulate', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

test('simulate --help prints the usage and exits 0', () => {
  for (const flag of ['--help', '-h']) {
    const r = sim(flag);
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, /^usage: iptables-sim simulate RULESET/);
    assert.match(r.out, /--assume/);
    assert.equal(r.err, '');
  }
});

test('the headline shows the packet as it arrived, then what leaves after NAT', () => {
  const r = sim(RULES, '--host', HOST, '--packet', PKT);
  assert.equal(r.status, 0, r.err);
  assert.equal(r.err, '', 'nothing on stderr for a simulation that worked');
  assert.match(
    r.out,
    /^packet 1: tcp S 192\.168\.122\.17:40000 -> 10\.44\.32\.217:443 in virbr0 => FORWARDED out eth0 as 203\.0\.113\.2:40000 -> 10\.44\.32\.217:443$/m,
  );
  // a packet of the host itself, not translated
  const local = sim(RULES, '--host', HOST, '--packet', 'udp 203.0.113.2:5353 > 203.0.113.1:53');
  assert.match(local.out, /^packet 1: udp 203\.0\.113\.2:5353 -> 203\.0\.113\.1:53 from the host => SENT out eth0$/m);
});

test('undecidable matches are printed with the assumed answer, how to pin it, and the other outcome', () => {
  const r = sim(RULES, '--host', HOST, '--packet', PKT);
  assert.match(
    r.out,
    /undecidable: line 8 \(filter:FORWARD rule 1\) -m set: .*assumed it does not match \(by default; pin with --assume 8:set=yes\)/,
  );
  assert.match(r.out, /other outcome: if line 8 \(filter:FORWARD rule 1\) -m set matched: dropped/);
  const pinned = sim(RULES, '--host', HOST, '--packet', PKT, '--assume', '8:set=yes');
  assert.match(pinned.out, /=> DROPPED/);
  assert.match(pinned.out, /assumed it matches \(as pinned\)/);
  assert.doesNotMatch(pinned.out, /other outcome/);
});

test('bad input gives one line on stderr and exit status 2, never a stack trace', () => {
  const badHost = file('bad-host.json', '{"interfaces": 5}');
  const notJson = file('not-json.json', '{"interfaces": [');
  const badFlow = file('flow.json', '{"packets": [42]}');
  const cases: [string, string[], RegExp][] = [
    ['unreadable ruleset', [join(dir, 'missing.rules'), '--packet', PKT], /cannot read ruleset .*missing\.rules/],
    ['unreadable host', [RULES, '--host', join(dir, 'missing.json'), '--packet', PKT], /cannot read host/],
    ['malformed host JSON', [RULES, '--host', notJson, '--packet', PKT], /host .*not-json\.json is not valid JSON/],
    ['host of the wrong shape', [RULES, '--host', badHost, '--packet', PKT], /host "interfaces" must be a list/],
    ['malformed packet string', [RULES, '--host', HOST, '--packet', 'tcp 1.2.3.4:5 => 6.7.8.9'], /--packet: packet/],
    ['bad address in a packet', [RULES, '--host', HOST, '--packet', 'tcp 1.1.1.1:1 > 999.2.2.2:2'], /999\.2\.2\.2/],
    [
      'malformed LOG line',
      [RULES, '--host', HOST, '--from-log', 'kernel: hello'],
      /--from-log: not a kernel packet log line/,
    ],
    [
      'LOG line with a bad field',
      [RULES, '--from-log', 'IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP SPT=x DPT=1'],
      /SPT=x/,
    ],
    ['unknown backend', [RULES, '--backend', 'iptables', '--packet', PKT], /--backend must be nft or legacy/],
    ['unknown option', [RULES, '--frobnicate'], /unknown option --frobnicate/],
    ['malformed flow', [RULES, '--host', HOST, '--flow', badFlow], /packet 1 is not an object/],
    ['unreadable scenario', ['--scenario', join(dir, 'none.json')], /cannot read scenario/],
    ['no packet', [RULES, '--host', HOST], /no packet given/],
  ];
  for (const [what, args, re] of cases) {
    const r = sim(...args);
    assert.equal(r.status, 2, `${what}: status ${r.status}, stderr ${r.err}`);
    assert.equal(r.err.trimEnd().split('\n').length, 1, `${what}: ${r.err}`);
    assert.match(r.err, re, what);
    assert.match(r.err, /^iptables-sim simulate: /, what);
    assert.doesNotMatch(r.err, /\n\s+at /, what);
    assert.equal(r.out, '', what);
  }
});
