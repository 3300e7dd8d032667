/**
 * Interface options against the hooks that have that interface. A packet has no input interface
 * in OUTPUT and POSTROUTING and no output interface yet in PREROUTING and INPUT. iptables itself
 * refuses `-i`/`-o` written directly in a chain of such a name ("Can't use -i with OUTPUT"); in a
 * user chain reached only from such hooks the kernel accepts the rule, which then never matches.
 */
import type { OptionUse, Rule } from '../model';
import { explainHooks, report, ruleHooks, type TableContext } from './context';
import { HOOK_BIT } from './graph';

/** Hooks where a packet has an input interface / an output interface. */
const HAS_IN = HOOK_BIT.PREROUTING | HOOK_BIT.INPUT | HOOK_BIT.FORWARD;
const HAS_OUT = HOOK_BIT.FORWARD | HOOK_BIT.OUTPUT | HOOK_BIT.POSTROUTING;

/** Chain names iptables checks by name (whatever the table). */
const NO_IN_NAMES = new Set(['OUTPUT', 'POSTROUTING']);
const NO_OUT_NAMES = new Set(['PREROUTING', 'INPUT']);

function check(ctx: TableContext, rule: Rule, opt: OptionUse, dir: 'in' | 'out'): void {
  const letter = dir === 'in' ? '-i' : '-o';
  const names = dir === 'in' ? NO_IN_NAMES : NO_OUT_NAMES;
  if (names.has(rule.chain)) {
    report(
      ctx,
      'interface-not-allowed',
      'error',
      opt.span,
      `can't use ${letter} in ${rule.chain}: a packet has no ${dir === 'in' ? 'input' : 'output'} interface there`,
      { option: letter, chain: rule.chain, replacement: dir === 'in' ? '-o' : '-i', optionSpan: opt.nameSpan },
    );
    return;
  }
  const hooks = ruleHooks(ctx, rule);
  const has = dir === 'in' ? HAS_IN : HAS_OUT;
  if (hooks === 0 || (hooks & has) !== 0) return;
  const ex = explainHooks(ctx, rule, hooks);
  report(
    ctx,
    'interface-never-matches',
    'warning',
    opt.span,
    `${opt.negated ? '! ' : ''}${letter} ${opt.negated ? 'always matches' : 'never matches'} here: packets from ${ex.hooks.join(', ')} have no ${dir === 'in' ? 'input' : 'output'} interface${ex.suffix}`,
    { option: letter, hooks: ex.hooks },
    ex.related,
  );
}

/** Checks `-i` and `-o` of one rule. */
export function checkRuleInterfaces(ctx: TableContext, rule: Rule): void {
  if (rule.broken) return;
  const { inInterface, outInterface } = rule.base;
  if (inInterface) check(ctx, rule, inInterface, 'in');
  if (outInterface) check(ctx, rule, outInterface, 'out');
}
