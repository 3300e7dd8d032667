/**
 * Judges one mutant: the kernel's verdict (both backends) against the linter's errors. A mutant
 * the kernel rejects must get an error on the offending line (the mutated line or a line either
 * backend names); a mutant both backends load must get no error at all. A mutant refused only
 * because a host name does not resolve (the namespaces have no DNS) is set apart as `env`.
 */

import { lintText } from '../../server/src/service/document';
import type { Diagnostic } from '../../server/src/service/model';
import type { KernelVerdict } from './kernel';
import type { Mutant } from './mutator';

export type Verdict = 'detected' | 'misplaced' | 'missed' | 'clean' | 'false-error' | 'env';

const HOST_NOT_FOUND = /host\/network `([^']*)' not found/;

/**
 * True when the backend's only complaint is a failed host name lookup of a word that is a
 * plausible host name (letters, no `:`): the throwaway namespace has no DNS, so the verdict says
 * nothing about the file. Numeric-looking words (`1.2.3.4.5`, `2001:db8::1` in IPv4) stay real rejections.
 */
export function hostLookupOnly(message: string): boolean {
  const m = HOST_NOT_FOUND.exec(message);
  if (!m) return false;
  return /^[A-Za-z0-9_.-]+$/.test(m[1]) && /[A-Za-z_]/.test(m[1]);
}

export interface LintFinding {
  line: number;
  code: string;
  severity: string;
  message: string;
  /** False-error findings: the same code on the same line text of the unmutated file. */
  inherited?: boolean;
}

export interface MutantOutcome {
  id: number;
  kind: string;
  variant: string;
  file: string;
  family: 4 | 6;
  before: string;
  after: string;
  nft: { ok: boolean; message: string };
  legacy: { ok: boolean; message: string };
  kernelRejects: boolean;
  /** 0-based lines where an error counts as detection. */
  offendingLines: number[];
  verdict: Verdict;
  /**
   * Detected mutants whose errors on the offending lines all repeat an error the linter already
   * gave on the unmutated line (same code): detected, but not because of the mutation.
   */
  inheritedDetection?: boolean;
  /** Rejected mutants: what the linter said on the offending lines (any severity), else its errors. */
  said: LintFinding[];
  lintMs: number;
}

function covers(d: Diagnostic, line: number): boolean {
  return d.span.line <= line && line <= Math.max(d.span.line, d.span.endLine);
}

function finding(d: Diagnostic): LintFinding {
  return { line: d.span.line, code: d.code, severity: d.severity, message: d.message };
}

/** Error keys (`code|line text`) of a base file, to tell inherited false errors from new ones. */
export function baseErrorKeys(text: string, family: 4 | 6): Set<string> {
  const lines = text.split('\n');
  const keys = new Set<string>();
  try {
    for (const d of lintText(text, { family }).diagnostics) {
      if (d.severity === 'error') keys.add(`${d.code}|${lines[d.span.line] ?? ''}`);
    }
  } catch {
    keys.add('linter-crash|');
  }
  return keys;
}

/** Lints the mutant and compares with the kernel's verdict. */
export function judge(m: Mutant, k: KernelVerdict, baseKeys: Set<string>): MutantOutcome {
  const t0 = performance.now();
  let diagnostics: Diagnostic[];
  try {
    diagnostics = lintText(m.text, { family: m.family }).diagnostics;
  } catch (e) {
    diagnostics = [
      {
        code: 'linter-crash',
        severity: 'error',
        message: `lintText threw: ${e instanceof Error ? e.message : String(e)}`,
        span: { line: m.mutated[0] ?? 0, character: 0, endLine: m.mutated[0] ?? 0, endCharacter: 0 },
      },
    ];
  }
  const lintMs = performance.now() - t0;
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const kernelRejects = !k.nft.ok || !k.legacy.ok;
  const offending = new Set(m.mutated);
  for (const r of [k.nft, k.legacy]) {
    if (r.ok) continue;
    for (const n of r.lines) offending.add(Math.min(Math.max(n - 1, 0), m.lineCount - 1));
  }
  const offendingLines = [...offending].sort((a, b) => a - b);
  const lines = m.text.split('\n');
  let verdict: Verdict;
  let said: LintFinding[];
  let inheritedDetection: boolean | undefined;
  const env = kernelRejects && [k.nft, k.legacy].every((r) => r.ok || hostLookupOnly(r.message));
  if (env) {
    verdict = 'env';
    said = diagnostics
      .filter((d) => offendingLines.some((l) => covers(d, l)))
      .slice(0, 6)
      .map(finding);
  } else if (kernelRejects) {
    const onLine = diagnostics.filter((d) => offendingLines.some((l) => covers(d, l)));
    const onLineErrors = onLine.filter((d) => d.severity === 'error');
    verdict = onLineErrors.length > 0 ? 'detected' : errors.length > 0 ? 'misplaced' : 'missed';
    if (verdict === 'detected' && m.before !== '') {
      inheritedDetection = onLineErrors.every((d) => baseKeys.has(`${d.code}|${m.before}`));
    }
    said = (onLine.length > 0 ? onLine : errors).slice(0, 6).map(finding);
  } else {
    verdict = errors.length === 0 ? 'clean' : 'false-error';
    said = errors
      .slice(0, 6)
      .map((d) => ({ ...finding(d), inherited: baseKeys.has(`${d.code}|${lines[d.span.line] ?? ''}`) }));
  }
  return {
    id: m.id,
    kind: m.kind,
    variant: m.variant,
    file: m.file,
    family: m.family,
    before: m.before,
    after: m.after,
    nft: { ok: k.nft.ok, message: k.nft.message },
    legacy: { ok: k.legacy.ok, message: k.legacy.message },
    kernelRejects,
    offendingLines,
    verdict,
    inheritedDetection,
    said,
    lintMs,
  };
}
