/**
 * Decides what a parsed iptables invocation with unknown words (unknown variables, command
 * substitutions) still tells us. An unknown word that is only an option's value (`-i $IF`,
 * `--dport $PORT`) leaves the rest of the command checkable; one that stands where an option,
 * a protocol, a match, a target or a table goes (`$OPTS`, `-p $PROTO`, `-j $TARGET`) could change
 * how everything after it parses, so errors from that point on are dropped. Errors located on
 * unknown words are always dropped: those words are reported as `unknown-variable` instead.
 */
import type { Command, Diagnostic, Span, Token } from '../../model';

export interface UnknownClassification {
  diagnostics: Diagnostic[];
  /** The command can be applied to the ruleset (its table, chain and structure are known). */
  apply: boolean;
}

const key = (s: Span) => `${s.line}:${s.character}`;

function before(a: Span, b: Span): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

function overlaps(a: Span, b: Span): boolean {
  const aFirst = a.line < b.endLine || (a.line === b.endLine && a.character < b.endCharacter);
  const bFirst = b.line < a.endLine || (b.line === a.endLine && b.character < a.endCharacter);
  return aFirst && bFirst;
}

export function classifyUnknowns(
  tokens: Token[],
  command: Command | undefined,
  diagnostics: Diagnostic[],
): UnknownClassification {
  const unknown = tokens.filter((t) => t.unknown);
  if (unknown.length === 0) return { diagnostics, apply: true };
  // option values whose being unknown does not change how the rest is parsed
  const safe = new Set<string>();
  const rule = command?.rule;
  if (rule) {
    const b = rule.base;
    for (const o of [b.source, b.destination, b.inInterface, b.outInterface])
      if (o) for (const a of o.args) safe.add(key(a.span));
    for (const m of rule.matches) for (const o of m.options) for (const a of o.args) safe.add(key(a.span));
    if (rule.target) for (const o of rule.target.options) for (const a of o.args) safe.add(key(a.span));
  }
  let apply = true;
  let cutoff: Span | undefined;
  for (const t of unknown) {
    if (command?.chainSpan && key(command.chainSpan) === key(t.span)) {
      apply = false;
      continue;
    }
    if (command?.argumentSpan && key(command.argumentSpan) === key(t.span)) {
      apply = false;
      continue;
    }
    if (safe.has(key(t.span))) continue;
    apply = false;
    if (!cutoff || before(t.span, cutoff)) cutoff = t.span;
  }
  let dropped = false;
  const kept = diagnostics.filter((d) => {
    if (d.severity !== 'error' && d.severity !== 'warning') {
      if (unknown.some((t) => overlaps(d.span, t.span))) return false;
      return true;
    }
    if (unknown.some((t) => overlaps(d.span, t.span)) || (cutoff && !before(d.span, cutoff))) {
      dropped = true;
      return false;
    }
    return true;
  });
  if (command && dropped) {
    const stillBroken = kept.some((d) => d.severity === 'error');
    command.broken = stillBroken;
    if (command.rule) command.rule.broken = stillBroken || undefined;
  }
  return { diagnostics: kept, apply };
}
