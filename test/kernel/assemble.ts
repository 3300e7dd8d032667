/**
 * Assembles the result record of one injected packet from what the kernel produced while it was
 * processed: trace steps (legacy TRACE lines or nf_tables events), LOG lines and frames that left
 * the host, split between the packet itself, the host's responses to it (RST, ICMP errors, echo
 * replies, SYN-ACKs) and unrelated background traffic; then path, disposition and notes.
 */
import { createHash } from 'node:crypto';
import type { Backend } from '../helpers/netns';
import type { Collected } from './agent';
import type { Injection, TcpState } from './inject';
import type { ConntrackEntry } from './kernelText';
import { logFields } from './kernelText';
import { describe, type Header } from './packet';
import { decodeAnyFrame, icmp6Name, isNdOrMld } from './packet6';
import {
  HOOKS,
  headerGroup,
  nftHeader,
  type Step,
  stepFromNftEvent,
  stepFromTraceLine,
  type TraceContext,
  type TraceEntry,
} from './steps';

export interface ResponseResult {
  trace_id: string;
  first_header: Header;
  trace: TraceEntry[];
  headers_seen: Header[];
  egress: Header[];
  trace_lines?: string[];
  user_trace_lines?: string[];
  log_lines: string[];
  summary?: string;
  note?: string;
}

export interface PacketResult {
  name: string;
  sent: Record<string, unknown>;
  trace: TraceEntry[];
  trace_lines?: string[];
  user_trace_lines?: string[];
  log_lines: string[];
  headers_seen: Header[];
  path: string[];
  egress: Header[];
  responses: ResponseResult[];
  background?: ResponseResult[];
  disposition: string;
  notes: string[];
  kernel_log: string[];
  xtables_monitor: { used: boolean };
  elapsed_s: number;
  conntrack: ConntrackEntry[];
}

/** What earlier packets left behind: their egress (for reply_to) and the responses seen so far. */
export interface PacketHistory {
  egress: Map<string, Header[]>;
  responses: Header[];
}

interface Group {
  key: string;
  traceIds: string[];
  steps: Step[];
  logs: string[];
  frames: Header[];
  first: Header | null;
  keys: Set<string>;
}

function traceId(key: string, ids: string[]): string {
  return ids[0] ?? createHash('sha1').update(key).digest('hex').slice(0, 8);
}

/** Whether two headers can be the same packet at two points (NAT keeps IP ID and TCP sequence). */
function sameSkb(a: Header, b: Header): boolean {
  return a.proto === b.proto && a.id === b.id && (a.proto !== 'tcp' || a.seq === b.seq);
}

function pathOf(steps: Step[]): string[] {
  const path: string[] = [];
  for (const s of steps) {
    const c = s.entry.chain;
    if (HOOKS.has(c) && path[path.length - 1] !== c) path.push(c);
  }
  return path;
}

function headersSeen(steps: Step[]): Header[] {
  const out: Header[] = [];
  let prev = '';
  for (const s of steps) {
    if (s.oracle || !HOOKS.has(s.entry.chain)) continue;
    const at = `${s.entry.table}:${s.entry.chain}`;
    if (at !== prev && s.header) out.push({ at, ...s.header });
    prev = at;
  }
  return out;
}

const FINAL = new Set(['ACCEPT', 'DROP', 'QUEUE', 'STOLEN']);

function lastVerdict(entries: TraceEntry[]): TraceEntry | undefined {
  for (let i = entries.length - 1; i >= 0; i--) if (FINAL.has(entries[i].verdict)) return entries[i];
  return undefined;
}

/** User-trace lines: what the ruleset's own TRACE rule alone makes the kernel print. */
function userTraceLines(steps: Step[]): string[] | undefined {
  const i = steps.findIndex((s) => !s.oracle && s.entry.kind === 'rule' && s.entry.target === 'TRACE');
  if (i < 0) return undefined;
  return steps
    .slice(i + 1)
    .filter((s) => s.text !== undefined)
    .map((s) => s.text as string);
}

function isRelated(g: Group, main: Header[], ipId: number): boolean {
  const first = g.first;
  if (!first) return false;
  if ([first, ...g.frames].some((h) => (h.icmp_inner as Header | undefined)?.id === ipId)) return true;
  const dsts = [first, ...g.frames].map((h) => h.dst);
  return main.some((h) => dsts.includes(h.src));
}

/**
 * Builds the record of one packet. `kmsg` are this run's kernel log lines of the window (TRACE
 * and LOG), `collected` the frames and nft events.
 */
export function assemblePacket(
  ctx: TraceContext,
  backend: Backend,
  name: string,
  inj: Injection,
  collected: Collected,
  kmsg: string[],
  history: PacketHistory,
  tcp: TcpState,
): PacketResult {
  const notes = [...inj.notes];
  // Groups in order of appearance; `byKey` finds a group by any header key it has shown.
  const order: Group[] = [];
  const byKey = new Map<string, Group>();
  const newGroup = (key: string): Group => {
    const g: Group = { key, traceIds: [], steps: [], logs: [], frames: [], first: null, keys: new Set([key]) };
    order.push(g);
    byKey.set(key, g);
    return g;
  };
  const addKey = (g: Group, key: string) => {
    g.keys.add(key);
    if (!byKey.has(key)) byKey.set(key, g);
  };
  const mainKey = headerGroup({
    proto: inj.sent.proto,
    id: inj.fields.ipId,
    src: inj.fields.src,
    icmp_type: inj.fields.icmpType,
  });
  const main = newGroup(mainKey);
  const kernelLog: string[] = [];
  const logLine = (text: string) => {
    const key = headerGroup(logFields(text));
    (byKey.get(key) ?? newGroup(key)).logs.push(text);
    kernelLog.push(text);
  };
  if (backend === 'legacy') {
    let prev: Group | null = null;
    for (const text of kmsg) {
      const step = stepFromTraceLine(ctx, text);
      if (!step) {
        logLine(text);
        continue;
      }
      let g = byKey.get(step.group);
      // A kernel-made segment (ID 0) whose ports NAT changed: it continues the previous group
      // when that one has shown nothing but the oracle's own raw chain so far.
      if (
        !g &&
        step.header?.id === 0 &&
        prev &&
        prev.first?.id === 0 &&
        prev.first.proto === step.header.proto &&
        prev.steps.every((s) => s.oracle)
      )
        g = prev;
      g ??= newGroup(step.group);
      addKey(g, step.group);
      g.first ??= step.header;
      g.steps.push(step);
      prev = g;
      if (!step.oracle) kernelLog.push(step.text as string);
    }
  } else {
    const byId = new Map<string, Group>();
    const lastHeader = new Map<string, Header>();
    for (const ev of collected.traces) {
      if (ev.lost) {
        notes.push('some nf_tables trace events were lost (netlink buffer overrun)');
        continue;
      }
      if (!ev.id) continue;
      const h = nftHeader(ctx, ev);
      if (h) lastHeader.set(ev.id, h);
      const header = h ?? lastHeader.get(ev.id) ?? null;
      let g = byId.get(ev.id);
      // nf_tables derives trace ids from the skb's address, so a later packet (say the host's
      // RST) may reuse the id of one already freed: a header of another packet starts a new group.
      if (!g || (h && g.first && !sameSkb(g.first, h))) {
        const key = header ? headerGroup(header) : ev.id;
        // A packet the host sent to itself shows up again on lo, possibly with a new trace id.
        const looped = header?.in === 'lo' ? order.find((x) => x !== main && x.keys.has(key)) : undefined;
        g = key === mainKey ? main : (looped ?? newGroup(`${key}#${ev.id}`));
        if (!g.traceIds.includes(ev.id)) g.traceIds.push(ev.id);
        byId.set(ev.id, g);
      }
      if (header) addKey(g, headerGroup(header));
      const step = stepFromNftEvent(ctx, ev, header);
      if (!step) continue;
      g.first ??= header;
      g.steps.push(step);
    }
    for (const text of kmsg) logLine(text);
  }
  // Frames that left the host, each to the packet it belongs to.
  for (const f of collected.frames) {
    const h = decodeAnyFrame(f.iface, Buffer.from(f.hex, 'hex'));
    if (!h) continue;
    tcp.observe(h);
    const key = headerGroup(h);
    let g = byKey.get(key);
    if (!g && h.id === 0)
      g = order.find(
        (x) =>
          x !== main &&
          x.frames.length === 0 &&
          x.first?.id === 0 &&
          x.first.proto === h.proto &&
          (x.first.dst === h.dst || x.first.dport === h.dport),
      );
    g ??= newGroup(key);
    g.first ??= h;
    g.frames.push(h);
  }
  const mainEntries = main.steps.filter((s) => !s.oracle).map((s) => s.entry);
  const mainHeaders = [
    inj.sent as Header,
    ...main.steps.map((s) => s.header).filter((h): h is Header => h !== null),
    ...main.frames,
  ];
  const responses: ResponseResult[] = [];
  const background: ResponseResult[] = [];
  for (const g of order) {
    if (g === main) continue;
    const r = describeGroup(g, backend);
    const first = g.first;
    const retrans =
      first &&
      first.proto === 'tcp' &&
      history.responses.some(
        (p) =>
          p.src === first.src &&
          p.dst === first.dst &&
          p.sport === first.sport &&
          p.dport === first.dport &&
          p.seq === first.seq &&
          p.flags === first.flags,
      );
    if (retrans) {
      r.note = 'retransmission of an earlier response';
      background.push(r);
    } else if (first && isNdOrMld(first) && !answersSolicitation(inj.fields.proto, inj.fields.icmpType, first)) {
      r.note = "the host's own neighbour discovery or MLD";
      background.push(r);
    } else if (isRelated(g, mainHeaders, inj.fields.ipId)) responses.push(r);
    else background.push(r);
  }
  for (const g of order) if (g !== main && g.first) history.responses.push(g.first);
  const path = pathOf(main.steps);
  if (main.frames.length && path[path.length - 1] !== 'POSTROUTING') path.push('POSTROUTING');
  const egress = main.frames;
  history.egress.set(name, egress);
  const last = lastVerdict(mainEntries);
  let disposition: string;
  if (egress.length) disposition = inj.iface === null ? 'sent' : 'forwarded';
  else if (last && last.verdict === 'DROP') disposition = last.target === 'REJECT' ? 'rejected' : 'dropped';
  else if (path[path.length - 1] === 'INPUT') disposition = 'delivered-local';
  else if (main.steps.length) {
    disposition = 'dropped';
    const resp = responses.map((r) => r.summary).join('; ');
    notes.push(
      `dropped by the kernel outside netfilter after ${path[path.length - 1] ?? 'the first hook'} (no DROP verdict): routing decision (no route, forwarding disabled, rp_filter, martian, TTL expired ...)${resp ? `; responses: ${resp}` : ''}`,
    );
  } else {
    disposition = 'unknown';
    notes.push('the kernel traced nothing for this packet');
  }
  // Keys in the order of the recorded results (trace_lines right after trace for legacy).
  const out = { name, sent: inj.sent, trace: mainEntries } as PacketResult;
  if (backend === 'legacy') {
    out.trace_lines = main.steps.filter((s) => !s.oracle).map((s) => s.text as string);
    const utl = userTraceLines(main.steps);
    if (utl) out.user_trace_lines = utl;
  }
  Object.assign(out, { log_lines: main.logs, headers_seen: headersSeen(main.steps), path, egress, responses });
  if (background.length) out.background = background;
  Object.assign(out, {
    disposition,
    notes,
    kernel_log: kernelLog,
    xtables_monitor: { used: false },
    elapsed_s: 0,
    conntrack: [],
  });
  return out;
}

/** An ICMPv6 advertisement answering the injected solicitation (NS → NA, RS → RA). */
function answersSolicitation(proto: number, type: number | undefined, h: Header): boolean {
  return proto === 58 && ((type === 135 && h.icmp_type === 136) || (type === 133 && h.icmp_type === 134));
}

function describeAny(h: Header): string {
  if (h.proto === 'icmpv6')
    return `icmpv6 ${icmp6Name(h.icmp_type as number, h.icmp_code as number)} ${h.src} -> ${h.dst}`;
  return describe(h);
}

function describeGroup(g: Group, backend: Backend): ResponseResult {
  const entries = g.steps.filter((s) => !s.oracle).map((s) => s.entry);
  const first = g.first ?? {};
  const r: ResponseResult = {
    trace_id: traceId(g.key, g.traceIds),
    first_header: first,
    trace: entries,
    headers_seen: headersSeen(g.steps),
    egress: g.frames,
    log_lines: g.logs,
  };
  if (backend === 'legacy') {
    r.trace_lines = g.steps.filter((s) => !s.oracle).map((s) => s.text as string);
    const utl = userTraceLines(g.steps);
    if (utl) r.user_trace_lines = utl;
  }
  const path = pathOf(g.steps);
  if (g.frames.length) r.summary = `${describeAny(g.frames[0])} (out ${g.frames[0].iface})`;
  else {
    r.summary = `${describeAny(first)} (not seen leaving)`;
    const last = lastVerdict(entries);
    if (path.includes('INPUT')) r.note = 'sent to the host itself via lo and delivered locally';
    else if (last?.verdict === 'DROP') r.note = `dropped in ${last.table}:${last.chain}`;
    else
      r.note = `entered ${path[0] ?? 'a hook'} but never left it, with no rule verdict: dropped inside the hook by conntrack/NAT core`;
  }
  return r;
}
