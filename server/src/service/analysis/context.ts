/**
 * What every per-table analysis receives (the document, the table, its jump graph, the output
 * list) and the helpers they share: reporting a diagnostic and explaining through which chain path
 * a hook reaches a rule.
 */
import type { Diagnostic, Family, Hook, ParsedDocument, Rule, Severity, Span, Table } from '../model';
import { describePath, HOOK_BIT, hookMask, hooksOf, pathFromHook, type TableGraph } from './graph';

export interface TableContext {
  doc: ParsedDocument;
  family: Family;
  table: Table;
  graph: TableGraph;
  out: Diagnostic[];
  /** The chain whose rules are being checked and its hook mask (saves a lookup per rule). */
  chainName?: string;
  chainMask?: number;
}

export function report(
  ctx: TableContext,
  code: string,
  severity: Severity,
  span: Span,
  message: string,
  data?: Record<string, unknown>,
  related?: Diagnostic['related'],
): void {
  const d: Diagnostic = { code, severity, message, span };
  if (data) d.data = data;
  if (related && related.length > 0) d.related = related;
  ctx.out.push(d);
}

/** Hooks from which the rule's chain is reached (a built-in chain: its own hook). */
export function ruleHooks(ctx: TableContext, rule: Rule): number {
  if (ctx.chainMask !== undefined && ctx.chainName === rule.chain) return ctx.chainMask;
  return hookMask(ctx.graph, rule.chain);
}

/** Whether the rule's chain is a built-in chain of its table. */
export function inBuiltinChain(ctx: TableContext, rule: Rule): boolean {
  return ctx.table.chains.get(rule.chain)?.builtin ?? false;
}

export interface HookExplanation {
  /** The hooks (among `bad`) that reach the rule, in netfilter order. */
  hooks: Hook[];
  /** E.g. ` (chain X is called from POSTROUTING: POSTROUTING → Y → X)`; empty for built-in chains. */
  suffix: string;
  /** The calling rules along the path from the first bad hook. */
  related: { span: Span; message: string }[];
}

/** Explains how the hooks in `bad` (a mask) reach `rule`. */
export function explainHooks(ctx: TableContext, rule: Rule, bad: number): HookExplanation {
  const hooks = hooksOf(bad);
  if (inBuiltinChain(ctx, rule) || hooks.length === 0) return { hooks, suffix: '', related: [] };
  const first = hooks[0];
  const path = pathFromHook(ctx.graph, rule.chain, first);
  const related = path.map((r) => ({
    span: r.target?.span ?? r.span,
    message: `${r.target?.kind === 'goto' ? 'goes' : 'jumps'} to ${r.target?.name} (reached from ${first})`,
  }));
  const suffix = ` (chain ${rule.chain} is called from ${hooks.join(', ')}: ${describePath(first, path, rule.chain)})`;
  return { hooks, suffix, related };
}

/** Mask of every hook. */
export const ALL_HOOKS = 31;

export { HOOK_BIT };
