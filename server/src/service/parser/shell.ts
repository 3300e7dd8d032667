/**
 * Parser for shell scripts containing iptables commands: lexes and parses the script as a shell
 * would (quotes, continuations, comments, here-documents, compound commands), follows variables
 * and functions in script order, and parses every iptables/ip6tables invocation and every
 * `iptables-restore <<EOF` here-document into the document's rulesets. Other shell commands are
 * ignored; nothing here throws, and the work is linear in the script's size.
 */
import type { Diagnostic, ParsedDocument } from '../model';
import { Evaluator, type Invocation } from './shell/evaluate';
import { parseTokens } from './shell/grammar';
import { lexShell } from './shell/lexer';
import { LineIndex } from './shell/positions';

export type { Invocation } from './shell/evaluate';

export interface ShellParseOptions {
  /** Also return every invocation found, with its argv (for tools and kernel-backed tests). */
  collectInvocations?: boolean;
}

export interface ShellParseResult extends ParsedDocument {
  /** Present when `collectInvocations` was set. */
  invocations?: Invocation[];
}

/** Removes exact duplicates (a command evaluated twice, in a loop or a function, reports once). */
function dedupe(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of diags) {
    const s = d.span;
    const k = `${s.line}:${s.character}:${s.endLine}:${s.endCharacter}:${d.code}:${d.severity}:${d.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(d);
  }
  return out;
}

/** Parses a shell script. Never throws on any input. */
export function parseShell(text: string, options: ShellParseOptions = {}): ShellParseResult {
  const lines = new LineIndex(text);
  const ev = new Evaluator(text, lines, !!options.collectInvocations);
  const diagnostics: Diagnostic[] = [];
  try {
    const lexed = lexShell(text);
    for (const p of lexed.problems) {
      diagnostics.push({ code: p.code, severity: 'warning', message: p.message, span: lines.span(p.start, p.end) });
    }
    const cr = text.indexOf('\r\n');
    if (cr >= 0) {
      const line = lines.lineOf(cr);
      diagnostics.push({
        code: 'crlf-line-ending',
        severity: 'warning',
        message:
          'Windows (CRLF) line endings: the shell keeps the carriage return, so the last word of each line (e.g. "ACCEPT\\r") reaches iptables with it. Save the file with LF line endings.',
        span: { line, character: 0, endLine: line, endCharacter: cr - lines.starts[line] },
      });
    }
    ev.run(parseTokens(lexed.toks));
  } catch (e) {
    // Defensive: a bug must not take the language server down; report it where it can be seen.
    diagnostics.push({
      code: 'internal-error',
      severity: 'information',
      message: `the script parser stopped early: ${e instanceof Error ? e.message : String(e)}`,
      span: { line: 0, character: 0, endLine: 0, endCharacter: 0 },
    });
  }
  for (const d of ev.diagnostics) diagnostics.push(d);
  const result: ShellParseResult = {
    form: 'shell',
    rulesets: ev.builder.rulesets,
    commands: ev.commands,
    diagnostics: dedupe(diagnostics),
    lineCount: lines.lineCount,
  };
  if (options.collectInvocations) result.invocations = ev.invocations;
  return result;
}
