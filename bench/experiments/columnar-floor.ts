/**
 * An experiment, not part of the product (`npm run bench` times it too, column `columnar`, with
 * the own chain index): how fast could a parse be that
 * keeps rules in columns (typed arrays) instead of one object per rule? It sizes the redesign the
 * 80k-rule figure of issue 4 pointed to, before anyone starts it.
 *
 * The pass does, over iptables-save text, what such a parser and the jump-graph analysis must do
 * at the least, with the parser's own means:
 * - cut the text into lines (native `indexOf`);
 * - read each `:NAME POLICY [p:b]` line with one sticky pattern and number the chain in its
 *   table (a repeated name is not numbered twice);
 * - check each rule line against the parser's own line patterns (the shapes a normal parse of the
 *   same text learned, tried in the parser's order: the shape that followed last time, then the
 *   recent ones), which is all the value checking a clean line needs;
 * - find the rule's chain (same as the previous line's, else the next declared ones, else by
 *   name) and its jump target's chain (by name), and record line start, shape, chain and target
 *   per rule in typed arrays;
 * - at COMMIT, build the table's jump graph in compressed rows and propagate hook reachability.
 * Names are found either in V8's Map of sliced names, as the parser does, or in an own
 * open-addressing table hashed over the text's characters, which slices nothing.
 *
 * It makes no rule object, no diagnostic, and runs none of the other analyses (per-shape checks,
 * unreachable rules, chain names, suppression comments): those would come on top. It reads rule
 * lines that start with `-A` (not counter-prefixed ones); a line no learned pattern accepts only
 * has its chain and `-j`/`-g` target found. The runner checks that its counts (rules, chains,
 * jumps to chains, chains reached from a hook) are the parser's before timing anything.
 *
 * `node bench/experiments/columnar-floor.mjs [FILE...]` (default: the generated 10k and 40k
 * service rulesets) prints its time beside the full parse + diagnostics on the same text.
 */
import { HOOK_BIT } from '../../server/src/service/analysis/graph';
import { FastRule } from '../../server/src/service/parser/fastRule';
import type { LinePatterns } from '../../server/src/service/parser/lineRegex';
import { CHAIN_LINE } from '../../server/src/service/parser/save';
import { type Plan, sameChars, VERBATIM } from '../../server/src/service/parser/shapes';
import { MAX_CHAIN_NAME } from '../../server/src/service/registry/argtypes';

export interface ColumnarCounts {
  /** Rule lines (`-A`). */
  rules: number;
  /** Of those, lines no learned pattern accepted (the real parser reads them word by word). */
  otherLines: number;
  chains: number;
  /** Jumps and gotos to a chain declared in the rule's table. */
  chainJumps: number;
  /** Chains reached from a hook of their table. */
  reached: number;
}

/** The distinct fast-lane shapes with a line pattern among the rules of a parse. */
export function learnedPlans(commands: readonly unknown[]): Plan[] {
  const seen = new Set<Plan>();
  for (const c of commands) if (c instanceof FastRule && c.plan.patterns !== undefined) seen.add(c.plan);
  return [...seen];
}

const HOOK_BITS: Record<string, number> = HOOK_BIT;

/**
 * A table's chains by name, numbered in declaration order. `find` takes the name as a span of the
 * text. Two ways: V8's Map of sliced names (what the parser uses), and an own open-addressing
 * table of chain numbers hashed over the text's characters, which slices nothing.
 */
interface ChainNames {
  /** Numbers the name text[s..e) (new: true), or finds it declared already (false). */
  add(text: string, s: number, e: number): boolean;
  find(text: string, s: number, e: number): number;
  findName(name: string): number;
  readonly names: string[];
  /** Where each name is in the text (its declaration). */
  readonly at: number[];
}

class MapNames implements ChainNames {
  private readonly map = new Map<string, number>();
  readonly names: string[] = [];
  readonly at: number[] = [];
  add(text: string, s: number, e: number): boolean {
    const name = text.slice(s, e);
    const before = this.map.size;
    this.map.set(name, this.names.length);
    if (this.map.size === before) return false;
    this.names.push(name);
    this.at.push(s);
    return true;
  }
  find(text: string, s: number, e: number): number {
    return this.map.get(text.slice(s, e)) ?? -1;
  }
  findName(name: string): number {
    return this.map.get(name) ?? -1;
  }
}

function spanHash(text: string, s: number, e: number): number {
  let h = 0x811c9dc5 ^ (e - s);
  for (let k = s; k < e; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  return h | 1; // never 0 (an empty slot)
}

class SpanNames implements ChainNames {
  private slots = new Int32Array(1024);
  private hashOf = new Int32Array(512);
  readonly names: string[] = [];
  readonly at: number[] = [];
  add(text: string, s: number, e: number): boolean {
    const h = spanHash(text, s, e);
    if (this.lookup(text, s, e, h, true) >= 0) return false;
    const id = this.names.length;
    this.names.push(text.slice(s, e));
    this.at.push(s);
    if (id >= this.hashOf.length) {
      const grown = new Int32Array(this.hashOf.length * 2);
      grown.set(this.hashOf);
      this.hashOf = grown;
    }
    this.hashOf[id] = h;
    if ((id + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    else this.place(id, h);
    return true;
  }
  private place(id: number, h: number): void {
    const mask = this.slots.length - 1;
    let i = h & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = id + 1;
  }
  private rehash(size: number): void {
    this.slots = new Int32Array(size);
    for (let id = 0; id < this.names.length; id++) this.place(id, this.hashOf[id]);
  }
  private lookup(text: string, s: number, e: number, h: number, inText: boolean): number {
    const mask = this.slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = this.slots[i];
      if (v === 0) return -1;
      const id = v - 1;
      if (this.hashOf[id] === h && this.names[id].length === e - s) {
        // A span of the text the names were declared in, or a name of its own (findName).
        if (inText ? sameChars(text, this.at[id], s, e - s) : this.names[id] === text) return id;
      }
    }
  }
  find(text: string, s: number, e: number): number {
    return this.lookup(text, s, e, spanHash(text, s, e), true);
  }
  findName(name: string): number {
    return this.lookup(name, 0, name.length, spanHash(name, 0, name.length), false);
  }
}

/** One pass over the text: see the file comment. `plans` come from a parse of the same text. */
export function columnarPass(text: string, plans: readonly Plan[], own = false): ColumnarCounts {
  const n = text.length;
  // Rows: one per rule line, at most one per line.
  let lines = 0;
  for (let p = text.indexOf('\n'); p >= 0; p = text.indexOf('\n', p + 1)) lines++;
  const rowLine = new Int32Array(lines + 1);
  const rowPlan = new Int32Array(lines + 1);
  const rowChain = new Int32Array(lines + 1);
  const rowTarget = new Int32Array(lines + 1);
  // Per shape: its number, the shape that followed it last time, the last target name read in a
  // line of it and that name's chain.
  interface Shape {
    plan: Plan;
    index: number;
    next: Shape | undefined;
    /** Where the last target name read in a line of this shape is in the text, its length, its chain. */
    lastAt: number;
    lastLength: number;
    lastId: number;
  }
  const shapes: Shape[] = plans.map((plan, index) => ({
    plan,
    index,
    next: undefined,
    lastAt: 0,
    lastLength: -1,
    lastId: -1,
  }));
  const recent: Shape[] = [];

  let rules = 0;
  let otherLines = 0;
  let chainCount = 0;
  let chainJumps = 0;
  let reached = 0;

  let chains: ChainNames | undefined;
  let names: string[] = [];
  let at: number[] = [];
  let tableRow = 0;
  let lastChainName = '';
  let lastChain = -1;
  let declNext = 0;
  let last: Shape | undefined;

  // The parser's choice of pattern (see LinePatterns; the chain names' lengths are left unchecked:
  // a name this pass looks up was declared by a line of at most 28 characters). Where the match
  // ended: where a chain target that is a value starts, as the parser reads it.
  let matchEnd = 0;
  const tryShape = (shape: Shape, from: number, end: number): boolean => {
    const patterns = shape.plan.patterns as LinePatterns;
    const re = end - from <= patterns.looseUpTo ? patterns.loose : patterns.strict;
    re.lastIndex = from;
    if (!re.test(text)) return false;
    matchEnd = re.lastIndex;
    return true;
  };

  for (let start = 0; start < n; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = n;
    const c = text.charCodeAt(start);
    if (c === 45 /* - */ && chains !== undefined) {
      let shape: Shape | undefined;
      const guess = last?.next;
      if (guess !== undefined && tryShape(guess, start, end)) shape = guess;
      else
        for (let i = 0; i < recent.length; i++) {
          const p = recent[i];
          if (p !== guess && tryShape(p, start, end)) {
            shape = p;
            break;
          }
        }
      if (shape === undefined)
        for (let i = 0; i < shapes.length; i++) {
          if (tryShape(shapes[i], start, end)) {
            shape = shapes[i];
            break;
          }
        }
      if (shape === undefined) {
        // The parser reads such a line word by word; here only its chain and target are found.
        otherLines++;
        const s = start + 3;
        let e = text.indexOf(' ', s);
        if (e < 0 || e > end) e = end;
        const chain = chains.find(text, s, e);
        let target = -1;
        let j = text.indexOf(' -j ', start);
        if (j < 0 || j > end) j = text.indexOf(' -g ', start);
        if (j >= 0 && j < end) {
          let te = text.indexOf(' ', j + 4);
          if (te < 0 || te > end) te = end;
          target = chains.find(text, j + 4, te);
          if (target >= 0) chainJumps++;
        }
        rowLine[rules] = start;
        rowPlan[rules] = -1;
        rowChain[rules] = chain;
        rowTarget[rules] = target;
        rules++;
      } else {
        if (last !== undefined) last.next = shape;
        last = shape;
        if (recent[0] !== shape) {
          let at = recent.indexOf(shape);
          if (at < 0) at = recent.length < 6 ? recent.length : 5;
          for (; at > 0; at--) recent[at] = recent[at - 1];
          recent[0] = shape;
        }
        const plan = shape.plan;
        // The chain: `-A NAME ...`.
        const s = start + 3;
        let e = text.indexOf(' ', s);
        if (e < 0 || e > end) e = end;
        let chain: number;
        if (lastChainName.length === e - s && sameChars(text, at[lastChain], s, e - s)) chain = lastChain;
        else {
          chain = -1;
          for (let i = declNext; i < names.length && i < declNext + 4; i++) {
            if (names[i].length === e - s && sameChars(text, at[i], s, e - s)) {
              chain = i;
              declNext = i + 1;
              break;
            }
          }
          if (chain < 0) chain = chains.find(text, s, e);
          lastChain = chain;
          lastChainName = chain >= 0 ? names[chain] : '';
        }
        // The target chain, if the target is one.
        let target = -1;
        if (plan.targetWord >= 0 && !plan.targetExtension) {
          if (plan.kinds[plan.targetWord] === VERBATIM) target = chains.findName(plan.targetName);
          else {
            const t = matchEnd;
            if (shape.lastLength === end - t && sameChars(text, shape.lastAt, t, end - t)) target = shape.lastId;
            else {
              target = chains.find(text, t, end);
              shape.lastAt = target >= 0 ? at[target] : t;
              shape.lastLength = end - t;
              shape.lastId = target;
            }
          }
          if (target >= 0) chainJumps++;
        }
        rowLine[rules] = start;
        rowPlan[rules] = shape.index;
        rowChain[rules] = chain;
        rowTarget[rules] = target;
        rules++;
      }
    } else if (c === 58 /* : */ && chains !== undefined) {
      CHAIN_LINE.lastIndex = start;
      const sp = CHAIN_LINE.test(text) ? text.indexOf(' ', start + 1) : -1;
      if (sp >= 0 && sp - start - 1 <= MAX_CHAIN_NAME) chains.add(text, start + 1, sp);
      else otherLines++;
    } else if (c === 42 /* * */) {
      chains = own ? new SpanNames() : new MapNames();
      names = chains.names;
      at = chains.at;
      // A shape's last target is a chain of the table it was read in.
      for (const shape of shapes) shape.lastLength = -1;
      tableRow = rules;
      declNext = 0;
      lastChainName = '';
      lastChain = -1;
    } else if (c === 67 /* C */ && chains !== undefined && text.startsWith('COMMIT', start)) {
      reached += reachable(names, rowChain, rowTarget, tableRow, rules);
      chainCount += names.length;
      chains = undefined;
    }
    start = end + 1;
  }
  return { rules, otherLines, chains: chainCount, chainJumps, reached };
}

/** Builds the jump graph of rows [from, to) in compressed rows and counts the chains hooks reach. */
function reachable(
  names: readonly string[],
  rowChain: Int32Array,
  rowTarget: Int32Array,
  from: number,
  to: number,
): number {
  const n = names.length;
  const edgeStart = new Int32Array(n + 1);
  for (let r = from; r < to; r++) if (rowTarget[r] >= 0 && rowChain[r] >= 0) edgeStart[rowChain[r] + 1]++;
  for (let c = 0; c < n; c++) edgeStart[c + 1] += edgeStart[c];
  const fill = edgeStart.slice(0, n);
  const edgeTo = new Int32Array(edgeStart[n]);
  for (let r = from; r < to; r++) if (rowTarget[r] >= 0 && rowChain[r] >= 0) edgeTo[fill[rowChain[r]]++] = rowTarget[r];
  const mask = new Uint8Array(n);
  const queue: number[] = [];
  for (let c = 0; c < n; c++) {
    const bit = names[c].length <= 11 ? HOOK_BITS[names[c]] : undefined;
    if (bit !== undefined) {
      mask[c] = bit;
      queue.push(c);
    }
  }
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q];
    for (let e = edgeStart[v]; e < edgeStart[v + 1]; e++) {
      const w = edgeTo[e];
      const gained = mask[v] & ~mask[w];
      if (gained !== 0) {
        mask[w] |= gained;
        queue.push(w);
      }
    }
  }
  let count = 0;
  for (let c = 0; c < n; c++) if (mask[c] !== 0) count++;
  return count;
}
