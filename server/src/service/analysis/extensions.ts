/**
 * Kernel restrictions of matches and targets, checked as the kernel's checkentry does when the
 * table is loaded: the tables and hooks an extension may be used in (hooks include those reaching
 * a user chain through jumps), the protocol the rule must select with `-p`, the same restrictions
 * attached to single options (`optionRestrictions`), and a few option-value checks the kernel
 * makes (REJECT `--reject-with tcp-reset` needs `-p tcp`; TCPMSS needs a SYN match).
 */
import type { MatchUse, OptionUse, Rule, Span, TargetUse } from '../model';
import { findMatch, findTarget } from '../registry/index';
import { protocolNumber } from '../registry/protocols';
import type { ExtensionSpec, KernelRestrictions } from '../registry/types';
import { explainHooks, report, ruleHooks, type TableContext } from './context';
import { hooksOf, maskOf } from './graph';

/** Cache of protocol lists to numbers (registry lists are few and shared). */
const protoNumbers = new Map<readonly string[], Set<number>>();

function protocolSet(protos: readonly string[]): Set<number> {
  let s = protoNumbers.get(protos);
  if (!s) {
    s = new Set();
    for (const p of protos) {
      const n = protocolNumber(p);
      if (n !== undefined) s.add(n);
    }
    protoNumbers.set(protos, s);
  }
  return s;
}

/** Whether the rule selects one of `protos` with a non-negated `-p`. Unknown values pass. */
function protocolSelected(rule: Rule, protos: readonly string[]): boolean {
  const p = rule.base.protocol;
  if (!p || p.negated) return false;
  if (typeof p.value !== 'number') return true;
  return protocolSet(protos).has(p.value);
}

interface Use {
  kind: 'match' | 'target';
  name: string;
  /** The match or target (its span is where a problem of the extension as a whole is reported). */
  of: MatchUse | TargetUse;
  options: OptionUse[];
  /** A match loaded implicitly by `-p` (its protocol requirement is met by construction). */
  implicit: boolean;
}

function checkRestrictions(
  ctx: TableContext,
  rule: Rule,
  use: Use,
  k: KernelRestrictions,
  option: OptionUse | undefined,
): void {
  const badTable = k.tables !== undefined && !(k.tables as readonly string[]).includes(ctx.table.name);
  const bad = k.hooks ? ruleHooks(ctx, rule) & ~maskOf(k.hooks) : 0;
  const needs = k.protocols !== undefined && !(use.implicit && !option) && !protocolSelected(rule, k.protocols);
  // Most uses pass: build the message parts only for a finding.
  if (!badTable && bad === 0 && !needs) return;
  const what = option
    ? `${use.kind} ${use.name} ${option.written}${option.args.map((a) => ` ${a.text}`).join('')}`
    : use.kind === 'match'
      ? `match "${use.name}"`
      : `target ${use.name}`;
  const span = option ? option.span : useSpan(use);
  const base = { [use.kind]: use.name, ...(option ? { option: option.name } : {}) };
  if (badTable && k.tables) {
    report(
      ctx,
      use.kind === 'match' ? 'match-not-in-table' : 'target-not-in-table',
      'error',
      span,
      `${what} is not allowed in table ${ctx.table.name} (only in ${k.tables.join(', ')})`,
      { ...base, table: ctx.table.name, allowedTables: k.tables },
    );
  }
  if (k.hooks) {
    if (bad !== 0) {
      const ex = explainHooks(ctx, rule, bad);
      report(
        ctx,
        use.kind === 'match' ? 'match-not-in-hook' : 'target-not-in-hook',
        'error',
        span,
        `${what} is not allowed in ${ex.hooks.join(', ')} (only in ${k.hooks.join(', ')})${ex.suffix}`,
        { ...base, hooks: hooksOf(bad), allowedHooks: k.hooks },
        ex.related,
      );
    }
  }
  if (needs && k.protocols) {
    needsProtocol(ctx, rule, use, k.protocols, span, what, base);
  }
}

function needsProtocol(
  ctx: TableContext,
  rule: Rule,
  use: Use,
  protos: readonly string[],
  span: Span,
  what: string,
  base: Record<string, unknown>,
): void {
  const p = rule.base.protocol;
  const have = p ? `, but the rule has "${p.negated ? '! ' : ''}${p.written} ${p.args[0]?.text ?? ''}"` : '';
  report(
    ctx,
    'extension-needs-protocol',
    'error',
    span,
    `${what} needs "-p ${protos.join('|')}" (not negated)${have}`,
    { ...base, protocols: protos, protocolSpan: p?.span, insertAt: p ? undefined : useSpan(use) },
  );
}

/** REJECT --reject-with tcp-reset (any accepted abbreviation or alias) needs -p tcp. */
function isTcpReset(text: string): boolean {
  const t = text.toLowerCase();
  return t === 'tcp-rst' || (t.length > 4 && 'tcp-reset'.startsWith(t));
}

/**
 * Restrictions that depend on an option's value, which the registry schema cannot express: the
 * kernel checks them in the extension's checkentry.
 */
const VALUE_RESTRICTIONS: readonly {
  kind: 'match' | 'target';
  name: string;
  option: string;
  applies: (arg: string) => boolean;
  kernel: KernelRestrictions;
}[] = [
  { kind: 'target', name: 'REJECT', option: 'reject-with', applies: isTcpReset, kernel: { protocols: ['tcp'] } },
  {
    kind: 'match',
    name: 'policy',
    option: 'dir',
    applies: (a) => a === 'in',
    kernel: { hooks: ['PREROUTING', 'INPUT', 'FORWARD'] },
  },
  {
    kind: 'match',
    name: 'policy',
    option: 'dir',
    applies: (a) => a === 'out',
    kernel: { hooks: ['FORWARD', 'OUTPUT', 'POSTROUTING'] },
  },
];

function checkValueRestrictions(ctx: TableContext, rule: Rule, use: Use): void {
  for (const r of VALUE_RESTRICTIONS) {
    if (r.kind !== use.kind || r.name !== use.name) continue;
    for (const o of use.options) {
      const arg = o.args[0];
      if (o.name === r.option && arg && !arg.unknown && r.applies(arg.text))
        checkRestrictions(ctx, rule, use, r.kernel, o);
    }
  }
}

/** TCPMSS: the kernel wants a tcp match selecting SYN (`--syn` or `--tcp-flags mask SYN...`). */
function hasSynMatch(rule: Rule): boolean {
  for (const m of rule.matches) {
    if (m.module !== 'tcp') continue;
    for (const o of m.options) {
      if (o.negated) continue;
      if (o.name === 'syn') return true;
      if (o.name === 'tcp-flags') {
        const comp = (o.args[1]?.text ?? '').toUpperCase().split(',');
        if (comp.includes('SYN') || comp.includes('ALL') || o.args[1]?.unknown) return true;
      }
    }
  }
  return false;
}

/** Targets iptables 1.8 still parses but Linux no longer has (the rule fails to load). */
const REMOVED_TARGETS: Record<string, string> = {
  ULOG: 'the ULOG target was removed from Linux in 3.17: use "-j NFLOG"',
  CLUSTERIP: 'the CLUSTERIP target was removed from Linux in 6.3: use "-m cluster" with a multicast MAC',
};

function checkUse(ctx: TableContext, rule: Rule, use: Use, spec: ExtensionSpec): void {
  if (spec.kernel) checkRestrictions(ctx, rule, use, spec.kernel, undefined);
  checkValueRestrictions(ctx, rule, use);
  if (spec.optionRestrictions) {
    for (const r of spec.optionRestrictions) {
      for (const o of use.options) if (o.name === r.option) checkRestrictions(ctx, rule, use, r.kernel, o);
    }
  }
}

function matchUse(m: MatchUse): Use {
  return { kind: 'match', name: m.module, of: m, options: m.options, implicit: m.implicit };
}

function targetUse(t: TargetUse): Use {
  return { kind: 'target', name: t.name, of: t, options: t.options, implicit: false };
}

/** Where a problem of the extension as a whole is reported: the match, or the target's name. */
function useSpan(use: Use): Span {
  return use.kind === 'match' ? use.of.span : (use.of as TargetUse).nameSpan;
}

/** Whether any restriction could apply to a use of the extension (most have none). */
function restricted(spec: ExtensionSpec): boolean {
  return spec.kernel !== undefined || spec.optionRestrictions !== undefined || VALUE_RESTRICTED.has(spec.name);
}

const VALUE_RESTRICTED = new Set(VALUE_RESTRICTIONS.map((r) => r.name));

/**
 * When these checks read option values only through VALUE_RESTRICTIONS: the first argument of
 * each option such a restriction reads, with whether a value makes it apply. Undefined when they
 * read values otherwise (TCPMSS looks for a SYN test in the tcp match).
 */
export function valueDependentArgs(
  rule: Rule,
): { arg: OptionUse['args'][number]; applies: (arg: string) => boolean }[] | undefined {
  const out: { arg: OptionUse['args'][number]; applies: (arg: string) => boolean }[] = [];
  const t = rule.target;
  if (t?.name === 'TCPMSS') return undefined;
  const uses = rule.matches.map(matchUse);
  if (t?.isExtension) uses.push(targetUse(t));
  for (const use of uses) {
    for (const r of VALUE_RESTRICTIONS) {
      if (r.kind !== use.kind || r.name !== use.name) continue;
      for (const o of use.options) {
        if (o.name !== r.option) continue;
        if (o.args.length !== 1) return undefined;
        out.push({ arg: o.args[0], applies: r.applies });
      }
    }
  }
  return out;
}

/** Whether these checks read the values of the rule's options (not only which options it has). */
export function readsValues(rule: Rule): boolean {
  for (const m of rule.matches) if (VALUE_RESTRICTED.has(m.module)) return true;
  const t = rule.target;
  return t !== undefined && (VALUE_RESTRICTED.has(t.name) || t.name === 'TCPMSS');
}

/** Checks every match and the target of one rule. */
export function checkRuleExtensions(ctx: TableContext, rule: Rule): void {
  if (rule.broken) return;
  const family = ctx.family;
  const matches = rule.matches;
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i];
    if (!m.known) continue;
    const spec = findMatch(m.module, family);
    if (spec && restricted(spec)) checkUse(ctx, rule, matchUse(m), spec);
  }
  const t = rule.target;
  if (!t?.isExtension) return;
  const spec = findTarget(t.name, family);
  if (!spec) return;
  const removed = REMOVED_TARGETS[spec.name];
  if (removed) {
    report(ctx, 'removed-from-kernel', 'error', t.nameSpan, removed, { target: spec.name });
    return;
  }
  if (restricted(spec)) checkUse(ctx, rule, targetUse(t), spec);
  if (spec.name === 'TCPMSS' && !hasSynMatch(rule)) {
    report(
      ctx,
      'tcpmss-needs-syn',
      'error',
      t.nameSpan,
      'TCPMSS only works on TCP SYN packets: the rule must match them (e.g. "-p tcp --tcp-flags SYN,RST SYN")',
      {
        target: 'TCPMSS',
        insertAt: t.span,
        insertText: `${protocolSelected(rule, ['tcp']) ? '' : '-p tcp '}--tcp-flags SYN,RST SYN `,
      },
    );
  }
}
