/**
 * Connection-tracking matches: conntrack (states incl. the SNAT/DNAT virtual states, tuples,
 * --ctstatus, --ctdir), state, mark, connmark, connbytes, connlimit, helper.
 */
import { type Addr, inNet, maskAddr, maskOf, parseCidrAny } from '../addr';
import { type CtEntry, type CtState, ctStatus } from '../conntrack';
import { all, type MatchCompiler, type MatchCtx, type MatchFn, neg } from '../context';
import { argText, find, markOf, nameList, numOf, type Opt, rangeOf } from '../options';
import { protoNumber } from '../packet';

const STATES = new Set(['INVALID', 'NEW', 'ESTABLISHED', 'RELATED', 'UNTRACKED', 'SNAT', 'DNAT']);

/** Virtual and real states of the packet's conntrack (as the conntrack match sees them). */
export function stateBits(c: MatchCtx): Set<string> {
  const s = new Set<string>([c.ct.state as CtState]);
  const e = c.ct.entry;
  if (e && c.ct.state !== 'INVALID' && c.ct.state !== 'UNTRACKED') {
    if (e.srcNat) s.add('SNAT');
    if (e.dstNat) s.add('DNAT');
  }
  return s;
}

function stateTest(o: Opt, allowVirtual: boolean): MatchFn {
  const want = nameList(o);
  for (const w of want)
    if (!STATES.has(w) || (!allowVirtual && (w === 'SNAT' || w === 'DNAT'))) throw new Error(`invalid state "${w}"`);
  return neg(o, (c) => {
    const have = stateBits(c);
    for (const w of want) if (have.has(w)) return true;
    return false;
  });
}

function addrTest(o: Opt, get: (e: CtEntry) => Addr): MatchFn {
  const { addr, len } = parseCidrAny(argText(o));
  const m = maskOf(addr, len);
  return neg(o, (c) => {
    const a = get(c.ct.entry as CtEntry);
    return typeof a === typeof addr && inNet(a, addr, m);
  });
}

function portTest(o: Opt, get: (e: CtEntry) => number): MatchFn {
  const [lo, hi] = rangeOf(o);
  return neg(o, (c) => {
    const v = get(c.ct.entry as CtEntry);
    return v >= lo && v <= hi;
  });
}

const conntrack: MatchCompiler = (opts) => {
  let stateT: MatchFn | undefined;
  const tests: MatchFn[] = [];
  for (const o of opts) {
    switch (o.name) {
      case 'ctstate':
        stateT = stateTest(o, true);
        break;
      case 'ctproto': {
        const p = protoNumber(argText(o));
        tests.push(neg(o, (c) => (c.ct.entry as CtEntry).tuple[0].proto === p));
        break;
      }
      case 'ctorigsrc':
        tests.push(addrTest(o, (e) => e.tuple[0].src));
        break;
      case 'ctorigdst':
        tests.push(addrTest(o, (e) => e.tuple[0].dst));
        break;
      case 'ctreplsrc':
        tests.push(addrTest(o, (e) => e.tuple[1].src));
        break;
      case 'ctrepldst':
        tests.push(addrTest(o, (e) => e.tuple[1].dst));
        break;
      case 'ctorigsrcport':
        tests.push(portTest(o, (e) => e.tuple[0].sport));
        break;
      case 'ctorigdstport':
        tests.push(portTest(o, (e) => e.tuple[0].dport));
        break;
      case 'ctreplsrcport':
        tests.push(portTest(o, (e) => e.tuple[1].sport));
        break;
      case 'ctrepldstport':
        tests.push(portTest(o, (e) => e.tuple[1].dport));
        break;
      case 'ctstatus': {
        const want = nameList(o);
        tests.push(
          neg(o, (c) => {
            const have = ctStatus(c.ct.entry as CtEntry);
            if (want.includes('NONE') && have.filter((x) => x !== 'CONFIRMED').length === 0) return true;
            return want.some((w) => have.includes(w));
          }),
        );
        break;
      }
      case 'ctdir': {
        const d = argText(o).toUpperCase() === 'REPLY' ? 1 : 0;
        tests.push((c) => c.ct.dir === d);
        break;
      }
      case 'ctexpire': {
        const [lo, hi] = rangeOf(o, 0xffffffff);
        tests.push(
          neg(o, (c) => {
            const e = c.ct.entry as CtEntry;
            const remaining = e.confirmed ? Math.max(0, Math.round(expiry(e) - (c.now - e.last))) : 0;
            return remaining >= lo && remaining <= hi;
          }),
        );
        break;
      }
      default:
        throw new Error(`unknown option --${o.name}`);
    }
  }
  const rest = all(tests);
  return (c) => {
    if (stateT && !stateT(c)) return false;
    if (!c.ct.entry || c.ct.state === 'INVALID' || c.ct.state === 'UNTRACKED') return tests.length === 0;
    return rest(c);
  };
};

/** Timeout in seconds of an entry in its current state (kernel defaults). */
function expiry(e: CtEntry): number {
  if (e.tuple[0].proto === 6) return e.tcpState === 3 ? 432000 : e.tcpState === 1 || e.tcpState === 2 ? 60 : 120;
  if (e.tuple[0].proto === 17) return e.seenReply ? 120 : 30;
  return 30;
}

const state: MatchCompiler = (opts) => {
  const o = find(opts, 'state');
  if (!o) throw new Error('state match needs --state');
  return stateTest(o, false);
};

const mark: MatchCompiler = (opts) => {
  const o = find(opts, 'mark');
  if (!o) throw new Error('mark match needs --mark');
  const { value, mask } = markOf(o);
  return neg(o, (c) => (c.pkt.mark & mask) >>> 0 === (value & mask) >>> 0);
};

const connmark: MatchCompiler = (opts) => {
  const o = find(opts, 'mark');
  if (!o) throw new Error('connmark match needs --mark');
  const { value, mask } = markOf(o);
  const t = neg(o, (c) => ((c.ct.entry as CtEntry).mark & mask) >>> 0 === (value & mask) >>> 0);
  return (c) => (c.ct.entry ? t(c) : false);
};

const connbytes: MatchCompiler = (opts) => {
  const o = find(opts, 'connbytes');
  if (!o) throw new Error('connbytes match needs --connbytes');
  const [lo, hi] = rangeOf(o, Number.MAX_SAFE_INTEGER);
  const hasHi = argText(o).includes(':') && !argText(o).endsWith(':');
  const dir = argText(find(opts, 'connbytes-dir') ?? { name: '', negated: false, args: ['both'] });
  const mode = argText(find(opts, 'connbytes-mode') ?? { name: '', negated: false, args: ['packets'] });
  const t: MatchFn = (c) => {
    const e = c.ct.entry;
    if (!e) return false;
    const pick = (x: [number, number]) => (dir === 'original' ? x[0] : dir === 'reply' ? x[1] : x[0] + x[1]);
    const pk = pick(e.packets);
    const by = pick(e.bytes);
    const v = mode === 'bytes' ? by : mode === 'avgpkt' ? (pk ? Math.floor(by / pk) : 0) : pk;
    return v >= lo && (!hasHi || v <= hi);
  };
  return neg(o, t);
};

const connlimit: MatchCompiler = (opts) => {
  const above = find(opts, 'connlimit-above');
  const upto = find(opts, 'connlimit-upto');
  const o = above ?? upto;
  if (!o) throw new Error('connlimit needs --connlimit-above or --connlimit-upto');
  const limit = numOf(o);
  const maskOpt = find(opts, 'connlimit-mask');
  const len = maskOpt ? numOf(maskOpt) : undefined;
  const byDst = find(opts, 'connlimit-daddr') !== undefined;
  return (c) => {
    const key = maskAddr(byDst ? c.pkt.dst : c.pkt.src, len);
    let n = c.sim.conntrack.count((e) => maskAddr(byDst ? e.tuple[0].dst : e.tuple[0].src, len) === key);
    if (c.ct.entry && !c.ct.entry.confirmed) n++;
    const exceeded = n > limit;
    const r = above ? exceeded : !exceeded;
    return o.negated ? !r : r;
  };
};

const helper: MatchCompiler = (opts) => {
  const o = find(opts, 'helper');
  const name = o ? argText(o) : '';
  return (c) =>
    c.undecided('helper', `conntrack helper "${name}": the simulator runs no helpers (FTP/SIP expectations)`, false);
};

export const CT_MATCHES: Record<string, MatchCompiler> = {
  conntrack,
  state,
  mark,
  connmark,
  connbytes,
  connlimit,
  helper,
};
