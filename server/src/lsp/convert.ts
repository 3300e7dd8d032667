/**
 * Conversions from the language service's model types to LSP types (positions are already
 * 0-based in both; only the shapes differ).
 */
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic as LspDiagnostic, type Range } from 'vscode-languageserver';
import type { Diagnostic, Severity, Span } from '../service/model';

/** The `source` of every diagnostic this server publishes. */
export const DIAGNOSTIC_SOURCE = 'iptables';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** A model span as an LSP range. */
export function toRange(s: Span): Range {
  return { start: { line: s.line, character: s.character }, end: { line: s.endLine, character: s.endCharacter } };
}

/**
 * One model diagnostic as an LSP diagnostic of document `uri`: stable `code`, source `iptables`,
 * related locations in the same document, and the quick-fix `data` passed through untouched.
 */
export function toLspDiagnostic(uri: string, d: Diagnostic): LspDiagnostic {
  const out: LspDiagnostic = {
    range: toRange(d.span),
    severity: SEVERITY[d.severity] ?? DiagnosticSeverity.Error,
    code: d.code,
    source: DIAGNOSTIC_SOURCE,
    message: d.message,
  };
  if (d.code.startsWith('deprecated-')) out.tags = [DiagnosticTag.Deprecated];
  if (d.related && d.related.length > 0) {
    out.relatedInformation = d.related.map((r) => ({ location: { uri, range: toRange(r.span) }, message: r.message }));
  }
  if (d.data !== undefined) out.data = d.data;
  return out;
}

/** Converts a document's diagnostics, keeping at most `limit` (the rest would only slow the editor). */
export function toLspDiagnostics(uri: string, diagnostics: readonly Diagnostic[], limit: number): LspDiagnostic[] {
  const n = Math.min(diagnostics.length, limit);
  const out = new Array<LspDiagnostic>(n);
  for (let i = 0; i < n; i++) out[i] = toLspDiagnostic(uri, diagnostics[i]);
  return out;
}
