// Unit tests of the simulator's netfilter semantics, one per point (table order, verdicts,
// chains, conntrack, NAT, marks, routing, REJECT, TTL, backends, stateful matches, undecidables).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDocument } from '../../server/src/service/document';
import { type HostSpec, type PacketResult, type PacketSpec, simulate } from '../../server/src/service/simulator/index';

const ROUTER: HostSpec = {
  interfaces: [
    { name: 'lan0', addr: '10.0.0.1/24' },
    { name: 'wan0', addr: '203.0.113.2/24' },
  ],
  routes: [{ dst: 'default', via: '203.0.113.1', dev: 'wan0' }],
  forwarding: true,
};

function sim(rules: string, packets: PacketSpec[], host: HostSpec = ROUTER, backend: 'nft' | 'legacy' = 'nft') {
  const r = simulate({ doc: parseDocument(rules, { languageId: 'iptables' }), host, packets, backend });
  assert.deepEqual(r.errors, []);
  return r.packets;
}

const tr = (p: PacketResult) => p.trace.map((e) => `${e.table}:${e.chain}:${e.kind}${e.rulenum ?? ''}:${e.verdict}`);
const eg = (p: PacketResult) => p.egress.map((e) => `${e.iface} ${e.src}:${e.sport ?? ''} > ${e.dst}:${e.dport ?? ''}`);
const fwd: PacketSpec = {
  name: 'syn',
  in: 'lan0',
  src: '10.0.0.5',
  dst: '198.51.100.7',
  proto: 'tcp',
  sport: 40000,
  dport: 443,
  flags: 'S',
};
// The DNAT rule in nat OUTPUT is never reached by these packets; it makes the kernel run conntrack
// (and so the nat chains) in the namespace, as any NAT or conntrack rule does.
const ALL_TABLES = `*raw\n:PREROUTING ACCEPT\n:OUTPUT ACCEPT\nCOMMIT\n*mangle\n:PREROUTING ACCEPT\n:INPUT ACCEPT\n:FORWARD ACCEPT\n:OUTPUT ACCEPT\n:POSTROUTING ACCEPT\nCOMMIT\n*nat\n:PREROUTING ACCEPT\n:INPUT ACCEPT\n:OUTPUT ACCEPT\n:POSTROUTING ACCEPT\n-A OUTPUT -o nowhere0 -j DNAT --to-destination 192.0.2.1\nCOMMIT\n*filter\n:INPUT ACCEPT\n:FORWARD ACCEPT\n:OUTPUT ACCEPT\nCOMMIT\n*security\n:INPUT ACCEPT\n:FORWARD ACCEPT\n:OUTPUT ACCEPT\nCOMMIT\n`;

test('hook and table order: raw, mangle, nat, filter; nat INPUT after filter INPUT; nft security at 150', () => {
  const [p] = sim(ALL_TABLES, [{ ...fwd, dst: '10.0.0.1', dport: 22 }], { ...ROUTER, listen: ['tcp:22'] });
  assert.deepEqual(
    p.trace.map((e) => `${e.table}:${e.chain}`),
    [
      'raw:PREROUTING',
      'mangle:PREROUTING',
      'nat:PREROUTING',
      'mangle:INPUT',
      'filter:INPUT',
      'nat:INPUT',
      'security:INPUT',
    ],
  );
});

test('security table: legacy runs it before nat INPUT (priority 50)', () => {
  const [p] = sim(ALL_TABLES, [{ ...fwd, dst: '10.0.0.1', dport: 22 }], { ...ROUTER, listen: ['tcp:22'] }, 'legacy');
  const order = p.trace.map((e) => `${e.table}:${e.chain}`).filter((x) => x.endsWith('INPUT'));
  assert.deepEqual(order, ['mangle:INPUT', 'filter:INPUT', 'security:INPUT', 'nat:INPUT']);
});

test('routing after nat PREROUTING: DNAT turns INPUT into FORWARD', () => {
  const rules =
    '*nat\n:PREROUTING ACCEPT\n-A PREROUTING -d 203.0.113.2 -p tcp --dport 80 -j DNAT --to-destination 10.0.0.9:8080\nCOMMIT\n';
  const [p] = sim(rules, [
    {
      name: 'in',
      in: 'wan0',
      src: '198.51.100.1',
      dst: '203.0.113.2',
      proto: 'tcp',
      sport: 5555,
      dport: 80,
      flags: 'S',
    },
  ]);
  assert.deepEqual(p.path, ['PREROUTING', 'FORWARD', 'POSTROUTING']);
  assert.deepEqual(eg(p), ['lan0 198.51.100.1:5555 > 10.0.0.9:8080']);
});

test('re-routing after mangle OUTPUT: a mark selects the policy routing table', () => {
  const host: HostSpec = {
    interfaces: [
      { name: 'isp1', addr: '100.64.1.2/24' },
      { name: 'isp2', addr: '100.64.2.2/24' },
    ],
    routes: [{ dst: 'default', via: '100.64.1.1', dev: 'isp1' }, 'default via 100.64.2.1 dev isp2 table 200'],
    ip_rules: ['fwmark 0x2 lookup 200'],
  };
  const rules = '*mangle\n:OUTPUT ACCEPT\n-A OUTPUT -p udp --dport 53 -j MARK --set-mark 0x2\nCOMMIT\n';
  const [p] = sim(
    rules,
    [{ name: 'dns', in: null, src: '100.64.1.2', dst: '9.9.9.9', proto: 'udp', sport: 4000, dport: 53 }],
    host,
  );
  assert.equal(p.egress[0].iface, 'isp2');
});

test('loopback path for local-to-local packets: OUTPUT, POSTROUTING, then PREROUTING, INPUT on lo', () => {
  const [p] = sim('*filter\n:INPUT DROP\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n', [
    { name: 'self', in: null, src: '10.0.0.1', dst: '10.0.0.1', proto: 'udp', sport: 1, dport: 2 },
  ]);
  assert.deepEqual(p.path, ['OUTPUT', 'POSTROUTING', 'PREROUTING', 'INPUT']);
  assert.equal(p.disposition, 'delivered-local');
  assert.deepEqual(tr(p), ['filter:INPUT:rule1:ACCEPT']);
});

test('ACCEPT ends only the current table: later tables still run', () => {
  const rules = '*mangle\n:FORWARD ACCEPT\n-A FORWARD -j ACCEPT\nCOMMIT\n*filter\n:FORWARD DROP\nCOMMIT\n';
  const [p] = sim(rules, [fwd]);
  assert.deepEqual(tr(p), ['mangle:FORWARD:rule1:ACCEPT', 'filter:FORWARD:policy:DROP']);
  assert.equal(p.disposition, 'dropped');
});

test('DROP and REJECT end the packet; REJECT is reported as DROP with a response', () => {
  const rules =
    '*filter\n:FORWARD ACCEPT\n-A FORWARD -p tcp --dport 443 -j REJECT --reject-with tcp-reset\n-A FORWARD -j LOG\nCOMMIT\n';
  const [p] = sim(rules, [fwd]);
  assert.deepEqual(tr(p), ['filter:FORWARD:rule1:DROP']);
  assert.equal(p.disposition, 'rejected');
  assert.equal(p.log_lines.length, 0);
  assert.equal(p.responses[0].summary, 'tcp RA 198.51.100.7 -> 10.0.0.5 (out lan0)');
});

test('non-terminating targets continue with the next rule', () => {
  const rules =
    '*filter\n:FORWARD DROP\n-A FORWARD -j LOG --log-prefix "a: "\n-A FORWARD -j MARK --set-mark 5\n-A FORWARD -m mark --mark 5 -j ACCEPT\nCOMMIT\n';
  const [p] = sim(rules, [fwd]);
  assert.deepEqual(tr(p), [
    'filter:FORWARD:rule1:CONTINUE',
    'filter:FORWARD:rule2:CONTINUE',
    'filter:FORWARD:rule3:ACCEPT',
  ]);
  assert.match(
    p.log_lines[0],
    /^a: IN=lan0 OUT=wan0 MAC=\S+ SRC=10\.0\.0\.5 DST=198\.51\.100\.7 LEN=40 TOS=0x00 PREC=0x00 TTL=63 /,
  );
});

test('RETURN and falling off a user chain go back to the caller', () => {
  const rules =
    '*filter\n:FORWARD DROP\n:A - [0:0]\n:B - [0:0]\n-A FORWARD -j A\n-A FORWARD -j B\n-A FORWARD -j ACCEPT\n-A A -p udp -j DROP\n-A A -j RETURN\n-A B -p udp -j DROP\nCOMMIT\n';
  const [p] = sim(rules, [fwd]);
  assert.deepEqual(tr(p), [
    'filter:FORWARD:rule1:JUMP:A',
    'filter:A:rule2:RETURN',
    'filter:FORWARD:rule2:JUMP:B',
    'filter:B:return:RETURN',
    'filter:FORWARD:rule3:ACCEPT',
  ]);
  assert.equal(p.trace[1].label, 'return', 'legacy TRACE labels an unconditional RETURN "return"');
});

test('policy at the end of a base chain', () => {
  const [p] = sim('*filter\n:FORWARD DROP\n-A FORWARD -p udp -j ACCEPT\nCOMMIT\n', [fwd], ROUTER, 'legacy');
  assert.deepEqual(tr(p), ['filter:FORWARD:policy:DROP']);
  assert.match(p.trace_lines[0], /^TRACE: filter:FORWARD:policy:2 /);
});

test('goto returns to the caller of the chain that did the goto', () => {
  const rules =
    '*filter\n:FORWARD DROP\n:A - [0:0]\n:B - [0:0]\n-A FORWARD -j A\n-A FORWARD -j ACCEPT\n-A A -g B\n-A A -j DROP\n-A B -p udp -j DROP\nCOMMIT\n';
  const [p] = sim(rules, [fwd]);
  assert.deepEqual(tr(p), [
    'filter:FORWARD:rule1:JUMP:A',
    'filter:A:rule1:GOTO:B',
    'filter:B:return:RETURN',
    'filter:FORWARD:rule2:ACCEPT',
  ]);
});

test('conntrack states NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED', () => {
  const rules =
    '*raw\n:PREROUTING ACCEPT\n-A PREROUTING -p udp --dport 123 -j CT --notrack\nCOMMIT\n*filter\n:FORWARD DROP\n' +
    ['NEW', 'ESTABLISHED', 'RELATED', 'INVALID', 'UNTRACKED']
      .map((s) => `-A FORWARD -m conntrack --ctstate ${s} -j ACCEPT\n`)
      .join('') +
    'COMMIT\n';
  const ps = sim(rules, [
    { name: 'q', in: 'lan0', src: '10.0.0.5', dst: '198.51.100.7', proto: 'udp', sport: 5000, dport: 53 },
    { name: 'a', reply_to: 'q' },
    {
      name: 'err',
      in: 'wan0',
      src: '198.51.100.7',
      dst: '10.0.0.5',
      proto: 'icmp',
      type: 3,
      code: 3,
      payload_hex: '4500001c000000003f11000a0a000005c633640713880035000800000' + '0',
    },
    { name: 'sf', in: 'wan0', src: '198.51.100.7', dst: '10.0.0.5', proto: 'tcp', sport: 1, dport: 2, flags: 'SF' },
    { name: 'ntp', in: 'lan0', src: '10.0.0.5', dst: '198.51.100.7', proto: 'udp', sport: 123, dport: 123 },
  ]);
  assert.deepEqual(
    ps.map((p) => p.trace.at(-1)?.rulenum),
    [1, 2, 3, 4, 5],
  );
});

test('NAT only for the first packet; replies translated without nat chains (reverse SNAT at PREROUTING)', () => {
  const rules = '*nat\n:PREROUTING ACCEPT\n:POSTROUTING ACCEPT\n-A POSTROUTING -o wan0 -j MASQUERADE\nCOMMIT\n';
  const [a, b, c] = sim(rules, [fwd, { name: 'back', reply_to: 'syn' }, { ...fwd, name: 'ack', flags: 'A' }]);
  assert.deepEqual(tr(a), ['nat:PREROUTING:policy:ACCEPT', 'nat:POSTROUTING:rule1:ACCEPT']);
  assert.deepEqual(eg(a), ['wan0 203.0.113.2:40000 > 198.51.100.7:443']);
  assert.deepEqual(tr(b), []);
  assert.deepEqual(eg(b), ['lan0 198.51.100.7:443 > 10.0.0.5:40000']);
  assert.deepEqual(tr(c), []);
  assert.deepEqual(eg(c), ['wan0 203.0.113.2:40000 > 198.51.100.7:443']);
});

test('reverse DNAT at POSTROUTING for replies of a port forward', () => {
  const rules =
    '*nat\n:PREROUTING ACCEPT\n-A PREROUTING -i wan0 -p tcp --dport 80 -j DNAT --to-destination 10.0.0.9:8000\nCOMMIT\n';
  const [, b] = sim(rules, [
    {
      name: 'c',
      in: 'wan0',
      src: '198.51.100.1',
      dst: '203.0.113.2',
      proto: 'tcp',
      sport: 5555,
      dport: 80,
      flags: 'S',
    },
    { name: 'r', reply_to: 'c' },
  ]);
  assert.deepEqual(eg(b), ['wan0 203.0.113.2:80 > 198.51.100.1:5555']);
  assert.ok(b.nat.some((n) => n.kind === 'reverse-DNAT' && n.hook === 'POSTROUTING'));
});

test('REDIRECT uses the incoming interface primary address, 127.0.0.1 in OUTPUT', () => {
  const rules =
    '*nat\n:PREROUTING ACCEPT\n:OUTPUT ACCEPT\n-A PREROUTING -i lan0 -p tcp --dport 80 -j REDIRECT --to-ports 3128\n-A OUTPUT -p tcp --dport 81 -j REDIRECT --to-ports 8081\nCOMMIT\n';
  const [a, b] = sim(
    rules,
    [
      { ...fwd, dport: 80 },
      { name: 'o', in: null, src: '10.0.0.1', dst: '198.51.100.9', proto: 'tcp', sport: 1234, dport: 81, flags: 'S' },
    ],
    { ...ROUTER, listen: ['tcp:3128', 'tcp:8081'] },
  );
  assert.equal(a.disposition, 'delivered-local');
  assert.equal(a.headers_seen.find((h) => h.at === 'nat:INPUT')?.dst ?? '10.0.0.1', '10.0.0.1');
  assert.equal(b.disposition, 'delivered-local');
  assert.ok(b.nat.some((n) => n.after === '127.0.0.1:8081'));
});

test('SNAT clash: two flows mapping to the same tuple get another port / ICMP id', () => {
  const host: HostSpec = {
    ...ROUTER,
    interfaces: [...(ROUTER.interfaces ?? []), { name: 'lan1', addr: '10.1.0.1/24' }],
  };
  const rules = '*nat\n:POSTROUTING ACCEPT\n-A POSTROUTING -o wan0 -j SNAT --to-source 203.0.113.2\nCOMMIT\n';
  const [a, b, c, d] = sim(
    rules,
    [
      { ...fwd, name: 'vm1' },
      { ...fwd, name: 'vm2', in: 'lan1', src: '10.1.0.5' },
      { name: 'p1', in: 'lan0', src: '10.0.0.5', dst: '198.51.100.7', proto: 'icmp', type: 8, id: 7 },
      { name: 'p2', in: 'lan1', src: '10.1.0.5', dst: '198.51.100.7', proto: 'icmp', type: 8, id: 7 },
    ],
    host,
  );
  assert.equal(a.egress[0].sport, 40000);
  assert.notEqual(b.egress[0].sport, 40000);
  assert.ok(b.random, 'the new port is a random choice of the kernel');
  assert.equal(c.egress[0].icmp_id, 7);
  assert.notEqual(d.egress[0].icmp_id, 7);
});

test('NETMAP maps the network part and keeps the host part', () => {
  const rules = '*nat\n:PREROUTING ACCEPT\n-A PREROUTING -d 192.0.2.0/24 -j NETMAP --to 10.0.0.0/24\nCOMMIT\n';
  const [p] = sim(rules, [
    { name: 'n', in: 'wan0', src: '198.51.100.1', dst: '192.0.2.77', proto: 'udp', sport: 1, dport: 2 },
  ]);
  assert.equal(p.egress[0].dst, '10.0.0.77');
});

test('marks: --set-xmark, --or-mark, CONNMARK save/restore with masks', () => {
  const rules =
    '*mangle\n:PREROUTING ACCEPT\n-A PREROUTING -j CONNMARK --restore-mark --nfmask 0xff --ctmask 0xff\n-A PREROUTING -m mark ! --mark 0x0/0xff -j ACCEPT\n' +
    '-A PREROUTING -j MARK --set-xmark 0x10000/0x10000\n-A PREROUTING -j MARK --or-mark 0x2\n-A PREROUTING -j CONNMARK --save-mark --nfmask 0xff --ctmask 0xff\nCOMMIT\n';
  const [a, b] = sim(rules, [fwd, { name: 'r', reply_to: 'syn' }]);
  assert.equal(a.headers_seen.at(-1)?.mark, undefined);
  assert.equal(a.egress.length, 1);
  assert.deepEqual(tr(b), ['mangle:PREROUTING:rule1:CONTINUE', 'mangle:PREROUTING:rule2:ACCEPT']);
});

test('REJECT reply traverses OUTPUT and POSTROUTING as RELATED', () => {
  const rules =
    '*filter\n:INPUT ACCEPT\n:OUTPUT DROP\n-A INPUT -p udp -j REJECT\n-A OUTPUT -m conntrack --ctstate RELATED -j ACCEPT\nCOMMIT\n';
  const [p] = sim(rules, [
    { name: 'u', in: 'lan0', src: '10.0.0.5', dst: '10.0.0.1', proto: 'udp', sport: 1, dport: 9 },
  ]);
  assert.equal(p.disposition, 'rejected');
  assert.deepEqual(tr(p.responses[0]), ['filter:OUTPUT:rule1:ACCEPT']);
  assert.deepEqual(p.responses[0].path, ['OUTPUT', 'POSTROUTING']);
});

test('TTL decremented when forwarding; expiring TTL dropped with time-exceeded', () => {
  const [a, b] = sim('*filter\n:FORWARD ACCEPT\nCOMMIT\n', [fwd, { ...fwd, name: 't', ttl: 1 }]);
  assert.equal(a.egress[0].ttl, 63);
  assert.equal(b.disposition, 'dropped');
  assert.deepEqual(b.path, ['PREROUTING']);
  assert.equal(b.responses[0].egress[0].icmp_type, 11);
});

test('backends: nft has only declared chains, legacy all built-in chains of a loaded table', () => {
  const rules =
    '*nat\n:POSTROUTING ACCEPT\nCOMMIT\n*filter\n:FORWARD ACCEPT\n-A FORWARD -m conntrack --ctstate INVALID -j DROP\nCOMMIT\n';
  const [n] = sim(rules, [fwd], ROUTER, 'nft');
  const [l] = sim(rules, [fwd], ROUTER, 'legacy');
  assert.deepEqual(tr(n), ['filter:FORWARD:policy:ACCEPT', 'nat:POSTROUTING:policy:ACCEPT']);
  assert.deepEqual(tr(l), [
    'nat:PREROUTING:policy:ACCEPT',
    'filter:FORWARD:policy:ACCEPT',
    'nat:POSTROUTING:policy:ACCEPT',
  ]);
  assert.equal(n.backend, 'nft');
});

test('host sockets: closed TCP port answers RST, closed UDP port port-unreachable, open port SYN-ACK', () => {
  const host = { ...ROUTER, listen: ['tcp:22'] };
  const [a, b, c] = sim(
    '*filter\n:INPUT ACCEPT\nCOMMIT\n',
    [
      { ...fwd, dst: '10.0.0.1', dport: 23 },
      { name: 'u', in: 'lan0', src: '10.0.0.5', dst: '10.0.0.1', proto: 'udp', sport: 1, dport: 9 },
      { ...fwd, name: 's', dst: '10.0.0.1', dport: 22, sport: 40001 },
    ],
    host,
  );
  assert.match(a.responses[0].summary, /^tcp RA 10\.0\.0\.1 -> 10\.0\.0\.5/);
  assert.match(b.responses[0].summary, /^icmp port-unreachable/);
  assert.match(c.responses[0].summary, /^tcp SA /);
});

test('stateful matches keep state across packets: limit burst and statistic nth', () => {
  const rules =
    '*filter\n:INPUT ACCEPT\n-A INPUT -p icmp -m limit --limit 1/min --limit-burst 2 -j LOG\n-A INPUT -p udp -m statistic --mode nth --every 2 --packet 0 -j DROP\nCOMMIT\n';
  const ping = (i: number): PacketSpec => ({
    name: `p${i}`,
    in: 'lan0',
    src: '10.0.0.5',
    dst: '10.0.0.1',
    proto: 'icmp',
    type: 8,
    id: i,
  });
  const udp = (i: number): PacketSpec => ({
    name: `u${i}`,
    in: 'lan0',
    src: '10.0.0.5',
    dst: '10.0.0.1',
    proto: 'udp',
    sport: 1000 + i,
    dport: 9,
  });
  const ps = sim(rules, [ping(1), ping(2), ping(3), udp(1), udp(2), udp(3), udp(4)], { ...ROUTER, listen: ['udp:9'] });
  assert.deepEqual(
    ps.slice(0, 3).map((p) => p.log_lines.length),
    [1, 1, 0],
  );
  assert.deepEqual(
    ps.slice(3).map((p) => p.disposition),
    // --packet 0: the counter starts so that the first packet matches (as libxt_statistic loads it)
    ['dropped', 'delivered-local', 'dropped', 'delivered-local'],
  );
});

test('undecidable matches are listed with the assumption, random ones flagged', () => {
  const rules =
    '*filter\n:FORWARD ACCEPT\n-A FORWARD -m set --match-set bad src -j DROP\n-A FORWARD -m statistic --mode random --probability 0.5 -j ACCEPT\nCOMMIT\n';
  const [p] = sim(rules, [fwd]);
  assert.deepEqual(
    p.undecidable.map((u) => [u.module, u.assumed, u.random === true]),
    [
      ['set', false, false],
      ['statistic', true, true],
    ],
  );
  assert.ok(p.random);
  const pinned = simulate({
    doc: parseDocument(rules),
    host: ROUTER,
    packets: [fwd],
    assumptions: [{ line: 3, module: 'set', matches: true }],
  });
  assert.equal(pinned.packets[0].disposition, 'dropped');
});

test('legacy TRACE lines: kernel format and numbering', () => {
  const rules = '*filter\n:INPUT ACCEPT\n:X - [0:0]\n-A INPUT -j X\n-A X -p tcp -j ACCEPT\nCOMMIT\n';
  const [p] = sim(rules, [{ ...fwd, dst: '10.0.0.1', dport: 22 }], ROUTER, 'legacy');
  assert.equal(
    p.trace_lines[1],
    'TRACE: filter:X:rule:1 IN=lan0 OUT= MAC=02:00:00:00:00:01:02:00:00:00:00:02:08:00 SRC=10.0.0.5 DST=10.0.0.1 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=20736 PROTO=TCP SPT=40000 DPT=22 SEQ=1000001 ACK=0 WINDOW=64240 RES=0x00 SYN URGP=0 ',
  );
});
