/**
 * The VS Code extension: starts the iptables language server (`dist/server/server.js`, over IPC)
 * for iptables-save files and shell scripts, and registers the extension's commands. Thin on
 * purpose: every feature lives in the server and its language service.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';

let client: LanguageClient | undefined;

/** Documents the server works on. */
const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: 'iptables' },
  { scheme: 'untitled', language: 'iptables' },
  { scheme: 'file', language: 'shellscript' },
  { scheme: 'untitled', language: 'shellscript' },
];

function createClient(context: vscode.ExtensionContext, outputChannel: vscode.OutputChannel): LanguageClient {
  const module = context.asAbsolutePath(path.join('dist', 'server', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    // Settings reach the server by `workspace/configuration` pulls; changes are announced.
    synchronize: { configurationSection: 'iptables' },
    // One channel for the extension's lifetime: a restart of the client must not dispose it.
    outputChannel,
  };
  return new LanguageClient('iptables', 'iptables Language Server', serverOptions, clientOptions);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const outputChannel = vscode.window.createOutputChannel('iptables Language Server');
  client = createClient(context, outputChannel);
  context.subscriptions.push(
    outputChannel,
    vscode.commands.registerCommand('iptables.restartServer', async () => {
      if (client) await client.restart();
    }),
    vscode.commands.registerCommand('iptables.showServerOutput', () => outputChannel.show(true)),
  );
  await client.start();
}

export async function deactivate(): Promise<void> {
  if (client) {
    const c = client;
    client = undefined;
    await c.stop();
  }
}
