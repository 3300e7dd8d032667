/**
 * `iptables-sim simulate`: runs packets through a ruleset on a simulated host and prints the
 * trace (readable by default: each packet as it arrived and what left the host, undecidable
 * matches with their assumed answers and the other outcomes; `--json` for the recorded-results
 * shape). Bad input (unreadable files, malformed JSON/host/packets/LOG lines, bad options) gives
 * one line on stderr and exit status 2. Inputs: a ruleset file with `--host HOST.json` (or a host inferred from the ruleset) and `--packet "tcp A:p > B:q in
 * IF flags S"`, `--from-log 'IN=... SRC=...'` or `--flow FLOW.json`; or `--scenario FILE.json`
 * (the shared scenario format, ruleset path relative to the scenario file).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from '../service/document';
import {
  type Assumption,
  type Backend,
  buildHost,
  describeAlternative,
  type FrameOut,
  type HostSpec,
  inferHost,
  type PacketResult,
  type PacketSpec,
  packetFromSpec,
  parseLogLine,
  parsePacketSyntax,
  runScenario,
  type Scenario,
  simulate,
} from '../service/simulator/index';

export interface SimulateIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readFile?: (path: string) => string;
}

export const USAGE = `usage: iptables-sim simulate RULESET [--host HOST.json] (--packet "PKT" | --from-log "LINE" | --flow FLOW.json)...
                            [--backend nft|legacy] [--assume LINE:MODULE=yes|no]... [--json]
       iptables-sim simulate --scenario SCENARIO.json [--backend nft|legacy] [--assume ...] [--json]

Follows packets through an iptables-save ruleset on a simulated host (routing, conntrack, NAT).
  --host FILE       the host: {"interfaces": [{"name", "addr"}], "routes": [...], "forwarding": true, ...}
                    (without it, a host is inferred from the ruleset)
  --packet PKT      PROTO SRC[:PORT] > DST[:PORT] [in IFACE] [flags S|SA|A|...] [type N] [code N] [id N]
                    [ttl N] [mark N]; several --packet options form one flow (conntrack carries over)
  --from-log LINE   a kernel LOG line (IN=... SRC=... DST=...) replayed as a packet
  --flow FILE       a JSON list of packets (scenario packet fields, with "reply_to" and "time")
  --scenario FILE   a scenario file (ruleset path relative to it)
  --backend B       nft (default) or legacy: the two differ in chain creation and table order
  --assume L:M=yes  pin the answer of an undecidable match (rule on line L, match module M)
  --json            the full result as JSON
  -h, --help        this help
Exit status: 0 done, 1 the simulation reported errors, 2 bad input (files, options, packets, host).`;

/** Bad input (files, options, packets, host): reported in one line, exit status 2. */
class InputError extends Error {}

interface Args {
  file?: string;
  host?: string;
  packets: string[];
  logs: string[];
  flow?: string;
  scenario?: string;
  backend: Backend;
  json: boolean;
  help: boolean;
  assume: Assumption[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = { packets: [], logs: [], backend: 'nft', json: false, help: false, assume: [] };
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${w} needs a value`);
      return v;
    };
    if (w === '--host') a.host = val();
    else if (w === '--packet' || w === '-p') a.packets.push(val());
    else if (w === '--from-log') a.logs.push(val());
    else if (w === '--flow') a.flow = val();
    else if (w === '--scenario') a.scenario = val();
    else if (w === '--json') a.json = true;
    else if (w === '--help' || w === '-h') a.help = true;
    else if (w === '--backend') {
      const b = val();
      if (b !== 'nft' && b !== 'legacy') throw new Error(`--backend must be nft or legacy, not "${b}"`);
      a.backend = b;
    } else if (w === '--assume') {
      const m = /^(\d+):([a-z0-9_-]+)=(yes|no|true|false|1|0)$/i.exec(val());
      if (!m) throw new Error('--assume takes LINE:MODULE=yes|no, e.g. 12:set=yes');
      a.assume.push({ line: Number(m[1]), module: m[2], matches: /^(yes|true|1)$/i.test(m[3]) });
    } else if (w.startsWith('-')) throw new Error(`unknown option ${w}`);
    else if (a.file === undefined) a.file = w;
    else throw new Error(`unexpected argument "${w}"`);
  }
  return a;
}

function readText(read: (p: string) => string, path: string, what: string): string {
  try {
    return read(path);
  } catch (e) {
    throw new InputError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

function readJson(read: (p: string) => string, path: string, what: string): unknown {
  const text = readText(read, path, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${what} ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Runs `fn`, turning any error into an InputError prefixed with `what`. */
function asInput<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new InputError(`${what}: ${(e as Error).message}`);
  }
}

function endpoint(addr: unknown, port: unknown): string {
  const a = String(addr);
  const host = a.includes(':') && port !== undefined ? `[${a}]` : a;
  return port !== undefined ? `${host}:${port}` : host;
}

/** `tcp S 10.0.0.5:40000 -> 198.51.100.7:443` (ICMP: its type/code). */
function describeHeader(h: Record<string, unknown>): string {
  const proto = String(h.proto ?? 'tcp');
  let what = proto;
  if (proto === 'tcp' && h.flags) what += ` ${h.flags}`;
  if ((proto === 'icmp' || proto === 'icmpv6') && (h.type ?? h.icmp_type) !== undefined)
    what += ` type ${h.type ?? h.icmp_type}/${h.code ?? h.icmp_code ?? 0}`;
  return `${what} ${endpoint(h.src, h.sport)} -> ${endpoint(h.dst, h.dport)}`;
}

function frameText(e: FrameOut): string {
  return `${endpoint(e.src, e.sport)} -> ${endpoint(e.dst, e.dport)}`;
}

/**
 * The header line of a packet: the packet as it arrived (its original addresses and ports, the
 * input interface or "from the host"), the disposition, and what left the host (after NAT).
 */
export function packetHeadline(p: PacketResult): string {
  const sent = p.sent as Record<string, unknown>;
  const arrived =
    sent && sent.src !== undefined
      ? `${describeHeader(sent)} ${sent.in ? `in ${sent.in}` : 'from the host'}`
      : p.summary;
  const leaves = p.egress.map((e) => {
    const same = e.src === sent?.src && e.dst === sent?.dst && e.sport === sent?.sport && e.dport === sent?.dport;
    return `out ${e.iface}${same ? '' : ` as ${frameText(e)}`}`;
  });
  return `${p.name}: ${arrived} => ${p.disposition.toUpperCase()}${leaves.length ? ` ${leaves.join(', ')}` : ''}`;
}

/** Readable rendering of one packet's result. */
export function renderPacket(p: PacketResult, indent = '', response = false): string {
  const out: string[] = [];
  out.push(response ? `${indent}${p.summary} => ${p.disposition.toUpperCase()}` : `${indent}${packetHeadline(p)}`);
  out.push(`${indent}  path: ${p.path.join(' -> ') || '(none)'}`);
  for (const r of p.routing) out.push(`${indent}  route (${r.at}): ${r.result}`);
  for (const t of p.trace) {
    const where = `${t.table}:${t.chain}`;
    if (t.kind === 'rule')
      out.push(`${indent}  ${where} rule ${t.rulenum} (line ${t.line}) -> ${t.verdict}   ${t.rule}`);
    else out.push(`${indent}  ${where} ${t.kind} -> ${t.verdict}`);
  }
  for (const n of p.nat) out.push(`${indent}  ${n.kind} at ${n.hook}: ${n.before} -> ${n.after}`);
  for (const e of p.egress) out.push(`${indent}  leaves ${e.iface}: ${e.proto} ${frameText(e)}`);
  for (const l of p.logs) if (l.target === 'NFLOG') out.push(`${indent}  NFLOG group ${l.group}: ${l.prefix}`);
  for (const l of p.log_lines) out.push(`${indent}  LOG: ${l}`);
  for (const l of p.monitor_lines) out.push(`${indent}  xtables-monitor: ${l}`);
  for (const u of p.undecidable) {
    const how = u.pinned
      ? 'as pinned'
      : `by default; pin with --assume ${u.line}:${u.module}=${u.assumed ? 'no' : 'yes'}`;
    out.push(
      `${indent}  undecidable: line ${u.line} (${u.table}:${u.chain} rule ${u.rulenum}) -m ${u.module}: ${u.reason}; assumed ${u.assumed ? 'it matches' : 'it does not match'} (${how})${u.random ? '; the kernel decides at random' : ''}`,
    );
  }
  for (const a of p.alternatives ?? []) out.push(`${indent}  other outcome: ${describeAlternative(a)}`);
  if (p.random) out.push(`${indent}  random: ${p.random.why}`);
  for (const n of p.notes) out.push(`${indent}  note: ${n}`);
  for (const r of p.responses) out.push(renderPacket(r, `${indent}  response: `, true));
  return out.join('\n');
}

/** Entry point of `iptables-sim simulate`. Returns the exit code (0, 1 simulation errors, 2 bad input). */
export async function run(argv: string[], io: SimulateIO): Promise<number> {
  const read = io.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    io.stderr(`iptables-sim simulate: ${(e as Error).message} (see iptables-sim simulate --help)\n`);
    return 2;
  }
  if (args.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  try {
    return args.scenario ? runScenarioFile(args, read, io) : runPackets(args, read, io);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    io.stderr(`iptables-sim simulate: ${msg.split('\n')[0]}\n`);
    return e instanceof InputError ? 2 : 1;
  }
}

function runScenarioFile(args: Args, read: (p: string) => string, io: SimulateIO): number {
  const path = args.scenario as string;
  const sc = readJson(read, path, 'scenario') as Scenario;
  if (!sc || typeof sc !== 'object' || !Array.isArray(sc.packets))
    throw new InputError(`scenario ${path} has no "packets" list`);
  const text =
    sc.ruleset_text ?? (sc.ruleset ? readText(read, resolve(dirname(path), sc.ruleset), 'ruleset') : undefined);
  if (text === undefined) throw new InputError(`scenario ${path} names no ruleset ("ruleset" or "ruleset_text")`);
  asInput(`scenario ${path}: host`, () => buildHost(sc.host ?? {}));
  const r = runScenario(sc, text, args.backend, args.assume);
  if (args.json) io.stdout(`${JSON.stringify({ ...r, scenario: path }, null, 1)}\n`);
  else {
    io.stdout(`backend: ${args.backend} (assumed; pick with --backend)\n`);
    for (const e of r.errors) io.stdout(`error: ${e}\n`);
    for (const p of r.packets) io.stdout(`${renderPacket(p)}\n\n`);
  }
  return r.errors.length ? 1 : 0;
}

function runPackets(args: Args, read: (p: string) => string, io: SimulateIO): number {
  if (!args.file) throw new InputError('no ruleset file given');
  const text = readText(read, args.file, 'ruleset');
  const doc = parseDocument(text, { fileName: args.file });
  let host: HostSpec;
  const notes: string[] = [];
  if (args.host) {
    host = readJson(read, args.host, 'host') as HostSpec;
    asInput(`host ${args.host}`, () => buildHost(host));
  } else {
    const inf = inferHost(doc);
    host = inf.host;
    notes.push('no --host given: host inferred from the ruleset', ...inf.notes);
  }
  let packets: PacketSpec[] = [];
  for (const p of args.packets) packets.push(asInput('--packet', () => parsePacketSyntax(p)));
  for (const l of args.logs) packets.push(asInput('--from-log', () => parseLogLine(l).packet));
  if (args.flow) {
    const f = readJson(read, args.flow, 'flow') as { packets?: PacketSpec[] } | PacketSpec[];
    const list = Array.isArray(f) ? f : f && typeof f === 'object' ? f.packets : undefined;
    if (!Array.isArray(list)) throw new InputError(`flow ${args.flow} must be a list of packets or {"packets": [...]}`);
    list.forEach((p, i) => {
      if (!p || typeof p !== 'object' || Array.isArray(p))
        throw new InputError(`flow ${args.flow}: packet ${i + 1} is not an object`);
    });
    packets = packets.concat(list);
  }
  if (packets.length === 0) throw new InputError('no packet given (--packet, --from-log or --flow)');
  packets = packets.map((p, i) => ({ name: p.name ?? `packet ${i + 1}`, ...p }));
  // every packet must be buildable (addresses, protocol, ports, flags) before anything runs
  for (const [i, p] of packets.entries())
    if (p.reply_to === undefined) asInput(String(p.name ?? `packet ${i + 1}`), () => packetFromSpec(p, 0));
  const r = simulate({ doc, host, packets, backend: args.backend, assumptions: args.assume });
  if (args.json)
    io.stdout(
      `${JSON.stringify({ backend: r.backend, errors: r.errors, notes, alternativesOmitted: r.alternativesOmitted, packets: r.packets }, null, 1)}\n`,
    );
  else {
    io.stdout(
      `backend: ${r.backend}${args.backend === 'nft' ? ' (default; --backend legacy for iptables-legacy)' : ''}\n`,
    );
    for (const n of notes) io.stdout(`host: ${n}\n`);
    for (const e of r.errors) io.stdout(`error: ${e}\n`);
    for (const p of r.packets) io.stdout(`${renderPacket(p)}\n\n`);
    if (r.alternativesOmitted)
      io.stdout(
        `note: ${r.alternativesOmitted} more undecidable match(es) not explored for other outcomes (pin them with --assume)\n`,
      );
  }
  return r.errors.length ? 1 : 0;
}
