/**
 * Compares two kernel results of the same scenario (a fresh oracle run against a recorded one)
 * by the rules of scenarios/README.md: per packet the trace entries of the ruleset's tables,
 * the egress headers, the disposition, and for the legacy backend the TRACE/LOG text with the
 * fields that vary from run to run masked. Responses are compared the same way.
 */
import type { Header } from './packet';
import type { TraceEntry } from './steps';

export interface ComparablePacket {
  name: string;
  trace: TraceEntry[];
  egress: Header[];
  disposition: string;
  trace_lines?: string[];
  log_lines?: string[];
  responses?: {
    trace: TraceEntry[];
    egress: Header[];
    trace_lines?: string[];
    log_lines?: string[];
    summary?: string;
  }[];
}

export interface ComparableResult {
  packets: ComparablePacket[];
}

/** Masks what differs between runs: MAC=, ID=, SEQ=, ACK=, WINDOW= values and TCP options. */
export function maskLogLine(line: string): string {
  return line
    .replace(/^\[\s*\d+\.\d+\]\s*/, '')
    .replace(/\bMAC=\S*/g, 'MAC=*')
    .replace(/\bID=\d+/g, 'ID=*')
    .replace(/\bSEQ=\d+/g, 'SEQ=*')
    .replace(/\bACK=\d+/g, 'ACK=*')
    .replace(/\bWINDOW=\d+/g, 'WINDOW=*')
    .replace(/\bOPT \([0-9A-Fa-f]*\) ?/g, 'OPT (*) ')
    .trimEnd();
}

function traceKey(e: TraceEntry): string {
  return `${e.table}:${e.chain} ${e.kind}${e.rulenum !== null && e.rulenum !== undefined ? `#${e.rulenum}` : ''} ${e.verdict}`;
}

function egressKey(h: Header): string {
  const ports = h.sport !== undefined ? `:${h.sport}>:${h.dport}` : '';
  return `${h.iface} ${h.proto} ${h.src}>${h.dst}${ports}`;
}

function listDiff(what: string, expected: string[], actual: string[]): string[] {
  if (expected.length === actual.length && expected.every((e, i) => e === actual[i])) return [];
  const out = [`${what} differs:`];
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const a = actual[i];
    out.push(`    ${e === a ? ' ' : '!'} expected ${e ?? '(none)'} | got ${a ?? '(none)'}`);
  }
  return [out.join('\n')];
}

export interface DiffOptions {
  /** Tables of the ruleset file (trace entries of other tables are ignored). */
  tables: Set<string>;
  /** Packets whose outcome is random: only the disposition is compared. */
  nondeterministic: Set<string>;
  /** Compare the legacy TRACE/LOG text too. */
  text: boolean;
}

/** Differences between an expected and an actual result (empty when they agree). */
export function diffResults(expected: ComparableResult, actual: ComparableResult, opts: DiffOptions): string[] {
  const out: string[] = [];
  const byName = new Map(actual.packets.map((p) => [p.name, p]));
  for (const e of expected.packets) {
    const a = byName.get(e.name);
    if (!a) {
      out.push(`${e.name}: missing`);
      continue;
    }
    const d: string[] = [];
    if (e.disposition !== a.disposition) d.push(`disposition: expected ${e.disposition}, got ${a.disposition}`);
    if (!opts.nondeterministic.has(e.name)) {
      const tr = (t: TraceEntry[]) => t.filter((x) => opts.tables.has(x.table)).map(traceKey);
      d.push(...listDiff('trace', tr(e.trace), tr(a.trace)));
      d.push(...listDiff('egress', e.egress.map(egressKey), a.egress.map(egressKey)));
      if (opts.text) {
        d.push(
          ...listDiff('trace_lines', (e.trace_lines ?? []).map(maskLogLine), (a.trace_lines ?? []).map(maskLogLine)),
        );
        d.push(...listDiff('log_lines', (e.log_lines ?? []).map(maskLogLine), (a.log_lines ?? []).map(maskLogLine)));
      }
      // Responses are compared flattened: whether a packet the host sent to itself over lo is
      // one response or two (out and back in) depends on the kernel's trace ids, not on netfilter.
      const tr2 = (rs: ComparablePacket['responses']) =>
        (rs ?? []).flatMap((r) => r.trace.filter((x) => opts.tables.has(x.table)).map(traceKey));
      const eg2 = (rs: ComparablePacket['responses']) => (rs ?? []).flatMap((r) => r.egress.map(egressKey));
      d.push(...listDiff('responses.trace', tr2(e.responses), tr2(a.responses)));
      d.push(...listDiff('responses.egress', eg2(e.responses), eg2(a.responses)));
      if (opts.text) {
        const tl = (rs: ComparablePacket['responses']) =>
          (rs ?? []).flatMap((r) => [...(r.trace_lines ?? []), ...(r.log_lines ?? [])].map(maskLogLine));
        d.push(...listDiff('responses.trace_lines', tl(e.responses), tl(a.responses)));
      }
    }
    for (const x of d) out.push(`${e.name}: ${x}`);
  }
  for (const a of actual.packets)
    if (!expected.packets.some((e) => e.name === a.name)) out.push(`${a.name}: unexpected packet`);
  return out;
}

/** Tables declared in a ruleset text (`*filter`, ...). */
export function rulesetTables(text: string): Set<string> {
  return new Set([...text.matchAll(/^\s*\*(\S+)/gm)].map((m) => m[1]));
}

/** Names of the packets a scenario declares nondeterministic. */
export function nondeterministicPackets(s: {
  nondeterministic?: { values?: string[]; paths?: string[] };
}): Set<string> {
  return new Set([...(s.nondeterministic?.values ?? []), ...(s.nondeterministic?.paths ?? [])]);
}
