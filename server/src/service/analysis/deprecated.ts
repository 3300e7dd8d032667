/**
 * Deprecated forms with a modern equivalent, reported as information with the replacement text
 * and range a quick fix needs: `-m state --state S` → `-m conntrack --ctstate S`, and
 * `-j NOTRACK` → `-j CT --notrack`. (Deprecations declared in the registry without a mechanical
 * rewrite are reported by the command parser.)
 */
import type { MatchUse, Rule, Span } from '../model';
import { report, type TableContext } from './context';

function spansOf(rule: Rule, except: MatchUse): Span[] {
  const out: Span[] = [];
  for (const o of Object.values(rule.base)) if (o) out.push(o.span);
  for (const m of rule.matches) {
    if (m === except) continue;
    out.push(m.span);
    for (const o of m.options) out.push(o.span);
  }
  if (rule.target) out.push(rule.target.span);
  return out;
}

function before(a: Span, line: number, ch: number): boolean {
  return a.line < line || (a.line === line && a.character < ch);
}

/** The range from `-m state` to its last option, if nothing else of the rule lies inside it. */
function contiguousRange(rule: Rule, m: MatchUse): Span | undefined {
  const last = m.options[m.options.length - 1];
  const end = last ? last.span : m.span;
  const range: Span = {
    line: m.span.line,
    character: m.span.character,
    endLine: end.endLine,
    endCharacter: end.endCharacter,
  };
  for (const s of spansOf(rule, m)) {
    const startsAfter = !before(s, range.line, range.character);
    const startsBeforeEnd = before(s, range.endLine, range.endCharacter);
    if (startsAfter && startsBeforeEnd) return undefined;
  }
  return range;
}

function checkStateMatch(ctx: TableContext, rule: Rule, m: MatchUse): void {
  const state = m.options.find((o) => o.name === 'state');
  let data: Record<string, unknown> = { module: 'state' };
  if (state?.args[0]) {
    const replacement = `-m conntrack ${state.negated ? '! ' : ''}--ctstate ${state.args[0].text}`;
    const range = contiguousRange(rule, m);
    if (range) data = { module: 'state', replacement, replaceSpan: range };
  }
  report(
    ctx,
    'deprecated-match',
    'information',
    m.span,
    'the state match is deprecated: use "-m conntrack --ctstate" (same states, same kernel lookup)',
    data,
  );
}

/** Reports the deprecated matches and target of one rule that have a mechanical replacement. */
export function checkRuleDeprecated(ctx: TableContext, rule: Rule): void {
  const matches = rule.matches;
  for (let i = 0; i < matches.length; i++) {
    const m = matches[i];
    if (m.module === 'state' && m.known && !m.implicit) checkStateMatch(ctx, rule, m);
  }
  const t = rule.target;
  if (t?.isExtension && t.name === 'NOTRACK' && t.kind === 'jump') {
    report(
      ctx,
      'deprecated-target',
      'information',
      t.nameSpan,
      'the NOTRACK target is deprecated: use "-j CT --notrack"',
      {
        target: 'NOTRACK',
        replacement: '-j CT --notrack',
        replaceSpan: t.span,
      },
    );
  }
}
