/**
 * Matches that keep state across packets: limit, hashlimit (token buckets refilled with the
 * simulated time), recent (address lists with time stamps), quota, statistic (nth counter;
 * random mode is a coin toss and is reported as such).
 */
import { maskAddr } from '../addr';
import type { MatchCompiler, MatchCtx } from '../context';
import { argText, find, num, numOf } from '../options';

/** Parses `N[/unit]` into packets per second (iptables' default unit is per second). */
export function parseRate(text: string): number {
  const m = /^(\d+)(?:\/([a-z]+))?$/i.exec(text.trim());
  if (!m) throw new Error(`invalid rate "${text}"`);
  const n = Number(m[1]);
  const u = (m[2] ?? 'second').toLowerCase();
  const div = u.startsWith('s')
    ? 1
    : u.startsWith('m')
      ? 60
      : u.startsWith('h')
        ? 3600
        : u.startsWith('d')
          ? 86400
          : Number.NaN;
  if (Number.isNaN(div) || n === 0) throw new Error(`invalid rate "${text}"`);
  return n / div;
}

function bucketKey(c: MatchCtx, suffix = ''): string {
  return `${c.rule.id}${suffix}`;
}

/** Takes one token from a bucket of `burst` refilled at `rate`/s; true when one was available. */
function takeToken(c: MatchCtx, key: string, rate: number, burst: number): boolean {
  let b = c.sim.perRule.get(key);
  if (!b) {
    b = { a: burst, b: c.now };
    c.sim.perRule.set(key, b);
  }
  b.a = Math.min(burst, b.a + (c.now - b.b) * rate);
  b.b = c.now;
  if (b.a >= 1) {
    b.a -= 1;
    return true;
  }
  return false;
}

const limit: MatchCompiler = (opts) => {
  const l = find(opts, 'limit');
  const rate = l ? parseRate(argText(l)) : 3 / 3600;
  const bo = find(opts, 'limit-burst');
  const burst = bo ? numOf(bo) : 5;
  const inv = l?.negated === true;
  return (c) => takeToken(c, bucketKey(c), rate, burst) !== inv;
};

const hashlimit: MatchCompiler = (opts) => {
  const upto = find(opts, 'hashlimit-upto', 'hashlimit');
  const above = find(opts, 'hashlimit-above');
  const o = upto ?? above;
  if (!o) throw new Error('hashlimit needs --hashlimit-upto or --hashlimit-above');
  const rate = parseRate(argText(o));
  const bo = find(opts, 'hashlimit-burst');
  const burst = bo ? numOf(bo) : 5;
  const modeO = find(opts, 'hashlimit-mode');
  const modes = new Set(modeO ? argText(modeO).split(',') : []);
  const sm = find(opts, 'hashlimit-srcmask');
  const dm = find(opts, 'hashlimit-dstmask');
  const smask = sm ? numOf(sm) : undefined;
  const dmask = dm ? numOf(dm) : undefined;
  const nameO = find(opts, 'hashlimit-name');
  const name = nameO ? argText(nameO) : '';
  return (c) => {
    const p = c.pkt;
    const k = [
      modes.has('srcip') ? String(maskAddr(p.src, smask)) : '',
      modes.has('dstip') ? String(maskAddr(p.dst, dmask)) : '',
      modes.has('srcport') ? p.sport : '',
      modes.has('dstport') ? p.dport : '',
    ].join('|');
    const ok = takeToken(c, `hl:${name}:${c.rule.id}:${k}`, rate, burst);
    return above ? !ok : ok;
  };
};

const recent: MatchCompiler = (opts) => {
  const nameO = find(opts, 'name');
  const list = nameO ? argText(nameO) : 'DEFAULT';
  const set = find(opts, 'set');
  const rcheck = find(opts, 'rcheck');
  const update = find(opts, 'update');
  const remove = find(opts, 'remove');
  const action = set ?? rcheck ?? update ?? remove;
  if (!action) throw new Error('recent needs one of --set, --rcheck, --update, --remove');
  const secO = find(opts, 'seconds');
  const seconds = secO ? numOf(secO) : 0;
  const hcO = find(opts, 'hitcount');
  const hitcount = hcO ? numOf(hcO) : 0;
  const rdest = find(opts, 'rdest') !== undefined;
  const maskO = find(opts, 'mask');
  const mask = maskO
    ? num(argText(maskO).split('.').length === 4 ? String(ipToNum(argText(maskO))) : argText(maskO)) >>> 0
    : 0xffffffff;
  const invert = action.negated;
  return (c) => {
    let lists = c.sim.recent.get(list);
    if (!lists) {
      lists = new Map();
      c.sim.recent.set(list, lists);
    }
    const a = rdest ? c.pkt.dst : c.pkt.src;
    const addr = typeof a === 'bigint' ? a : (a & mask) >>> 0;
    const stamps = lists.get(addr);
    let ret = invert;
    if (!stamps) {
      if (!set) return ret;
      lists.set(addr, [c.now]);
      return !ret;
    }
    if (set) ret = !ret;
    else if (remove) {
      lists.delete(addr);
      ret = !ret;
    } else if (seconds || hitcount) {
      let hits = 0;
      for (const t of stamps) {
        if (seconds && c.now - t > seconds) continue;
        if (!hitcount || ++hits >= hitcount) {
          ret = !ret;
          break;
        }
      }
    } else ret = !ret;
    if (set || (update && ret !== invert)) stamps.push(c.now);
    return ret;
  };
};

function ipToNum(t: string): number {
  const p = t.split('.').map(Number);
  return (((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0) as number;
}

const quota: MatchCompiler = (opts) => {
  const o = find(opts, 'quota');
  if (!o) throw new Error('quota needs --quota');
  const total = numOf(o);
  return (c) => {
    const key = `q:${c.rule.id}`;
    let b = c.sim.perRule.get(key);
    if (!b) {
      b = { a: total, b: 0 };
      c.sim.perRule.set(key, b);
    }
    let ret = o.negated;
    if (b.a >= c.pkt.len) {
      b.a -= c.pkt.len;
      ret = !ret;
    } else b.a = 0;
    return ret;
  };
};

const statistic: MatchCompiler = (opts) => {
  const modeO = find(opts, 'mode');
  const mode = modeO ? argText(modeO) : 'random';
  if (mode === 'nth') {
    const ev = find(opts, 'every');
    if (!ev) throw new Error('statistic --mode nth needs --every');
    const every = numOf(ev) - 1;
    const pk = find(opts, 'packet');
    const packet = pk ? numOf(pk) : 0;
    if (packet > every) throw new Error(`--packet ${packet} must be smaller than --every ${every + 1}`);
    // libxt_statistic loads the counter with every-1-packet, so the packet numbered `packet`
    // (counting from 0) is the first to match
    const start = every - packet;
    const inv = ev.negated;
    return (c) => {
      const key = `n:${c.rule.id}`;
      let b = c.sim.perRule.get(key);
      if (!b) {
        b = { a: start, b: 0 };
        c.sim.perRule.set(key, b);
      }
      const nval = b.a === every ? 0 : b.a + 1;
      b.a = nval;
      return (nval === 0) !== inv;
    };
  }
  if (mode !== 'random') throw new Error(`unknown statistic mode "${mode}"`);
  const pr = find(opts, 'probability');
  const p = pr ? Number(argText(pr)) : 1;
  if (!(p >= 0 && p <= 1)) throw new Error(`invalid probability "${pr ? argText(pr) : ''}"`);
  const inv = pr?.negated === true;
  return (c) => {
    if (p >= 1) return !inv;
    if (p <= 0) return inv;
    const r = c.undecided(
      'statistic',
      `random with probability ${p}: the kernel draws a random number for every packet`,
      true,
      true,
    );
    return r;
  };
};

export const STATEFUL_MATCHES: Record<string, MatchCompiler> = { limit, hashlimit, recent, quota, statistic };
