/**
 * The packet simulator: netfilter (tables, chains, hooks in the kernel's order) with routing,
 * connection tracking and NAT, for a host described by its interfaces, routes and sysctls.
 * Pure module (no node: imports): runs in node, the browser and workers.
 */

export { describeAlternative, MAX_ALTERNATIVES } from './alternatives';
export { type CompiledRuleset, compileDocument } from './compile';
export { buildHost, type Host, routeLookup } from './host';
export { inferHost } from './infer';
export { formatPacketLog, formatTraceLine } from './logformat';
export { parseLogLine } from './logline';
export { packetFromSpec, parsePacketSyntax } from './packet';
export {
  runScenario,
  type Scenario,
  SIMULATOR_VERSION,
  type SimulateInput,
  type SimulateResult,
  simulate,
} from './scenario';
export type * from './types';
