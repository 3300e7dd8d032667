/**
 * Per-chain dispatch index: in a long chain where many rules test one exact destination address
 * (`-d X/32`, kube-proxy's KUBE-SERVICES, per-host firewall chains), a rule whose destination
 * differs from the packet's cannot match, so only the rules listed for the packet's destination
 * and the rules that do not fit the index (no `-d`, a prefix, a negation) need evaluating. The
 * walk still visits candidates in rule order, so verdicts, jumps and traces are exactly those of
 * a linear walk; the rules passed over are reported as skipped ranges.
 */
import type { Family } from '../model';
import type { Slot } from './compile';

/** Chains shorter than this are walked linearly. */
const MIN_INDEXED = 16;

export interface Dispatch {
  /**
   * Exact destination → position of the rule that requires it, or the positions (ascending) when
   * several do (most destinations have one rule: no array is made for them).
   */
  byDst: Map<number | bigint, number | number[]>;
  /** Positions (ascending) of the rules that must always be evaluated. */
  always: Int32Array;
  size: number;
}

/** Builds the index of a chain's kernel rules, or null when too few rules fit it. */
export function buildDispatch(slots: Slot[], family: Family | undefined): Dispatch | null {
  if (slots.length < MIN_INDEXED) return null;
  const full = family === 6 ? (1n << 128n) - 1n : 0xffffffff;
  const byDst = new Map<number | bigint, number | number[]>();
  const always: number[] = [];
  for (let i = 0; i < slots.length; i++) {
    const d = slots[i].dst;
    if (d && !slots[i].dstNegated && !d.hostname && d.mask === full) {
      const l = byDst.get(d.addr);
      if (l === undefined) byDst.set(d.addr, i);
      else if (typeof l === 'number') byDst.set(d.addr, [l, i]);
      else l.push(i);
    } else always.push(i);
  }
  if (slots.length - always.length < MIN_INDEXED) return null;
  return { byDst, always: Int32Array.from(always), size: slots.length };
}

function lowerBound(a: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The first position >= `from` whose rule may match a packet to `dst` (`size` when none). */
export function nextCandidate(d: Dispatch, from: number, dst: number | bigint): number {
  const a = d.always;
  const i = lowerBound(a, from);
  let best = i < a.length ? a[i] : d.size;
  const c = d.byDst.get(dst);
  if (typeof c === 'number') {
    if (c >= from && c < best) best = c;
  } else if (c) {
    const j = lowerBound(c, from);
    if (j < c.length && c[j] < best) best = c[j];
  }
  return best;
}
