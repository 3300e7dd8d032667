/**
 * What the analyses remember between runs, keyed weakly by the model objects (so nothing is kept
 * alive by it): per table the findings, the jump graph and, by chain position, the findings of
 * each analysis per chain. An incremental re-parse shares unchanged Chain/Table objects with the
 * previous parse; these entries let a re-analysis skip them.
 *
 * Validity: the per-rule analyses (extensions, interfaces, deprecated forms) depend only on the
 * rule, its table, its family and the hook mask of its chain, except that a finding's message may
 * describe the calling path, which comes from the graph; jump-target findings depend on the chain,
 * the table's set of chains and the document form; unreachable rules on the chain alone.
 */
import type { Chain, Diagnostic, DocumentForm, Family, Table } from '../model';
import type { ChainList } from '../parser/chainMap';
import type { TableGraph } from './graph';

/** Shared empty list (never written to). */
export const NONE: Diagnostic[] = [];

/** One analysis of a table. */
export interface TableState {
  family: Family;
  form: DocumentForm;
  tableName: string;
  /** The table's chains, in order (the graph's). */
  chains: ChainList;
  /**
   * Per chain (same positions): its ChainMemo, or for a chain without findings (most) just
   * cleanKey(key, setKey). Kept by position rather than in a WeakMap keyed by chain: tens of
   * thousands of weak entries make every garbage collection slower.
   */
  memos: (ChainMemo | number)[];
  graph: TableGraph;
  /** Changes whenever the graph's calling paths may read differently (a rebuilt or patched graph). */
  graphToken: object;
  /** Shared by the analyses of versions of the table with the same chains (names and kinds). */
  chainSet: number;
  /** Every finding of the table, in order. */
  out: Diagnostic[];
  /** The findings of the whole-table chain checks (loops, unused chains, chain names). */
  tableChecks: Diagnostic[];
}

/** One chain's findings, when it has any. */
export interface ChainMemo {
  /** See chainKey: what the per-rule findings were made under. */
  key: number;
  graphToken: object;
  ext: Diagnostic[];
  iface: Diagnostic[];
  depr: Diagnostic[];
  /** See setKey: what the jump-target and unreachable findings were made under. */
  setKey: number;
  jumps: Diagnostic[];
  unreachable: Diagnostic[];
}

export const tableStates = new WeakMap<Table, TableState>();
/** The last table analysis the first chains of a table were part of (to find its predecessor). */
export const chainOwner = new WeakMap<Chain, TableState>();
/** How many chains of a table are entered in chainOwner. */
export const OWNED_CHAINS = 16;

/** Per-rule context of a chain: hook mask (bits 0-4), family (bit 5), table (bits 6-8). */
export function chainKey(family: Family, tableIndex: number, mask: number): number {
  return (family === 6 ? 32 : 0) | (tableIndex << 6) | mask;
}

/** Context of the jump-target findings: the chain set (numbered) and the document form. */
export function setKey(chainSet: number, form: DocumentForm): number {
  return chainSet * 2 + (form === 'shell' ? 1 : 0);
}

/** Chain sets are numbered modulo this, which keeps cleanKey a small integer. */
export const CHAIN_SETS = 1 << 20;

/** A chain without findings under both contexts, as one small integer. */
export function cleanKey(key: number, set: number): number {
  return key + 512 * set;
}

/** Whether the table has the same chains (names, built-in or not, order) as the analysed one. */
export function sameChainSet(state: TableState, table: Table): boolean {
  const chains = state.chains;
  if (chains.length !== table.chains.size) return false;
  let k = 0;
  let same = true;
  // forEach: no iterator result per chain.
  table.chains.forEach((c) => {
    const o = chains.at(k++);
    if (same && o !== c && (o.name !== c.name || o.builtin !== c.builtin)) same = false;
  });
  return same;
}

/** Empties `list` and returns its former contents. */
export function take(list: Diagnostic[]): Diagnostic[] {
  return list.splice(0, list.length);
}
