/**
 * What the analyses learn once per command shape of the save parser's fast lane (see
 * parser/shapes.ts) instead of once per rule: in which contexts (table, family, hooks reaching
 * the chain, chain name) the per-rule checks found nothing, so that further rules of the shape
 * there are known clean without building their details. That holds only when the checks look at
 * the shape and not at the values, which is decided from the shape's first rule. When they read
 * values only to see whether a restriction applies (REJECT's `--reject-with tcp-reset` wants
 * `-p tcp`), the words holding those values are read from each rule's line instead, and the rules
 * none of whose values make a restriction apply are as clean as the shape.
 */
import type { Rule } from '../model';
import type { FastRule } from '../parser/fastRule';
import { type Plan, VERBATIM, wordsAt } from '../parser/shapes';
import { readsValues, valueDependentArgs } from './extensions';
import { endsChain, mayMatchEverything } from './unreachable';

export interface ShapeFacts {
  /** Contexts (see analyzeTable) in which rules of the shape are clean. */
  clean: Set<number>;
  /** Whether a per-rule check reads option values (then every rule is checked on its own). */
  valueSensitive: boolean;
  /**
   * For a value-sensitive shape whose checks read values only to see whether a restriction
   * applies, each from one word of the line: those words (ascending) and when each applies.
   * Undefined otherwise.
   */
  valueWords: { words: number[]; applies: ((arg: string) => boolean)[] } | undefined;
  /** Contexts in which rules of the shape are clean when none of their valueWords applies. */
  cleanInert: Set<number>;
  /** Whether a rule of the shape could match every packet (then its values decide). */
  mayMatchEverything: boolean;
  /** Whether the rules' target ends the traversal of the chain (see endsChain). */
  endsChain: boolean;
}

/** The facts of a shape, worked out from its first rule on first use. */
export function shapeFacts(plan: Plan): ShapeFacts {
  if (plan.analysis) return plan.analysis as ShapeFacts;
  const template: Rule = plan.template;
  const valueSensitive = readsValues(template);
  const facts: ShapeFacts = {
    clean: new Set(),
    valueSensitive,
    valueWords: valueSensitive ? valueWordsOf(plan) : undefined,
    cleanInert: new Set(),
    mayMatchEverything: mayMatchEverything(template),
    endsChain: endsChain(template),
  };
  plan.analysis = facts;
  return facts;
}

/** ShapeFacts.valueWords of a shape, or undefined when a value its checks read is not one word. */
function valueWordsOf(plan: Plan): ShapeFacts['valueWords'] {
  const args = valueDependentArgs(plan.template);
  if (args === undefined) return undefined;
  const found: { word: number; applies: (arg: string) => boolean }[] = [];
  for (const { arg, applies } of args) {
    const k = plan.wordStarts.indexOf(arg.span.character);
    // A value word of the shape, read as its argument by the line's complete parse.
    if (k < 0 || plan.kinds[k] === VERBATIM || plan.checks[k] === undefined) return undefined;
    found.push({ word: k, applies });
  }
  found.sort((a, b) => a.word - b.word);
  return { words: found.map((f) => f.word), applies: found.map((f) => f.applies) };
}

/**
 * Whether no restriction applies to a rule of a shape with valueWords, read from the words of its
 * line (false when they cannot be read).
 */
export function valuesInert(facts: ShapeFacts, rule: FastRule): boolean {
  const vw = facts.valueWords;
  if (vw === undefined) return false;
  if (vw.words.length === 0) return true;
  const words = wordsAt(rule, vw.words);
  if (words === undefined) return false;
  for (let i = 0; i < words.length; i++) if (vw.applies[i](words[i])) return false;
  return true;
}
