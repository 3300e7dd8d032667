/**
 * Rules that can never see a packet: those after a rule in the same chain that matches every
 * packet and ends the chain's traversal (a standard verdict, a terminating target such as REJECT
 * or DNAT, or a goto). The kernel accepts them; they are surely a mistake (usually an ordering
 * one), hence a warning.
 */
import type { Chain, OptionUse, Rule } from '../model';
import { rowsOf } from '../parser/chain';
import { FastRule, type RuleRows } from '../parser/fastRule';
import { fastBaseValues } from '../parser/shapes';
import type { AddrMask } from '../registry/argtypes';
import { findTarget } from '../registry/index';
import { report, type TableContext } from './context';
import { shapeFacts } from './shapes';

function matchesEveryAddress(opt: OptionUse | undefined): boolean {
  if (!opt) return true;
  if (opt.negated || !Array.isArray(opt.value)) return false;
  return (opt.value as AddrMask[]).every((a) => a && a.prefix === 0 && !a.hostname);
}

function matchesEveryInterface(opt: OptionUse | undefined): boolean {
  if (!opt) return true;
  return !opt.negated && opt.args[0]?.text === '+';
}

/**
 * Whether a rule with these options could match every packet, whatever their values: no fragment
 * option, no protocol but "all", no match but comment (addresses and interfaces then decide).
 */
export function mayMatchEverything(rule: Rule): boolean {
  const b = rule.base;
  if (b.fragment) return false;
  if (b.protocol && (b.protocol.negated || b.protocol.value !== 0)) return false;
  for (const m of rule.matches) if (m.module !== 'comment' || !m.known) return false;
  return true;
}

/** FastRule.analysisBits: the rule is known to match every packet, or known not to. */
const UNCONDITIONAL = 1;
const CONDITIONAL = 2;

/** Whether the rule matches every packet (only always-true options and the comment match). */
export function isUnconditional(rule: Rule): boolean {
  // A fast-lane rule's shape usually answers without building the rule's details, and otherwise
  // the words of its addresses and interfaces do (a blocklist of 20k `-s ADDR -j DROP`).
  if (rule instanceof FastRule) {
    if (!shapeFacts(rule.plan).mayMatchEverything) return false;
    const known = rule.analysisBits & (UNCONDITIONAL | CONDITIONAL);
    if (known !== 0) return known === UNCONDITIONAL;
    const byWords = unconditionalByWords(rule);
    if (byWords !== undefined) {
      rule.analysisBits |= byWords ? UNCONDITIONAL : CONDITIONAL;
      return byWords;
    }
  }
  if (!mayMatchEverything(rule)) return false;
  const b = rule.base;
  if (!matchesEveryAddress(b.source) || !matchesEveryAddress(b.destination)) return false;
  return matchesEveryInterface(b.inInterface) && matchesEveryInterface(b.outInterface);
}

/**
 * isUnconditional for a fast-lane rule whose shape may match every packet (its protocol,
 * fragment and matches are the shape's, so only the address and interface values decide): read
 * from those words with the argument types the shape checks them with. Undefined when a value
 * is not a single word of the line.
 */
function unconditionalByWords(rule: FastRule): boolean | undefined {
  const b = rule.plan.template.base;
  const opts = [b.source, b.destination, b.inInterface, b.outInterface];
  if (opts.every((o) => !o)) return true;
  if (opts.some((o) => o?.negated)) return false;
  const v = fastBaseValues(rule);
  if (!v) return undefined;
  for (const a of [v.source, v.destination]) {
    if (!a) continue;
    if (!Array.isArray(a.value)) return undefined;
    if (!(a.value as AddrMask[]).every((x) => x && x.prefix === 0 && !x.hostname)) return false;
  }
  for (const i of [v.inInterface, v.outInterface]) if (i && i.text !== '+') return false;
  return true;
}

/** Whether the rule's target ends the traversal of its chain. */
export function endsChain(rule: Rule): boolean {
  // The same for every rule of a fast-lane shape (an extension target's name is part of it).
  if (rule instanceof FastRule) return shapeFacts(rule.plan).endsChain;
  const t = rule.target;
  if (!t) return false;
  if (t.kind === 'goto') return true;
  if (!t.isExtension) return false;
  const spec = findTarget(t.name, rule.family);
  return spec !== undefined && spec.flow !== 'continue';
}

/**
 * Whether one of rows[start .. end) may hide the rules after it: most shapes can neither match
 * every packet nor end the chain, which the rows tell without a rule object.
 */
export function rowsMayShadow(rows: RuleRows, start: number, end: number): boolean {
  for (let r = start; r < end; r++) {
    const facts = shapeFacts(rows.planOf(r));
    if (facts.endsChain && facts.mayMatchEverything && isUnconditional(rows.ruleAt(r))) return true;
  }
  return false;
}

/** Reports every rule after the first unconditional terminating rule of the chain. */
export function checkChainUnreachable(ctx: TableContext, chain: Chain): void {
  // A chain still in rows is read as rules only when a row may hide the rules after it.
  const rc = rowsOf(chain);
  if (rc !== undefined && !rowsMayShadow(rc.rows, rc.rowStart, rc.rowEnd)) return;
  const rules = chain.rules;
  let stop = -1;
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    if (!r.broken && endsChain(r) && isUnconditional(r)) {
      stop = i;
      break;
    }
  }
  if (stop < 0) return;
  const by = rules[stop];
  const how = by.target?.kind === 'goto' ? `-g ${by.target.name}` : `-j ${by.target?.name}`;
  for (let i = stop + 1; i < rules.length; i++) {
    const r = rules[i];
    if (r.broken) continue;
    report(
      ctx,
      'unreachable-rule',
      'warning',
      r.span,
      `rule can never be reached: the rule on line ${by.line + 1} (${how}) matches every packet in chain ${chain.name} first`,
      { shadowedByLine: by.line, chain: chain.name },
      [{ span: by.span, message: 'this rule matches every packet and ends the chain' }],
    );
  }
}
