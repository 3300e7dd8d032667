// Simulator inputs and outputs: LOG line parsing (real and malformed lines), the CLI packet
// syntax, the comparison helper, the `iptables-sim simulate` command, inferHost, and the
// per-packet cost on a large generated ruleset.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { run } from '../../server/src/cli/simulate';
import { parseDocument } from '../../server/src/service/document';
import { inferHost, parseLogLine, parsePacketSyntax, simulate } from '../../server/src/service/simulator/index';
import { comparePacket, maskLogLine } from '../helpers/compare';
import { SCENARIOS, SHARED } from '../helpers/paths';

test('parseLogLine reads a syslog LOG line into a packet', () => {
  const r = parseLogLine(
    'Jun  8 14:34:33 h kernel: [50028442.088484] [UFW BLOCK] IN=enp1s0 OUT= MAC=00:08:a2:0c:1f:12:00:c8:8b:e2:d6:87:08:00 SRC=195.54.160.107 DST=51.15.166.67 LEN=40 TOS=0x00 PREC=0x00 TTL=245 ID=37308 PROTO=TCP SPT=8080 DPT=8123 WINDOW=1024 RES=0x00 SYN URGP=0',
  );
  assert.equal(r.prefix, '[UFW BLOCK]');
  assert.deepEqual(
    {
      in: r.packet.in,
      src: r.packet.src,
      dst: r.packet.dst,
      sport: r.packet.sport,
      dport: r.packet.dport,
      flags: r.packet.flags,
      ttl: r.packet.ttl,
    },
    { in: 'enp1s0', src: '195.54.160.107', dst: '51.15.166.67', sport: 8080, dport: 8123, flags: 'S', ttl: 245 },
  );
});

test('parseLogLine reads TRACE lines and rejects malformed lines clearly', () => {
  const t = parseLogLine(
    'TRACE: nat:PREROUTING:policy:3 IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8 LEN=28 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=ICMP TYPE=8 CODE=0 ID=42 SEQ=7 ',
  );
  assert.deepEqual(t.trace, { table: 'nat', chain: 'PREROUTING', kind: 'policy', rulenum: 3 });
  assert.equal(t.packet.id, 42);
  assert.throws(() => parseLogLine('XX=eth0 OUT= SRC=1.2.3.4'), /no "IN=" field/);
  assert.throws(() => parseLogLine('IN=eth0 OUT= SRC=1.2.3.4 PROTO=TCP'), /no DST= field/);
  assert.throws(() => parseLogLine('IN=eth0 OUT= SRC=1.2.3 DST=5.6.7.8 PROTO=UDP SPT=1 DPT=2'), /not an IPv4 address/);
  assert.throws(() => parseLogLine('IN=eth0 OUT= SRC=1.2.3.4 DST=5.6.7.8 PROTO=TCP'), /without SPT=/);
});

test('every line of the shared kernel logs parses or fails with a message, never a crash', () => {
  let ok = 0;
  let bad = 0;
  for (const f of ['crowdsec-iptables-logs.log', 'psad-ack-scan.log', 'diploma-gateway-forward.log']) {
    let text = '';
    try {
      text = readFileSync(join(SHARED, 'corpus', 'logs', f), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').filter((l) => l.includes('SRC='))) {
      try {
        parseLogLine(line);
        ok++;
      } catch (e) {
        assert.ok((e as Error).message.length > 5);
        bad++;
      }
    }
  }
  assert.ok(ok > 0 || bad === 0);
});

test('CLI packet syntax', () => {
  assert.deepEqual(parsePacketSyntax('tcp 192.168.122.17:42954 > 10.44.32.217:3128 in virbr0 flags S'), {
    proto: 'tcp',
    src: '192.168.122.17',
    sport: 42954,
    dst: '10.44.32.217',
    dport: 3128,
    in: 'virbr0',
    flags: 'S',
  });
  assert.throws(() => parsePacketSyntax('tcp 1.2.3.4 10.0.0.1'), /expected "PROTO SRC/);
  assert.throws(() => parsePacketSyntax('tcp 1.2.3.4:1 > 10.0.0.1:2 colour red'), /unknown word "colour"/);
});

test('compare.ts finds differences and masks the run-dependent fields', () => {
  const k = {
    name: 'p',
    disposition: 'forwarded',
    trace: [{ table: 'filter', chain: 'FORWARD', kind: 'rule', rulenum: 2, verdict: 'ACCEPT' }],
    egress: [],
  };
  assert.deepEqual(comparePacket(k, k, { tables: ['filter'], backend: 'nft' }), []);
  const s = { ...k, trace: [{ ...k.trace[0], rulenum: 3 }] };
  assert.equal(comparePacket(s, k, { tables: ['filter'], backend: 'nft' }).length, 1);
  assert.deepEqual(
    comparePacket({ ...s, disposition: 'forwarded' }, k, {
      tables: ['filter'],
      backend: 'nft',
      nondeterministic: ['p'],
    }),
    [],
  );
  assert.equal(
    maskLogLine(
      'x: IN=a OUT= MAC=01:02 SRC=1.1.1.1 DST=2.2.2.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=99 DF PROTO=TCP SPT=1 DPT=2 SEQ=5 ACK=6 WINDOW=7 RES=0x00 SYN URGP=0 OPT (020405B4) ',
    ),
    'x: IN=a OUT= MAC=* SRC=1.1.1.1 DST=2.2.2.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=* DF PROTO=TCP SPT=1 DPT=2 SEQ=* ACK=* WINDOW=* RES=0x00 SYN URGP=0 OPT (*)',
  );
});

test('iptables-sim simulate --scenario prints the recorded-results shape', async () => {
  let out = '';
  const code = await run(['--scenario', join(SCENARIOS, 'libvirt.json'), '--json', '--backend', 'legacy'], {
    stdout: (s) => (out += s),
    stderr: () => {},
  });
  assert.equal(code, 0);
  const r = JSON.parse(out);
  assert.equal(r.backend, 'legacy');
  assert.equal(r.packets[0].disposition, 'forwarded');
  assert.equal(r.packets[0].egress[0].src, '192.168.0.9');
});

test('iptables-sim simulate with --packet and --host, and clear errors', async () => {
  const files: Record<string, string> = {
    'r.rules': '*filter\n:INPUT DROP\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n',
    'h.json': JSON.stringify({ interfaces: [{ name: 'eth0', addr: '10.0.0.1/24' }], listen: ['tcp:22'] }),
  };
  const io = (o: { out: string; err: string }) => ({
    stdout: (s: string) => (o.out += s),
    stderr: (s: string) => (o.err += s),
    readFile: (p: string) => {
      if (!(p in files)) throw new Error('no such file');
      return files[p];
    },
  });
  const o = { out: '', err: '' };
  assert.equal(
    await run(['r.rules', '--host', 'h.json', '--packet', 'tcp 10.0.0.9:5000 > 10.0.0.1:22 in eth0 flags S'], io(o)),
    0,
  );
  assert.match(o.out, /backend: nft/);
  assert.match(o.out, /filter:INPUT rule 1 \(line 3\) -> ACCEPT/);
  assert.match(o.out, /DELIVERED-LOCAL/);
  const e = { out: '', err: '' };
  assert.equal(await run(['r.rules', '--host', 'missing.json', '--packet', 'tcp 1.1.1.1:1 > 2.2.2.2:2'], io(e)), 2);
  assert.match(e.err, /cannot read host missing\.json/);
  const u = { out: '', err: '' };
  assert.equal(await run(['--bogus'], io(u)), 2);
  assert.match(u.err, /unknown option --bogus/);
});

test('inferHost builds interfaces and a default route from the ruleset', () => {
  const doc = parseDocument(
    '*nat\n:POSTROUTING ACCEPT\n-A POSTROUTING -s 192.168.122.0/24 -o eth0 -j MASQUERADE\nCOMMIT\n*filter\n:FORWARD ACCEPT\n-A FORWARD -i virbr0 -s 192.168.122.0/24 -j ACCEPT\nCOMMIT\n',
  );
  const { host, notes } = inferHost(doc);
  assert.deepEqual(host.interfaces?.map((i) => i.name).sort(), ['eth0', 'virbr0']);
  assert.equal(host.interfaces?.find((i) => i.name === 'virbr0')?.addr, '192.168.122.1/24');
  assert.equal(host.forwarding, true);
  assert.ok(notes.length > 0);
});

test('performance: one packet through a 20k-rule chain set after compiling once', () => {
  const lines = ['*nat', ':PREROUTING ACCEPT', ':KUBE-SERVICES - [0:0]', '-A PREROUTING -j KUBE-SERVICES'];
  for (let i = 0; i < 20000; i++)
    lines.push(
      `-A KUBE-SERVICES -d 10.96.${(i >> 8) & 255}.${i & 255}/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.244.1.${(i % 250) + 1}:8080`,
    );
  lines.push('COMMIT');
  const doc = parseDocument(lines.join('\n'));
  const host = {
    interfaces: [{ name: 'eth0', addr: '10.240.0.4/24' }],
    routes: ['default via 10.240.0.1 dev eth0'],
    forwarding: true,
  };
  const pkt = {
    name: 'p',
    in: 'eth0',
    src: '10.240.0.9',
    dst: '10.96.78.31',
    proto: 'tcp',
    sport: 5000,
    dport: 80,
    flags: 'S',
  };
  simulate({ doc, host, packets: [pkt], explain: false });
  let ms = Number.POSITIVE_INFINITY;
  let r = simulate({ doc, host, packets: [pkt], explain: false });
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    r = simulate({ doc, host, packets: [pkt], explain: false });
    ms = Math.min(ms, performance.now() - t0);
  }
  assert.equal(r.packets[0].disposition, 'forwarded');
  assert.ok(ms < 20, `took ${ms.toFixed(1)} ms`);
});
