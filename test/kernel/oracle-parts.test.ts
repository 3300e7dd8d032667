/**
 * Unit tests of the kernel oracle's pure parts (no root needed): packet building and decoding,
 * reading TRACE/LOG lines and conntrack listings, rule numbering and verdicts, injection details
 * (automatic TCP numbers, reply_to), scenario validation and the result comparison; IPv6 packets
 * and log lines.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diffResults, maskLogLine } from './diff';
import { buildInjection, replySpec, TcpState } from './inject';
import { logFields, parseConntrack, parseTraceLine, renumberTraceLine } from './kernelText';
import { buildIpv4, decodeFrame, decodeIpv4, ethernetFrame, tcpFlagsString, tcpFlagsValue } from './packet';
import {
  buildIpv6,
  bytesToIp6,
  decodeAnyFrame,
  decodeIpv6,
  ethernetFrame6,
  fullIp6,
  ip6ToBytes,
  isNdOrMld,
  solicitedNode,
} from './packet6';
import { fileRuleLines, RulesIndex, ruleVerdict } from './rulesIndex';
import { validateScenario } from './scenario';
import { headerGroup, stepFromTraceLine, type TraceContext } from './steps';
import type { PeerInfo } from './topology';

function sum16(b: Buffer, init = 0): number {
  let s = init;
  for (let i = 0; i + 1 < b.length; i += 2) s += b.readUInt16BE(i);
  if (b.length % 2) s += b[b.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

test('a built TCP segment has valid checksums and decodes back', () => {
  const ip = buildIpv4({
    src: '10.1.2.3',
    dst: '192.0.2.7',
    proto: 6,
    ttl: 61,
    tos: 0x10,
    ipId: 4242,
    df: true,
    sport: 40000,
    dport: 443,
    flags: tcpFlagsValue('SA'),
    seq: 123456789,
    ack: 987654321,
    payload: Buffer.alloc(5),
  });
  assert.equal(ip.length, 45);
  assert.equal(sum16(ip.subarray(0, 20)), 0xffff, 'IP header checksum');
  const pseudo = Buffer.concat([ip.subarray(12, 20), Buffer.from([0, 6, 0, 25])]);
  assert.equal(sum16(ip.subarray(20), sum16(pseudo)), 0xffff, 'TCP checksum');
  const frame = ethernetFrame('02:00:00:00:00:01', '02:00:00:00:00:02', ip);
  const h = decodeFrame('eth0', frame);
  assert.deepEqual(h, {
    iface: 'eth0',
    src: '10.1.2.3',
    dst: '192.0.2.7',
    proto: 'tcp',
    sport: 40000,
    dport: 443,
    flags: 'SA',
    seq: 123456789,
    ack: 987654321,
    len: 45,
    ttl: 61,
    tos: 16,
    id: 4242,
    ip_flags: 'DF',
    mac_src: '02:00:00:00:00:02',
    mac_dst: '02:00:00:00:00:01',
    payload_len: 5,
  });
});

test('an ICMP error decodes with the packet it quotes', () => {
  const inner = buildIpv4({
    src: '10.0.0.5',
    dst: '203.0.113.9',
    proto: 17,
    ttl: 63,
    tos: 0,
    ipId: 777,
    df: false,
    sport: 5000,
    dport: 53,
    payload: Buffer.alloc(0),
  });
  const err = buildIpv4({
    src: '203.0.113.9',
    dst: '10.0.0.5',
    proto: 1,
    ttl: 64,
    tos: 0,
    ipId: 9,
    df: false,
    icmpType: 3,
    icmpCode: 3,
    payload: inner,
  });
  const h = decodeIpv4(err);
  assert.equal(h?.icmp_type, 3);
  assert.equal(h?.icmp_code, 3);
  assert.deepEqual(h?.icmp_inner, {
    src: '10.0.0.5',
    dst: '203.0.113.9',
    proto: 'udp',
    sport: 5000,
    dport: 53,
    id: 777,
  });
  assert.equal(sum16(err.subarray(20)), 0xffff, 'ICMP checksum');
  assert.equal(tcpFlagsString(tcpFlagsValue('fs')), 'FS');
  assert.throws(() => tcpFlagsValue('SX'), /unknown TCP flag X/);
});

const TRACE =
  'TRACE: filter:PORTS:return:3 IN=eth9 OUT= MAC=02:00:00:00:09:01:02:00:00:00:09:02:08:00 SRC=10.9.9.9 DST=10.9.9.1 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1234 PROTO=TCP SPT=1111 DPT=2222 SEQ=5 ACK=0 WINDOW=64240 RES=0x00 SYN URGP=0 MARK=0x5 ';

test('TRACE and LOG lines are read into header fields', () => {
  const t = parseTraceLine(TRACE);
  assert.deepEqual([t?.table, t?.chain, t?.label, t?.rulenum], ['filter', 'PORTS', 'return', 3]);
  const h = logFields(TRACE);
  assert.equal(h.in, 'eth9');
  assert.equal(h.out, undefined);
  assert.equal(h.flags, 'S');
  assert.equal(h.mark, '0x5');
  assert.equal(h.mac_src, '02:00:00:00:09:02');
  assert.equal(headerGroup(h), 'tcp|1234');
  assert.equal(renumberTraceLine(TRACE, 2).slice(0, 30), 'TRACE: filter:PORTS:return:2 I');
  const ping = logFields(
    'pfx: IN=eth9 OUT= SRC=10.9.9.9 DST=10.9.9.1 LEN=28 TOS=0x00 PREC=0x00 TTL=64 ID=77 PROTO=ICMP TYPE=8 CODE=0 ID=42 SEQ=7 ',
  );
  assert.deepEqual([ping.id, ping.icmp_id, ping.icmp_seq, ping.icmp_type], [77, 42, 7, 8]);
  assert.equal(parseTraceLine('pfx: IN=eth0 OUT='), null);
});

test('conntrack listings are parsed into tuples', () => {
  const [e, f] = parseConntrack(
    'tcp      6 117 SYN_SENT src=10.1.1.1 dst=10.2.2.2 sport=1000 dport=80 [UNREPLIED] src=10.2.2.2 dst=10.3.3.3 sport=80 dport=1000 mark=7 use=1\nicmp     1 29 src=10.1.1.1 dst=10.2.2.2 type=8 code=0 id=9 src=10.2.2.2 dst=10.1.1.1 type=0 code=0 id=9 mark=0 use=1\n',
  );
  assert.equal(e.state, 'SYN_SENT');
  assert.deepEqual(e.orig, { src: '10.1.1.1', dst: '10.2.2.2', sport: 1000, dport: 80 });
  assert.deepEqual(e.reply, { src: '10.2.2.2', dst: '10.3.3.3', sport: 80, dport: 1000 });
  assert.deepEqual(e.flags, ['UNREPLIED']);
  assert.equal(e.mark, 7);
  assert.equal(f.id, 9);
  assert.deepEqual(f.reply, { src: '10.2.2.2', dst: '10.1.1.1', type: 0, code: 0 });
});

const RULESET = [
  '*filter',
  ':INPUT DROP [0:0]',
  ':PORTS - [0:0]',
  '-A INPUT -j PORTS',
  '-A PORTS -p tcp --dport 22 -j ACCEPT',
  '-I PORTS 1 -p tcp --dport 23 -j DROP',
  '-A PORTS -j DROP',
  'COMMIT',
  '',
].join('\n');
const SAVE = [
  '*filter',
  ':INPUT DROP [0:0]',
  ':PORTS - [0:0]',
  '-A INPUT -j PORTS',
  '-A PORTS -p tcp -m tcp --dport 23 -j DROP',
  '-A PORTS -p tcp -m tcp --dport 22 -j ACCEPT',
  '-A PORTS -j DROP',
  'COMMIT',
  '',
].join('\n');

test('rules are numbered as loaded and mapped to their file lines', () => {
  const lines = fileRuleLines(RULESET);
  assert.deepEqual(lines.get('filter')?.get('PORTS'), [6, 5, 7]);
  const index = new RulesIndex(SAVE, RULESET);
  assert.deepEqual(index.rule('filter', 'PORTS', 2), {
    rule: '-A PORTS -p tcp -m tcp --dport 22 -j ACCEPT',
    target: 'ACCEPT',
    line: 5,
  });
  const users = new Set(['PORTS']);
  assert.equal(ruleVerdict('-A INPUT -j PORTS', users), 'JUMP:PORTS');
  assert.equal(ruleVerdict('-A INPUT -g PORTS', users), 'GOTO:PORTS');
  assert.equal(ruleVerdict('-A INPUT -p tcp -j REJECT --reject-with tcp-reset', users), 'DROP');
  assert.equal(ruleVerdict('-A PREROUTING -j DNAT --to-destination 10.0.0.1', users), 'ACCEPT');
  assert.equal(ruleVerdict('-A INPUT -j LOG --log-prefix "x "', users), 'CONTINUE');
  assert.equal(ruleVerdict('-A INPUT -s 10.0.0.0/8', users), 'CONTINUE');
});

test('legacy TRACE labels are resolved: a bare DROP labelled return is rule 3, return:4 is the implicit return', () => {
  const ctx: TraceContext = {
    index: new RulesIndex(SAVE, RULESET),
    rawByOracle: true,
    userChains: new Map([['filter', new Set(['PORTS'])]]),
    oracleHandles: new Set(),
    ifnames: new Map(),
  };
  const bare = stepFromTraceLine(ctx, TRACE);
  assert.deepEqual(
    [bare?.entry.kind, bare?.entry.rulenum, bare?.entry.verdict, bare?.entry.line],
    ['rule', 3, 'DROP', 7],
  );
  const implicit = stepFromTraceLine(ctx, TRACE.replace(':return:3', ':return:4'));
  assert.deepEqual(
    [implicit?.entry.kind, implicit?.entry.rulenum, implicit?.entry.verdict],
    ['return', null, 'RETURN'],
  );
  const policy = stepFromTraceLine(ctx, TRACE.replace('PORTS:return:3', 'INPUT:policy:2'));
  assert.deepEqual([policy?.entry.kind, policy?.entry.verdict], ['policy', 'DROP']);
  const raw = stepFromTraceLine(ctx, TRACE.replace('filter:PORTS:return:3', 'raw:PREROUTING:policy:2'));
  assert.equal(raw?.oracle, true, 'the raw table the oracle created is its own');
});

const PEER: PeerInfo = {
  iface: 'eth9',
  hostMac: '02:00:00:00:09:01',
  peerMac: '02:00:00:00:09:02',
  peerNs: 'x',
  peerDev: 'peer0',
  peerAddrs: [],
  addrs: [['10.9.9.1', 24]],
};

test('injected TCP packets follow their connection; replies are built from the egress frame', () => {
  const peers = new Map([['eth9', PEER]]);
  const tcp = new TcpState();
  const syn = buildInjection(
    { name: 'syn', in: 'eth9', src: '10.9.9.9', dst: '10.9.9.1', sport: 1111, dport: 22, flags: 'S' },
    0,
    peers,
    tcp,
  );
  assert.deepEqual(
    [syn.sent.seq, syn.sent.ack, syn.sent.auto, syn.sent.mac_dst],
    [1000001, 0, ['seq', 'ack'], '02:00:00:00:09:01'],
  );
  tcp.observe({
    src: '10.9.9.1',
    dst: '10.9.9.9',
    proto: 'tcp',
    sport: 22,
    dport: 1111,
    flags: 'SA',
    seq: 5555,
    payload_len: 0,
  });
  const ack = buildInjection(
    { name: 'ack', in: 'eth9', src: '10.9.9.9', dst: '10.9.9.1', sport: 1111, dport: 22, flags: 'A' },
    1,
    peers,
    tcp,
  );
  assert.deepEqual([ack.sent.seq, ack.sent.ack, ack.notes], [1000002, 5556, []]);
  const bcast = buildInjection(
    { name: 'b', in: 'eth9', src: '10.9.9.9', dst: '10.9.9.255', proto: 'udp', sport: 137, dport: 137 },
    2,
    peers,
    tcp,
  );
  assert.equal(bcast.sent.mac_dst, 'ff:ff:ff:ff:ff:ff');
  const mcast = buildInjection(
    { name: 'm', in: 'eth9', src: '10.9.9.9', dst: '224.0.0.251', proto: 'udp', sport: 5353, dport: 5353 },
    3,
    peers,
    tcp,
  );
  assert.equal(mcast.sent.mac_dst, '01:00:5e:00:00:fb');
  const reply = replySpec({ name: 'r', reply_to: 'ping', ttl: 50 }, [
    {
      iface: 'eth9',
      src: '10.9.9.1',
      dst: '8.8.8.8',
      proto: 'icmp',
      icmp_type: 8,
      icmp_code: 0,
      icmp_id: 7,
      icmp_seq: 3,
    },
  ]);
  assert.deepEqual(
    [reply.in, reply.src, reply.dst, reply.type, reply.id, reply.seq, reply.ttl],
    ['eth9', '8.8.8.8', '10.9.9.1', 0, 7, 3, 50],
  );
  assert.throws(() => replySpec({ name: 'r', reply_to: 'lost' }, []), /never left the host/);
  assert.throws(
    () => buildInjection({ name: 'x', in: 'eth7', src: '1.1.1.1', dst: '2.2.2.2', sport: 1, dport: 2 }, 0, peers, tcp),
    /unknown interface eth7/,
  );
});

test('malformed scenarios are reported, not run', () => {
  assert.deepEqual(validateScenario(null), ['scenario is not a JSON object']);
  const errs = validateScenario({
    host: { interfaces: [{ name: 'lo' }, { name: 'eth0' }, { name: 'eth0' }] },
    packets: [
      { name: 'a', in: 'eth0', src: '1.1.1.1' },
      { name: 'b', reply_to: 'zz' },
    ],
  });
  assert.ok(errs.some((e) => /lo is always present/.test(e)));
  assert.ok(errs.some((e) => /duplicate interface eth0/.test(e)));
  assert.ok(errs.some((e) => /src and dst are required/.test(e)));
  assert.ok(errs.some((e) => /reply_to zz is not an earlier packet/.test(e)));
  assert.ok(errs.some((e) => /ruleset/.test(e)));
});

test('results are compared on verdicts, egress and masked log text', () => {
  const line =
    'x: IN=eth0 OUT= MAC=02:00:00:00:00:01:02:00:00:00:00:02:08:00 SRC=1.1.1.1 DST=2.2.2.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=5 PROTO=TCP SPT=1 DPT=2 SEQ=9 ACK=0 WINDOW=64240 RES=0x00 SYN URGP=0 ';
  assert.equal(
    maskLogLine(line),
    maskLogLine(line.replace('ID=5', 'ID=6').replace('SEQ=9', 'SEQ=10').replace(':01:02', ':07:02')),
  );
  const pkt = (verdict: string, iface: string) => ({
    name: 'p',
    trace: [{ table: 'filter', chain: 'INPUT', kind: 'policy' as const, rulenum: null, verdict, rule: null }],
    egress: [{ iface, proto: 'tcp', src: '1.1.1.1', dst: '2.2.2.2', sport: 1, dport: 2 }],
    disposition: 'forwarded',
    log_lines: [line],
  });
  const opts = { tables: new Set(['filter']), nondeterministic: new Set<string>(), text: true };
  assert.deepEqual(diffResults({ packets: [pkt('ACCEPT', 'eth0')] }, { packets: [pkt('ACCEPT', 'eth0')] }, opts), []);
  const d = diffResults({ packets: [pkt('ACCEPT', 'eth0')] }, { packets: [pkt('DROP', 'eth1')] }, opts);
  assert.equal(d.length, 2);
  assert.match(d[0], /trace differs/);
  assert.match(d[1], /egress differs/);
  assert.deepEqual(
    diffResults(
      { packets: [pkt('ACCEPT', 'eth0')] },
      { packets: [pkt('DROP', 'eth1')] },
      { ...opts, nondeterministic: new Set(['p']) },
    ),
    [],
  );
});

test('IPv6: addresses parse and print compressed; built packets have valid checksums and decode back', () => {
  assert.equal(bytesToIp6(ip6ToBytes('2001:db8:0:0:1:0:0:1')), '2001:db8::1:0:0:1');
  assert.equal(bytesToIp6(ip6ToBytes('::ffff:192.0.2.1')), '::ffff:192.0.2.1');
  assert.equal(fullIp6('fd00:10::5'), 'fd00:0010:0000:0000:0000:0000:0000:0005');
  assert.equal(solicitedNode('2001:db8:10::1'), 'ff02::1:ff00:1');
  assert.throws(() => ip6ToBytes('1::2::3'), /not an IPv6 address/);
  const base = { ttl: 63, tos: 0, ipId: 0, df: false, flowLabel: 0x12345, payload: Buffer.alloc(3) };
  const tcp = buildIpv6({
    ...base,
    src: 'fd00:10::5',
    dst: '2001:db8:50::80',
    proto: 6,
    sport: 41000,
    dport: 443,
    flags: 2,
    seq: 7,
  });
  const pseudo = Buffer.concat([tcp.subarray(8, 40), Buffer.from([0, 0, 0, 23, 0, 0, 0, 6])]);
  assert.equal(sum16(tcp.subarray(40), sum16(pseudo)), 0xffff, 'TCP checksum over the IPv6 pseudo header');
  const h = decodeAnyFrame('lan0', ethernetFrame6('02:00:00:00:00:01', '02:00:00:00:00:02', tcp));
  assert.deepEqual(
    [h?.src, h?.dst, h?.proto, h?.sport, h?.dport, h?.flags, h?.len, h?.ttl, h?.id, h?.payload_len],
    ['fd00:10::5', '2001:db8:50::80', 'tcp', 41000, 443, 'S', 63, 63, 0x12345, 3],
  );
  const ns = buildIpv6({
    ...base,
    payload: Buffer.alloc(0),
    src: '2001:db8:10::7',
    dst: 'ff02::1:ff00:1',
    proto: 58,
    ttl: 255,
    icmpType: 135,
    ndTarget: '2001:db8:10::1',
    ndMac: '02:00:00:00:00:02',
  });
  assert.equal(ns.length, 72, 'header, NS with its target and source link-layer option');
  const n = decodeIpv6(ns);
  assert.deepEqual([n?.proto, n?.icmp_type, n?.nd_target], ['icmpv6', 135, '2001:db8:10::1']);
  const icmpPseudo = Buffer.concat([ns.subarray(8, 40), Buffer.from([0, 0, 0, 32, 0, 0, 0, 58])]);
  assert.equal(sum16(ns.subarray(40), sum16(icmpPseudo)), 0xffff, 'ICMPv6 checksum');
  assert.ok(isNdOrMld(n as Record<string, unknown>));
});

test('IPv6 TRACE/LOG lines: compressed addresses, hop limit, traffic class, the flow label as the packet id', () => {
  const line =
    'TRACE: filter:INPUT:rule:1 IN=lan0 OUT= MAC=02:00:00:00:00:01:02:00:00:00:00:02:86:dd SRC=2001:0db8:0010:0000:0000:0000:0000:0007 DST=2001:0db8:0010:0000:0000:0000:0000:0001 LEN=48 TC=16 HOPLIMIT=64 FLOWLBL=20750 PROTO=ICMPv6 TYPE=128 CODE=0 ID=5 SEQ=2 ';
  const h = logFields(line);
  assert.deepEqual(
    [h.src, h.dst, h.proto, h.len, h.tos, h.ttl, h.id, h.icmp_type, h.icmp_id, h.icmp_seq],
    ['2001:db8:10::7', '2001:db8:10::1', 'icmpv6', 48, 16, 64, 20750, 128, 5, 2],
  );
  // ICMPv6 messages are grouped by flow label and type (the kernel's own all carry flow label 0)
  assert.equal(headerGroup(h), 'icmpv6|20750|t128');
  assert.notEqual(headerGroup({ ...h, id: 0, icmp_type: 129 }), headerGroup({ ...h, id: 0, icmp_type: 1 }));
});
