/**
 * The catalogue of every diagnostic code the language service emits: the parsers' syntax codes
 * and the analyses' semantic codes. Each entry gives the default severity, a one-line title, a
 * description, and a failing and a passing example document (the tests lint both; hover and code
 * actions show them).
 *
 * Severities follow the kernel (Linux 6.18, iptables 1.8.9, both backends): what either backend's
 * iptables-restore refuses is an `error`; what it accepts but is surely a mistake is a `warning`;
 * deprecated forms are `information`; harmless remarks are `hint`.
 *
 * Suppression comments (save files and shell scripts alike):
 * - `# iptables-sim-disable-next-line CODE[,CODE...]` silences those codes on the next line that is
 *   not blank or a comment (a shell command continued with `\` counts as one line). Without codes,
 *   every diagnostic of that line is silenced.
 * - `# iptables-sim-disable CODE[,CODE...]` anywhere in the file silences those codes in the whole
 *   file (without codes: every diagnostic).
 * Codes in these comments that are not in this catalogue are reported (`unknown-suppression-code`).
 */
import type { Severity } from '../model';
import { SEMANTIC_CODES } from './catalogue-semantic';
import { SYNTAX_CODES } from './catalogue-syntax';

/** One catalogued diagnostic code. */
export interface DiagnosticCodeInfo {
  /** Stable kebab-case code. */
  code: string;
  /** Default severity (a few codes are reported with another severity in shell scripts). */
  severity: Severity;
  /** One-line title. */
  title: string;
  /** What it means and why the kernel (or iptables) cares. */
  description: string;
  /** A document that produces the code. */
  failing: string;
  /** A corrected document that does not produce it. */
  passing: string;
  /**
   * Set (to the reason) for the rare code no document can trigger on purpose (a parser's internal
   * error guard); its examples are then not tested.
   */
  untestable?: string;
  /** The examples are shell scripts (default: iptables-save/restore input). */
  form?: 'shell';
  /** Who reports it: the parser (syntax and ruleset building) or the analyses. */
  /** Who emits it: the parsers, the analyses, suppression handling, or the language server itself. */
  source: 'parser' | 'analysis' | 'suppression' | 'server';
}

const CATALOGUE: readonly DiagnosticCodeInfo[] = [...SYNTAX_CODES, ...SEMANTIC_CODES];

const BY_CODE = new Map<string, DiagnosticCodeInfo>(CATALOGUE.map((c) => [c.code, c]));

/** Every catalogued diagnostic code, in catalogue order. */
export function allDiagnosticCodes(): readonly DiagnosticCodeInfo[] {
  return CATALOGUE;
}

/** The catalogue entry of a code, if it exists. */
export function diagnosticCode(code: string): DiagnosticCodeInfo | undefined {
  return BY_CODE.get(code);
}

/** Whether `code` is a catalogued diagnostic code. */
export function isKnownCode(code: string): boolean {
  return BY_CODE.has(code);
}
