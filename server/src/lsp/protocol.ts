/**
 * The server's custom requests, shared by the server, the client and the protocol tests.
 *
 * `iptables/simulate`: runs packets through the ruleset of an open document (the cached parse of
 * its current version) on a described or inferred host, and answers what the packet simulator
 * says happened to each packet.
 */
import { RequestType } from 'vscode-languageserver-protocol';
import type { Assumption, Backend, HostSpec, PacketResult, PacketSpec } from '../service/simulator/types';

export interface SimulateParams {
  /** URI of an open iptables document. */
  uri: string;
  /** Packets, in order (connection tracking carries over from one to the next). */
  packets: PacketSpec[];
  /** The host; when absent one is inferred from the ruleset (see `hostNotes`). */
  host?: HostSpec;
  /** Overrides the `iptables.backend` setting. */
  backend?: Backend;
  /** Answers pinned for matches the simulator cannot decide. */
  assumptions?: Assumption[];
}

export interface SimulateResult {
  /** Document version the simulation ran on. */
  version: number;
  backend: Backend;
  /** The host used (given or inferred). */
  host: HostSpec;
  /** What was guessed when the host was inferred. */
  hostNotes: string[];
  packets: PacketResult[];
  /** Problems that prevented parts of the simulation (unsupported rules, bad packets...). */
  errors: string[];
}

export const SimulateRequest = new RequestType<SimulateParams, SimulateResult, void>('iptables/simulate');

/** Most packets one request may carry (a bound on the work one request can cause). */
export const MAX_SIMULATE_PACKETS = 1000;
