/**
 * The input/output the command line uses, as an object so subcommands can be tested without a
 * process: text out, text err, reading files and standard input. `nodeIO()` is the real one.
 */
import { readFile } from 'node:fs/promises';

export interface CliIO {
  /** Writes to standard output (no newline added). */
  stdout(text: string): void;
  /** Writes to standard error (no newline added). */
  stderr(text: string): void;
  /** Reads a whole file as UTF-8; rejects with an Error whose message names the problem. */
  readFile(path: string): Promise<string>;
  /** Reads all of standard input as UTF-8. */
  readStdin(): Promise<string>;
}

/** The process's real standard streams and file system. */
export function nodeIO(): CliIO {
  return {
    stdout: (t) => {
      process.stdout.write(t);
    },
    stderr: (t) => {
      process.stderr.write(t);
    },
    readFile: (p) => readFile(p, 'utf8'),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

/** The message of an I/O error without Node's errno prefix noise. */
export function ioErrorMessage(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  switch (e?.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    default:
      return e?.message ?? String(err);
  }
}
