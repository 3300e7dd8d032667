/**
 * `iptables-sim simulate`: runs packets through a ruleset on a simulated host and prints the
 * trace (readable by default, `--json` for the recorded-results shape). Inputs: a ruleset file
 * with `--host HOST.json` (or a host inferred from the ruleset) and `--packet "tcp A:p > B:q in
 * IF flags S"`, `--from-log 'IN=... SRC=...'` or `--flow FLOW.json`; or `--scenario FILE.json`
 * (the shared scenario format, ruleset path relative to the scenario file).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from '../service/document';
import {
  type Assumption,
  type Backend,
  type HostSpec,
  inferHost,
  type PacketResult,
  type PacketSpec,
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

const USAGE = `usage: iptables-sim simulate RULESET [--host HOST.json] (--packet "PKT" | --from-log "LINE" | --flow FLOW.json)
                            [--backend nft|legacy] [--assume LINE:MODULE=yes|no] [--json]
       iptables-sim simulate --scenario SCENARIO.json [--backend nft|legacy] [--json]
PKT: PROTO SRC[:PORT] > DST[:PORT] [in IFACE] [flags S|SA|A|...] [type N] [code N] [id N] [ttl N] [mark N]`;

interface Args {
  file?: string;
  host?: string;
  packets: string[];
  logs: string[];
  flow?: string;
  scenario?: string;
  backend: Backend;
  json: boolean;
  assume: Assumption[];
}

function parseArgs(argv: string[]): Args {
  const a: Args = { packets: [], logs: [], backend: 'nft', json: false, assume: [] };
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

function readJson(read: (p: string) => string, path: string, what: string): unknown {
  let text: string;
  try {
    text = read(path);
  } catch (e) {
    throw new Error(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Readable rendering of one packet's result. */
export function renderPacket(p: PacketResult, indent = ''): string {
  const out: string[] = [];
  out.push(`${indent}${p.name}: ${p.summary} => ${p.disposition.toUpperCase()}`);
  out.push(`${indent}  path: ${p.path.join(' -> ') || '(none)'}`);
  for (const r of p.routing) out.push(`${indent}  route (${r.at}): ${r.result}`);
  for (const t of p.trace) {
    const where = `${t.table}:${t.chain}`;
    if (t.kind === 'rule')
      out.push(`${indent}  ${where} rule ${t.rulenum} (line ${t.line}) -> ${t.verdict}   ${t.rule}`);
    else out.push(`${indent}  ${where} ${t.kind} -> ${t.verdict}`);
  }
  for (const n of p.nat) out.push(`${indent}  ${n.kind} at ${n.hook}: ${n.before} -> ${n.after}`);
  for (const e of p.egress)
    out.push(
      `${indent}  leaves ${e.iface}: ${e.proto} ${e.src}${e.sport !== undefined ? `:${e.sport}` : ''} > ${e.dst}${e.dport !== undefined ? `:${e.dport}` : ''}`,
    );
  for (const l of p.logs) if (l.target === 'NFLOG') out.push(`${indent}  NFLOG group ${l.group}: ${l.prefix}`);
  for (const l of p.log_lines) out.push(`${indent}  LOG: ${l}`);
  for (const l of p.monitor_lines) out.push(`${indent}  xtables-monitor: ${l}`);
  for (const u of p.undecidable)
    out.push(
      `${indent}  UNDECIDABLE line ${u.line} -m ${u.module}: ${u.reason}; assumed ${u.assumed ? 'match' : 'no match'}${u.random ? ' (random in the kernel)' : ''}`,
    );
  if (p.random) out.push(`${indent}  RANDOM: ${p.random.why}`);
  for (const n of p.notes) out.push(`${indent}  note: ${n}`);
  for (const r of p.responses) out.push(renderPacket(r, `${indent}  response `));
  return out.join('\n');
}

/** Entry point of `iptables-sim simulate`. Returns the exit code. */
export async function run(argv: string[], io: SimulateIO): Promise<number> {
  const read = io.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    io.stderr(`iptables-sim simulate: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  try {
    if (args.scenario) {
      const sc = readJson(read, args.scenario, 'scenario') as Scenario;
      if (!sc || !Array.isArray(sc.packets)) throw new Error(`scenario ${args.scenario} has no "packets" list`);
      const text = sc.ruleset_text ?? (sc.ruleset ? read(resolve(dirname(args.scenario), sc.ruleset)) : undefined);
      if (text === undefined)
        throw new Error(`scenario ${args.scenario} names no ruleset ("ruleset" or "ruleset_text")`);
      const r = runScenario(sc, text, args.backend, args.assume);
      if (args.json) io.stdout(`${JSON.stringify({ ...r, scenario: args.scenario }, null, 1)}\n`);
      else {
        io.stdout(`backend: ${args.backend} (assumed; pick with --backend)\n`);
        for (const e of r.errors) io.stdout(`error: ${e}\n`);
        for (const p of r.packets) io.stdout(`${renderPacket(p)}\n\n`);
      }
      return r.errors.length ? 1 : 0;
    }
    if (!args.file) throw new Error('no ruleset file given');
    const text = read(args.file);
    const doc = parseDocument(text, { fileName: args.file });
    let host: HostSpec;
    const notes: string[] = [];
    if (args.host) host = readJson(read, args.host, 'host') as HostSpec;
    else {
      const inf = inferHost(doc);
      host = inf.host;
      notes.push('no --host given: host inferred from the ruleset', ...inf.notes);
    }
    let packets: PacketSpec[] = [];
    for (const p of args.packets) packets.push(parsePacketSyntax(p));
    for (const l of args.logs) packets.push(parseLogLine(l).packet);
    if (args.flow) {
      const f = readJson(read, args.flow, 'flow') as { packets?: PacketSpec[] } | PacketSpec[];
      const list = Array.isArray(f) ? f : f.packets;
      if (!Array.isArray(list)) throw new Error(`flow ${args.flow} must be a list of packets or {"packets": [...]}`);
      packets = packets.concat(list);
    }
    if (packets.length === 0) throw new Error('no packet given (--packet, --from-log or --flow)');
    packets = packets.map((p, i) => ({ name: p.name ?? `packet ${i + 1}`, ...p }));
    const r = simulate({ doc, host, packets, backend: args.backend, assumptions: args.assume });
    if (args.json)
      io.stdout(`${JSON.stringify({ backend: r.backend, errors: r.errors, notes, packets: r.packets }, null, 1)}\n`);
    else {
      io.stdout(
        `backend: ${r.backend}${args.backend === 'nft' ? ' (default; --backend legacy for iptables-legacy)' : ''}\n`,
      );
      for (const n of notes) io.stdout(`host: ${n}\n`);
      for (const e of r.errors) io.stdout(`error: ${e}\n`);
      for (const p of r.packets) io.stdout(`${renderPacket(p)}\n\n`);
    }
    return r.errors.length ? 1 : 0;
  } catch (e) {
    io.stderr(`iptables-sim simulate: ${(e as Error).message}\n`);
    return 1;
  }
}
