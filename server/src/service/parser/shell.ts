/**
 * Parser for shell scripts containing iptables commands (being written).
 */
import type { ParsedDocument } from '../model';

export interface ShellParseOptions {}

export function parseShell(text: string, _options: ShellParseOptions = {}): ParsedDocument {
  return { form: 'shell', rulesets: {}, commands: [], diagnostics: [], lineCount: text.split('\n').length };
}
