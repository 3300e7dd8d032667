/**
 * Handler of the `iptables/simulate` request: checks the parameters, takes the cached parse of
 * the document's current version, and hands it with the host and packets to the simulator.
 */
import { type Connection, ErrorCodes, ResponseError } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { ParseResult } from '../service/document';
import { inferHost, simulate } from '../service/simulator/index';
import type { HostSpec } from '../service/simulator/types';
import { MAX_SIMULATE_PACKETS, type SimulateParams, SimulateRequest, type SimulateResult } from './protocol';
import { type ErrorLog, runSafe } from './runSafe';
import type { IptablesSettings } from './settings';

/** What the handler needs from the server. */
export interface SimulateContext {
  log: ErrorLog;
  document(uri: string): TextDocument | undefined;
  parse(document: TextDocument): Promise<ParseResult>;
  settings(uri: string): Promise<IptablesSettings>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the shape of the parameters; returns a message for the first problem. */
export function checkSimulateParams(p: unknown): string | undefined {
  if (!isObject(p)) return 'parameters must be an object';
  if (typeof p.uri !== 'string') return '"uri" must be a string';
  if (!Array.isArray(p.packets) || p.packets.length === 0) return '"packets" must be a non-empty array';
  if (p.packets.length > MAX_SIMULATE_PACKETS) return `at most ${MAX_SIMULATE_PACKETS} packets per request`;
  if (!p.packets.every(isObject)) return 'every packet must be an object';
  if (p.host !== undefined && !isObject(p.host)) return '"host" must be an object';
  if (p.backend !== undefined && p.backend !== 'nft' && p.backend !== 'legacy')
    return '"backend" must be "nft" or "legacy"';
  if (p.assumptions !== undefined && !Array.isArray(p.assumptions)) return '"assumptions" must be an array';
  return undefined;
}

async function run(ctx: SimulateContext, params: SimulateParams): Promise<SimulateResult | ResponseError<void>> {
  const problem = checkSimulateParams(params);
  if (problem) return new ResponseError(ErrorCodes.InvalidParams, `iptables/simulate: ${problem}`);
  const document = ctx.document(params.uri);
  if (!document) return new ResponseError(ErrorCodes.InvalidParams, `iptables/simulate: ${params.uri} is not open`);
  const [settings, doc] = await Promise.all([ctx.settings(params.uri), ctx.parse(document)]);
  let host: HostSpec;
  let hostNotes: string[] = [];
  if (params.host) host = params.host;
  else ({ host, notes: hostNotes } = inferHost(doc));
  const backend = params.backend ?? settings.backend;
  try {
    const r = simulate({ doc, host, packets: params.packets, backend, assumptions: params.assumptions });
    return { version: document.version, backend: r.backend, host, hostNotes, packets: r.packets, errors: r.errors };
  } catch (e) {
    // A host description the simulator rejects (bad address, unknown route form...) is the
    // caller's mistake, not a server failure.
    return new ResponseError(
      ErrorCodes.InvalidParams,
      `iptables/simulate: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

/** Registers the `iptables/simulate` handler on the connection. */
export function registerSimulateRequest(connection: Connection, ctx: SimulateContext): void {
  connection.onRequest(SimulateRequest, (params, token) =>
    runSafe(
      ctx.log,
      () => run(ctx, params),
      new ResponseError(ErrorCodes.InternalError, 'iptables/simulate failed (see the server log)'),
      'iptables/simulate',
      token,
    ),
  );
}
