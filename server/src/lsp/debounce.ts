/**
 * Per-key debouncing of work (one pending run per document URI): scheduling again replaces the
 * pending run, so a burst of edits costs one validation after the last of them.
 */

type Timer = ReturnType<typeof setTimeout>;

export class Debouncer {
  private readonly pending = new Map<string, Timer>();

  /** Runs `run` after `delayMs`, replacing whatever was pending for `key`. */
  schedule(key: string, delayMs: number, run: () => void): void {
    this.cancel(key);
    const timer = setTimeout(() => {
      this.pending.delete(key);
      run();
    }, delayMs);
    this.pending.set(key, timer);
  }

  /** Drops the pending run of `key`, if any. */
  cancel(key: string): void {
    const timer = this.pending.get(key);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.pending.delete(key);
    }
  }

  /** Whether a run is pending for `key`. */
  has(key: string): boolean {
    return this.pending.has(key);
  }

  /** Drops every pending run (shutdown). */
  dispose(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }
}
