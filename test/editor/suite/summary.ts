/**
 * The lines the extension tests print for their runners: the start marker and the closing
 * `editor: N passed, N failed, N skipped` summary (written and parsed here, in one place).
 * Free of `vscode` imports so that the runners outside the editor can use it.
 */

/** First line of the tests' own output (what comes before is the workbench's start-up log). */
export const START_MARKER = 'editor tests: starting';

/** Test counts of a run. */
export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/** The plain closing line of a run. */
export function summaryLine(c: Counts): string {
  return `editor: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`;
}

/** The counts of a summary line, or undefined for any other line. */
export function parseSummary(line: string): Counts | undefined {
  const m = /^editor: (\d+) passed, (\d+) failed, (\d+) skipped$/.exec(line.trim());
  return m ? { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3]) } : undefined;
}
