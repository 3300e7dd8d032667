/**
 * The editor tests CI runs (`npm run test:editor`): the extension in a real VS Code (code-server's
 * web workbench driven by headless Chromium), offline. Phase 1 runs the Mocha extension tests of
 * suite/ in the extension host; phase 2 opens the fixture iptables file through the UI and checks
 * the squiggles and the Problems panel (and saves the README's screenshot with --screenshot).
 *   node out/test/editor/run.js [--screenshot FILE] [--no-ui] [--keep] [--verbose]
 * Needs `npm run build`, the compiled tests in out/ and the tools of scripts/editor-tools.sh.
 * Exits non-zero when a test fails; ends with a plain `editor: N passed, N failed` line.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { startCodeServer, tail } from './codeServer';
import { parseSummary, START_MARKER, summaryLine } from './suite/summary';
import { checkDiagnosticsUi, launchBrowser, runExtensionTests } from './workbench';

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'client'))) return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

const ROOT = findRoot(__dirname);
const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const screenshotAt = args.indexOf('--screenshot');
const screenshot = screenshotAt >= 0 ? resolve(args[screenshotAt + 1] ?? '') : undefined;
const verbose = flag('--verbose');
const TEST_TIMEOUT_MS = Number(process.env.EDITOR_TEST_TIMEOUT_MS ?? 600_000);

/** Lines of the workbench's own log that are expected offline and say nothing about our tests. */
const NOISE =
  /ENOTFOUND|getaddrinfo|marketplace|gallery|telemetry|\[AccountPolicyGate\]|\[lifecycle\]|\/static\/out\/vs\/|authentication provider/i;

async function main(): Promise<number> {
  const needed = [join(ROOT, 'dist', 'client', 'extension.js'), join(ROOT, 'dist', 'server', 'server.js')];
  const testsModule = join(ROOT, 'out', 'test', 'editor', 'suite', 'index.js');
  for (const p of [...needed, testsModule]) {
    if (!existsSync(p)) throw new Error(`${p} is missing: run "npm run build" and "node scripts/compile.mjs" first`);
  }
  const scratch = mkdtempSync(join(tmpdir(), 'iptables-editor-'));
  // The tests edit the fixtures: they work on copies. A second copy keeps phase 2 free of the
  // editors and unsaved documents phase 1 leaves in its workspace's state.
  const fixtures = join(ROOT, 'test', 'editor', 'workspace');
  const testFolder = join(scratch, 'workspace');
  const uiFolder = join(scratch, 'workspace-ui');
  cpSync(fixtures, testFolder, { recursive: true });
  cpSync(fixtures, uiFolder, { recursive: true });

  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let summarySeen = false;
  /** Whether the suite has started (the workbench's start-up log is shown with --verbose only). */
  let started = false;
  const startTime = Date.now();
  const server = await startCodeServer(ROOT, scratch);
  console.log(`code-server at ${server.origin} (state in ${scratch})`);
  const browser = await launchBrowser();
  try {
    console.log('\n--- extension tests (code-server extension host) ---');
    const code = await runExtensionTests(browser, server, {
      folder: testFolder,
      extensionDir: ROOT,
      testsModule,
      timeoutMs: TEST_TIMEOUT_MS,
      startMarker: START_MARKER,
      startTimeoutMs: 180_000,
      failureScreenshot: join(scratch, 'failure.png'),
      onLog: (level, line) => {
        if (line.startsWith(START_MARKER)) started = true;
        const counts = parseSummary(line);
        if (counts) {
          passed += counts.passed;
          failed += counts.failed;
          skipped += counts.skipped;
          summarySeen = true;
          return;
        }
        if (!verbose && (!started || level === 'trace' || level === 'debug' || NOISE.test(line))) return;
        console.log(line);
      },
    });
    if (code !== 0 || !summarySeen) {
      console.error(`extension tests exited with code ${code}${summarySeen ? '' : ' without a summary'}`);
      if (failed === 0) failed += 1;
      console.error(`code-server output (last lines):\n${tail(server.logFile)}`);
      console.error(`workbench screenshot: ${join(scratch, 'failure.png')}`);
    }

    if (!flag('--no-ui')) {
      console.log('\n--- workbench UI: squiggles and Problems panel ---');
      try {
        await checkDiagnosticsUi(browser, server, {
          folder: uiFolder,
          extensionDir: ROOT,
          file: 'firewall.rules',
          codes: ['unknown-option', 'undefined-chain'],
          errorSquiggles: 2,
          hoverText: 'unknown option "--dprot"',
          screenshot: screenshot ?? join(scratch, 'diagnostics.png'),
          timeoutMs: 60_000,
        });
        passed += 1;
        console.log(
          `  ✔ firewall.rules shows 2 error squiggles and its problems (screenshot: ${screenshot ?? 'none'})`,
        );
      } catch (e) {
        failed += 1;
        // Playwright appends a long call log to its messages: the first lines say what failed.
        const message = e instanceof Error ? e.message : String(e);
        console.error(`  ✖ UI check failed: ${message.split('\n').slice(0, 3).join('\n')}`);
      }
    }
  } finally {
    await browser.close();
    await server.stop();
  }
  console.log(`\neditor tests took ${((Date.now() - startTime) / 1000).toFixed(1)} s`);
  if (failed === 0 && !flag('--keep')) rmSync(scratch, { recursive: true, force: true });
  else console.log(`scratch folder kept: ${scratch}`);
  console.log(summaryLine({ passed, failed, skipped }));
  return failed > 0 || passed === 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? e.message : e);
    console.log(summaryLine({ passed: 0, failed: 1, skipped: 0 }));
    process.exit(1);
  },
);
