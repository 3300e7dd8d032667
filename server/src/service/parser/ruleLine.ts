/**
 * One rule command line of iptables-restore input, parsed the slow and complete way: the
 * optional `[pkts:bytes]` prefix as iptables-restore's tokenize_rule_counters() reads it, the
 * words as add_param_to_argv() splits them, then the getopt_long-faithful command parser. The
 * save parser's fast lane (shapes.ts) falls back to this for every line it cannot vouch for, and
 * a lazily built rule (fastRule.ts) materialises through it.
 */
import type { Command, Diagnostic, Family, Span } from '../model';
import { type CommandContext, parseCommand } from './command';
import { MAX_ARGC, MAX_PARAM_LENGTH, splitRestoreLine } from './restoreTokens';

/** Per-line parse result that can be reused when the line is unchanged. */
export interface LineResult {
  text: string;
  table: string;
  family: Family;
  command?: Command;
  /** A chain line's declaration (replayed on the builder when the line is reused). */
  chain?: {
    name: string;
    policy: string;
    declSpan: Span;
    policySpan: Span;
  };
  diagnostics: Diagnostic[];
}

/** Shared by the many lines without diagnostics (never written to). */
export const NO_DIAGNOSTICS: Diagnostic[] = [];

const RULE_COMMAND_RE = /^-[A-Za-z]|^--[a-z]/;

/** Parses a rule command line (with its optional `[pkts:bytes]` prefix). */
export function parseRuleLine(
  line: string,
  ln: number,
  table: string,
  family: Family,
  nextRuleId: () => number,
  onValue?: CommandContext['onValue'],
): LineResult {
  const diagnostics: Diagnostic[] = [];
  let raw = line;
  let from = 0;
  let counters: { packets: bigint; bytes: bigint; span: Span } | undefined;
  let k = 0;
  while (raw.charCodeAt(k) === 32 || raw.charCodeAt(k) === 9) k++;
  if (raw.charCodeAt(k) === 91 /* [ */) {
    const tc = tokenizeRuleCounters(raw, k);
    const sp: Span = { line: ln, character: k, endLine: ln, endCharacter: tc.close >= 0 ? tc.close + 1 : raw.length };
    if (tc.error) {
      diagnostics.push({
        code: 'bad-counters',
        severity: 'error',
        message: `bad rule counters: iptables-restore says "${tc.error}" (write [packets:bytes])`,
        span: sp,
      });
      return { text: line, table, family, diagnostics };
    }
    const m = /^\[([0-9]+):([0-9]+)\]$/.exec(raw.slice(k, tc.close + 1));
    if (m) counters = { packets: BigInt(m[1]), bytes: BigInt(m[2]), span: sp };
    else {
      diagnostics.push({
        code: 'bad-counters',
        severity: 'warning',
        message:
          tc.truncateAt < raw.length
            ? `malformed rule counters: iptables-restore splits them at the ':' in column ${tc.truncateAt + 1} and reads this line only up to there`
            : 'malformed rule counters (expected [packets:bytes]): ignored, but iptables-restore -c would reject them',
        span: sp,
      });
    }
    from = tc.close + 1;
    if (tc.truncateAt < raw.length) raw = raw.slice(0, tc.truncateAt);
  }
  const { tokens, unterminatedQuoteAt } = splitRestoreLine(raw, ln, from);
  if (unterminatedQuoteAt !== undefined) {
    diagnostics.push({
      code: 'unterminated-quote',
      severity: 'warning',
      message: 'unterminated quote: the rest of the line becomes part of this argument',
      span: { line: ln, character: unterminatedQuoteAt, endLine: ln, endCharacter: raw.length },
    });
  }
  if (tokens.length === 0)
    return { text: line, table, family, diagnostics: diagnostics.length > 0 ? diagnostics : NO_DIAGNOSTICS };
  for (const t of tokens) {
    if (t.text.length > MAX_PARAM_LENGTH) {
      diagnostics.push({
        code: 'bad-argument',
        severity: 'error',
        message: 'parameter too long (iptables-restore accepts at most 1023 characters per word)',
        span: t.span,
      });
      return { text: line, table, family, diagnostics };
    }
  }
  if (tokens.length > MAX_ARGC) {
    diagnostics.push({
      code: 'bad-argument',
      severity: 'error',
      message: `too many arguments (iptables-restore accepts at most ${MAX_ARGC} per line)`,
      span: tokens[0].span,
    });
    return { text: line, table, family, diagnostics };
  }
  if (!RULE_COMMAND_RE.test(tokens[0].text)) {
    diagnostics.push({
      code: 'unexpected-argument',
      severity: 'error',
      message: `Bad argument \`${tokens[0].text}': a line inside a table is a chain (:NAME), a command (-A ...), COMMIT or a # comment`,
      span: tokens[0].span,
    });
    return { text: line, table, family, diagnostics };
  }
  const span: Span = { line: ln, character: k, endLine: ln, endCharacter: raw.length };
  const r = parseCommand(tokens, {
    family,
    mode: 'restore',
    table,
    nextRuleId,
    counters,
    span,
    sourceLine: raw,
    onValue,
  });
  for (const d of r.diagnostics) diagnostics.push(d);
  return {
    text: line,
    table,
    family,
    command: r.command,
    diagnostics: diagnostics.length > 0 ? diagnostics : NO_DIAGNOSTICS,
  };
}

/**
 * iptables-restore's tokenize_rule_counters() on a line starting (after blanks) with '[': the
 * command starts after the first ']'; the packet count is strtok(…, ":") from the '[' (leading
 * colons skipped), the byte count strtok(NULL, "]"). strtok writes NULs where it stops, so a ':'
 * or ']' it consumes beyond the first ']' cuts the command line short there.
 */
export function tokenizeRuleCounters(raw: string, k: number): { close: number; error?: string; truncateAt: number } {
  const close = raw.indexOf(']', k);
  if (close < 0) return { close, error: 'need ]', truncateAt: raw.length };
  let p = k + 1;
  while (p < raw.length && raw[p] === ':') p++;
  if (p >= raw.length) return { close, error: 'need :', truncateAt: raw.length };
  const colon = raw.indexOf(':', p);
  if (colon < 0) return { close, error: 'need ]', truncateAt: raw.length };
  let q = colon + 1;
  while (q < raw.length && raw[q] === ']') q++;
  if (q >= raw.length) return { close, error: 'need ]', truncateAt: raw.length };
  const end = raw.indexOf(']', q);
  let truncateAt = raw.length;
  if (colon > close) truncateAt = colon;
  else if (end > close) truncateAt = end;
  return { close, truncateAt };
}
