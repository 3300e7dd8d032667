/**
 * Measures the built language server (`dist/server/server.js`) the way an editor drives it, over
 * stdio JSON-RPC: didOpen of the whole document (time until its diagnostics are published), then
 * one-line incremental didChange edits in the middle of the file (time from sending the change
 * until publishDiagnostics for that version arrives), and the server process's peak RSS (VmHWM).
 *
 * The document is opened with the edited (wrong) line and each edit toggles it, so every version
 * has different diagnostics and the server always publishes. The validation delay (debounce) is
 * set to 0 through initializationOptions so the figures are the server's own work.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { applyLineEdit, chooseLineEdit, type LineEdit } from './edits';
import { editRuns, peakRssMb, summarize, type Timing } from './stats';

export interface LspResult {
  server: string;
  /** didOpen → first publishDiagnostics (full parse + diagnostics + transfer). */
  open: Timing;
  /** didChange (one-line range edit) → publishDiagnostics of that version. */
  edit: Timing & { line: number };
  /** Diagnostics in the last publication (the server caps how many it sends). */
  published: number;
  /** Peak RSS of the server process (MB). */
  peakRssMb?: number;
}

interface Message {
  jsonrpc: '2.0';
  id?: number | string;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

interface PublishParams {
  uri: string;
  version?: number;
  diagnostics: unknown[];
}

/** A minimal LSP client over a child process's stdio (Content-Length framing). */
class Client {
  private buffer: Buffer = Buffer.alloc(0);
  private nextId = 1;
  private readonly pending = new Map<number, (m: Message) => void>();
  private waiter: ((p: PublishParams) => void) | undefined;
  readonly log: string[] = [];
  private exited: string | undefined;

  constructor(readonly proc: ChildProcess) {
    proc.stdout!.on('data', (chunk: Buffer) => this.onData(chunk));
    proc.stderr!.on('data', (chunk: Buffer) => this.log.push(chunk.toString('utf8')));
    proc.on('exit', (code, signal) => {
      this.exited = `server exited (code ${code}, signal ${signal})`;
    });
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    for (;;) {
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = this.buffer.subarray(0, headerEnd).toString('ascii');
      const m = /Content-Length:\s*(\d+)/i.exec(header);
      if (!m) throw new Error(`bad LSP header: ${header}`);
      const len = Number(m[1]);
      if (this.buffer.length < headerEnd + 4 + len) return;
      const body = this.buffer.subarray(headerEnd + 4, headerEnd + 4 + len).toString('utf8');
      this.buffer = this.buffer.subarray(headerEnd + 4 + len);
      this.dispatch(JSON.parse(body) as Message);
    }
  }

  private dispatch(msg: Message): void {
    if (msg.method !== undefined && msg.id !== undefined) {
      // A request from the server (configuration, registration...): answer neutrally.
      const result = msg.method === 'workspace/configuration' ? [{ validate: { delay: 0 } }] : null;
      this.send({ jsonrpc: '2.0', id: msg.id, result });
      return;
    }
    if (msg.method === 'textDocument/publishDiagnostics') {
      const w = this.waiter;
      if (w) w(msg.params as PublishParams);
      return;
    }
    if (msg.method === 'window/logMessage' || msg.method === 'window/showMessage') {
      this.log.push((msg.params as { message?: string }).message ?? '');
      return;
    }
    if (msg.id !== undefined && msg.method === undefined) {
      const cb = this.pending.get(Number(msg.id));
      if (cb) {
        this.pending.delete(Number(msg.id));
        cb(msg);
      }
    }
  }

  send(msg: Message): void {
    const body = Buffer.from(JSON.stringify(msg), 'utf8');
    this.proc.stdin!.write(`Content-Length: ${body.length}\r\n\r\n`);
    this.proc.stdin!.write(body);
  }

  request(method: string, params: unknown, timeoutMs = 60_000): Promise<Message> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${method}: no answer in ${timeoutMs} ms`)), timeoutMs);
      this.pending.set(id, (m) => {
        clearTimeout(timer);
        if (m.error) reject(new Error(`${method}: ${m.error.message}`));
        else resolve(m);
      });
      this.send({ jsonrpc: '2.0', id, method, params });
    });
  }

  notify(method: string, params: unknown): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  /**
   * Sends a notification and resolves with the elapsed milliseconds once diagnostics for `uri`
   * with `version` are published (or any publication for `uri` when the server omits versions).
   */
  notifyAndWaitPublish(
    method: string,
    params: unknown,
    uri: string,
    version: number,
    timeoutMs: number,
  ): Promise<{ ms: number; published: PublishParams }> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(
          new Error(
            `no publishDiagnostics for version ${version} within ${timeoutMs} ms${this.exited ? `; ${this.exited}` : ''}`,
          ),
        );
      }, timeoutMs);
      let t0 = 0;
      this.waiter = (p) => {
        if (p.uri !== uri || (p.version !== undefined && p.version !== version)) return;
        const ms = performance.now() - t0;
        clearTimeout(timer);
        this.waiter = undefined;
        resolve({ ms, published: p });
      };
      t0 = performance.now();
      this.notify(method, params);
    });
  }
}

/** Path of the built server, or undefined when `npm run build` has not produced it. */
export function serverPath(root: string): string | undefined {
  const p = `${root}/dist/server/server.js`;
  return existsSync(p) ? p : undefined;
}

function changeParams(uri: string, version: number, edit: LineEdit, forward: boolean): unknown {
  const oldLen = (forward ? edit.before : edit.after).length;
  return {
    textDocument: { uri, version },
    contentChanges: [
      {
        range: {
          start: { line: edit.line, character: edit.character },
          end: { line: edit.line, character: edit.character + oldLen },
        },
        text: forward ? edit.after : edit.before,
      },
    ],
  };
}

/**
 * Starts one server process, opens `file` a few times under new URIs (the first open is an untimed
 * warm-up; each document is closed before the next opens), then times `runs` edits of the last
 * one after `warmup` untimed edits. Resolves with the figures; rejects when the server misbehaves.
 */
export async function measureLsp(
  server: string,
  file: string,
  opts: { runs: number; warmup: number; editLine?: number; timeoutMs?: number },
): Promise<LspResult> {
  const text = readFileSync(file, 'utf8');
  const edit = chooseLineEdit(text, opts.editLine);
  if (!edit) throw new Error('no rule line to edit');
  const timeoutMs = opts.timeoutMs ?? 300_000;
  const proc = spawn(process.execPath, [server, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const client = new Client(proc);
  try {
    await client.request('initialize', {
      processId: process.pid,
      rootUri: null,
      capabilities: { textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true } } },
      initializationOptions: { settings: { validate: { enable: true, delay: 0 } } },
    });
    client.notify('initialized', {});
    client.notify('workspace/didChangeConfiguration', { settings: { iptables: { validate: { delay: 0 } } } });

    // Opens: the document starts with the edited line, so it has a diagnostic to publish.
    const opened = applyLineEdit(text, edit, true);
    const openSamples: number[] = [];
    let published = 0;
    const opens = Math.max(2, Math.min(opts.runs, 3));
    for (let i = 0; i < opens + 1; i++) {
      const uri = `file:///bench/open-${i}/${file.split('/').pop()}`;
      const r = await client.notifyAndWaitPublish(
        'textDocument/didOpen',
        { textDocument: { uri, languageId: 'iptables', version: 1, text: opened } },
        uri,
        1,
        timeoutMs,
      );
      if (i > 0) openSamples.push(r.ms); // the first open warms the server up
      published = r.published.diagnostics.length;
      if (i < opens) client.notify('textDocument/didClose', { textDocument: { uri } });
    }

    // Edits on the last opened document: even steps revert the line, odd steps break it again.
    const uri = `file:///bench/open-${opens}/${file.split('/').pop()}`;
    const editSamples: number[] = [];
    let version = 1;
    const edits = editRuns(opts.runs);
    for (let i = 0; i < opts.warmup + edits; i++) {
      version++;
      const forward = i % 2 === 1;
      const r = await client.notifyAndWaitPublish(
        'textDocument/didChange',
        changeParams(uri, version, edit, forward),
        uri,
        version,
        timeoutMs,
      );
      if (i >= opts.warmup) editSamples.push(r.ms);
      published = r.published.diagnostics.length;
    }
    const peak = peakRssMb(proc.pid!);
    await client.request('shutdown', null, 10_000).catch(() => undefined);
    client.notify('exit', null);
    return {
      server,
      open: summarize(openSamples),
      edit: { ...summarize(editSamples), line: edit.line },
      published,
      peakRssMb: peak,
    };
  } catch (e) {
    const tail = client.log.join('').slice(-2000);
    throw new Error(`${e instanceof Error ? e.message : e}${tail ? `\nserver log:\n${tail}` : ''}`);
  } finally {
    setTimeout(() => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }, 2000).unref();
  }
}
