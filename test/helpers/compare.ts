/**
 * Compares a simulator result with a kernel-recorded result (the oracle's JSON), as described in
 * the scenarios README ("How the simulator is compared"): per packet the trace entries of the
 * tables present in the ruleset (table, chain, kind, rulenum where both give one, verdict; REJECT
 * counts as DROP), the egress frames (interface, protocol, addresses, ports), the disposition
 * (only this for nondeterministic packets) and, against legacy results, the TRACE and LOG lines
 * with the timestamp, MAC=, the IP ID=, TCP SEQ=/ACK=/WINDOW= values and OPT (...) masked.
 * Returns human-readable differences (empty when they agree).
 */

export interface KernelTraceEntry {
  table: string;
  chain: string;
  kind: string;
  rulenum: number | null;
  verdict: string;
}

export interface KernelFrame {
  iface?: string | null;
  src?: string;
  dst?: string;
  proto?: string;
  sport?: number;
  dport?: number;
  icmp_type?: number;
  icmp_code?: number;
  icmp_id?: number;
}

export interface ComparablePacket {
  name: string;
  trace?: KernelTraceEntry[];
  egress?: KernelFrame[];
  disposition?: string;
  trace_lines?: string[];
  log_lines?: string[];
}

export interface CompareOptions {
  /** Tables present in the ruleset file (others are ignored in traces). */
  tables: string[];
  backend: 'nft' | 'legacy';
  /** Names of packets for which only the disposition is compared. */
  nondeterministic?: Iterable<string>;
}

/** Masks the fields of a kernel log line that differ between runs. */
export function maskLogLine(line: string): string {
  return line
    .replace(/^\s*\[\s*\d+\.\d+\]\s*/, '')
    .replace(/MAC=\S*/g, 'MAC=*')
    .replace(/\bID=\d+( DF| CE| MF)*( PROTO=)/g, (_m, flags: string | undefined, p: string) => `ID=*${flags ?? ''}${p}`)
    .replace(/\bSEQ=\d+ ACK=\d+/g, 'SEQ=* ACK=*')
    .replace(/\bWINDOW=\d+/g, 'WINDOW=*')
    .replace(/ OPT \([0-9A-F]*\)/g, ' OPT (*)')
    .trimEnd();
}

function traceKey(e: KernelTraceEntry, withNum: boolean): string {
  const verdict = e.verdict === 'REJECT' ? 'DROP' : e.verdict;
  return `${e.table}:${e.chain}:${e.kind}${withNum && e.rulenum != null ? `:${e.rulenum}` : ''} -> ${verdict}`;
}

function frameKey(f: KernelFrame): string {
  const ports = f.sport !== undefined ? `:${f.sport} > ` : ' > ';
  const dport = f.dport !== undefined ? `:${f.dport}` : '';
  const icmp =
    f.proto === 'icmp' ? ` type ${f.icmp_type}/${f.icmp_code}${f.icmp_id !== undefined ? ` id ${f.icmp_id}` : ''}` : '';
  return `${f.iface ?? '-'} ${f.proto} ${f.src}${ports}${f.dst}${dport}${icmp}`;
}

function listDiff(what: string, sim: string[], kernel: string[]): string[] {
  const out: string[] = [];
  const n = Math.max(sim.length, kernel.length);
  for (let i = 0; i < n; i++) {
    if (sim[i] !== kernel[i]) {
      out.push(
        `${what}[${i}]: simulator ${sim[i] === undefined ? '(none)' : `"${sim[i]}"`}, kernel ${kernel[i] === undefined ? '(none)' : `"${kernel[i]}"`}`,
      );
      break;
    }
  }
  if (out.length && sim.length !== kernel.length)
    out.push(`${what}: simulator has ${sim.length} entries, kernel ${kernel.length}`);
  return out;
}

/** Differences between one simulated packet and the kernel's record of it. */
export function comparePacket(sim: ComparablePacket, kernel: ComparablePacket, opts: CompareOptions): string[] {
  const diffs: string[] = [];
  const nd = new Set(opts.nondeterministic ?? []);
  if ((sim.disposition ?? 'unknown') !== (kernel.disposition ?? 'unknown')) {
    diffs.push(`disposition: simulator ${sim.disposition}, kernel ${kernel.disposition}`);
  }
  if (nd.has(kernel.name)) return diffs;
  const tables = new Set(opts.tables);
  const keep = (t: KernelTraceEntry[] | undefined) => (t ?? []).filter((e) => tables.has(e.table));
  const st = keep(sim.trace);
  const kt = keep(kernel.trace);
  const n = Math.max(st.length, kt.length);
  for (let i = 0; i < n; i++) {
    const a = st[i];
    const b = kt[i];
    const withNum = a?.rulenum != null && b?.rulenum != null;
    const ka = a ? traceKey(a, withNum) : undefined;
    const kb = b ? traceKey(b, withNum) : undefined;
    if (ka !== kb) {
      diffs.push(`trace[${i}]: simulator ${ka ?? '(none)'}, kernel ${kb ?? '(none)'}`);
      break;
    }
  }
  diffs.push(...listDiff('egress', (sim.egress ?? []).map(frameKey), (kernel.egress ?? []).map(frameKey)));
  if (opts.backend === 'legacy') {
    const tl = (l: string[] | undefined) =>
      (l ?? []).filter((x) => tables.has(/^TRACE: ([^:]+):/.exec(x)?.[1] ?? '')).map(maskLogLine);
    diffs.push(...listDiff('trace_lines', tl(sim.trace_lines), tl(kernel.trace_lines)));
    diffs.push(
      ...listDiff('log_lines', (sim.log_lines ?? []).map(maskLogLine), (kernel.log_lines ?? []).map(maskLogLine)),
    );
  }
  return diffs.map((d) => `${kernel.name}: ${d}`);
}

/** Differences over all packets of a scenario. */
export function compareResults(
  sim: { packets: ComparablePacket[] },
  kernel: { packets: ComparablePacket[] },
  opts: CompareOptions,
): string[] {
  const out: string[] = [];
  const byName = new Map(sim.packets.map((p) => [p.name, p]));
  for (const k of kernel.packets) {
    const s = byName.get(k.name);
    if (!s) {
      out.push(`${k.name}: missing from the simulator's result`);
      continue;
    }
    out.push(...comparePacket(s, k, opts));
  }
  return out;
}

/** Tables declared (`*table`) in an iptables-save text. */
export function tablesInRuleset(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^\*([a-z]+)\s*$/gm)) if (!out.includes(m[1])) out.push(m[1]);
  return out;
}
