// Unit tests of the simulator's semantics points not covered in sim-semantics.test.ts: conntrack
// only when a rule needs it, the conntrack match's virtual states/--ctorigdst/--ctstatus/--ctdir,
// connlimit and connbytes across a flow, source-port preservation, LOG levels and NFLOG, the
// dispatch index (same trace as a linear walk), and IPv6 (ICMPv6 errors, hop limit, neighbour
// discovery, NAT66, the IPv6 LOG format).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDocument } from '../../server/src/service/document';
import { type HostSpec, type PacketResult, type PacketSpec, simulate } from '../../server/src/service/simulator/index';

const ROUTER: HostSpec = {
  interfaces: [
    { name: 'lan0', addrs: ['10.0.0.1/24', '2001:db8:10::1/64'] },
    { name: 'wan0', addrs: ['203.0.113.2/24', '2001:db8:ff::2/64'] },
  ],
  routes: [
    { dst: 'default', via: '203.0.113.1', dev: 'wan0' },
    { dst: 'default', via: '2001:db8:ff::1', dev: 'wan0' },
  ],
  forwarding: true,
};

function sim(
  rules: string,
  packets: PacketSpec[],
  opts: { host?: HostSpec; backend?: 'nft' | 'legacy'; v6?: boolean } = {},
) {
  const doc = parseDocument(rules, { languageId: 'iptables', family: opts.v6 ? 6 : undefined });
  const r = simulate({ doc, host: opts.host ?? ROUTER, packets, backend: opts.backend ?? 'nft' });
  assert.deepEqual(r.errors, []);
  return r.packets;
}

const tr = (p: PacketResult) => p.trace.map((e) => `${e.table}:${e.chain}:${e.kind}${e.rulenum ?? ''}:${e.verdict}`);
const syn: PacketSpec = {
  name: 'syn',
  in: 'lan0',
  src: '10.0.0.5',
  dst: '198.51.100.7',
  sport: 40000,
  dport: 443,
  flags: 'S',
};

test('conntrack runs only when a rule needs it: without one, nat chains are not traversed', () => {
  const nat = '*nat\n:PREROUTING ACCEPT\n:POSTROUTING ACCEPT\n-A POSTROUTING -j LOG --log-prefix "post "\nCOMMIT\n';
  const [a] = sim(nat, [syn]);
  assert.deepEqual(tr(a), []);
  assert.deepEqual(a.log_lines, []);
  const [b] = sim(`${nat}*filter\n:FORWARD ACCEPT\n-A FORWARD -m state --state INVALID -j DROP\nCOMMIT\n`, [syn]);
  assert.deepEqual(tr(b), [
    'nat:PREROUTING:policy:ACCEPT',
    'filter:FORWARD:policy:ACCEPT',
    'nat:POSTROUTING:rule1:CONTINUE',
    'nat:POSTROUTING:policy:ACCEPT',
  ]);
});

test('conntrack match: DNAT virtual state, --ctorigdst, --ctstatus, --ctdir on the reply', () => {
  const rules =
    '*nat\n:PREROUTING ACCEPT\n-A PREROUTING -i wan0 -p tcp --dport 8080 -j DNAT --to-destination 10.0.0.9:80\nCOMMIT\n' +
    '*filter\n:FORWARD DROP\n' +
    '-A FORWARD -m conntrack --ctstate DNAT --ctorigdst 203.0.113.2 --ctdir ORIGINAL -j LOG --log-prefix "dnat "\n' +
    '-A FORWARD -m conntrack --ctstatus SEEN_REPLY --ctdir REPLY -j LOG --log-prefix "reply "\n' +
    '-A FORWARD -m conntrack --ctstate NEW,ESTABLISHED -j ACCEPT\nCOMMIT\n';
  const [a, b] = sim(rules, [
    { name: 'in', in: 'wan0', src: '198.51.100.7', dst: '203.0.113.2', sport: 5555, dport: 8080, flags: 'S' },
    { name: 'back', reply_to: 'in' },
  ]);
  assert.deepEqual(
    a.log_lines.map((l) => l.split(' ')[0]),
    ['dnat'],
  );
  assert.equal(a.egress[0].dst, '10.0.0.9');
  assert.deepEqual(
    b.log_lines.map((l) => l.split(' ')[0]),
    ['reply'],
  );
  assert.equal(b.egress[0].src, '203.0.113.2');
});

test('connlimit counts the confirmed connections of the source across the flow', () => {
  const rules =
    '*filter\n:FORWARD ACCEPT\n-A FORWARD -p tcp --syn -m connlimit --connlimit-above 2 -j REJECT --reject-with tcp-reset\nCOMMIT\n';
  const ps = sim(
    rules,
    [1, 2, 3].map((i) => ({ ...syn, name: `c${i}`, sport: 40000 + i })),
  );
  assert.deepEqual(
    ps.map((p) => p.disposition),
    ['forwarded', 'forwarded', 'rejected'],
  );
});

test('connbytes: packets of both directions counted on the conntrack entry', () => {
  const rules =
    '*filter\n:FORWARD ACCEPT\n-A FORWARD -m connbytes --connbytes 3: --connbytes-dir both --connbytes-mode packets -j DROP\nCOMMIT\n';
  const ps = sim(rules, [syn, { name: 'sa', reply_to: 'syn' }, { ...syn, name: 'ack', flags: 'A', seq: 1000002 }]);
  assert.deepEqual(
    ps.map((p) => p.disposition),
    ['forwarded', 'forwarded', 'dropped'],
  );
});

test('SNAT keeps the source port when it is free and in range (source-port preservation)', () => {
  const rules = '*nat\n:POSTROUTING ACCEPT\n-A POSTROUTING -o wan0 -j SNAT --to-source 203.0.113.2\nCOMMIT\n';
  const [a] = sim(rules, [syn]);
  assert.equal(a.egress[0].src, '203.0.113.2');
  assert.equal(a.egress[0].sport, 40000);
});

test('LOG --log-level is kept in the result; NFLOG is non-terminating with its group and prefix', () => {
  const rules =
    '*filter\n:FORWARD ACCEPT\n-A FORWARD -j LOG --log-prefix "dbg " --log-level debug --log-tcp-sequence\n' +
    '-A FORWARD -j NFLOG --nflog-group 5 --nflog-prefix "ulogd"\n-A FORWARD -j DROP\nCOMMIT\n';
  const [a] = sim(rules, [syn]);
  assert.equal(a.disposition, 'dropped');
  assert.deepEqual(
    a.logs.map((l) => [l.target, l.level, l.levelName, l.group, l.prefix, l.flags]),
    [
      ['LOG', 7, 'debug', undefined, 'dbg ', ['tcp-sequence']],
      ['NFLOG', undefined, undefined, 5, 'ulogd', undefined],
    ],
  );
  assert.equal(a.log_lines.length, 1);
  assert.match(a.log_lines[0], /SEQ=1000001 ACK=0 /);
});

test('LOG --log-ip-options prints the IPv4 options; --log-tcp-options the TCP options', () => {
  const rules = '*filter\n:FORWARD ACCEPT\n-A FORWARD -j LOG --log-ip-options --log-tcp-options\nCOMMIT\n';
  const [a] = sim(rules, [{ ...syn, ip_options: '94040000', tcp_options: '020405B4' }]);
  assert.match(a.log_lines[0], / LEN=48 .* ID=\d+ OPT \(94040000\) PROTO=TCP .* URGP=0 OPT \(020405B4\) $/);
});

test('dispatch index: a long chain of exact destinations gives the same trace as a linear walk', () => {
  const lines = ['*nat', ':PREROUTING ACCEPT', ':SVC - [0:0]', '-A PREROUTING -j SVC'];
  for (let i = 0; i < 200; i++) {
    if (i === 120) lines.push('-A SVC -p tcp --dport 443 -j LOG --log-prefix "any443 "');
    if (i === 150) lines.push('-A SVC ! -d 10.96.0.150/32 -p udp -j RETURN');
    lines.push(
      `-A SVC -d 10.96.0.${i}/32 -p tcp -m tcp --dport 443 -j DNAT --to-destination 10.0.0.${(i % 200) + 10}:8443`,
    );
  }
  lines.push('COMMIT');
  const pkt = { ...syn, in: 'wan0', src: '198.51.100.7', dst: '10.96.0.170' };
  const [p] = sim(lines.join('\n'), [pkt], {
    host: { ...ROUTER, routes: [...(ROUTER.routes ?? []), '10.96.0.0/16 via 10.0.0.254'] },
  });
  // rule numbers: 120 service rules, the LOG (121), 30 more (122-151), the RETURN (152), then 10.96.0.150.. from 153
  assert.deepEqual(tr(p), ['nat:PREROUTING:rule1:JUMP:SVC', 'nat:SVC:rule121:CONTINUE', 'nat:SVC:rule173:ACCEPT']);
  assert.equal(p.egress[0].dst, '10.0.0.180');
  const skipped = p.evaluated.filter((e) => e.through !== undefined);
  assert.ok(skipped.length >= 2, 'skipped ranges are reported');
  assert.ok(
    p.evaluated.some((e) => e.rulenum === 152 && !e.matched),
    'the non-indexable RETURN rule is evaluated',
  );
});

test('IPv6: REJECT answers with ICMPv6 errors and TCP resets; closed UDP port gives port unreachable', () => {
  const rules =
    '*filter\n:INPUT ACCEPT\n-A INPUT -p tcp --dport 23 -j REJECT --reject-with tcp-reset\n-A INPUT -p udp --dport 69 -j REJECT --reject-with icmp6-adm-prohibited\nCOMMIT\n';
  const base = { in: 'lan0', src: '2001:db8:10::7', dst: '2001:db8:10::1' };
  const [a, b, c] = sim(
    rules,
    [
      { ...base, name: 't', proto: 'tcp', sport: 1, dport: 23, flags: 'S' },
      { ...base, name: 'u', proto: 'udp', sport: 1, dport: 69 },
      { ...base, name: 'c', proto: 'udp', sport: 1, dport: 70 },
    ],
    { v6: true },
  );
  assert.match(a.responses[0].summary, /^tcp RA 2001:db8:10::1 -> 2001:db8:10::7 \(out lan0\)/);
  assert.equal(b.responses[0].egress[0].icmp_type, 1);
  assert.equal(b.responses[0].egress[0].icmp_code, 1);
  assert.equal(c.responses[0].egress[0].icmp_code, 4);
});

test('IPv6: hop limit decremented when forwarding, expiring hop limit gives time exceeded', () => {
  const v6: HostSpec = { ...ROUTER, sysctls: { 'net.ipv6.conf.all.forwarding': 1 } };
  const pkt: PacketSpec = {
    name: 'f',
    in: 'lan0',
    src: '2001:db8:10::7',
    dst: '2001:db8:50::80',
    proto: 'udp',
    sport: 1,
    dport: 53,
  };
  const [a, b] = sim('*filter\n:FORWARD ACCEPT\nCOMMIT\n', [pkt, { ...pkt, name: 'g', ttl: 1 }], {
    host: v6,
    v6: true,
  });
  assert.equal(a.egress[0].ttl, 63);
  assert.equal(b.disposition, 'dropped');
  assert.equal(b.responses[0].egress[0].icmp_type, 3);
  const [c] = sim('*filter\n:FORWARD ACCEPT\nCOMMIT\n', [pkt], {
    host: { ...ROUTER, sysctls: { 'net.ipv6.conf.all.forwarding': 0 } },
    v6: true,
  });
  assert.equal(c.disposition, 'dropped');
});

test('IPv6 neighbour discovery: untracked by conntrack, answered with an advertisement', () => {
  const rules =
    '*filter\n:INPUT ACCEPT\n-A INPUT -m conntrack --ctstate INVALID -j DROP\n-A INPUT -m conntrack --ctstate UNTRACKED -j ACCEPT\nCOMMIT\n';
  const [a] = sim(
    rules,
    [
      {
        name: 'ns',
        in: 'lan0',
        src: '2001:db8:10::7',
        dst: 'ff02::1:ff00:1',
        proto: 'icmpv6',
        type: 'neighbour-solicitation',
        ttl: 255,
      },
    ],
    { v6: true },
  );
  assert.deepEqual(tr(a), ['filter:INPUT:rule2:ACCEPT']);
  assert.match(a.responses[0].summary, /^icmpv6 neighbour-advertisement 2001:db8:10::1 -> 2001:db8:10::7/);
});

test('IPv6 NAT: MASQUERADE to the uplink address, reply reverse-translated; IPv6 LOG line format', () => {
  const rules =
    '*nat\n:POSTROUTING ACCEPT\n-A POSTROUTING -o wan0 -j MASQUERADE\nCOMMIT\n*filter\n:FORWARD ACCEPT\n-A FORWARD -i wan0 -j LOG --log-prefix "back "\nCOMMIT\n';
  const host: HostSpec = {
    ...ROUTER,
    interfaces: [{ name: 'lan0', addr: 'fd00:10::1/64' }, ROUTER.interfaces?.[1] ?? { name: 'wan0' }],
  };
  const [a, b] = sim(
    rules,
    [
      { name: 's', in: 'lan0', src: 'fd00:10::5', dst: '2001:db8:50::80', sport: 41000, dport: 443, flags: 'S' },
      { name: 'r', reply_to: 's' },
    ],
    { host, v6: true },
  );
  assert.equal(a.egress[0].src, '2001:db8:ff::2');
  assert.equal(b.egress[0].dst, 'fd00:10::5');
  assert.equal(
    b.log_lines[0].replace(/SEQ=\d+ ACK=\d+ /, ''),
    // the flow label of the second injected packet (one per packet, numbered like the IPv4 IP ID)
    'back IN=wan0 OUT=lan0 MAC=02:00:00:00:01:01:02:00:00:00:01:02:86:dd SRC=2001:0db8:0050:0000:0000:0000:0000:0080 DST=fd00:0010:0000:0000:0000:0000:0000:0005 LEN=60 TC=0 HOPLIMIT=63 FLOWLBL=20743 PROTO=TCP SPT=443 DPT=41000 WINDOW=64240 RES=0x00 ACK SYN URGP=0 ',
  );
});
