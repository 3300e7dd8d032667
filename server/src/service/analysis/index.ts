/**
 * Semantic analyses over a parsed document: for each table of each family, the jump graph is
 * built once (hook reachability of user chains, jump cycles), then every analysis runs over the
 * table: kernel restrictions of matches and targets, interface options against hooks, chain
 * references, loops and unused chains, unreachable rules, deprecated forms. Every analysis is
 * linear in the number of rules.
 *
 * Re-analysing after an edit reuses earlier work (see memo.ts): an incremental re-parse shares
 * the Rule, Chain and Table objects an edit left untouched, so an unchanged table's findings are
 * taken as they were, an unchanged chain's too, and the jump graph is patched rather than rebuilt
 * when no jump changed.
 */
import type { Chain, Diagnostic, Family, ParsedDocument, Rule } from '../model';
import { isBuiltinTable } from '../model';
import { type ChainList, chainList } from '../parser/chainMap';
import { FastRule, type RuleRows } from '../parser/fastRule';
import { checkChainJumpTargets, checkTableChains } from './chains';
import type { TableContext } from './context';
import { checkRuleDeprecated } from './deprecated';
import { checkRuleExtensions } from './extensions';
import { buildGraph, patchGraph } from './graph';
import { checkRuleInterfaces } from './interfaces';
import {
  CHAIN_SETS,
  type ChainMemo,
  chainKey,
  chainOwner,
  cleanKey,
  NONE,
  OWNED_CHAINS,
  sameChainSet,
  setKey,
  type TableState,
  tableStates,
} from './memo';
import { shapeFacts, valuesInert } from './shapes';
import { checkChainUnreachable, rowsMayShadow } from './unreachable';

const TABLE_INDEX: Record<string, number> = { raw: 0, mangle: 1, nat: 2, filter: 3, security: 4 };

/**
 * Chain names the per-rule checks treat apart (iptables refuses -i/-o in them by name): 1-4, or 0
 * for any other name. Compared by length, then content (the string is made only for the lengths
 * of those names): looking a chain name up as an object key would make V8 intern every name of a
 * table of 100k chains.
 */
function namedChain(chains: ChainList, k: number): number {
  const len = chains.nameLength(k);
  if (len !== 5 && len !== 6 && len !== 10 && len !== 11) return 0;
  const name = chains.name(k);
  switch (len) {
    case 5:
      return name === 'INPUT' ? 4 : 0;
    case 6:
      return name === 'OUTPUT' ? 1 : 0;
    case 10:
      return name === 'PREROUTING' ? 3 : 0;
    case 11:
      return name === 'POSTROUTING' ? 2 : 0;
    default:
      return 0;
  }
}

/**
 * Runs every semantic analysis on the document's final rulesets. Returns the diagnostics in no
 * particular order (documentDiagnostics sorts them and applies suppression comments).
 */
export function analyze(doc: ParsedDocument, _text?: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const family of [4, 6] as Family[]) {
    const rs = doc.rulesets[family];
    if (!rs) continue;
    for (const table of rs.tables.values()) {
      if (!isBuiltinTable(table.name)) continue;
      const found = analyzeTable(doc, family, table);
      for (let i = 0; i < found.length; i++) out.push(found[i]);
    }
  }
  return out;
}

let chainSets = 0;

/** The findings of one table, in the order of running the analyses one after the other. */
function analyzeTable(doc: ParsedDocument, family: Family, table: TableContext['table']): Diagnostic[] {
  const same = tableStates.get(table);
  if (same && same.family === family && same.form === doc.form) return same.out;

  // The state of an earlier version of this table, found through a chain both share.
  let pred: TableState | undefined;
  const list = chainList(table.chains);
  for (let k = 0; k < list.length && k < OWNED_CHAINS && pred === undefined; k++) pred = chainOwner.get(list.at(k));
  let chainSet: number;
  let graph: TableState['graph'] | undefined;
  let graphToken: object;
  // The predecessor's chains and their memos, position by position (same chain set, same order).
  let predChains: ChainList | undefined;
  let predMemos: TableState['memos'] | undefined;
  if (pred && pred.family === family && pred.tableName === table.name && sameChainSet(pred, table)) {
    chainSet = pred.chainSet;
    graph = patchGraph(pred.graph, table, pred.chains);
    graphToken = graph && graph.edgeRules === pred.graph.edgeRules ? pred.graphToken : {};
    predChains = pred.chains;
    predMemos = pred.memos;
  } else {
    chainSet = chainSets = (chainSets + 1) % CHAIN_SETS;
    graphToken = {};
  }
  graph ??= buildGraph(table);

  const out: Diagnostic[] = [];
  const ctx: TableContext = { doc, family, table, graph, out };
  // Each analysis's findings are collected apart, then joined in the order of the analyses:
  // extensions, interfaces, jump targets, loops/unused/names, unreachable rules, deprecated forms.
  const ext: Diagnostic[] = [];
  const iface: Diagnostic[] = [];
  const jumps: Diagnostic[] = [];
  const unreachable: Diagnostic[] = [];
  const depr: Diagnostic[] = [];
  const tableIndex = TABLE_INDEX[table.name];
  const set = setKey(chainSet, doc.form);
  // The graph's chains are the table's, in its order (buildGraph and patchGraph number them so).
  const chains = graph.chains;
  const n = chains.length;
  const memos: TableState['memos'] = new Array(n);
  for (let at = 0; at < n; at++) {
    const mask = graph.mask[at];
    const key = chainKey(family, tableIndex, mask);
    const clean = cleanKey(key, set);
    // A chain the edit left alone has the predecessor's memo at the same position.
    const memo = predChains?.same(at, chains) ? predMemos![at] : undefined;
    if (memo === clean) {
      memos[at] = clean;
      continue;
    }
    let m: ChainMemo;
    if (typeof memo === 'object') m = memo;
    else {
      // Nothing found under other contexts: the per-rule part still holds if the context is the same.
      const wasKey = memo === undefined ? -1 : memo % 512;
      m = { key: wasKey, graphToken, ext: NONE, iface: NONE, depr: NONE, setKey: -1, jumps: NONE, unreachable: NONE };
    }
    // Findings mention the calling path (from the graph): reuse non-empty ones only with the same graph.
    const perRuleValid =
      m.key === key && (m.graphToken === graphToken || (m.ext === NONE && m.iface === NONE && m.depr === NONE));
    if (!perRuleValid) {
      // (The chain's name is made only for a rule that is checked.)
      ctx.chainName = undefined;
      ctx.chainMask = mask;
      let e = NONE;
      let f = NONE;
      let d = NONE;
      const shapeKey = key * 8 + namedChain(chains, at);
      // A chain still in rows is read from them: a rule object is made only to be checked.
      const rows = chains.rows(at);
      const first = rows !== undefined ? chains.rowStart(at) : 0;
      const list = rows !== undefined ? undefined : chains.rules(at);
      const count = list !== undefined ? list.length : chains.ruleCount(at);
      for (let i = 0; i < count; i++) {
        const listed = list !== undefined ? list[i] : undefined;
        // A fast-lane rule whose shape was found clean in this context is clean too (unless the
        // checks read its values), and its details need not be built.
        const facts =
          rows !== undefined
            ? shapeFacts(rows.planOf(first + i))
            : listed instanceof FastRule
              ? shapeFacts(listed.plan)
              : undefined;
        if (facts?.clean.has(shapeKey)) continue;
        const rule = listed ?? (rows as RuleRows).ruleAt(first + i);
        // A rule whose values make no restriction apply is as clean as its shape (see ShapeFacts).
        const inert = facts?.valueWords !== undefined && valuesInert(facts, rule as FastRule);
        if (inert && facts?.cleanInert.has(shapeKey)) continue;
        ctx.chainName ??= chains.name(at);
        const before = e.length + f.length + d.length;
        e = collect(ctx, e, checkRuleExtensions, rule);
        f = collect(ctx, f, checkRuleInterfaces, rule);
        d = collect(ctx, d, checkRuleDeprecated, rule);
        if (facts && e.length + f.length + d.length === before) {
          if (!facts.valueSensitive) facts.clean.add(shapeKey);
          else if (inert) facts.cleanInert.add(shapeKey);
        }
      }
      m.key = key;
      m.graphToken = graphToken;
      m.ext = e;
      m.iface = f;
      m.depr = d;
    }
    if (m.setKey !== set) {
      // The graph knows which chains jump to names that are not user chains: only those are checked.
      m.jumps = graph.badJump[at] === 1 ? collectChain(ctx, checkChainJumpTargets, chains.at(at)) : NONE;
      // (Rows that cannot hide a rule need no chain object.)
      const rows = chains.rows(at);
      const first = rows !== undefined ? chains.rowStart(at) : 0;
      m.unreachable =
        rows !== undefined && !rowsMayShadow(rows, first, first + chains.ruleCount(at))
          ? NONE
          : collectChain(ctx, checkChainUnreachable, chains.at(at));
      m.setKey = set;
    }
    if (m.ext === NONE && m.iface === NONE && m.depr === NONE && m.jumps === NONE && m.unreachable === NONE) {
      memos[at] = clean;
      continue;
    }
    memos[at] = m;
    for (const x of m.ext) ext.push(x);
    for (const x of m.iface) iface.push(x);
    for (const x of m.jumps) jumps.push(x);
    for (const x of m.unreachable) unreachable.push(x);
    for (const x of m.depr) depr.push(x);
  }
  ctx.chainName = undefined;
  ctx.chainMask = undefined;
  ctx.out = out;
  for (const x of ext) out.push(x);
  for (const x of iface) out.push(x);
  for (const x of jumps) out.push(x);
  // The whole-table checks read the graph and the chain names only: same graph, same findings.
  let tableChecks: Diagnostic[];
  if (pred && pred.graphToken === graphToken && pred.chainSet === chainSet && pred.form === doc.form)
    tableChecks = pred.tableChecks;
  else {
    tableChecks = [];
    ctx.out = tableChecks;
    checkTableChains(ctx);
    ctx.out = out;
  }
  for (const x of tableChecks) out.push(x);
  for (const x of unreachable) out.push(x);
  for (const x of depr) out.push(x);

  const state: TableState = {
    family,
    form: doc.form,
    tableName: table.name,
    chains,
    memos,
    graph,
    graphToken,
    chainSet,
    out,
    tableChecks,
  };
  tableStates.set(table, state);
  for (let i = 0; i < chains.length && i < OWNED_CHAINS; i++) chainOwner.set(chains.at(i), state);
  return out;
}

/** Where the per-rule checks report (emptied after each). */
const scratch: Diagnostic[] = [];

/** Runs a per-rule check; returns `list` with its findings added (a fresh list for the first). */
function collect(
  ctx: TableContext,
  list: Diagnostic[],
  check: (ctx: TableContext, rule: Rule) => void,
  rule: Rule,
): Diagnostic[] {
  ctx.out = scratch;
  check(ctx, rule);
  if (scratch.length === 0) return list;
  const out = list === NONE ? [] : list;
  for (const d of scratch) out.push(d);
  scratch.length = 0;
  return out;
}

/** Runs a per-chain check; its findings, or NONE. */
function collectChain(ctx: TableContext, check: (ctx: TableContext, chain: Chain) => void, chain: Chain): Diagnostic[] {
  ctx.out = scratch;
  check(ctx, chain);
  if (scratch.length === 0) return NONE;
  const out = scratch.slice();
  scratch.length = 0;
  return out;
}
