/**
 * The `iptables-sim` command line: dispatches to the subcommands (`lint`, `simulate`) and answers
 * `--help` and `--version`. `main(argv, io)` is the testable entry; run as a program (node
 * out/server/src/cli/main.js, or the bundle with its `#!/usr/bin/env node` banner) it uses the
 * process's streams and exits with the subcommand's status.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type CliIO, nodeIO } from './io';
import { runLint } from './lint';
import { run as runSimulate } from './simulate';

export const USAGE = `usage: iptables-sim <command> [options]

Commands:
  lint [--json] [--family 4|6] FILE...   report problems in iptables-save files and scripts
  simulate ...                           follow a packet through a ruleset (see: simulate --help)

Options:
  -h, --help       show this help
  -V, --version    show the version
`;

/** The version from the package.json above this file (source tree, out/ or dist/). */
export function version(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      try {
        const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'vscode-iptables' && pkg.version) return pkg.version;
      } catch {
        // not ours or unreadable: keep looking upwards
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return 'unknown';
}

/** Runs the command line with `argv` (without node and the script); returns the exit status. */
export async function main(argv: string[], io: CliIO): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case undefined:
      io.stderr(USAGE);
      return 2;
    case '-h':
    case '--help':
    case 'help':
      io.stdout(USAGE);
      return 0;
    case '-V':
    case '--version':
      io.stdout(`iptables-sim ${version()}\n`);
      return 0;
    case 'lint':
      return runLint(rest, io);
    case 'simulate':
      // simulate reads its files itself (synchronously); it only needs the output streams.
      return runSimulate(rest, { stdout: (t) => io.stdout(t), stderr: (t) => io.stderr(t) });
    default:
      io.stderr(`iptables-sim: unknown command "${cmd}"\n${USAGE}`);
      return 2;
  }
}

if (require.main === module) {
  // `iptables-sim lint ... | head`: when the reader goes away, stop quietly like other CLI tools.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  const io = nodeIO();
  main(process.argv.slice(2), io).then(
    (status) => {
      process.exitCode = status;
    },
    (err: unknown) => {
      io.stderr(`iptables-sim: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
