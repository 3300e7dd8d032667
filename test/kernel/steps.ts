/**
 * The kernel's trace, as steps: one step per traced rule, chain policy or return from a chain,
 * read from the legacy backend's TRACE lines or from nf_tables trace events. Steps carry the
 * packet header at that point and a group key telling which packet (skb) they belong to. The
 * oracle's own TRACE rules (and the raw table when the oracle created it) are marked, and the raw
 * chains' rule numbers are given in the user's numbering.
 */
import type { NftEvent } from './agent';
import { logFields, parseTraceLine, renumberTraceLine } from './kernelText';
import type { Header } from './packet';
import { decodeIp, isIpv6 } from './packet6';
import { type RulesIndex, ruleVerdict } from './rulesIndex';

export interface TraceEntry {
  table: string;
  chain: string;
  kind: 'rule' | 'policy' | 'return';
  rulenum: number | null;
  verdict: string;
  rule: string | null;
  target?: string | null;
  handle?: number;
  line?: number | null;
  label?: string;
}

export interface Step {
  entry: TraceEntry;
  /** Added by the oracle (its TRACE rules, or a raw table the ruleset does not have). */
  oracle: boolean;
  /** Which skb: the nft trace id, or for legacy a key made of the IP protocol and ID. */
  group: string;
  header: Header | null;
  /** Legacy: the TRACE line (renumbered to the user's rule numbers). */
  text?: string;
}

export const HOOKS = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

/** Facts about the loaded ruleset that the conversion needs. */
export interface TraceContext {
  index: RulesIndex;
  /** The raw table exists only because the oracle created it. */
  rawByOracle: boolean;
  userChains: Map<string, Set<string>>;
  /** nft: handles of the oracle's TRACE rules (`table/handle`). */
  oracleHandles: Set<string>;
  ifnames: Map<number, string>;
}

/** raw PREROUTING/OUTPUT: where the oracle's TRACE rules sit (at position 1). */
function isOracleRawChain(table: string, chain: string): boolean {
  return table === 'raw' && (chain === 'PREROUTING' || chain === 'OUTPUT');
}

/** A raw chain that exists only because the oracle added its TRACE rule to it. */
function oracleOwnedChain(ctx: TraceContext, table: string, chain: string): boolean {
  return isOracleRawChain(table, chain) && (ctx.rawByOracle || !ctx.index.chainExists(table, chain));
}

/**
 * Grouping key of a header: protocol and IP ID (kept by forwarding and NAT), plus the ports when
 * the ID is 0 (the kernel's own DF segments: RST, SYN-ACK). IPv6 has no IP ID: its flow label
 * (in `id`) takes that part, with the ICMPv6 type added (the kernel's own ICMPv6 messages all
 * carry flow label 0).
 */
export function headerGroup(h: Header): string {
  const id = h.id ?? '?';
  const t = h.proto === 'icmpv6' && isIpv6(h.src as string | undefined) ? `|t${h.icmp_type}` : '';
  if (id === 0 && h.sport !== undefined) return `${h.proto}|0|${h.sport}>${h.dport}`;
  return `${h.proto}|${id}${t}`;
}

function describeRule(ctx: TraceContext, table: string, chain: string, rulenum: number): Partial<TraceEntry> {
  const r = ctx.index.rule(table, chain, rulenum);
  if (!r) return { rule: null, target: null, line: null };
  return { rule: r.rule, target: r.target, line: r.line };
}

/** Converts one legacy TRACE line; null when it is not a TRACE line. */
export function stepFromTraceLine(ctx: TraceContext, text: string): Step | null {
  const t = parseTraceLine(text);
  if (!t) return null;
  const header = logFields(text);
  const group = headerGroup(header);
  let rulenum = t.rulenum;
  let oracle = false;
  let line = text;
  if (isOracleRawChain(t.table, t.chain)) {
    if (oracleOwnedChain(ctx, t.table, t.chain)) oracle = true;
    else {
      rulenum -= 1;
      if (rulenum === 0) oracle = true;
      line = renumberTraceLine(text, rulenum);
    }
  }
  // The index holds the user's rules only (saved before the oracle added its TRACE rules).
  const chain = ctx.index.chain(t.table, t.chain);
  const count = chain?.rules.length ?? 0;
  let entry: TraceEntry;
  if (t.label === 'rule' || rulenum <= count) {
    const info = describeRule(ctx, t.table, t.chain, rulenum);
    const users = ctx.userChains.get(t.table) ?? new Set<string>();
    entry = {
      table: t.table,
      chain: t.chain,
      kind: 'rule',
      rulenum,
      verdict: info.rule ? ruleVerdict(info.rule, users) : 'CONTINUE',
      rule: info.rule ?? null,
      target: info.target,
      line: info.line,
      label: t.label,
    };
  } else if (t.label === 'policy') {
    entry = {
      table: t.table,
      chain: t.chain,
      kind: 'policy',
      rulenum: null,
      verdict: chain?.policy ?? 'ACCEPT',
      rule: null,
      label: 'policy',
    };
  } else {
    entry = {
      table: t.table,
      chain: t.chain,
      kind: 'return',
      rulenum: null,
      verdict: 'RETURN',
      rule: null,
      label: 'return',
    };
  }
  return { entry, oracle, group, header, text: line };
}

function nftVerdict(code: number | undefined, jump: string | undefined): string {
  switch (code) {
    case undefined:
    case -1:
      return 'CONTINUE';
    case -2:
      return 'BREAK';
    case -3:
      return `JUMP:${jump}`;
    case -4:
      return `GOTO:${jump}`;
    case -5:
      return 'RETURN';
  }
  switch (code & 0xff) {
    case 0:
      return 'DROP';
    case 1:
      return 'ACCEPT';
    case 2:
      return 'STOLEN';
    case 3:
      return 'QUEUE';
    case 4:
      return 'REPEAT';
    default:
      return `VERDICT:${code}`;
  }
}

const CT_STATES: [number, string][] = [
  [1, 'INVALID'],
  [2, 'ESTABLISHED'],
  [4, 'RELATED'],
  [8, 'NEW'],
  [64, 'UNTRACKED'],
];
const CT_STATUS = [
  'EXPECTED',
  'SEEN_REPLY',
  'ASSURED',
  'CONFIRMED',
  'SRC_NAT',
  'DST_NAT',
  'SEQ_ADJUST',
  'SRC_NAT_DONE',
  'DST_NAT_DONE',
  'DYING',
  'FIXED_TIMEOUT',
  'TEMPLATE',
  'NAT_CLASH',
  'HELPER',
  'OFFLOAD',
  'HW_OFFLOAD',
];

/** The packet header carried by an nft trace event (the first event of each base chain has one). */
export function nftHeader(ctx: TraceContext, ev: NftEvent): Header | null {
  if (!ev.nh) return null;
  const ip = decodeIp(Buffer.from(ev.nh, 'hex'), ev.th ? Buffer.from(ev.th, 'hex') : Buffer.alloc(0));
  if (!ip) return null;
  delete ip.payload_len;
  delete ip.icmp_inner;
  delete ip.nd_target;
  const h: Header = {};
  if (ev.iif !== undefined) h.in = ctx.ifnames.get(ev.iif) ?? String(ev.iif);
  if (ev.oif !== undefined) h.out = ctx.ifnames.get(ev.oif) ?? String(ev.oif);
  Object.assign(h, ip);
  if (ev.ll && ev.ll.length >= 28) {
    const ll = Buffer.from(ev.ll, 'hex');
    const mac = (o: number) => [...ll.subarray(o, o + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
    h.mac_src = mac(6);
    h.mac_dst = mac(0);
  }
  if (ev.mark) h.mark = `0x${ev.mark.toString(16)}`;
  if (ev.ct_state !== undefined) {
    h.ctstate = CT_STATES.filter(([b]) => ev.ct_state && ev.ct_state & b)
      .map(([, n]) => n)
      .join(',');
  }
  if (ev.ct_dir !== undefined) h.ctdir = ev.ct_dir === 0 ? 'ORIGINAL' : 'REPLY';
  if (ev.ct_status) h.ctstatus = CT_STATUS.filter((_, i) => ev.ct_status && ev.ct_status & (1 << i));
  if (ev.ct_id !== undefined) h.ct_id = ev.ct_id;
  return h;
}

/** Converts one nf_tables trace event; null for events that carry no step. */
export function stepFromNftEvent(ctx: TraceContext, ev: NftEvent, header: Header | null): Step | null {
  if (ev.lost || !ev.table || !ev.chain || !ev.id) return null;
  const table = ev.table;
  const chain = ev.chain;
  const oracleTable = oracleOwnedChain(ctx, table, chain);
  const rawAdjust = isOracleRawChain(table, chain) && !oracleTable ? 1 : 0;
  let entry: TraceEntry;
  let oracle = oracleTable;
  if (ev.type === 3) {
    // A rule event without a handle: the end of the chain's rules was reached. In a base chain
    // the policy event follows; in a user chain this is the implicit return to the caller.
    if (ev.handle === undefined) {
      if (HOOKS.has(chain)) return null;
      return {
        entry: { table, chain, kind: 'return', rulenum: null, verdict: 'RETURN', rule: null },
        oracle,
        group: ev.id,
        header,
      };
    }
    if (ctx.oracleHandles.has(`${table}/${ev.handle}`)) oracle = true;
    const pos = ctx.index.handlePosition(table, ev.handle);
    const rulenum = pos ? pos[1] - rawAdjust : null;
    const info = rulenum !== null && rulenum > 0 ? describeRule(ctx, table, chain, rulenum) : {};
    entry = {
      table,
      chain,
      kind: 'rule',
      rulenum,
      verdict: nftVerdict(ev.verdict, ev.jump),
      rule: info.rule ?? null,
      target: info.target ?? null,
      handle: ev.handle,
      line: info.line ?? null,
    };
  } else if (ev.type === 2) {
    entry = { table, chain, kind: 'return', rulenum: null, verdict: 'RETURN', rule: null };
  } else if (ev.type === 1) {
    entry = { table, chain, kind: 'policy', rulenum: null, verdict: nftVerdict(ev.policy ?? 1, undefined), rule: null };
  } else return null;
  return { entry, oracle, group: ev.id, header };
}
