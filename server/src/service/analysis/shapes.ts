/**
 * What the analyses learn once per command shape of the save parser's fast lane (see
 * parser/shapes.ts) instead of once per rule: in which contexts (table, family, hooks reaching
 * the chain, chain name) the per-rule checks found nothing, so that further rules of the shape
 * there are known clean without building their details. That holds only when the checks look at
 * the shape and not at the values, which is decided from the shape's first rule.
 */
import type { Rule } from '../model';
import type { Plan } from '../parser/shapes';
import { readsValues } from './extensions';
import { endsChain, mayMatchEverything } from './unreachable';

export interface ShapeFacts {
  /** Contexts (see analyzeTable) in which rules of the shape are clean. */
  clean: Set<number>;
  /** Whether a per-rule check reads option values (then every rule is checked on its own). */
  valueSensitive: boolean;
  /** Whether a rule of the shape could match every packet (then its values decide). */
  mayMatchEverything: boolean;
  /** Whether the rules' target ends the traversal of the chain (see endsChain). */
  endsChain: boolean;
}

/** The facts of a shape, worked out from its first rule on first use. */
export function shapeFacts(plan: Plan): ShapeFacts {
  if (plan.analysis) return plan.analysis as ShapeFacts;
  const template: Rule = plan.template;
  const facts: ShapeFacts = {
    clean: new Set(),
    valueSensitive: readsValues(template),
    mayMatchEverything: mayMatchEverything(template),
    endsChain: endsChain(template),
  };
  plan.analysis = facts;
  return facts;
}
