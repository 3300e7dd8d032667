/**
 * `iptables-sim lint [--json] [--family 4|6] FILE...`: lints iptables-save/restore files and shell
 * scripts of iptables commands (the form is told from the content), printing one line per
 * diagnostic (`file:line:column: severity code message`, 1-based) or one JSON array. Exit status:
 * 1 if any error was found, 0 otherwise, 2 on a usage or I/O error.
 */
import { documentDiagnostics, parseDocument } from '../service/document';
import type { Diagnostic, Family } from '../service/model';
import { type CliIO, ioErrorMessage } from './io';

export const LINT_USAGE = `usage: iptables-sim lint [--json] [--family 4|6] FILE...

Lints iptables-save / iptables-restore files and shell scripts of iptables commands.
FILE "-" reads standard input.

  --json          print one JSON array of diagnostics
  --family 4|6    IP family of save files (default: from the header, name and content)
  -h, --help      show this help

Exit status: 0 no errors, 1 errors found, 2 usage or I/O error.
`;

/** One diagnostic as the CLI prints it (1-based positions). */
export interface LintRecord {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: Diagnostic['severity'];
  code: string;
  message: string;
}

export interface LintOptions {
  json: boolean;
  family?: Family;
  files: string[];
}

/** Parses the lint arguments; returns an error message for bad usage. */
export function parseLintArgs(argv: string[]): LintOptions | { error: string } | { help: true } {
  const opts: LintOptions = { json: false, files: [] };
  let onlyFiles = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (onlyFiles || a === '-' || !a.startsWith('-')) {
      opts.files.push(a);
      continue;
    }
    if (a === '--') onlyFiles = true;
    else if (a === '--json') opts.json = true;
    else if (a === '-h' || a === '--help') return { help: true };
    else if (a === '--family' || a.startsWith('--family=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v !== '4' && v !== '6')
        return { error: `--family expects 4 or 6, got ${v === undefined ? 'nothing' : `"${v}"`}` };
      opts.family = Number(v) as Family;
    } else return { error: `unknown option "${a}"` };
  }
  if (opts.files.length === 0) return { error: 'no input files (use "-" for standard input)' };
  return opts;
}

/** Lints one document's text; positions in the records are 1-based. */
export function lintDocument(file: string, text: string, family?: Family): LintRecord[] {
  const doc = parseDocument(text, { fileName: file === '-' ? undefined : file, family });
  return documentDiagnostics(doc, text).map((d) => ({
    file,
    line: d.span.line + 1,
    column: d.span.character + 1,
    endLine: d.span.endLine + 1,
    endColumn: d.span.endCharacter + 1,
    severity: d.severity,
    code: d.code,
    message: d.message,
  }));
}

/** The text form of one record. */
export function formatRecord(r: LintRecord): string {
  return `${r.file}:${r.line}:${r.column}: ${r.severity} ${r.code} ${r.message.replace(/\s*\n\s*/g, ' ')}`;
}

/** Runs `lint` with its arguments (after the subcommand); returns the exit status. */
export async function runLint(argv: string[], io: CliIO): Promise<number> {
  const parsed = parseLintArgs(argv);
  if ('help' in parsed) {
    io.stdout(LINT_USAGE);
    return 0;
  }
  if ('error' in parsed) {
    io.stderr(`iptables-sim lint: ${parsed.error}\n${LINT_USAGE}`);
    return 2;
  }
  const records: LintRecord[] = [];
  let ioFailed = false;
  let stdinRead = false;
  for (const file of parsed.files) {
    let text: string;
    try {
      if (file === '-') {
        if (stdinRead) {
          io.stderr('iptables-sim lint: standard input ("-") given more than once\n');
          ioFailed = true;
          continue;
        }
        stdinRead = true;
        text = await io.readStdin();
      } else text = await io.readFile(file);
    } catch (err) {
      io.stderr(`iptables-sim lint: ${file}: ${ioErrorMessage(err)}\n`);
      ioFailed = true;
      continue;
    }
    const name = file === '-' ? '<stdin>' : file;
    for (const r of lintDocument(file, text, parsed.family)) records.push({ ...r, file: name });
  }
  if (parsed.json) io.stdout(`${JSON.stringify(records, null, 2)}\n`);
  else if (records.length > 0) io.stdout(`${records.map(formatRecord).join('\n')}\n`);
  if (ioFailed) return 2;
  return records.some((r) => r.severity === 'error') ? 1 : 0;
}
