/**
 * Argument grammars: for each `ArgTypeName`, values iptables accepts (taken from the man pages and
 * the corpus) parse to the documented value shapes, and values iptables 1.8.9 refuses (checked
 * against the real binary) give an error with iptables' wording and a stable code.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Family } from '../../server/src/service/model';
import { parseArg } from '../../server/src/service/registry/argtypes';
import { parseAddress, plainIPv4, readAddress } from '../../server/src/service/registry/argtypes-base';
import type { ArgSpec, ArgTypeName } from '../../server/src/service/registry/types';
import { mulberry32 } from '../helpers/rng';

const spec = (type: ArgTypeName, extra: Partial<ArgSpec> = {}): ArgSpec => ({ type, placeholder: 'x', ...extra });

function ok(type: ArgTypeName, text: string, value: unknown, extra: Partial<ArgSpec> = {}, family: Family = 4) {
  const r = parseArg(text, spec(type, extra), family);
  assert.equal(r.error, undefined, `${type} "${text}" should be accepted: ${r.error}`);
  assert.deepEqual(r.value, value, `${type} "${text}"`);
}

function bad(
  type: ArgTypeName,
  text: string,
  message: RegExp,
  code?: string,
  extra: Partial<ArgSpec> = {},
  family: Family = 4,
) {
  const r = parseArg(text, spec(type, extra), family);
  assert.ok(r.error, `${type} "${text}" should be refused`);
  assert.match(r.error, message);
  if (code) assert.equal(r.code, code);
}

test('port, port-range, port-list, port-spec', () => {
  ok('port', '22', 22);
  ok('port', '0x16', 22);
  ok('port', 'https', 443);
  bad('port', '99999', /invalid port\/service `99999' specified/, 'bad-port');
  bad('port', 'SSH', /invalid port\/service `SSH' specified/, 'bad-port');
  ok('port-range', '1024:65535', [1024, 65535]);
  ok('port-range', ':1023', [0, 1023]);
  ok('port-range', '6000:', [6000, 65535]);
  ok('port-range', 'ssh', [22, 22], { protocol: 'tcp' });
  bad('port-range', '30:20', /invalid portrange \(min > max\)/, 'bad-port');
  bad('port-range', '1-2', /invalid port\/service `1-2'/, 'bad-port');
  bad('port-range', '', /invalid port\/service `'/, 'bad-port');
  // bootps exists for udp only in /etc/services: the tcp match refuses it, others accept it
  bad('port-range', 'bootps', /invalid port\/service/, 'bad-port', { protocol: 'tcp' });
  ok('port-range', 'bootps', [67, 67]);
  ok('port-list', '22,80,443,8000:8080', [
    [22, 22],
    [80, 80],
    [443, 443],
    [8000, 8080],
  ]);
  ok('port-list', 'ssh,http', [
    [22, 22],
    [80, 80],
  ]);
  bad('port-list', '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16', /too many ports specified/, 'bad-port');
  bad('port-list', '1:2,3:4,5:6,7:8,9:10,11:12,13:14,15:16', /too many ports specified/, 'bad-port');
  ok('port-list', '1:2,3:4,5:6,7:8,9:10,11:12,13:14,15', [
    [1, 2],
    [3, 4],
    [5, 6],
    [7, 8],
    [9, 10],
    [11, 12],
    [13, 14],
    [15, 15],
  ]);
  bad('port-list', '5:1', /invalid portrange specified/, 'bad-port');
  ok('port-spec', '8080', [8080, 8080]);
  ok('port-spec', '1024-65535', [1024, 65535]);
  bad('port-spec', '80-70', /Port range `80-70' funky/, 'bad-port');
});

test('addresses, address lists, ranges, NAT ranges, prefix lengths', () => {
  ok('address', '192.168.1.0/24', { family: 4, addr: 0xc0a80100, mask: 0xffffff00, prefix: 24 });
  ok('address', '10.1.2.3/255.255.0.0', { family: 4, addr: 0x0a010000, mask: 0xffff0000, prefix: 16 });
  ok(
    'address',
    '2001:db8::/32',
    { family: 6, addr: 0x20010db8n << 96n, mask: ((1n << 32n) - 1n) << 96n, prefix: 32 },
    {},
    6,
  );
  bad('address', '1.2.3.300', /host\/network `1.2.3.300' not found/, 'bad-address');
  bad('address', '1.2.3.4', /not found/, 'bad-address', {}, 6);
  bad('address', '10.0.0.0/33', /invalid mask `33' specified/, 'bad-address');
  const h = parseArg('mail.example.org', spec('address'), 4);
  assert.equal(h.noteCode, 'hostname-address');
  assert.equal(parseArg('10.0.0.1,10.0.0.2', spec('address-list'), 4).error, undefined);
  ok('ip-range', '192.168.1.10-192.168.1.20', { family: 4, from: 0xc0a8010a, to: 0xc0a80114 });
  ok('ip-range', '::1-::2', { family: 6, from: 1n, to: 2n }, {}, 6);
  assert.equal(parseArg('1.1.1.5-1.1.1.1', spec('ip-range'), 4).noteCode, 'reversed-range');
  bad('ip-range', '1.1.1.1-1.1.1.256', /host\/network `1.1.1.256' not found/, 'bad-address');
  // iptables' numeric parser: short forms are zero-filled at the end, parts read with strtoul base 0
  ok('address', '0/0', { family: 4, addr: 0, mask: 0, prefix: 0 });
  ok('address', '10/8', { family: 4, addr: 0x0a000000, mask: 0xff000000, prefix: 8 });
  ok('address', '127.1', { family: 4, addr: 0x7f010000, mask: 0xffffffff, prefix: 32 });
  ok('address', '010.0.0.1', { family: 4, addr: 0x08000001, mask: 0xffffffff, prefix: 32 });
  bad('address', '1.2.3.4.5', /not found/, 'bad-address');
  ok('nat-range', '10.0.0.5', { family: 4, addrFrom: 0x0a000005, addrTo: 0x0a000005 });
  ok('nat-range', '10.0.0.5:8080', {
    family: 4,
    addrFrom: 0x0a000005,
    addrTo: 0x0a000005,
    portFrom: 8080,
    portTo: 8080,
  });
  ok('nat-range', '10.0.0.5-10.0.0.9:1000-2000', {
    family: 4,
    addrFrom: 0x0a000005,
    addrTo: 0x0a000009,
    portFrom: 1000,
    portTo: 2000,
  });
  ok(
    'nat-range',
    '[2001:db8::1]:443',
    { family: 6, addrFrom: (0x20010db8n << 96n) | 1n, addrTo: (0x20010db8n << 96n) | 1n, portFrom: 443, portTo: 443 },
    {},
    6,
  );
  ok('nat-range', 'fd00::1', { family: 6, addrFrom: (0xfd00n << 112n) | 1n, addrTo: (0xfd00n << 112n) | 1n }, {}, 6);
  bad('nat-range', '1.2.3.4:80-70', /Port range `80-70' funky/, 'bad-port');
  bad('nat-range', 'gateway:80', /host\/network `gateway' not found/, 'bad-address');
  ok('netmask-len', '24', 24);
  ok('netmask-len', '64', 64, {}, 6);
  bad('netmask-len', '33', /invalid prefix length "33" \(expected 0-32\)/, 'bad-address');
});

test('mac, iface, protocol, chain', () => {
  ok('mac', '00:0C:29:AB:cd:EF', '00:0c:29:ab:cd:ef');
  ok('mac', '0:1:2:3:4:5', '00:01:02:03:04:05');
  bad('mac', '00:11:22:33:44:GG', /Invalid MAC address `00:11:22:33:44:GG' specified/, 'bad-mac');
  bad('mac', 'XX:XX:XX:XX:XX:XX', /Invalid MAC address/, 'bad-mac');
  ok('iface', 'eth0', { name: 'eth0', wildcard: false });
  ok('iface', 'veth+', { name: 'veth', wildcard: true });
  bad('iface', 'averyveryverylongname', /shorter than 16/, 'bad-interface');
  ok('protocol', 'tcp', 6);
  ok('protocol', 'ipv6-icmp', 58);
  ok('protocol', '47', 47);
  bad('protocol', 'ipv4', /unknown protocol "ipv4" specified/, 'bad-protocol');
  ok('chain', 'DOCKER-USER', 'DOCKER-USER');
  bad('chain', 'A'.repeat(29), /longer than 28/, 'bad-chain-name');
});

test('icmp-type and icmpv6-type', () => {
  ok('icmp-type', 'echo-request', { type: 8, codeMin: 0, codeMax: 255 });
  ok('icmp-type', 'ping', { type: 8, codeMin: 0, codeMax: 255 });
  ok('icmp-type', 'echo-req', { type: 8, codeMin: 0, codeMax: 255 });
  ok('icmp-type', 'FRAGMENTATION-NEEDED', { type: 3, codeMin: 4, codeMax: 4 });
  ok('icmp-type', 'any', { type: 255, codeMin: 0, codeMax: 255 });
  ok('icmp-type', '3/4', { type: 3, codeMin: 4, codeMax: 4 });
  ok('icmp-type', '11', { type: 11, codeMin: 0, codeMax: 255 });
  bad('icmp-type', 'host', /Ambiguous ICMP type `host': `host-unreachable' or `host-unknown'\?/, 'bad-icmp-type');
  bad('icmp-type', '300', /Unknown ICMP type `300'/, 'bad-icmp-type');
  bad('icmp-type', 'pingpong', /Invalid ICMP type `pingpong'/, 'bad-icmp-type');
  ok('icmpv6-type', 'neighbor-solicitation', { type: 135, codeMin: 0, codeMax: 255 });
  ok('icmpv6-type', 'neighbour-advertisement', { type: 136, codeMin: 0, codeMax: 255 });
  ok('icmpv6-type', '135/0', { type: 135, codeMin: 0, codeMax: 0 });
  ok('icmpv6-type', 'packet-too-big', { type: 2, codeMin: 0, codeMax: 255 });
  bad('icmpv6-type', 'source-quench', /Invalid ICMPv6 type `source-quench'/, 'bad-icmp-type');
});

test('numbers: uint, uint-range, length-range, ttl, mark, float, size', () => {
  ok('uint', '0x10', 16);
  ok('uint', '5', 5, { min: 1, max: 10000 });
  bad('uint', '0', /expected 1-10000/, undefined, { min: 1, max: 10000 });
  bad('uint', '-1', /invalid value/);
  ok('uint-range', '10:20', [10, 20]);
  ok('length-range', '0:64', [0, 64]);
  bad('length-range', '70000', /invalid length/);
  ok('ttl', '64', 64);
  bad('ttl', '256', /invalid TTL value/);
  ok('mark', '0x1/0xff', { value: 1, mask: 0xff });
  ok('mark', '4294967295', { value: 0xffffffff, mask: 0xffffffff });
  bad('mark', '4294967296', /Bad mark value/);
  ok('float', '0.25', 0.25);
  bad('float', '1.5', /out of range \(0-1\)/);
  ok('size', '1000', 1000);
  ok('size', '64kb', 65536);
  bad('size', '12parsecs', /invalid size/);
});

test('flags and states', () => {
  ok('tcp-flags', 'SYN,RST,ACK,FIN', 0x17);
  ok('tcp-flags', 'syn,ack', 0x12);
  ok('tcp-flags', 'ALL', 0x3f);
  ok('tcp-flags', 'NONE', 0);
  bad('tcp-flags', 'SYN,FOO', /Unknown TCP flag `FOO'/, 'bad-tcp-flags');
  ok('ctstate-list', 'new,Established,DNAT', ['NEW', 'ESTABLISHED', 'DNAT']);
  bad('ctstate-list', 'FOO', /Bad ctstate "FOO"/, 'bad-state');
  ok('state-list', 'RELATED,ESTABLISHED', ['RELATED', 'ESTABLISHED']);
  bad('state-list', 'SNAT', /Bad state "SNAT"/, 'bad-state');
  ok('ctstatus-list', 'assured,SEEN_REPLY', ['ASSURED', 'SEEN_REPLY']);
  bad('ctstatus-list', 'ESTABLISHED', /Bad ctstatus/, 'bad-state');
  ok('ctdir', 'reply', 'REPLY');
  bad('ctdir', 'both', /ctdir/, 'bad-state');
  ok('set-flags', 'src,dst', ['src', 'dst']);
  bad('set-flags', 'source', /'src' or 'dst'/, 'bad-set-flags');
  bad('set-flags', 'src,src,src,src,src,src,src', /more src\/dst options than 6/, 'bad-set-flags');
});

test('rates', () => {
  ok('rate', '3/hour', { count: 3, unit: 'hour', perSecond: 3 / 3600, bytes: false });
  ok('rate', '5/m', { count: 5, unit: 'minute', perSecond: 5 / 60, bytes: false });
  ok('rate', '25/SEC', { count: 25, unit: 'second', perSecond: 25, bytes: false });
  ok('rate', '10', { count: 10, unit: 'second', perSecond: 10, bytes: false });
  bad('rate', '0/s', /bad rate "0\/s"/, 'bad-rate');
  bad('rate', '5/fortnight', /bad rate "5\/fortnight"/, 'bad-rate');
  bad('rate', '100000/s', /Rate too fast "100000\/s"/, 'bad-rate');
  bad('rate', '512kb/s', /bad rate/, 'bad-rate');
  ok('rate', '512kb/s', { count: 524288, unit: 'second', perSecond: 524288, bytes: true }, { values: ['bytes'] });
});

test('times and dates', () => {
  ok('time', '06:59', 6 * 3600 + 59 * 60);
  ok('time', '9:5', 9 * 3600 + 5 * 60);
  ok('time', '23:59:59', 86399);
  bad('time', '25:00', /invalid time "25:00" specified, should be hh:mm\[:ss\] format/, 'bad-time');
  bad('time', '10:00:00:00', /invalid time/, 'bad-time');
  ok('datetime', '2024-03-01T12:30', Date.UTC(2024, 2, 1, 12, 30) / 1000);
  ok('datetime', '2038', Date.UTC(2038, 0, 1) / 1000);
  bad('datetime', '1969', /Invalid date "1969" specified/, 'bad-time');
  bad('datetime', '2020-13', /Invalid date "2020-13"/, 'bad-time');
  ok('weekdays', 'Mon,Tue,7', [1, 2, 7]);
  ok('weekdays', 'Tuesday', [2]);
  bad('weekdays', 'mon', /mon is not a valid day specifier/, 'bad-time');
  ok('monthdays', '1,15,31', [1, 15, 31]);
  bad('monthdays', '32', /32 is not a valid day for --monthdays/, 'bad-time');
});

test('TOS, DSCP, log levels, enums', () => {
  ok('tos', 'Minimize-Delay', { value: 0x10, mask: 0x3f });
  ok('tos', '0x10/0x3f', { value: 0x10, mask: 0x3f });
  ok('tos', '8', { value: 8, mask: 0xff });
  bad('tos', '0x1ff', /Symbolic name "0x1ff" is unknown/, 'bad-tos');
  ok('dscp', '0x2e', 46);
  bad('dscp', '64', /out of range/, 'bad-dscp');
  ok('dscp-class', 'ef', 46);
  ok('dscp-class', 'AF41', 34);
  ok('dscp-class', 'CS6', 48);
  bad('dscp-class', 'af44', /Invalid DSCP value `af44'/, 'bad-dscp');
  ok('log-level', 'info', 6);
  ok('log-level', '4', 4);
  ok('log-level', 'panic', 0);
  bad('log-level', 'warn', /log level "warn" unknown/, 'bad-log-level');
  bad('log-level', '8', /log level "8" unknown/, 'bad-log-level');
  bad('log-level', 'Info', /log level "Info" unknown/, 'bad-log-level');
  ok('enum', 'bm', 'bm', { values: ['bm', 'kmp'] });
  bad('enum', 'BM', /expected one of bm, kmp/, undefined, { values: ['bm', 'kmp'] });
  ok('enum', 'Broadcast', 'broadcast', { values: ['unicast', 'broadcast'], caseInsensitive: true });
  ok('enum-list', 'srcip,dstport', ['srcip', 'dstport'], { values: ['srcip', 'srcport', 'dstip', 'dstport'] });
  bad('enum-list', 'srcip,proto', /invalid value "proto"/, undefined, { values: ['srcip', 'dstip'] });
});

test('strings, hex strings, owners, cgroup paths', () => {
  ok('string', 'allow ssh', 'allow ssh');
  bad('string', 'x'.repeat(32), /longer than 31/, undefined, { max: 31 });
  const cut = parseArg('A'.repeat(40), spec('string', { truncate: 29 }), 4);
  assert.equal(cut.error, undefined);
  assert.equal(cut.noteCode, 'truncated-argument');
  assert.equal(cut.value, 'A'.repeat(29));
  ok('hex-string', '|0d0a|', '\r\n');
  ok('hex-string', 'a|41 42|b', 'aABb');
  bad('hex-string', '|0d0|', /Invalid hex block/, 'bad-hex-string');
  bad('hex-string', '|zz|', /Invalid hex block/, 'bad-hex-string');
  ok('user', '0-5', { min: 0, max: 5 });
  ok('user', '1000', { min: 1000, max: 1000 });
  const named = parseArg('debian-tor', spec('user'), 4);
  assert.deepEqual(named.value, { name: 'debian-tor' });
  assert.equal(named.noteCode, 'account-name');
  bad('group', '4294967295', /owner: Bad value for "--gid-owner" option: "4294967295"/, 'bad-owner');
  bad('user', '5-1', /Bad value/, 'bad-owner');
  ok('cgroup-path', 'system.slice/sshd.service', 'system.slice/sshd.service');
  bad('cgroup-path', '', /invalid cgroup path/);
});

test('the plain IPv4 shortcut reads exactly what the general address parser reads', () => {
  // Edge cases of the shortcut's grammar, then random texts over the characters it looks at.
  const texts = [
    '10.96.12.64/32',
    '0.0.0.0/0',
    '255.255.255.255',
    '1.2.3.4/33',
    '1.2.3.4/',
    '1.2.3.4/024',
    '1.2.3.4/00',
    '01.2.3.4',
    '1.2.3.04',
    '0x0a.0.0.1',
    '256.1.1.1',
    '1.2.3',
    '1.2.3.4.5',
    '1..3.4',
    '.1.2.3',
    '1.2.3.',
    '10/8',
    '0/0',
    '1.2.3.4/255.255.0.0',
    '1.2.3.4/8/8',
    'host.example',
    '',
  ];
  const rnd = mulberry32(7);
  const pick = (n: number) => Math.floor(rnd() * n);
  const num = (max: number) => (pick(8) === 0 ? '0' : '') + String(pick(max));
  for (let i = 0; i < 20000; i++) {
    // Mostly address-like: 3 to 5 parts, a prefix length or not, now and then a stray character.
    const parts = Array.from({ length: 3 + pick(3) - (pick(4) === 0 ? 1 : 0) }, () => num(300));
    let t = parts.slice(0, Math.max(1, parts.length)).join('.');
    if (pick(2) === 0) t += `/${pick(6) === 0 ? '' : num(40)}`;
    if (pick(6) === 0) {
      const at = pick(t.length + 1);
      t = t.slice(0, at) + '0./x:'[pick(5)] + t.slice(at);
    }
    texts.push(t);
  }
  let plain = 0;
  for (const t of texts) {
    const fast = plainIPv4(t);
    const general = readAddress(t, 4);
    if (fast !== undefined) {
      plain++;
      assert.equal(general.error, undefined, `"${t}": the shortcut accepted what the general parser refuses`);
      assert.deepEqual(fast, general.value, `"${t}"`);
    }
    assert.deepEqual(parseAddress(t, 4), fast !== undefined ? { value: fast } : general, `"${t}"`);
  }
  // The shortcut took the plain forms (and the random texts exercised it, not only the fallback).
  assert.ok(plainIPv4('10.96.12.64/32') && plainIPv4('255.255.255.255'));
  assert.ok(plain > 1000 && plain < texts.length - 1000, `${plain} of ${texts.length} texts took the shortcut`);
});
