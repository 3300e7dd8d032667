/**
 * Really loads restore text into the kernel, concurrently: each load gets its own fresh, uniquely
 * named network namespace (never linked to the initial namespace), which is deleted right after
 * the load, and on SIGINT/SIGTERM any namespace still alive is deleted before exiting. Legacy
 * loads pass `-w` because the xtables lock file is shared by all namespaces.
 */
import { spawn, spawnSync } from 'node:child_process';
import { type Backend, linesNamed, type RestoreOutcome, uniqueName } from '../helpers/netns';

interface ExecResult {
  status: number;
  stdout: string;
  stderr: string;
}

function exec(cmd: string, args: string[], input: string | undefined, timeoutMs: number): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.stdin.on('error', () => {
      // The program may exit before reading all its input (e.g. an early parse error).
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ status: -1, stdout, stderr: `${stderr}${e.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: timedOut ? -1 : (code ?? -1), stdout, stderr: timedOut ? `${stderr}(timed out)` : stderr });
    });
    child.stdin.end(input ?? '');
  });
}

const live = new Set<string>();
let handlersInstalled = false;

function installCleanup(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const cleanup = (signal: NodeJS.Signals) => {
    for (const ns of live) spawnSync('ip', ['netns', 'del', ns]);
    live.clear();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', cleanup);
  process.once('SIGTERM', cleanup);
  process.once('exit', () => {
    for (const ns of live) spawnSync('ip', ['netns', 'del', ns]);
  });
}

/** Loads `text` with one backend into a fresh namespace that is deleted afterwards. */
export async function loadFresh(
  text: string,
  family: 4 | 6,
  backend: Backend,
  timeoutMs = 30_000,
): Promise<RestoreOutcome> {
  installCleanup();
  const ns = uniqueName('ipts-mut');
  live.add(ns);
  try {
    const add = await exec('ip', ['netns', 'add', ns], undefined, 10_000);
    if (add.status !== 0) throw new Error(`ip netns add ${ns} failed: ${add.stderr.trim()}`);
    const bin = `${family === 6 ? 'ip6tables' : 'iptables'}-${backend}-restore`;
    const r = await exec('ip', ['netns', 'exec', ns, bin, '-w'], text, timeoutMs);
    let message = `${r.stderr}${r.stdout}`.trim();
    let ok = r.status === 0;
    // iptables-restore prints nothing on success; `-h` or `-V` on a rule line makes it print help
    // or its version and exit 0 at once, before COMMIT: nothing was loaded.
    if (ok && r.stdout.trim() !== '') {
      ok = false;
      message = `exit status 0 but nothing loaded (printed help/version and stopped): ${r.stdout.trim().split('\n')[0]}`;
    }
    return { backend, ok, status: r.status, message, lines: linesNamed(message) };
  } finally {
    await exec('ip', ['netns', 'del', ns], undefined, 10_000);
    live.delete(ns);
  }
}

/** Both backends' outcomes for one text. */
export interface KernelVerdict {
  nft: RestoreOutcome;
  legacy: RestoreOutcome;
}

/** Loads `text` with the nft and the legacy backend (each in its own fresh namespace). */
export async function loadBoth(text: string, family: 4 | 6): Promise<KernelVerdict> {
  const nft = await loadFresh(text, family, 'nft');
  const legacy = await loadFresh(text, family, 'legacy');
  return { nft, legacy };
}

/** Maps `items` through `fn` with at most `concurrency` calls in flight, keeping the order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
  onProgress?: (done: number) => void,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const k = next++;
      if (k >= items.length) return;
      out[k] = await fn(items[k], k);
      done++;
      onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return out;
}
