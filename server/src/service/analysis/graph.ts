/**
 * The jump graph of one table: which user chains each rule jumps or goes to, from which hooks each
 * chain is reached (computed once per table by propagating hook bit masks along jumps, so the cost
 * is linear in rules), the calling path that first reached a chain from each hook (for messages),
 * and the jump cycles (strongly connected components, found iteratively).
 */
import type { Chain, Hook, Rule, Table } from '../model';
import { HOOKS } from '../model';
import { ChainList, ChainMap, chainList } from '../parser/chainMap';
import { FastRule, type RuleRows, rowChainTarget } from '../parser/fastRule';
import { joinNames, NameKeys } from '../parser/nameKeys';

/** Bit of each hook in a hook mask. */
export const HOOK_BIT: Record<Hook, number> = {
  PREROUTING: 1,
  INPUT: 2,
  FORWARD: 4,
  OUTPUT: 8,
  POSTROUTING: 16,
};

/** Hook names of a mask, in netfilter order. */
export function hooksOf(mask: number): Hook[] {
  const out: Hook[] = [];
  for (const h of HOOKS) if (mask & HOOK_BIT[h]) out.push(h);
  return out;
}

/** Mask of a list of hooks. */
export function maskOf(hooks: readonly Hook[]): number {
  let m = 0;
  for (const h of hooks) m |= HOOK_BIT[h];
  return m;
}

/** A rule that jumps (-j) or goes (-g) to a user chain of the same table. */
export interface Edge {
  rule: Rule;
  to: string;
}

/**
 * The jump graph with chains numbered 0..n-1 (table order) and edges in compressed rows: the
 * out-edges of chain `c` are `edgeTo[edgeStart[c] .. edgeStart[c + 1])`.
 */
/**
 * Chain name → chain number in a graph, answered through the table's own chain map and the
 * number each chain was given (see buildGraph): a second map of every name would cost as much as
 * the first to build, and a kube-proxy table has a chain per service and endpoint. A chain the
 * table maps the name to that is not the graph's chain of that number (the table changed since,
 * or the chain belongs to another version of it) is answered from a map of the graph's own names,
 * made then; so the answers are always those of a map from the graph's names.
 */
export class ChainIds {
  private byName: Map<string, number> | undefined;

  constructor(
    private readonly table: Table,
    private readonly chains: ChainList,
  ) {}

  get(name: string): number | undefined {
    const c = this.table.chains.get(name);
    if (c !== undefined) {
      const i = c.graphIndex;
      if (i !== undefined && i >= 0 && i < this.chains.length && this.chains.at(i) === c) return i;
    }
    if (this.byName === undefined) {
      this.byName = new Map();
      for (let k = 0; k < this.chains.length; k++) this.byName.set(this.chains.name(k), k);
    }
    return this.byName.get(name);
  }
}

export interface TableGraph {
  table: Table;
  /** The chains' names, by number (made on first use: the analyses of a clean table never need them). */
  readonly names: readonly string[];
  id: ChainIds;
  edgeStart: Int32Array;
  edgeTo: Int32Array;
  /** The graph's chains, by number (read from their columns while they have no objects, see ChainList). */
  chains: ChainList;
  /** Per edge: the chain it leaves (its number) and the place of its rule in that chain (see edgeRule). */
  edgeFrom: Int32Array;
  edgeIndex: Int32Array;
  /** Replaced whenever an edge's rule is another object (then calling paths may read differently). */
  edgeRules: object;
  /** 1 for the built-in chains. */
  builtin: Uint8Array;
  /** Number of rules that jump or go to each chain. */
  references: Int32Array;
  /** Hooks from which each chain is reached (built-in chains: their own hook). */
  mask: Uint8Array;
  /** Per chain and hook bit index (chain * 5 + bit): the edge through which the hook first reached it, or -1. */
  viaEdge: Int32Array;
  /**
   * 1 for a chain with a rule that jumps or goes to a name that is not a user chain of the table
   * (undefined, or a built-in chain): only those chains need checkChainJumpTargets.
   */
  badJump: Uint8Array;
}

function bitIndex(bit: number): number {
  return 31 - Math.clz32(bit);
}

/** Builds the jump graph of a table and propagates hook reachability. Linear in rules. */
export function buildGraph(table: Table): TableGraph {
  const chains = chainList(table.chains);
  const n = chains.length;
  const builtin = new Uint8Array(n);
  let k = 0;
  let ruleCount = 0;
  chains.number();
  for (k = 0; k < n; k++) {
    if (chains.builtin(k)) builtin[k] = 1;
    ruleCount += chains.ruleCount(k);
  }
  const id = new ChainIds(table, chains);
  const resolve = resolver(table, chains);
  const references = new Int32Array(n);
  const mask = new Uint8Array(n);
  const edgeStart = new Int32Array(n + 1);
  const badJump = new Uint8Array(n);
  // At most one edge per rule: sized once, cut to the edges found.
  const to = new Int32Array(ruleCount);
  const from = new Int32Array(ruleCount);
  const at = new Int32Array(ruleCount);
  let edges = 0;
  for (k = 0; k < n; k++) {
    edgeStart[k] = edges;
    if (builtin[k] === 1) {
      const name = chains.name(k);
      if (isHook(name)) mask[k] = HOOK_BIT[name as Hook];
    }
    // A chain still in rows is read from them (no rule object made).
    const rows = chains.rows(k);
    const first = rows !== undefined ? chains.rowStart(k) : 0;
    const rules = rows !== undefined ? undefined : chains.rules(k);
    const count = rules !== undefined ? rules.length : chains.ruleCount(k);
    // The rows' targets with keys are looked up all at once (see resolver).
    const keyDest = rows !== undefined ? resolve(rows) : undefined;
    for (let i = 0; i < count; i++) {
      let dest: number | undefined;
      const key = rows !== undefined ? rows.key[first + i] : -1;
      if (key >= 0 && (keyDest as Int32Array)[key] >= 0) dest = (keyDest as Int32Array)[key];
      else if (key >= 0 && (rows as RuleRows).ctx.keys?.keyed(key)) dest = undefined;
      else {
        const name = rows !== undefined ? rowChainTarget(rows, first + i) : chainTargetOf((rules as Rule[])[i]);
        if (name === undefined) continue;
        // (The table maps the name to the chain numbered just above, or to none.)
        dest = table.chains.get(name)?.graphIndex;
      }
      if (dest === undefined || dest < 0) {
        badJump[k] = 1;
        continue;
      }
      references[dest]++;
      if (builtin[dest]) {
        badJump[k] = 1;
        continue;
      }
      to[edges] = dest;
      from[edges] = k;
      at[edges] = i;
      edges++;
    }
  }
  edgeStart[n] = edges;
  const edgeTo = to.slice(0, edges);
  const edgeFrom = from.slice(0, edges);
  const edgeIndex = at.slice(0, edges);
  const viaEdge = new Int32Array(n * 5).fill(-1);
  // Propagate: a chain is re-queued only when it gains a hook bit, so at most 5 times.
  // A ring of n + 1 places: a chain waits in it at most once at a time (queued only when not
  // waiting already), so it never holds more than n.
  const queue = new Int32Array(n + 1);
  const waiting = new Uint8Array(n);
  let head = 0;
  let tail = 0;
  for (let c = 0; c < n; c++)
    if (mask[c] !== 0) {
      queue[tail++] = c;
      waiting[c] = 1;
    }
  while (head !== tail) {
    const from = queue[head];
    head = head === n ? 0 : head + 1;
    waiting[from] = 0;
    const m = mask[from];
    for (let e = edgeStart[from]; e < edgeStart[from + 1]; e++) {
      const dest = edgeTo[e];
      const gained = m & ~mask[dest];
      if (gained === 0) continue;
      mask[dest] |= gained;
      for (let g = gained; g !== 0; g &= g - 1) viaEdge[dest * 5 + bitIndex(g & -g)] = e;
      if (waiting[dest] === 0) {
        waiting[dest] = 1;
        queue[tail] = dest;
        tail = tail === n ? 0 : tail + 1;
      }
    }
  }
  let names: string[] | undefined;
  return {
    table,
    get names() {
      if (names === undefined) {
        names = new Array(n);
        for (let c = 0; c < n; c++) (names as string[])[c] = chains.name(c);
      }
      return names;
    },
    id,
    edgeStart,
    edgeTo,
    chains,
    edgeFrom,
    edgeIndex,
    edgeRules: {},
    builtin,
    references,
    mask,
    viaEdge,
    badJump,
  };
}

/**
 * For the rows of a table: the chain number (in `names`) each key of the rows' target names
 * names, or -1 (see RuleRows.key). Worked out for all their keys at once: one
 * `Map` lookup per jump reads memory at random, and a kube-proxy table has tens of thousands.
 */
function resolver(table: Table, chains: ChainList): (rows: RuleRows) => Int32Array | undefined {
  let nameKeys: NameKeys | undefined;
  // (A table's chains share one rows object: the rows of one table section.)
  let lastRows: RuleRows | undefined;
  let lastDest: Int32Array | undefined;
  return (rows) => {
    if (rows === lastRows) return lastDest;
    const keys = rows.ctx.keys;
    lastRows = rows;
    lastDest = undefined;
    if (keys !== undefined && keys.count > 0) {
      nameKeys ??= chainKeys(table, chains);
      lastDest = joinNames(nameKeys, keys);
    }
    return lastDest;
  };
}

/**
 * The keys of the chains' names, key k for chain k (a name without a key matches nothing): the
 * keys the parser made of the names declared in place (ChainMap.declKeys), as they are when the
 * chains are those declarations in order (the usual table), else made again from the names.
 */
function chainKeys(table: Table, chains: ChainList): NameKeys {
  const n = chains.length;
  const declared = table.chains instanceof ChainMap ? table.chains.declKeys : undefined;
  if (declared !== undefined && declared.count === n) {
    let k = 0;
    while (k < n && chains.keyAt(k) === k) k++;
    if (k === n) return declared;
  }
  // (Not in declaration order: every name keyed again, from its string.)
  const keys = new NameKeys(n);
  for (let k = 0; k < n; k++) {
    const name = chains.name(k);
    keys.add(name, 0, name.length);
  }
  return keys;
}

/** The rule behind edge `e` (made on use when its chain is still in rows). */
export function edgeRule(g: TableGraph, e: number): Rule {
  return g.chains.rules(g.edgeFrom[e])[g.edgeIndex[e]];
}

function isHook(name: string): boolean {
  return (HOOKS as readonly string[]).includes(name);
}

/** Hooks reaching the chain `name` (0 when none, or no such chain). */
export function hookMask(g: TableGraph, name: string): number {
  const c = g.id.get(name);
  return c === undefined ? 0 : g.mask[c];
}

/** How many rules jump or go to the chain `name`. */
export function referenceCount(g: TableGraph, name: string): number {
  const c = g.id.get(name);
  return c === undefined ? 0 : g.references[c];
}

/** The out-edges of a chain (rules jumping to user chains). */
export function edgesOf(g: TableGraph, name: string): Edge[] {
  const c = g.id.get(name);
  const out: Edge[] = [];
  if (c === undefined) return out;
  for (let e = g.edgeStart[c]; e < g.edgeStart[c + 1]; e++)
    out.push({ rule: edgeRule(g, e), to: g.names[g.edgeTo[e]] });
  return out;
}

/**
 * The calling rules from `hook` down to `chain` (outermost first), following the rules that
 * first reached it. Empty for a built-in chain.
 */
export function pathFromHook(g: TableGraph, chain: string, hook: Hook): Rule[] {
  const bit = bitIndex(HOOK_BIT[hook]);
  const path: Rule[] = [];
  let c = g.id.get(chain);
  // Bounded: each step goes to a chain that gained the bit strictly earlier.
  for (let steps = 0; c !== undefined && steps <= g.chains.length; steps++) {
    const e = g.viaEdge[c * 5 + bit];
    if (e < 0) break;
    path.push(edgeRule(g, e));
    c = g.edgeFrom[e];
  }
  return path.reverse();
}

/** Human-readable call path: `POSTROUTING → A → B`. */
export function describePath(hook: Hook, path: Rule[], chain: string): string {
  const names: string[] = [hook];
  for (const r of path) names.push(r.target?.name ?? '?');
  if (names[names.length - 1] !== chain) names.push(chain);
  return names.join(' → ');
}

/**
 * Strongly connected components of the user-chain graph that contain a cycle (more than one
 * chain, or a chain jumping to itself), as chain ids. Iterative Tarjan over typed arrays.
 */
export function jumpCycles(g: TableGraph): number[][] {
  const n = g.chains.length;
  // Most tables have no cycle: peeling off chains nothing jumps to (Kahn's order) shows that in
  // two passes over flat arrays, cheaper than the search below.
  if (acyclic(g)) return [];
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const frameV: number[] = [];
  const frameE: number[] = [];
  const result: number[][] = [];
  let counter = 0;
  for (let start = 0; start < n; start++) {
    if (index[start] >= 0 || g.edgeStart[start] === g.edgeStart[start + 1]) continue;
    index[start] = low[start] = counter++;
    stack.push(start);
    onStack[start] = 1;
    frameV.push(start);
    frameE.push(g.edgeStart[start]);
    while (frameV.length > 0) {
      const top = frameV.length - 1;
      const v = frameV[top];
      const e = frameE[top];
      if (e < g.edgeStart[v + 1]) {
        frameE[top] = e + 1;
        const w = g.edgeTo[e];
        if (index[w] < 0) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          frameV.push(w);
          frameE.push(g.edgeStart[w]);
        } else if (onStack[w] && index[w] < low[v]) low[v] = index[w];
        continue;
      }
      frameV.pop();
      frameE.pop();
      if (frameV.length > 0) {
        const p = frameV[frameV.length - 1];
        if (low[v] < low[p]) low[p] = low[v];
      }
      if (low[v] === index[v]) {
        if (stack[stack.length - 1] === v) {
          // A component of one chain (the usual case): no list unless it jumps to itself.
          stack.pop();
          onStack[v] = 0;
          if (selfLoop(g, v)) result.push([v]);
          continue;
        }
        const comp: number[] = [];
        for (;;) {
          const w = stack.pop()!;
          onStack[w] = 0;
          comp.push(w);
          if (w === v) break;
        }
        if (comp.length > 1 || selfLoop(g, v)) result.push(comp.reverse());
      }
    }
  }
  return result;
}

/** Whether the user-chain graph has no cycle: every chain peels off in topological order. */
function acyclic(g: TableGraph): boolean {
  const n = g.chains.length;
  const { edgeStart, edgeTo } = g;
  const inDegree = new Int32Array(n);
  for (let e = 0; e < edgeTo.length; e++) inDegree[edgeTo[e]]++;
  const queue = new Int32Array(n);
  let tail = 0;
  for (let c = 0; c < n; c++) if (inDegree[c] === 0) queue[tail++] = c;
  for (let head = 0; head < tail; head++) {
    const c = queue[head];
    for (let e = edgeStart[c]; e < edgeStart[c + 1]; e++) if (--inDegree[edgeTo[e]] === 0) queue[tail++] = edgeTo[e];
  }
  return tail === n;
}

function selfLoop(g: TableGraph, v: number): boolean {
  for (let e = g.edgeStart[v]; e < g.edgeStart[v + 1]; e++) if (g.edgeTo[e] === v) return true;
  return false;
}

/**
 * The graph of `table` derived from `old` (the graph of an earlier version of the table with the
 * same chains in the same order, `oldChains` its Chain objects) when the edit changed no jump:
 * every changed chain jumps to the same chains in the same order. Only the rules behind the edges
 * are replaced. Undefined when the jumps differ (the graph must be rebuilt).
 */
export function patchGraph(old: TableGraph, table: Table, oldChains: ChainList): TableGraph | undefined {
  let edgeIndex: Int32Array | undefined;
  let rulesChanged = false;
  let badJump: Uint8Array | undefined;
  const chains: Chain[] = new Array(oldChains.length);
  let c = 0;
  for (const chain of table.chains.values()) {
    chains[c] = chain;
    chain.graphIndex = c;
    const was = oldChains.at(c);
    if (chain !== was) {
      const bad = hasBadJump(old, chain.rules) ? 1 : 0;
      if (bad !== (badJump ?? old.badJump)[c]) {
        badJump ??= old.badJump.slice();
        badJump[c] = bad;
      }
      // Same jumps: the same sequence of destination ids, including jumps to built-in chains
      // (which count as references); then the edges are the same and only their rules change.
      const a = chain.rules;
      const b = was.rules;
      let i = 0;
      let j = 0;
      let e = old.edgeStart[c];
      for (;;) {
        while (i < a.length && jumpDest(old, a[i]) < 0) i++;
        while (j < b.length && jumpDest(old, b[j]) < 0) j++;
        if (i === a.length || j === b.length) break;
        const dest = jumpDest(old, a[i]);
        if (dest !== jumpDest(old, b[j])) return undefined;
        if (old.builtin[dest] === 0) {
          // An edited jump rule is another object; its place in the chain may have moved.
          if (a[i] !== b[j]) rulesChanged = true;
          if ((edgeIndex ?? old.edgeIndex)[e] !== i) {
            edgeIndex ??= old.edgeIndex.slice();
            edgeIndex[e] = i;
          }
          e++;
        }
        i++;
        j++;
      }
      if (i !== a.length || j !== b.length) return undefined;
    }
    c++;
  }
  const list = ChainList.of(chains);
  return {
    ...old,
    table,
    id: new ChainIds(table, list),
    chains: list,
    edgeIndex: edgeIndex ?? old.edgeIndex,
    edgeRules: rulesChanged ? {} : old.edgeRules,
    badJump: badJump ?? old.badJump,
  };
}

/** Whether a rule jumps or goes to a name that is not a user chain of the graph's table. */
function hasBadJump(g: TableGraph, rules: readonly Rule[]): boolean {
  for (let i = 0; i < rules.length; i++) {
    const name = chainTargetOf(rules[i]);
    if (name === undefined) continue;
    const dest = g.id.get(name);
    if (dest === undefined || g.builtin[dest] === 1) return true;
  }
  return false;
}

/** The chain id a rule jumps or goes to, or -1. */
function jumpDest(g: TableGraph, rule: Rule): number {
  const name = chainTargetOf(rule);
  return name === undefined ? -1 : (g.id.get(name) ?? -1);
}

/**
 * The name a rule jumps or goes to when that is not a target extension (so it names a chain),
 * else undefined. A fast-lane rule answers from its fields without making its target object.
 */
export function chainTargetOf(rule: Rule): string | undefined {
  if (rule instanceof FastRule) return rule.plan.targetExtension ? undefined : rule.targetName;
  const t = rule.target;
  return t === undefined || t.isExtension ? undefined : t.name;
}
