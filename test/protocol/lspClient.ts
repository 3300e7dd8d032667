/**
 * Test harness for the protocol tests: builds the language server bundle, forks it
 * (`dist/server/server.js --node-ipc`) and speaks real JSON-RPC to it as an editor would:
 * initialize, open/change/close documents, answer `workspace/configuration`, and record every
 * `textDocument/publishDiagnostics` so tests can wait for the one they expect.
 */
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  ConfigurationRequest,
  createProtocolConnection,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  type InitializeResult,
  IPCMessageReader,
  IPCMessageWriter,
  LogMessageNotification,
  type ProtocolConnection,
  PublishDiagnosticsNotification,
  type PublishDiagnosticsParams,
  ShutdownRequest,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node';
import { REPO_ROOT } from '../helpers/paths';

export const SERVER_BUNDLE = join(REPO_ROOT, 'dist', 'server', 'server.js');

let built = false;

/** Builds dist/server/server.js once per test process (the real bundle is what is tested). */
export function buildServer(): void {
  if (built) return;
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs'), 'server'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`building the server failed:\n${r.stdout}${r.stderr}`);
  built = true;
}

export interface StartOptions {
  /** Values of the `iptables` section answered to `workspace/configuration` (pull model). */
  settings?: Record<string, unknown>;
  /** Declare `workspace.configuration` support (default true). */
  pullConfiguration?: boolean;
  /** Sent as `initializationOptions` (the server reads `settings` from it). */
  initializationOptions?: unknown;
}

type Waiter = {
  uri: string;
  accept: (p: PublishDiagnosticsParams) => boolean;
  resolve: (p: PublishDiagnosticsParams) => void;
};

export class LspTestClient {
  /** Every publishDiagnostics received, in order. */
  readonly published: PublishDiagnosticsParams[] = [];
  /** Server log messages (errors the server caught are reported here). */
  readonly logs: string[] = [];
  settings: Record<string, unknown>;
  private waiters: Waiter[] = [];
  private exited = false;

  private constructor(
    readonly child: ChildProcess,
    readonly connection: ProtocolConnection,
    options: StartOptions,
  ) {
    this.settings = options.settings ?? {};
    child.on('exit', () => {
      this.exited = true;
    });
    connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.published.push(p);
      this.waiters = this.waiters.filter((w) => {
        if (w.uri !== p.uri || !w.accept(p)) return true;
        w.resolve(p);
        return false;
      });
    });
    connection.onNotification(LogMessageNotification.type, (m) => this.logs.push(m.message));
    connection.onRequest(ConfigurationRequest.type, (params) =>
      params.items.map((item) => (item.section === 'iptables' ? this.settings : null)),
    );
  }

  /** Forks the built server and sends `initialize` + `initialized`. */
  static async start(options: StartOptions = {}): Promise<{ client: LspTestClient; init: InitializeResult }> {
    buildServer();
    const child = fork(SERVER_BUNDLE, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const connection = createProtocolConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
    const client = new LspTestClient(child, connection, options);
    child.stderr?.on('data', (d: Buffer) => client.logs.push(d.toString()));
    connection.listen();
    const init = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      capabilities: {
        workspace: { configuration: options.pullConfiguration ?? true },
        textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true, dataSupport: true } },
      },
      workspaceFolders: null,
      initializationOptions: options.initializationOptions,
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return { client, init };
  }

  get alive(): boolean {
    return !this.exited && this.child.exitCode === null;
  }

  open(uri: string, languageId: string, text: string, version = 1): Promise<void> {
    return this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId, version, text },
    });
  }

  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): Promise<void> {
    return this.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version },
      contentChanges: changes,
    });
  }

  close(uri: string): Promise<void> {
    return this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  /** Replaces the settings and tells the server (push carries them too, for non-pull clients). */
  changeSettings(settings: Record<string, unknown>): Promise<void> {
    this.settings = settings;
    return this.connection.sendNotification(DidChangeConfigurationNotification.type, {
      settings: { iptables: settings },
    });
  }

  /**
   * Resolves with the first diagnostics for `uri` (already received or future) that `accept`
   * accepts; rejects after `timeoutMs`.
   */
  waitForDiagnostics(
    uri: string,
    accept: (p: PublishDiagnosticsParams) => boolean = () => true,
    timeoutMs = 10_000,
    since = 0,
  ): Promise<PublishDiagnosticsParams> {
    const seen = this.published.slice(since).find((p) => p.uri === uri && accept(p));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`no matching diagnostics for ${uri} within ${timeoutMs} ms; got ${this.describe(uri)}`));
      }, timeoutMs);
      const waiter: Waiter = {
        uri,
        accept,
        resolve: (p) => {
          clearTimeout(timer);
          resolve(p);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Diagnostics published for `uri` so far (for failure messages). */
  describe(uri: string): string {
    const mine = this.published.filter((p) => p.uri === uri);
    return JSON.stringify(mine.map((p) => ({ version: p.version, codes: p.diagnostics.map((d) => d.code) })));
  }

  /** Shuts the server down politely, then makes sure the process is gone. */
  async stop(): Promise<void> {
    if (this.alive) {
      try {
        await Promise.race([
          this.connection.sendRequest(ShutdownRequest.type),
          new Promise((r) => setTimeout(r, 2000)),
        ]);
        await this.connection.sendNotification(ExitNotification.type);
      } catch {
        // The connection may already be gone; the kill below still applies.
      }
    }
    this.connection.dispose();
    await new Promise<void>((resolve) => {
      if (!this.alive) return resolve();
      const timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        resolve();
      }, 2000);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
