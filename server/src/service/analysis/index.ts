/**
 * Semantic analyses over a parsed document: for each table of each family, the jump graph is
 * built once (hook reachability of user chains, jump cycles), then every analysis runs over the
 * table: kernel restrictions of matches and targets, interface options against hooks, chain
 * references, loops and unused chains, unreachable rules, deprecated forms. Every analysis is
 * linear in the number of rules.
 */
import type { Diagnostic, Family, ParsedDocument } from '../model';
import { isBuiltinTable } from '../model';
import { checkChains } from './chains';
import type { TableContext } from './context';
import { checkDeprecated } from './deprecated';
import { checkExtensions } from './extensions';
import { buildGraph } from './graph';
import { checkInterfaces } from './interfaces';
import { checkUnreachable } from './unreachable';

/** The analyses run on every table, in order. */
const ANALYSES: readonly ((ctx: TableContext) => void)[] = [
  checkExtensions,
  checkInterfaces,
  checkChains,
  checkUnreachable,
  checkDeprecated,
];

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
      const ctx: TableContext = { doc, family, table, graph: buildGraph(table), out };
      for (const a of ANALYSES) a(ctx);
    }
  }
  return out;
}
