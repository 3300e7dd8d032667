/**
 * Drives the VS Code web workbench of a running code-server with Debian's Chromium through
 * playwright-core: runs the extension tests (extension-development payload plus the smoke-test
 * driver's `codeAutomationLog` / `codeAutomationExit` hooks), and checks through the UI that the
 * diagnostics show as squiggles and in the Problems panel, optionally saving a screenshot.
 */
import { format } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';
import type { CodeServer } from './codeServer';

/** Debian's Chromium (apt-get install chromium); CHROMIUM overrides it. */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Starts headless Chromium, offline-friendly (no sync, updates, first-run or background fetches). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** The workbench URL opening `folder` with the extension at `extensionDir` under development. */
export function workbenchUrl(server: CodeServer, folder: string, extensionDir: string, testsModule?: string): string {
  const remote = (p: string) => `vscode-remote://${server.authority}${p}`;
  const payload: [string, string][] = [['extensionDevelopmentPath', remote(extensionDir)]];
  if (testsModule) payload.push(['extensionTestsPath', remote(testsModule)]);
  return `${server.origin}/?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

async function newPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 }, deviceScaleFactor: 1 });
  return context.newPage();
}

/** Options of {@link runExtensionTests}. */
export interface TestRunOptions {
  folder: string;
  extensionDir: string;
  /** Absolute path of the compiled tests module (exports `run()`). */
  testsModule: string;
  timeoutMs: number;
  /** A line the tests log first; without it within `startTimeoutMs` the run fails early. */
  startMarker: string;
  startTimeoutMs: number;
  /** Receives each line the extension host logs (the Mocha reporter's output among them). */
  onLog: (level: string, line: string) => void;
  /** Where to save a screenshot of the workbench when the run fails or times out. */
  failureScreenshot?: string;
}

/** Runs the extension tests in the workbench; resolves with the exit code the tests reported. */
export async function runExtensionTests(browser: Browser, server: CodeServer, o: TestRunOptions): Promise<number> {
  const page = await newPage(browser);
  let report!: (code: number) => void;
  let started = false;
  const exited = new Promise<number>((resolve) => {
    report = resolve;
  });
  await page.exposeFunction('codeAutomationLog', (level: unknown, args: unknown) => {
    // The extension host's console calls, printf-style arguments included.
    const text = Array.isArray(args) ? format(...args) : String(args);
    for (const line of text.split('\n')) {
      if (line.startsWith(o.startMarker)) started = true;
      o.onLog(String(level), line);
    }
  });
  await page.exposeFunction('codeAutomationExit', (code: unknown) => {
    report(typeof code === 'number' ? code : 1);
  });
  page.on('pageerror', (e) => o.onLog('pageerror', e.message));
  await page.goto(workbenchUrl(server, o.folder, o.extensionDir, o.testsModule));
  const timers: NodeJS.Timeout[] = [];
  const timeout = new Promise<number>((resolve) => {
    timers.push(
      setTimeout(() => {
        console.error(`the extension tests did not finish within ${o.timeoutMs} ms`);
        resolve(124);
      }, o.timeoutMs),
      // A workbench that ignores the payload (no smoke-test driver) never starts the tests.
      setTimeout(() => {
        if (started) return;
        console.error(`the extension tests did not start within ${o.startTimeoutMs} ms`);
        resolve(125);
      }, o.startTimeoutMs),
    );
  });
  const code = await Promise.race([exited, timeout]);
  for (const t of timers) clearTimeout(t);
  if (code !== 0 && o.failureScreenshot) await page.screenshot({ path: o.failureScreenshot }).catch(() => {});
  await page.context().close();
  return code;
}

/** Options of {@link checkDiagnosticsUi}. */
export interface UiCheckOptions {
  folder: string;
  extensionDir: string;
  /** File of `folder` to open (through Quick Open). */
  file: string;
  /** Diagnostic codes that must show in the Problems panel. */
  codes: string[];
  /** Error squiggles expected in the editor. */
  errorSquiggles: number;
  /** Text the hover over the first squiggle must show. */
  hoverText: string;
  screenshot?: string;
  timeoutMs: number;
}

/**
 * Opens `file` in the workbench and checks that its errors show as squiggles and that the
 * Problems panel lists our codes; saves a screenshot of that state. Throws when something is
 * missing (with a screenshot of what was there instead, when a path is given).
 */
export async function checkDiagnosticsUi(browser: Browser, server: CodeServer, o: UiCheckOptions): Promise<void> {
  const page = await newPage(browser);
  const t = { timeout: o.timeoutMs };
  try {
    await page.goto(workbenchUrl(server, o.folder, o.extensionDir));
    await page.locator('.monaco-workbench').waitFor(t);
    // The explorer must have read the folder before Quick Open can find its files.
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor(t);

    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor(t);
    await input.fill(o.file);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: o.file }).first().waitFor(t);
    await page.keyboard.press('Enter');
    await page.locator(`.tabs-container .tab[aria-label^="${o.file}"]`).waitFor(t);

    const squiggles = page.locator('.monaco-editor .squiggly-error');
    // (a string expression: this file is type-checked without the DOM library)
    await page.waitForFunction(
      `document.querySelectorAll('.monaco-editor .squiggly-error').length >= ${o.errorSquiggles}`,
      undefined,
      t,
    );
    const count = await squiggles.count();
    if (count !== o.errorSquiggles) throw new Error(`expected ${o.errorSquiggles} error squiggles, saw ${count}`);

    await page.keyboard.press('Control+Shift+M');
    const rows = page.locator('.markers-panel .monaco-list-row');
    await rows.first().waitFor(t);
    for (const code of o.codes) {
      await page.locator('.markers-panel .monaco-list-row', { hasText: code }).first().waitFor(t);
    }
    // Let the editor settle on the first problem so the screenshot shows it with its message.
    await page.locator('.markers-panel .monaco-list-row', { hasText: o.codes[0] }).first().click();
    // Hovering the first squiggle shows the diagnostic's message.
    // (the decoration lies under the text layer, so move the mouse there rather than "hover" it).
    const box = await squiggles.first().boundingBox();
    if (!box) throw new Error('the first squiggle has no box on screen');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.locator('.monaco-hover', { hasText: o.hoverText }).first().waitFor(t);
    // Finite animations (the hover's fade-in) are fast-forwarded to their end.
    if (o.screenshot) await page.screenshot({ path: o.screenshot, animations: 'disabled' });
  } catch (e) {
    if (o.screenshot) await page.screenshot({ path: o.screenshot.replace(/\.png$/, '.failed.png') }).catch(() => {});
    throw e;
  } finally {
    await page.context().close();
  }
}
