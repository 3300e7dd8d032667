/**
 * The LSP wiring: `startServer(connection)` negotiates capabilities, keeps the open documents
 * (incremental sync) and their parses (cache keyed by URI + version), validates each document a
 * short, configurable delay after its last edit and publishes the language service's diagnostics,
 * and answers the custom requests. Everything iptables-specific is in `service/`; this file only
 * moves data between the protocol and the service.
 */
import {
  type ClientCapabilities,
  type Connection,
  DiagnosticSeverity,
  type InitializeResult,
  type Diagnostic as LspDiagnostic,
  TextDocumentSyncKind,
  TextDocuments,
} from 'vscode-languageserver';
import { DIAGNOSTIC_SOURCE, toLspDiagnostics } from './lsp/convert';
import { Debouncer } from './lsp/debounce';
import { ParseCache, shellWithoutIptables } from './lsp/documents';
import { formatError } from './lsp/runSafe';
import { DEFAULT_SETTINGS, type IptablesSettings, normalizeSettings } from './lsp/settings';
import { registerSimulateRequest } from './lsp/simulate';
import { pieceTextDocuments } from './lsp/textDocument';
import { documentDiagnostics } from './service/document';

/** Language ids the server works on. */
export const LANGUAGE_IDS = ['iptables', 'shellscript'] as const;

/** Most diagnostics published for one document; past it one note says how many were left out. */
export const MAX_DIAGNOSTICS = 1000;

/** Wires the iptables language service to `connection` and starts listening on it. */
export function startServer(connection: Connection): void {
  const documents = new TextDocuments(pieceTextDocuments);
  const parses = new ParseCache();
  const debouncer = new Debouncer();
  const log = { error: (m: string) => connection.console.error(m) };

  let pullConfiguration = false;
  let relatedInformation = false;
  /** Settings pushed by `workspace/didChangeConfiguration` (used when the client has no pull). */
  let pushedSettings: IptablesSettings = DEFAULT_SETTINGS;
  /** Pulled settings per document URI. */
  const settingsByUri = new Map<string, Promise<IptablesSettings>>();
  /** URIs that have non-empty diagnostics in the client (so they are cleared when that changes). */
  const published = new Set<string>();
  /** Documents just opened: validated without waiting for the debounce delay. */
  const justOpened = new Set<string>();

  function settingsFor(uri: string): Promise<IptablesSettings> {
    if (!pullConfiguration) return Promise.resolve(pushedSettings);
    let s = settingsByUri.get(uri);
    if (!s) {
      s = connection.workspace.getConfiguration({ scopeUri: uri, section: 'iptables' }).then(normalizeSettings, (e) => {
        log.error(formatError('reading the iptables settings failed', e));
        return DEFAULT_SETTINGS;
      });
      settingsByUri.set(uri, s);
    }
    return s;
  }

  connection.onInitialize((params): InitializeResult => {
    const capabilities: ClientCapabilities = params.capabilities;
    pullConfiguration = capabilities.workspace?.configuration === true;
    relatedInformation = capabilities.textDocument?.publishDiagnostics?.relatedInformation === true;
    const init = params.initializationOptions as { settings?: unknown } | undefined;
    if (init?.settings !== undefined) pushedSettings = normalizeSettings(init.settings);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      },
      serverInfo: { name: 'iptables-language-server', version: '0.1.0' },
    };
  });

  // Clients announce settings changes with didChangeConfiguration (VS Code's client does so for
  // the `iptables` section); with pull support the new values are then fetched per document.
  connection.onDidChangeConfiguration((change) => {
    const s = change.settings as { iptables?: unknown } | null | undefined;
    if (s && typeof s === 'object' && 'iptables' in s) pushedSettings = normalizeSettings(s.iptables);
    settingsByUri.clear();
    // The family setting changes how save files parse: start the incremental path afresh.
    parses.clear();
    for (const doc of documents.all()) schedule(doc.uri, 0);
  });

  function publish(uri: string, version: number | undefined, diagnostics: LspDiagnostic[]): void {
    if (diagnostics.length === 0) {
      // Only tell the client when it holds something to clear.
      if (!published.delete(uri)) return;
    } else {
      published.add(uri);
    }
    void connection.sendDiagnostics({ uri, version, diagnostics });
  }

  function schedule(uri: string, delay: number): void {
    debouncer.schedule(uri, delay, () => {
      validate(uri).catch((e) => log.error(formatError(`validating ${uri} failed`, e)));
    });
  }

  async function validate(uri: string): Promise<void> {
    const before = documents.get(uri);
    if (!before) return;
    const settings = await settingsFor(uri);
    // The document may have changed or closed while the settings were on their way.
    const document = documents.get(uri);
    if (!document || document.version !== before.version) return;
    if (!(LANGUAGE_IDS as readonly string[]).includes(document.languageId)) return;
    if (!settings.validate.enable) {
      publish(uri, document.version, []);
      return;
    }
    const text = document.getText();
    if (shellWithoutIptables(document.languageId, text)) {
      publish(uri, document.version, []);
      return;
    }
    const parsed = parses.get(document, settings);
    // A shell script is only ours when it runs iptables: leave other scripts alone.
    if (document.languageId === 'shellscript' && parsed.commands.length === 0 && parsed.diagnostics.length === 0) {
      publish(uri, document.version, []);
      return;
    }
    const found = documentDiagnostics(parsed, text);
    const diagnostics = toLspDiagnostics(uri, found, MAX_DIAGNOSTICS);
    if (found.length > MAX_DIAGNOSTICS) {
      diagnostics.push({
        range: diagnostics[diagnostics.length - 1].range,
        severity: DiagnosticSeverity.Information,
        code: 'too-many-problems',
        source: DIAGNOSTIC_SOURCE,
        message: `${found.length - MAX_DIAGNOSTICS} more problems in this document are not shown`,
      });
    }
    if (!relatedInformation) for (const d of diagnostics) delete d.relatedInformation;
    publish(uri, document.version, diagnostics);
  }

  async function delayFor(uri: string): Promise<number> {
    return (await settingsFor(uri)).validate.delay;
  }

  documents.onDidOpen((e) => {
    justOpened.add(e.document.uri);
  });

  documents.onDidChangeContent((e) => {
    const uri = e.document.uri;
    if (justOpened.delete(uri)) {
      schedule(uri, 0);
      return;
    }
    // Keep the debounce window running from this edit even while the delay is being looked up.
    if (debouncer.has(uri)) debouncer.cancel(uri);
    delayFor(uri).then(
      (delay) => {
        const doc = documents.get(uri);
        if (doc && doc.version === e.document.version) schedule(uri, delay);
      },
      (err) => log.error(formatError('reading the validation delay failed', err)),
    );
  });

  documents.onDidClose((e) => {
    const uri = e.document.uri;
    debouncer.cancel(uri);
    justOpened.delete(uri);
    parses.delete(uri);
    settingsByUri.delete(uri);
    publish(uri, undefined, []);
  });

  registerSimulateRequest(connection, {
    log,
    document: (uri) => documents.get(uri),
    parse: async (document) => parses.get(document, await settingsFor(document.uri)),
    settings: settingsFor,
  });

  connection.onShutdown(() => debouncer.dispose());

  documents.listen(connection);
  connection.listen();
}
