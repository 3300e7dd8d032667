/**
 * Throwaway network namespaces for kernel-backed tests. Every namespace gets a unique name, is
 * never linked to the initial namespace or a real interface, and is deleted after use. Nothing
 * here touches the machine's own firewall: every iptables call runs inside `ip netns exec`.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export type Backend = 'nft' | 'legacy';

/** Whether kernel-backed tests can run here (root, iproute2 and both iptables backends). */
export function kernelAvailable(): { ok: boolean; why?: string } {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return { ok: false, why: 'not running as root' };
  for (const bin of [
    'ip',
    'iptables-nft-restore',
    'iptables-legacy-restore',
    'ip6tables-nft-restore',
    'ip6tables-legacy-restore',
  ]) {
    if (spawnSync('sh', ['-c', `command -v ${bin}`]).status !== 0) return { ok: false, why: `${bin} is not installed` };
  }
  return { ok: true };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function run(cmd: string, args: string[], input?: string, timeoutMs = 60_000) {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

export function createNamespace(prefix = 'ipts'): string {
  const name = uniqueName(prefix);
  const r = run('ip', ['netns', 'add', name]);
  if (r.status !== 0) throw new Error(`ip netns add ${name} failed: ${r.stderr}`);
  return name;
}

export function deleteNamespace(name: string): void {
  run('ip', ['netns', 'del', name]);
}

/** Runs `fn` with a fresh namespace that is always deleted afterwards. */
export function withNamespace<T>(fn: (ns: string) => T, prefix = 'ipts'): T {
  const ns = createNamespace(prefix);
  try {
    return fn(ns);
  } finally {
    deleteNamespace(ns);
  }
}

export interface RestoreOutcome {
  backend: Backend;
  ok: boolean;
  status: number;
  message: string;
  /** Lines (1-based) the message names ("line N failed", "Error occurred at line: N", "line N: ..."). */
  lines: number[];
}

export function linesNamed(message: string): number[] {
  const out = new Set<number>();
  for (const m of message.matchAll(/(?:line:?|at line:)\s*(\d+)/gi)) out.add(Number(m[1]));
  return [...out];
}

/**
 * Really loads `text` with iptables-restore (or ip6tables-restore) of the given backend into the
 * namespace `ns` (which should be fresh: a previous load's tables would remain).
 */
export function restoreInto(
  ns: string,
  text: string,
  family: 4 | 6,
  backend: Backend,
  extraArgs: string[] = [],
): RestoreOutcome {
  const bin = `${family === 6 ? 'ip6tables' : 'iptables'}-${backend}-restore`;
  const r = run('ip', ['netns', 'exec', ns, bin, ...extraArgs], text);
  const message = `${r.stderr}${r.stdout}`.trim();
  return { backend, ok: r.status === 0, status: r.status, message, lines: linesNamed(message) };
}

/** Loads `text` with both backends, each into its own fresh namespace. */
export function restoreBoth(text: string, family: 4 | 6): RestoreOutcome[] {
  return (['nft', 'legacy'] as Backend[]).map((b) =>
    withNamespace((ns) => restoreInto(ns, text, family, b), 'ipts-rs'),
  );
}
