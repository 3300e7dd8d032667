/**
 * A word-splitting pass over the text, timed beside the full parse. It does what a parser that
 * splits every rule line into words must do, with the cheapest means JavaScript has:
 * - split the text into lines and each rule line into words (native `indexOf`, quoted words
 *   whole);
 * - hash each rule line's shape (its option words) and number the shapes;
 * - resolve the chain each rule appends to and the user chain it jumps or goes to, against the
 *   chains its table declared;
 * - record per rule its line start, shape, chain and target in typed arrays.
 * It checks no value, keeps no rule object and runs no analysis.
 *
 * It was first taken for the least any parse must do. It is not: the parser's line patterns
 * (parser/lineRegex.ts) check a whole rule line, its words, shape and values, in one native
 * regular-expression call, without splitting it, in less time than this pass takes to split the
 * words. It stays as a reference for what word splitting costs in this runtime.
 *
 * The counts it returns are the parser's (a test compares them on a generated ruleset), so the
 * work it times is the real work, not less.
 */

export interface FloorCounts {
  /** Rule lines (`-A` and `[p:b] -A`). */
  rules: number;
  /** Rules whose -j/-g word names a chain declared in their table. */
  chainJumps: number;
  /** Distinct shapes (hash of option words and word count). */
  shapes: number;
  /** Chains declared (`:` lines). */
  chains: number;
}

/** One pass over iptables-save text: see the file comment. */
export function floorPass(text: string): FloorCounts {
  const n = text.length;
  // Per rule: line start, shape, chain (declaration index), target chain (-1: none).
  let cap = 1024;
  let lineStart = new Int32Array(cap);
  let shapeOf = new Int32Array(cap);
  let chainOf = new Int32Array(cap);
  let targetOf = new Int32Array(cap);
  const shapes = new Map<number, number>();
  let chainIds = new Map<string, number>();
  let chains = 0;
  let rules = 0;
  let chainJumps = 0;
  let lastChain = '';
  let lastChainId = -1;
  let lastTarget = '';
  let lastTargetId = -1;
  // The next double quote at or after the scan position, in the whole text: it only moves
  // forward, so finding it costs one pass however few quotes there are.
  let nextQuote = -1;
  for (let at = 0; at < n; ) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = n;
    const first = text.charCodeAt(at);
    if (first === 42 /* * */) {
      chainIds = new Map();
      lastChain = lastTarget = '';
    } else if (first === 58 /* : */) {
      let sp = text.indexOf(' ', at);
      if (sp < 0 || sp > end) sp = end;
      chainIds.set(text.slice(at + 1, sp), chains++);
    } else if (first === 45 /* - */ || first === 91 /* [ */) {
      if (rules === cap) {
        cap *= 2;
        lineStart = grow(lineStart, cap);
        shapeOf = grow(shapeOf, cap);
        chainOf = grow(chainOf, cap);
        targetOf = grow(targetOf, cap);
      }
      let i = at;
      if (first === 91) {
        i = text.indexOf(' ', at) + 1;
        if (i <= 0 || i > end) i = end;
      }
      if (nextQuote < i) {
        nextQuote = text.indexOf('"', i);
        if (nextQuote < 0) nextQuote = n;
      }
      let quote = nextQuote > end ? end : nextQuote;
      let h = 0x811c9dc5;
      let words = 0;
      let chainAt = -1;
      let chainEnd = -1;
      let targetAt = -1;
      let targetEnd = -1;
      let after = 0; // 1: the word after -A, 2: after -j/-g
      while (i < end) {
        if (text.charCodeAt(i) === 32) {
          i++;
          continue;
        }
        const s = i;
        let e = text.indexOf(' ', s);
        if (e < 0 || e > end) e = end;
        if (quote < e) {
          const close = text.indexOf('"', s + 1);
          e = close < 0 || close >= end ? end : close + 1;
          nextQuote = text.indexOf('"', e);
          if (nextQuote < 0) nextQuote = n;
          quote = nextQuote > end ? end : nextQuote;
          h = Math.imul(h ^ 257, 16777619);
        } else if (text.charCodeAt(s) === 45 /* - */ && e - s > 1) {
          const c1 = text.charCodeAt(s + 1);
          h = Math.imul(h ^ ((e - s) | (c1 << 8) | (text.charCodeAt(e - 1) << 16)), 16777619);
          after = e - s === 2 ? (c1 === 65 ? 1 : c1 === 106 || c1 === 103 ? 2 : 0) : 0;
          words++;
          i = e;
          continue;
        } else h = Math.imul(h ^ 259, 16777619);
        if (after === 1) {
          chainAt = s;
          chainEnd = e;
        } else if (after === 2) {
          targetAt = s;
          targetEnd = e;
        }
        after = 0;
        words++;
        i = e;
      }
      h = Math.imul(h ^ words, 16777619);
      let shape = shapes.get(h);
      if (shape === undefined) {
        shape = shapes.size;
        shapes.set(h, shape);
      }
      let chain = -1;
      if (chainAt >= 0) {
        if (lastChain.length === chainEnd - chainAt && text.startsWith(lastChain, chainAt)) chain = lastChainId;
        else {
          lastChain = text.slice(chainAt, chainEnd);
          lastChainId = chain = chainIds.get(lastChain) ?? -1;
        }
      }
      let target = -1;
      if (targetAt >= 0) {
        if (lastTarget.length === targetEnd - targetAt && text.startsWith(lastTarget, targetAt)) target = lastTargetId;
        else {
          lastTarget = text.slice(targetAt, targetEnd);
          lastTargetId = target = chainIds.get(lastTarget) ?? -1;
        }
      }
      if (target >= 0) chainJumps++;
      lineStart[rules] = at;
      shapeOf[rules] = shape;
      chainOf[rules] = chain;
      targetOf[rules] = target;
      rules++;
    }
    at = end + 1;
  }
  return { rules, chainJumps, shapes: shapes.size, chains };
}

function grow(a: Int32Array, cap: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}
