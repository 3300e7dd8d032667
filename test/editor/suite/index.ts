/**
 * Entry point of the extension tests inside a VS Code extension host (`extensionTestsPath`): runs
 * every `*.spec.js` file beside this one with Mocha and rejects when a test fails. The same module
 * serves code-server (test/editor/codeServer.ts, what CI runs) and desktop VS Code
 * (test/editor/electron.ts). Ends with a plain `editor: N passed, N failed, N skipped` line.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';
import { START_MARKER, summaryLine } from './summary';

/** Called by the extension host once the extension under development is loaded. */
export function run(): Promise<void> {
  const mocha = new Mocha({
    ui: 'tdd',
    reporter: 'spec',
    color: false,
    // The first test waits for the extension host and the language server to start.
    timeout: 60_000,
    grep: process.env.EDITOR_TEST_GREP,
  });
  const specs = readdirSync(__dirname)
    .filter((f) => f.endsWith('.spec.js'))
    .sort();
  if (specs.length === 0) return Promise.reject(new Error(`no *.spec.js files in ${__dirname}`));
  for (const f of specs) mocha.addFile(join(__dirname, f));
  // The code-server runner shows the extension host's output from this line on.
  console.log(`${START_MARKER} (${specs.length} spec files)`);
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const { passes = 0, failures: failed = 0, pending = 0 } = runner.stats ?? {};
      console.log(summaryLine({ passed: passes, failed, skipped: pending }));
      if (failures > 0) reject(new Error(`${failures} editor test(s) failed`));
      else if (passes === 0) reject(new Error('no editor test ran'));
      else resolve();
    });
  });
}
