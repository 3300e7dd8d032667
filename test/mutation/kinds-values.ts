/**
 * Mutation kinds about option values: malformed addresses and ports, addresses of the wrong
 * family, over-long interface names, bad marks, bad ICMP types, over-long log prefixes and
 * comments, and generic near-miss argument values.
 */
import type { BaseFile } from './corpus';
import {
  groupsNamed,
  insertAfterChain,
  insertBeforeTarget,
  linesWhere,
  type MutationKind,
  quoteWord,
  replaceLine,
  replaceWord,
  typo,
} from './edits';
import type { Rng } from './rng';

const rules = (f: BaseFile) => linesWhere(f, (li) => li.kind === 'rule');

const ADDR_OPTS = new Set(['-s', '-d', '--source', '--destination', '--src', '--dst']);
const NAT_ADDR_OPTS = new Set(['--to-destination', '--to-source']);

function badAddress(family: 4 | 6, base: string, rng: Rng): [string, string] {
  if (family === 6) {
    return rng.pick<[string, string]>([
      ['triple-colon', '2001:db8:::1'],
      ['bad-hex', '2001:db8::g1'],
      ['prefix-129', `${base}/129`],
      ['nine-groups', '2001:db8:1:2:3:4:5:6:7'],
      ['two-double-colons', '2001::db8::1'],
      ['empty-prefix', `${base}/`],
      ['negative-prefix', `${base}/-1`],
      ['trailing-comma', `${base},`],
    ]);
  }
  const parts = /^\d+\.\d+\.\d+\.\d+$/.test(base) ? base.split('.') : ['192', '0', '2', '1'];
  const [a, b, c] = parts;
  return rng.pick<[string, string]>([
    ['octet-256', `${a}.${b}.${c}.${256 + rng.int(50)}`],
    ['prefix-33', `${parts.join('.')}/${33 + rng.int(8)}`],
    ['empty-prefix', `${parts.join('.')}/`],
    ['three-octets', `${a}.${b}.${c}`],
    ['five-octets', `${parts.join('.')}.7`],
    ['double-dot', `${a}..${c}.1`],
    ['negative-prefix', `${parts.join('.')}/-1`],
    ['bad-mask', `${parts.join('.')}/255.255.0.256`],
    ['noncontiguous-mask', `${parts.join('.')}/255.0.255.0`],
    ['trailing-comma', `${parts.join('.')},`],
    ['empty', ''],
  ]);
}

const addressMalformed: MutationKind = {
  name: 'address-malformed',
  sites: rules,
  apply(f, i, rng) {
    const li = f.info[i];
    const plain = groupsNamed(li, ADDR_OPTS).filter((g) => g.args.length > 0);
    const nat = f.family === 4 ? groupsNamed(li, NAT_ADDR_OPTS).filter((g) => g.args.length > 0) : [];
    if (nat.length > 0 && rng.chance(0.5)) {
      const g = rng.pick(nat);
      const arg = li.tokens[g.args[0]].text;
      const m = /^([\d.]+)(.*)$/.exec(arg);
      const [v, bad] = badAddress(4, m?.[1] ?? '192.0.2.1', rng);
      const rest = m?.[2] ?? '';
      const text = v === 'trailing-comma' || v === 'empty' ? bad : `${bad.replace(/\/.*$/, '')}${rest}`;
      return replaceLine(f, i, replaceWord(f, i, g.args[0], quoteWord(text)), `${g.name}-${v}`);
    }
    if (plain.length === 0) {
      const [v, bad] = badAddress(f.family, f.family === 6 ? '2001:db8::1' : '192.0.2.1', rng);
      return replaceLine(f, i, insertAfterChain(f, i, `-s ${quoteWord(bad)}`), `inserted-${v}`);
    }
    const g = rng.pick(plain);
    const base = li.tokens[g.args[0]].text.split(',')[0].split('/')[0];
    const [v, bad] = badAddress(f.family, base, rng);
    return replaceLine(f, i, replaceWord(f, i, g.args[0], quoteWord(bad)), `${g.name}-${v}`);
  },
};

const PORT_OPTS = new Set(['--dport', '--sport', '--destination-port', '--source-port']);
const MULTIPORT_OPTS = new Set(['--dports', '--sports', '--ports', '--destination-ports', '--source-ports']);
const NAT_PORT_OPTS = new Set(['--to-ports', '--to-port']);

const BAD_PORTS: [string, string][] = [
  ['65536', '65536'],
  ['99999', '99999'],
  ['negative', '-1'],
  ['unknown-service', 'nosuchservice'],
  ['dash-range', '22-80'],
  ['reversed-range', '80:22'],
  ['zero', '0'],
  ['three-part-range', '1:2:3'],
  ['list', '22,80'],
  ['empty', ''],
  ['colon-only', ':'],
  ['hex', '0x16'],
  ['service-name', 'ssh'],
];
const BAD_MULTIPORTS: [string, string][] = [
  ['16-ports', Array.from({ length: 16 }, (_, k) => String(1000 + k)).join(',')],
  ['15-ports', Array.from({ length: 15 }, (_, k) => String(1000 + k)).join(',')],
  ['empty-item', '22,,80'],
  ['trailing-comma', '22,'],
  ['65536-item', '65536,80'],
  ['reversed-range', '80:22,443'],
  ['dash-range', '1000-2000'],
];

const portMalformed: MutationKind = {
  name: 'port-malformed',
  sites: (f) =>
    linesWhere(
      f,
      (li) =>
        li.kind === 'rule' &&
        (groupsNamed(li, PORT_OPTS).length > 0 ||
          groupsNamed(li, MULTIPORT_OPTS).length > 0 ||
          groupsNamed(li, NAT_PORT_OPTS).length > 0),
    ),
  apply(f, i, rng) {
    const li = f.info[i];
    const all = [
      ...groupsNamed(li, PORT_OPTS).map((g) => [g, BAD_PORTS] as const),
      ...groupsNamed(li, MULTIPORT_OPTS).map((g) => [g, BAD_MULTIPORTS] as const),
      ...groupsNamed(li, NAT_PORT_OPTS).map((g) => [g, BAD_PORTS] as const),
    ].filter(([g]) => g.args.length > 0);
    if (all.length === 0) return undefined;
    const [g, table] = rng.pick(all);
    const [v, bad] = rng.pick(table);
    return replaceLine(f, i, replaceWord(f, i, g.args[0], quoteWord(bad)), `${g.name}-${v}`);
  },
};

const wrongFamilyAddress: MutationKind = {
  name: 'wrong-family-address',
  sites: rules,
  apply(f, i, rng) {
    const li = f.info[i];
    const addr =
      f.family === 4
        ? rng.pick(['2001:db8::1', '2001:db8::/32', '::1', '::ffff:192.0.2.1'])
        : rng.pick(['192.0.2.1', '10.0.0.0/8', '127.0.0.1']);
    const plain = groupsNamed(li, ADDR_OPTS).filter((g) => g.args.length > 0);
    if (plain.length === 0) return replaceLine(f, i, insertAfterChain(f, i, `-d ${addr}`), 'inserted');
    const g = rng.pick(plain);
    return replaceLine(f, i, replaceWord(f, i, g.args[0], addr), g.name);
  },
};

const IFACE_OPTS = new Set(['-i', '-o', '--in-interface', '--out-interface']);
const IN_ONLY = new Set(['INPUT', 'PREROUTING']);
const OUT_ONLY = new Set(['OUTPUT', 'POSTROUTING']);

function ifaceName(len: number, rng: Rng): string {
  const alnum = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let s = 'veth';
  while (s.length < len) s += rng.char(alnum);
  return s.slice(0, len);
}

const ifaceTooLong: MutationKind = {
  name: 'iface-name-length',
  sites: rules,
  apply(f, i, rng) {
    const li = f.info[i];
    let name: string;
    let variant: string;
    const r = rng.int(10);
    if (r < 2) {
      name = `${ifaceName(rng.between(14, 16), rng)}+`;
      variant = `len-${name.length}-wildcard`;
    } else if (r < 3) {
      name = rng.pick(['eth/0', 'eth 0', 'eth:0', 'eth.0', 'a!b']);
      variant = 'odd-char';
    } else {
      name = ifaceName(rng.between(14, 18), rng);
      variant = `len-${name.length}`;
    }
    const groups = groupsNamed(li, IFACE_OPTS).filter((g) => g.args.length > 0);
    if (groups.length > 0) {
      const g = rng.pick(groups);
      return replaceLine(f, i, replaceWord(f, i, g.args[0], quoteWord(name)), variant);
    }
    const opt = OUT_ONLY.has(li.chain!) ? '-o' : IN_ONLY.has(li.chain!) ? '-i' : rng.pick(['-i', '-o']);
    return replaceLine(f, i, insertAfterChain(f, i, `${opt} ${quoteWord(name)}`), `${variant}-inserted`);
  },
};

const MARK_OPTS = new Set(['--set-mark', '--set-xmark', '--mark', '--and-mark', '--or-mark', '--xor-mark']);
const BAD_MARKS: [string, string][] = [
  ['33-bit-hex', '0x100000000'],
  ['33-bit-decimal', '4294967296'],
  ['three-parts', '0x1/0x2/0x3'],
  ['negative', '-1'],
  ['word', 'abc'],
  ['bare-0x', '0x'],
  ['empty-mask', '1/'],
  ['empty-value', '/1'],
  ['bad-hex', '0xg'],
  ['max', '0xffffffff'],
  ['max-with-mask', '0xffffffff/0xffffffff'],
  ['mask-33-bit', '1/0x100000000'],
  ['octal', '010'],
];

const badMark: MutationKind = {
  name: 'bad-mark',
  sites: rules,
  apply(f, i, rng) {
    const li = f.info[i];
    const [v, bad] = rng.pick(BAD_MARKS);
    const groups = groupsNamed(li, MARK_OPTS).filter((g) => g.args.length > 0);
    if (groups.length === 0)
      return replaceLine(f, i, insertBeforeTarget(f, i, `-m mark --mark ${quoteWord(bad)}`), `inserted-${v}`);
    const g = rng.pick(groups);
    return replaceLine(f, i, replaceWord(f, i, g.args[0], quoteWord(bad)), `${g.name}-${v}`);
  },
};

const ICMP_OPTS = new Set(['--icmp-type', '--icmpv6-type']);
const BAD_ICMP4: [string, string][] = [
  ['typo', 'echo-requestx'],
  ['256', '256'],
  ['code-256', '8/256'],
  ['negative', '-1'],
  ['v6-name', 'neighbour-solicitation'],
  ['empty-code', '8/'],
  ['empty-type', '/0'],
  ['any', 'any'],
  ['type-code', '3/20'],
  ['abbreviation', 'echo-req'],
];
const BAD_ICMP6: [string, string][] = [
  ['typo', 'echo-requestx'],
  ['256', '256'],
  ['code-256', '128/256'],
  ['v4-name', 'source-quench'],
  ['v4-name-timestamp', 'timestamp-request'],
  ['empty-code', '128/'],
  ['valid-name', 'echo-request'],
  ['abbreviation', 'echo-req'],
];

const badIcmpType: MutationKind = {
  name: 'bad-icmp-type',
  sites: (f) =>
    linesWhere(
      f,
      (li) =>
        li.kind === 'rule' &&
        (groupsNamed(li, ICMP_OPTS).length > 0 ||
          !(li.groups ?? []).some((g) => g.name === '-p' || g.name === '--protocol')),
    ),
  apply(f, i, rng) {
    const li = f.info[i];
    const [v, bad] = rng.pick(f.family === 6 ? BAD_ICMP6 : BAD_ICMP4);
    const groups = groupsNamed(li, ICMP_OPTS).filter((g) => g.args.length > 0);
    if (groups.length > 0) {
      const g = rng.pick(groups);
      return replaceLine(f, i, replaceWord(f, i, g.args[0], quoteWord(bad)), `${g.name}-${v}`);
    }
    const wrongOption = rng.chance(0.15);
    const proto = f.family === 6 ? '-p ipv6-icmp' : '-p icmp';
    const opt = (f.family === 6) !== wrongOption ? '--icmpv6-type' : '--icmp-type';
    const value = wrongOption ? 'echo-request' : bad;
    return replaceLine(
      f,
      i,
      insertAfterChain(f, i, `${proto} ${opt} ${quoteWord(value)}`),
      wrongOption ? 'inserted-other-family-option' : `inserted-${v}`,
    );
  },
};

function prefixOf(len: number): string {
  const base = 'MUTANT-PREFIX:abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwxyz-';
  let s = '';
  while (s.length < len) s += base;
  return s.slice(0, len);
}

const logPrefixLength: MutationKind = {
  name: 'log-prefix-length',
  sites: (f) => linesWhere(f, (li) => li.kind === 'rule' && li.target !== undefined),
  apply(f, i, rng) {
    const li = f.info[i];
    const log = groupsNamed(li, new Set(['--log-prefix'])).filter((g) => g.args.length > 0);
    const nflog = groupsNamed(li, new Set(['--nflog-prefix'])).filter((g) => g.args.length > 0);
    if (nflog.length > 0) {
      const len = rng.between(62, 66);
      return replaceLine(f, i, replaceWord(f, i, nflog[0].args[0], quoteWord(prefixOf(len))), `nflog-${len}`);
    }
    const len = rng.between(27, 33);
    if (log.length > 0)
      return replaceLine(f, i, replaceWord(f, i, log[0].args[0], quoteWord(prefixOf(len))), `log-${len}`);
    const start = li.tokens[li.target!.neg ?? li.target!.opt].span.character;
    const text = `${f.lines[i].slice(0, start)}-j LOG --log-prefix ${quoteWord(prefixOf(len))}`;
    return replaceLine(f, i, text, `log-${len}-new-target`);
  },
};

const commentLength: MutationKind = {
  name: 'comment-length',
  sites: rules,
  apply(f, i, rng) {
    const li = f.info[i];
    const len = rng.between(253, 258);
    const c = groupsNamed(li, new Set(['--comment'])).filter((g) => g.args.length > 0);
    if (c.length > 0) return replaceLine(f, i, replaceWord(f, i, c[0].args[0], quoteWord(prefixOf(len))), `len-${len}`);
    return replaceLine(
      f,
      i,
      insertBeforeTarget(f, i, `-m comment --comment ${quoteWord(prefixOf(len))}`),
      `len-${len}-inserted`,
    );
  },
};

const SKIP_VALUE_OPTS = new Set([...ADDR_OPTS, ...IFACE_OPTS, '-j', '-g', '--jump', '--goto', '-m', '--match']);

const badOptionValue: MutationKind = {
  name: 'bad-option-value',
  sites: (f) =>
    linesWhere(
      f,
      (li) => li.kind === 'rule' && (li.groups ?? []).some((g) => g.args.length > 0 && !SKIP_VALUE_OPTS.has(g.name)),
    ),
  apply(f, i, rng) {
    const li = f.info[i];
    const g = rng.pick(li.groups!.filter((x) => x.args.length > 0 && !SKIP_VALUE_OPTS.has(x.name)));
    const k = rng.pick(g.args);
    const v = li.tokens[k].text;
    const candidates: [string, string][] = [
      ['append-x', `${v}x`],
      ['upper-case', v.toUpperCase()],
      ['lower-case', v.toLowerCase()],
      ['empty', ''],
      ['huge-number', '99999999999'],
      ['trailing-comma', `${v},`],
      ['typo', typo(v, rng).text],
    ];
    const usable = candidates.filter(([, x]) => x !== v);
    const [how, text] = rng.pick(usable);
    return replaceLine(f, i, replaceWord(f, i, k, quoteWord(text)), `${g.name}-${how}`);
  },
};

/** The option-value mutation kinds. */
export const VALUE_KINDS: MutationKind[] = [
  addressMalformed,
  portMalformed,
  wrongFamilyAddress,
  ifaceTooLong,
  badMark,
  badIcmpType,
  logPrefixLength,
  commentLength,
  badOptionValue,
];
