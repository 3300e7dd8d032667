// The simulator's `xtables-monitor --trace` lines (nft backend) against our own recordings of the
// real tool (test/fixtures/xtables-monitor): same packets, same ruleset, line for line, with the
// kernel's random trace ids and the IP ID of host-generated packets masked.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseDocument } from '../../server/src/service/document';
import { parseSave } from '../../server/src/service/parser/save';
import { type HostSpec, type PacketSpec, simulate } from '../../server/src/service/simulator/index';
import { REPO_ROOT } from '../helpers/paths';

const DIR = join(REPO_ROOT, 'test', 'fixtures', 'xtables-monitor');
const HOST: HostSpec = {
  interfaces: [{ name: 'vh', addrs: ['10.99.0.1/24', '2001:db8:99::1/64'], mac: '02:00:00:00:00:01' }],
};

function mask(line: string): string {
  return line
    .replace(/^(PACKET| TRACE): (\d+) [0-9a-f]{8} /, '$1: $2 <id> ')
    .replace(/ ID=\d+ /, ' ID=* ')
    .trimEnd();
}

function recorded(name: string): string[] {
  return readFileSync(join(DIR, name), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('PACKET:') || l.startsWith(' TRACE:'))
    .map(mask);
}

function simulated(rulesFile: string, packets: PacketSpec[], backend: 'nft' | 'legacy' = 'nft'): string[] {
  const doc = parseDocument(readFileSync(join(DIR, rulesFile), 'utf8'), { languageId: 'iptables' });
  const r = simulate({ doc, host: HOST, packets, backend });
  assert.deepEqual(r.errors, []);
  return r.packets.flatMap((p) => p.monitor_lines).map(mask);
}

const peer = { in: 'vh', src: '10.99.0.9', dst: '10.99.0.1', df: true };

test('xtables-monitor --trace: jump, RETURN, goto, policy, MARK and DNAT as recorded', () => {
  const lines = simulated('trace-jump-goto.rules', [
    { ...peer, name: 'syn', proto: 'tcp', sport: 33476, dport: 8080, flags: 'S', len: 60, ip_id: 8783 },
    { ...peer, name: 'udp', proto: 'udp', sport: 58265, dport: 5000, len: 30, ip_id: 28206 },
  ]);
  assert.deepEqual(lines, recorded('trace-jump-goto.out'));
});

test('xtables-monitor --trace: echo reply through OUTPUT, REJECT reset traced before the REJECT rule', () => {
  const lines = simulated('trace-reject-output.rules', [
    { ...peer, name: 'ping', proto: 'icmp', type: 8, id: 0x1234, seq: 1, len: 28, ip_id: 55636 },
    { ...peer, name: 'syn', proto: 'tcp', sport: 48686, dport: 9090, flags: 'S', len: 60, ip_id: 59688 },
  ]);
  assert.deepEqual(lines, recorded('trace-reject-output.out'));
});

test('xtables-monitor lines only for the nft backend and only for traced packets', () => {
  const syn: PacketSpec = { ...peer, proto: 'tcp', sport: 33476, dport: 8080, flags: 'S', len: 60, ip_id: 8783 };
  assert.deepEqual(simulated('trace-jump-goto.rules', [syn], 'legacy'), []);
  assert.deepEqual(simulated('trace-jump-goto.rules', [{ ...syn, dport: 22 }]), []);
});

test('xtables-monitor --trace for IPv6: PACKET line as the tool prints it before it fails on ip6 rules', () => {
  const doc = parseDocument(readFileSync(join(DIR, 'trace-ipv6.rules6'), 'utf8'), {
    languageId: 'iptables',
    family: 6,
  });
  const r = simulate({
    doc,
    host: HOST,
    packets: [
      { name: 'ping6', in: 'vh', src: '2001:db8:99::9', dst: '2001:db8:99::1', proto: 'icmpv6', type: 128, id: 1 },
    ],
  });
  assert.deepEqual(r.errors, []);
  const rec = recorded('trace-ipv6.out');
  const sim = r.packets[0].monitor_lines.map(mask);
  // the recorded packet carried a random flow label and 28 payload bytes; ours has label 0 and none
  assert.equal(
    sim[0].replace(/LEN=\d+ (.*)FLOWLBL=\d+/, 'LEN=* $1FLOWLBL=*'),
    rec[0].replace(/LEN=\d+ (.*)FLOWLBL=\d+/, 'LEN=* $1FLOWLBL=*'),
  );
  assert.ok(sim[1].startsWith(rec[1]), `${sim[1]} does not start with ${rec[1]}`);
});

test('xtables-monitor --trace: rule handles are the same for rules read into rows and for rule objects', () => {
  // nft handles count every kernel rule before a rule (address lists expanded) in file order. The
  // pattern lane keeps most rules of a big ruleset in rows, whose handles are counted from their
  // lines' words (compile.ts, nftHandles): the complete parse, which makes every rule an object,
  // must print the same lines, for a packet that reaches a late rule past address lists.
  const lines = ['*raw', ':PREROUTING ACCEPT [0:0]', '-A PREROUTING -s 10.99.0.9/32 -j TRACE', 'COMMIT', '*filter'];
  lines.push(':INPUT DROP [0:0]', ':LATE - [0:0]', ':MID - [0:0]');
  // Chain by chain, as iptables-save writes them (then each chain's rules stay rows).
  const rules: string[] = [];
  const mid: string[] = [];
  for (let i = 0; i < 300; i++) {
    const list = i % 3 === 0 ? `10.50.${i & 255}.1,10.51.${i & 255}.1,10.52.${i & 255}.1` : `10.50.${i & 255}.2`;
    rules.push(`-A INPUT -s ${list} -d 10.99.0.1/32 -p tcp -m tcp --dport ${1000 + i} -j ACCEPT`);
    if (i % 50 === 0)
      mid.push(`-A MID -s ${list},10.53.0.${i & 255} -d 10.99.0.1/32 -p udp -m udp --dport ${i} -j ACCEPT`);
  }
  rules.push('-A INPUT -p tcp -m tcp --dport 8080 -j MID', ...mid, '-A MID -p tcp -m tcp --dport 8080 -j LATE');
  rules.push('-A LATE -s 10.99.0.0/24,10.98.0.0/24 -p tcp -m tcp --dport 8080 -j ACCEPT');
  const text = [...lines, ...rules, 'COMMIT', ''].join('\n');
  const syn: PacketSpec = { ...peer, name: 'syn', proto: 'tcp', sport: 33476, dport: 8080, flags: 'S', len: 60 };
  const monitor = (fast: boolean) => {
    const doc = parseSave(text, { family: 4, fast });
    const r = simulate({ doc, host: HOST, packets: [syn], backend: 'nft' });
    assert.deepEqual(r.errors, []);
    return r.packets[0].monitor_lines.map(mask);
  };
  const fast = monitor(true);
  // 3 chains take handles 1-3. Before the jump to MID come 300 INPUT rules (100 lists of 3
  // addresses: 500 kernel rules): it is handle 4 + 500 = 0x1f8. Then 6 MID rules (lists of 4 for
  // i = 0 and 150, of 2 for the others: 16), so MID's jump is 0x1f9 + 16 = 0x209, LATE's rule 0x20a.
  assert.ok(
    fast.some((l) => l.includes('filter:INPUT:rule:0x1f8:JUMP:MID')),
    fast.join('\n'),
  );
  assert.ok(
    fast.some((l) => l.includes('filter:LATE:rule:0x20a:ACCEPT')),
    fast.join('\n'),
  );
  assert.deepEqual(fast, monitor(false));
});

test('xtables-monitor --trace: rules a shell loop adds on one line take handles one after another', () => {
  const text = [
    '#!/bin/sh',
    'iptables -t raw -A PREROUTING -s 10.99.0.9 -j TRACE',
    'for p in 1 2 3; do iptables -A INPUT -p tcp --dport 100$p -j ACCEPT; done',
    'iptables -A INPUT -p tcp --dport 8080 -j ACCEPT',
    '',
  ].join('\n');
  const doc = parseDocument(text, { languageId: 'shellscript' });
  const r = simulate({
    doc,
    host: HOST,
    packets: [{ ...peer, name: 'syn', proto: 'tcp', sport: 4000, dport: 1002, flags: 'S' }],
    backend: 'nft',
  });
  assert.deepEqual(r.errors, []);
  // INPUT takes handle 1, the loop's rules 2, 3 and 4: the second one is 0x3.
  const lines = r.packets[0].monitor_lines;
  assert.ok(
    lines.some((l) => l.includes('filter:INPUT:rule:0x3:ACCEPT')),
    lines.join('\n'),
  );
});
