/**
 * Client side of the oracle's I/O agent (`agent.py`): starts it, sends it one JSON command per
 * line and reads its one-line JSON replies. Every call has a timeout; the agent is killed on close.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths';

export const AGENT_PATH = join(REPO_ROOT, 'test', 'kernel', 'agent.py');
/** Directory of the locks shared by all oracle agents on this machine. */
export const LOCK_DIR = '/run/iptables-oracle';

export interface AgentConfig {
  host_ns: string;
  peers: { iface: string; ns: string; dev: string; mac: string }[];
  host_ifaces: string[];
  listen: string[];
  nftrace: boolean;
  kmsg: boolean;
  lock_dir: string;
  /** 6: open IPv6 listeners and a raw IPv6 socket for locally generated packets. */
  family?: 4 | 6;
}

/** A raw frame captured on a peer (sent by the host through `iface`). */
export interface CapturedFrame {
  iface: string;
  hex: string;
  /** Milliseconds after the start of the collection. */
  t: number;
}

/** An nf_tables trace event as decoded by the agent. */
export interface NftEvent {
  lost?: boolean;
  table?: string;
  chain?: string;
  handle?: number;
  type?: number;
  verdict?: number;
  jump?: string;
  id?: string;
  ll?: string;
  nh?: string;
  th?: string;
  iif?: number;
  oif?: number;
  mark?: number;
  policy?: number;
  ct_id?: number;
  ct_dir?: number;
  ct_status?: number;
  ct_state?: number;
}

export interface Collected {
  frames: CapturedFrame[];
  traces: NftEvent[];
  kmsg: { seq: number; text: string }[];
  kmsg_lost: number;
}

export class Agent {
  private child: ChildProcessWithoutNullStreams;
  private buf = '';
  private waiting: {
    resolve: (v: Record<string, unknown>) => void;
    reject: (e: Error) => void;
    timer: NodeJS.Timeout;
  }[] = [];
  private stderr = '';
  private exited = false;
  ifindex: Record<string, number> = {};

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.child = child;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      this.buf += d;
      for (let i = this.buf.indexOf('\n'); i >= 0; i = this.buf.indexOf('\n')) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        const w = this.waiting.shift();
        if (!w) continue;
        clearTimeout(w.timer);
        try {
          w.resolve(JSON.parse(line));
        } catch {
          w.reject(new Error(`oracle agent: unreadable reply ${line.slice(0, 200)}`));
        }
      }
    });
    child.stderr.on('data', (d) => {
      this.stderr += d;
    });
    child.on('exit', () => {
      this.exited = true;
      for (const w of this.waiting.splice(0)) {
        clearTimeout(w.timer);
        w.reject(new Error(`oracle agent exited: ${this.stderr.trim().slice(-2000)}`));
      }
    });
    child.stdin.on('error', () => {});
  }

  /** Starts an agent and waits until its sockets are open. */
  static async start(cfg: AgentConfig, timeoutMs = 20_000): Promise<Agent> {
    const child = spawn('python3', [AGENT_PATH], { stdio: ['pipe', 'pipe', 'pipe'] });
    const agent = new Agent(child);
    const ready = await agent.request(cfg, timeoutMs).catch((e) => {
      agent.kill();
      throw e;
    });
    if (!ready.ready) {
      agent.kill();
      throw new Error(`oracle agent failed to start: ${String(ready.error ?? JSON.stringify(ready))}`);
    }
    agent.ifindex = (ready.ifindex as Record<string, number>) ?? {};
    return agent;
  }

  private request(msg: unknown, timeoutMs: number): Promise<Record<string, unknown>> {
    if (this.exited)
      return Promise.reject(new Error(`oracle agent is not running: ${this.stderr.trim().slice(-2000)}`));
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiting.findIndex((w) => w.timer === timer);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new Error(`oracle agent did not answer within ${timeoutMs} ms`));
        this.kill();
      }, timeoutMs);
      this.waiting.push({ resolve: resolvePromise, reject, timer });
      this.child.stdin.write(`${JSON.stringify(msg)}\n`);
    });
  }

  /** Sends a command; a reply carrying `error` becomes a rejected promise. */
  async call(msg: Record<string, unknown>, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const r = await this.request(msg, timeoutMs);
    if (typeof r.error === 'string') throw new Error(`oracle agent ${String(msg.op)}: ${r.error}`);
    return r;
  }

  async collect(minMs: number, quietMs: number, maxMs: number): Promise<Collected> {
    return (await this.call(
      { op: 'collect', min_ms: minMs, quiet_ms: quietMs, max_ms: maxMs },
      maxMs + 30_000,
    )) as unknown as Collected;
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  /** Asks the agent to quit (it restores the shared sysctl), killing it if it does not. */
  async close(): Promise<void> {
    if (this.exited) return;
    await this.call({ op: 'quit' }, 10_000).catch(() => {});
    await new Promise<void>((r) => {
      if (this.exited) return r();
      const t = setTimeout(() => {
        this.kill();
        r();
      }, 3000);
      this.child.once('exit', () => {
        clearTimeout(t);
        r();
      });
    });
  }
}
