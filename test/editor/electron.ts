/**
 * Runs the extension tests of suite/ in a desktop VS Code through @vscode/test-electron, for
 * contributors who have one (CI has none and cannot download one: it runs run.ts on code-server).
 * The binary comes from VSCODE_BINARY; without it this runner skips and says so.
 *   npm run build && node scripts/compile.mjs
 *   VSCODE_BINARY=/usr/share/code/code node out/test/editor/electron.js
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runTests } from '@vscode/test-electron';

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'client'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

async function main(): Promise<number> {
  const binary = process.env.VSCODE_BINARY;
  if (!binary) {
    console.log(
      'skipped: VSCODE_BINARY is not set. Point it at a VS Code executable to run the extension tests in ' +
        'desktop VS Code (e.g. VSCODE_BINARY=/usr/share/code/code); CI runs them on code-server instead ' +
        '(npm run test:editor).',
    );
    return 0;
  }
  if (!existsSync(binary)) throw new Error(`VSCODE_BINARY=${binary} does not exist`);
  const root = findRoot(__dirname);
  const testsModule = join(root, 'out', 'test', 'editor', 'suite', 'index.js');
  for (const p of [join(root, 'dist', 'client', 'extension.js'), testsModule]) {
    if (!existsSync(p)) throw new Error(`${p} is missing: run "npm run build" and "node scripts/compile.mjs" first`);
  }
  const scratch = mkdtempSync(join(tmpdir(), 'iptables-electron-'));
  const folder = join(scratch, 'workspace');
  // The tests edit the fixtures: they work on a copy.
  cpSync(join(root, 'test', 'editor', 'workspace'), folder, { recursive: true });
  try {
    return await runTests({
      vscodeExecutablePath: binary,
      extensionDevelopmentPath: root,
      extensionTestsPath: testsModule,
      launchArgs: [
        folder,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir',
        join(scratch, 'user-data'),
        '--extensions-dir',
        join(scratch, 'extensions'),
      ],
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  },
);
