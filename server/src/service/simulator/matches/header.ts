/**
 * Matches on packet headers and addresses: tcp, udp, icmp, multiport, iprange, addrtype, length,
 * ttl, tos, dscp, ecn, mac, pkttype, comment, policy, rpfilter.
 */
import { type Addr, parseAddr } from '../addr';
import { all, type MatchCompiler, type MatchFn, neg } from '../context';
import { addrType, routeLookup } from '../host';
import { argText, find, nameList, numOf, type Opt, portList, rangeOf } from '../options';
import { type Pkt, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, parseIcmp6Type, parseIcmpType } from '../packet';

const TCP_FLAG_BITS: Record<string, number> = {
  FIN: 1,
  SYN: 2,
  RST: 4,
  PSH: 8,
  ACK: 16,
  URG: 32,
  ECE: 64,
  CWR: 128,
  ALL: 255,
  NONE: 0,
};

function flagMask(text: string): number {
  let m = 0;
  for (const n of text.split(',')) {
    const b = TCP_FLAG_BITS[n.trim().toUpperCase()];
    if (b === undefined) throw new Error(`unknown TCP flag "${n}"`);
    m |= b;
  }
  return m;
}

function portTest(o: Opt, get: (p: Pkt) => number): MatchFn {
  const [lo, hi] = rangeOf(o);
  return neg(o, (c) => {
    const v = get(c.pkt);
    return v >= lo && v <= hi;
  });
}

function l4ports(proto: number): MatchCompiler {
  return (opts) => {
    const tests: MatchFn[] = [(c) => c.pkt.proto === proto];
    for (const o of opts) {
      if (o.name === 'sport') tests.push(portTest(o, (p) => p.sport));
      else if (o.name === 'dport') tests.push(portTest(o, (p) => p.dport));
      else if (o.name === 'tcp-flags' && proto === PROTO_TCP) {
        const mask = flagMask(o.args[0] ?? '');
        const comp = flagMask(o.args[1] ?? '');
        tests.push(neg(o, (c) => (c.pkt.flags & mask) === comp));
      } else if (o.name === 'syn' && proto === PROTO_TCP) {
        tests.push(neg(o, (c) => (c.pkt.flags & 0x17) === 2));
      } else if (o.name === 'tcp-option' && proto === PROTO_TCP) {
        const kind = numOf(o);
        const hex = kind.toString(16).toUpperCase().padStart(2, '0');
        tests.push(neg(o, (c) => hasTcpOption(c.pkt.tcpOpts, hex)));
      } else throw new Error(`unknown option --${o.name}`);
    }
    return all(tests);
  };
}

function hasTcpOption(opts: string, kindHex: string): boolean {
  for (let i = 0; i + 2 <= opts.length; ) {
    const k = opts.slice(i, i + 2);
    if (k === kindHex) return true;
    if (k === '00') return false;
    if (k === '01') {
      i += 2;
      continue;
    }
    const len = Number.parseInt(opts.slice(i + 2, i + 4), 16);
    if (!(len >= 2)) return false;
    i += len * 2;
  }
  return false;
}

const icmp: MatchCompiler = (opts) => {
  const tests: MatchFn[] = [(c) => c.pkt.proto === PROTO_ICMP];
  for (const o of opts) {
    if (o.name !== 'icmp-type') throw new Error(`unknown option --${o.name}`);
    const t = argText(o);
    if (t === 'any') continue;
    const [type, code] = parseIcmpType(t);
    tests.push(neg(o, (c) => c.pkt.icmpType === type && (code === undefined || c.pkt.icmpCode === code)));
  }
  return all(tests);
};

const icmp6: MatchCompiler = (opts) => {
  const tests: MatchFn[] = [(c) => c.pkt.proto === PROTO_ICMPV6];
  for (const o of opts) {
    if (o.name !== 'icmpv6-type') throw new Error(`unknown option --${o.name}`);
    const [type, code] = parseIcmp6Type(argText(o));
    tests.push(neg(o, (c) => c.pkt.icmpType === type && (code === undefined || c.pkt.icmpCode === code)));
  }
  return all(tests);
};

const multiport: MatchCompiler = (opts) => {
  const tests: MatchFn[] = [
    (c) =>
      c.pkt.proto === PROTO_TCP ||
      c.pkt.proto === PROTO_UDP ||
      c.pkt.proto === 132 ||
      c.pkt.proto === 33 ||
      c.pkt.proto === 136,
  ];
  for (const o of opts) {
    const list = portList(o);
    const inList = (v: number) => {
      for (const [lo, hi] of list) if (v >= lo && v <= hi) return true;
      return false;
    };
    if (o.name === 'sports' || o.name === 'source-ports') tests.push(neg(o, (c) => inList(c.pkt.sport)));
    else if (o.name === 'dports' || o.name === 'destination-ports') tests.push(neg(o, (c) => inList(c.pkt.dport)));
    else if (o.name === 'ports') tests.push(neg(o, (c) => inList(c.pkt.sport) || inList(c.pkt.dport)));
    else throw new Error(`unknown option --${o.name}`);
  }
  return all(tests);
};

function ipRange(text: string): [Addr, Addr] {
  const [a, b] = text.split('-');
  const lo = parseAddr(a);
  const hi = b === undefined ? lo : parseAddr(b);
  if (lo === undefined || hi === undefined) throw new Error(`invalid address range "${text}"`);
  return [lo, hi];
}

const iprange: MatchCompiler = (opts) => {
  const tests: MatchFn[] = [];
  for (const o of opts) {
    const [lo, hi] = ipRange(argText(o));
    if (o.name === 'src-range') tests.push(neg(o, (c) => c.pkt.src >= lo && c.pkt.src <= hi));
    else if (o.name === 'dst-range') tests.push(neg(o, (c) => c.pkt.dst >= lo && c.pkt.dst <= hi));
    else throw new Error(`unknown option --${o.name}`);
  }
  return all(tests);
};

const addrtype: MatchCompiler = (opts) => {
  const limitIn = find(opts, 'limit-iface-in') !== undefined;
  const limitOut = find(opts, 'limit-iface-out') !== undefined;
  const tests: MatchFn[] = [];
  for (const o of opts) {
    if (o.name === 'limit-iface-in' || o.name === 'limit-iface-out') continue;
    const types = new Set(nameList(o));
    const dev = (c: Parameters<MatchFn>[0]) =>
      limitIn ? (c.pkt.in ?? undefined) : limitOut ? (c.pkt.out ?? undefined) : undefined;
    if (o.name === 'src-type') tests.push(neg(o, (c) => types.has(addrType(c.host, c.pkt.src, dev(c)))));
    else if (o.name === 'dst-type') tests.push(neg(o, (c) => types.has(addrType(c.host, c.pkt.dst, dev(c)))));
    else throw new Error(`unknown option --${o.name}`);
  }
  return all(tests);
};

function rangeMatch(get: (p: Pkt) => number, name: string, max: number): MatchCompiler {
  return (opts) => {
    const tests: MatchFn[] = [];
    for (const o of opts) {
      if (o.name !== name) throw new Error(`unknown option --${o.name}`);
      const [lo, hi] = rangeOf(o, max);
      tests.push(neg(o, (c) => get(c.pkt) >= lo && get(c.pkt) <= hi));
    }
    return all(tests);
  };
}

const ttl: MatchCompiler = (opts) => {
  const tests: MatchFn[] = [];
  for (const o of opts) {
    const v = numOf(o);
    if (o.name === 'ttl-eq') tests.push(neg(o, (c) => c.pkt.ttl === v));
    else if (o.name === 'ttl-lt') tests.push((c) => c.pkt.ttl < v);
    else if (o.name === 'ttl-gt') tests.push((c) => c.pkt.ttl > v);
    else throw new Error(`unknown option --${o.name}`);
  }
  return all(tests);
};

const TOS_NAMES: Record<string, number> = {
  'minimize-delay': 0x10,
  'maximize-throughput': 0x08,
  'maximize-reliability': 0x04,
  'minimize-cost': 0x02,
  'normal-service': 0,
};

const tos: MatchCompiler = (opts) => {
  const tests: MatchFn[] = [];
  for (const o of opts) {
    const t = argText(o);
    const named = TOS_NAMES[t.toLowerCase()];
    let value: number;
    let mask = 0x3f;
    if (named !== undefined) value = named;
    else {
      const [a, b] = t.split('/');
      value = Number(a);
      mask = b === undefined ? 0xff : Number(b);
    }
    tests.push(neg(o, (c) => (c.pkt.tos & mask) === (value & mask)));
  }
  return all(tests);
};

const DSCP_CLASSES: Record<string, number> = { EF: 46, BE: 0 };
for (let i = 0; i < 8; i++) DSCP_CLASSES[`CS${i}`] = i << 3;
for (let a = 1; a <= 4; a++) for (let d = 1; d <= 3; d++) DSCP_CLASSES[`AF${a}${d}`] = (a << 3) | (d << 1);

const dscp: MatchCompiler = (opts) => {
  const tests: MatchFn[] = [];
  for (const o of opts) {
    const v = o.name === 'dscp-class' ? DSCP_CLASSES[argText(o).toUpperCase()] : numOf(o);
    if (v === undefined) throw new Error(`unknown DSCP class "${argText(o)}"`);
    tests.push(neg(o, (c) => c.pkt.tos >> 2 === v));
  }
  return all(tests);
};

const mac: MatchCompiler = (opts) => {
  const tests: MatchFn[] = [];
  for (const o of opts) {
    const m = argText(o).toLowerCase();
    tests.push(neg(o, (c) => c.pkt.in !== null && c.pkt.macSrc.toLowerCase() === m));
  }
  return all(tests);
};

const pkttype: MatchCompiler = (opts) => {
  const tests: MatchFn[] = [];
  for (const o of opts) {
    const want = argText(o).toLowerCase();
    tests.push(
      neg(o, (c) => {
        const t = addrType(c.host, c.pkt.dst);
        const kind =
          t === 'BROADCAST' ? 'broadcast' : t === 'MULTICAST' ? 'multicast' : c.pkt.in === null ? 'host' : 'unicast';
        return kind === want || (want === 'unicast' && kind === 'host');
      }),
    );
  }
  return all(tests);
};

const policy: MatchCompiler = (opts) => {
  const pol = find(opts, 'pol');
  const none = pol === undefined || argText(pol) === 'none';
  // Nothing in the simulation is IPsec-protected: `--pol none` matches, `--pol ipsec` does not.
  return () => none;
};

const rpfilter: MatchCompiler = (opts) => {
  const invert = find(opts, 'invert') !== undefined;
  const acceptLocal = find(opts, 'accept-local') !== undefined;
  return (c) => {
    const p = c.pkt;
    let ok: boolean;
    if (p.in === null || p.in === 'lo') ok = true;
    else if (c.host.local.has(p.src)) ok = acceptLocal;
    else {
      const r = routeLookup(c.host, { dst: p.src, mark: p.mark, iif: p.in });
      ok = r.dev === p.in;
    }
    return invert ? !ok : ok;
  };
};

export const HEADER_MATCHES: Record<string, MatchCompiler> = {
  tcp: l4ports(PROTO_TCP),
  udp: l4ports(PROTO_UDP),
  udplite: l4ports(136),
  icmp,
  multiport,
  iprange,
  addrtype,
  icmp6,
  length: rangeMatch((p) => p.len, 'length', 65535),
  hl: (opts) => {
    const tests: MatchFn[] = [];
    for (const o of opts) {
      const v = numOf(o);
      if (o.name === 'hl-eq') tests.push(neg(o, (c) => c.pkt.ttl === v));
      else if (o.name === 'hl-lt') tests.push((c) => c.pkt.ttl < v);
      else if (o.name === 'hl-gt') tests.push((c) => c.pkt.ttl > v);
      else throw new Error(`unknown option --${o.name}`);
    }
    return all(tests);
  },
  ttl,
  tos,
  dscp,
  mac,
  pkttype,
  comment: () => () => true,
  policy,
  rpfilter,
};
