/**
 * Public data shapes of the packet simulator: the host description, the packet description, and
 * the results (per packet: trace, routing decisions, conntrack entries, NAT rewrites, responses,
 * log lines, undecidable matches). The scenario-result shape (`ScenarioPacketResult`) mirrors the
 * kernel oracle's recorded JSON so the two compare field by field.
 */

export type Backend = 'nft' | 'legacy';

/** An interface of the simulated host, as in the scenario format. */
export interface InterfaceSpec {
  name: string;
  addr?: string;
  addrs?: string[];
  mtu?: number;
  mac?: string;
  up?: boolean;
}

/** A route, as an object or an `ip route add` argument string. */
export interface RouteSpec {
  dst: string;
  via?: string;
  dev?: string;
  src?: string;
  metric?: number;
  table?: number | string;
  type?: string;
}

/** The host as written in a scenario (`host` object). */
export interface HostSpec {
  interfaces?: InterfaceSpec[];
  routes?: (RouteSpec | string)[];
  forwarding?: boolean;
  rp_filter?: number;
  sysctls?: Record<string, number | string | boolean>;
  ip_rules?: string[];
  listen?: string[];
}

/** A packet as written in a scenario (`packets[]`) or built by the CLI. */
export interface PacketSpec {
  name?: string;
  in?: string | null;
  src?: string;
  dst?: string;
  proto?: string | number;
  sport?: number;
  dport?: number;
  flags?: string;
  seq?: number;
  ack?: number;
  window?: number;
  type?: number | string;
  code?: number;
  id?: number;
  ttl?: number;
  tos?: number;
  ip_id?: number;
  df?: boolean;
  /** IP options (hex, a multiple of 4 bytes) and TCP options (hex), e.g. `020405B4`. */
  ip_options?: string;
  tcp_options?: string;
  len?: number;
  payload_size?: number;
  payload_hex?: string;
  mac?: string;
  /** IPv6 flow label (default: a number per packet, as the IPv4 IP ID). */
  flowlabel?: number;
  /** ICMPv6 neighbour solicitation/advertisement: the target address. */
  target?: string;
  mark?: number | string;
  reply_to?: string;
  /** Seconds since the first packet (for stateful matches); default: 1 s after the previous one. */
  time?: number;
}

/** A user-pinned answer for a match the simulator cannot decide (by rule line or id). */
export interface Assumption {
  /** 1-based line of the rule in the document. */
  line: number;
  /** Module name (`set`, `statistic`, `time`, `string`...). */
  module: string;
  matches: boolean;
}

/** One trace entry, in the oracle's shape. */
export interface TraceEntry {
  table: string;
  chain: string;
  kind: 'rule' | 'policy' | 'return';
  rulenum: number | null;
  verdict: string;
  rule: string | null;
  line?: number;
  target?: string;
  /** The kernel's own label in legacy TRACE lines (`rule`, `return`, `policy`). */
  label: 'rule' | 'return' | 'policy';
  /** Rule number the legacy TRACE line shows. */
  traceNum: number;
}

/** A rule considered on the way (for explanations), matched or not. */
export interface EvaluatedRule {
  table: string;
  chain: string;
  rulenum: number;
  /** Set when a range of rules (rulenum..through) was passed over without evaluating them. */
  through?: number;
  line: number;
  matched: boolean;
  /** Why it did not match (first failing condition), or the undecidable assumption taken. */
  why?: string;
}

export interface Undecidable {
  table: string;
  chain: string;
  rulenum: number;
  line: number;
  module: string;
  reason: string;
  assumed: boolean;
  /** True when the kernel decides at random (the outcome is a coin toss). */
  random?: boolean;
  /** The answer was pinned by the user (an `Assumption`), not a default. */
  pinned?: boolean;
}

/**
 * What would have happened to a packet had an undecidable match answered the other way (the
 * flow re-run with that one answer flipped).
 */
export interface Alternative {
  table: string;
  chain: string;
  rulenum: number;
  line: number;
  module: string;
  /** The answer taken in the main result (the alternative is its opposite). */
  assumed: boolean;
  /** The packet met this match itself (false: only state left by an earlier packet changed). */
  onPath: boolean;
  disposition: Disposition;
  egress: FrameOut[];
  summary: string;
  /** The outcome (disposition, egress, responses' egress) differs from the main result. */
  differs: boolean;
}

/** A frame as it appears in results (oracle field names). */
export interface FrameOut {
  iface?: string | null;
  in?: string | null;
  out?: string | null;
  src: string;
  dst: string;
  proto: string;
  sport?: number;
  dport?: number;
  flags?: string;
  seq?: number;
  ack?: number;
  icmp_type?: number;
  icmp_code?: number;
  icmp_id?: number;
  len: number;
  ttl: number;
  tos: number;
  id?: number;
  mark?: string;
  ctstate?: string;
  ctdir?: string;
  at?: string;
}

export interface ConntrackOut {
  proto: string;
  orig: Record<string, string | number>;
  reply: Record<string, string | number>;
  state?: string;
  mark: number;
  flags: string[];
  status: string[];
}

export interface NatRewrite {
  hook: string;
  kind: 'SNAT' | 'DNAT' | 'reverse-SNAT' | 'reverse-DNAT';
  before: string;
  after: string;
}

export interface RoutingDecision {
  at: string;
  result: string;
}

export type Disposition = 'forwarded' | 'sent' | 'delivered-local' | 'dropped' | 'rejected' | 'unknown';

/** A LOG or NFLOG target that fired, with its settings (the kernel log level is not part of the line). */
export interface LogRecord {
  target: 'LOG' | 'NFLOG';
  table: string;
  chain: string;
  rulenum: number;
  line: number;
  prefix: string;
  /** LOG: syslog level 0-7 (`--log-level`, default 4 = warning) and its name. */
  level?: number;
  levelName?: string;
  /** LOG: the flags set (`tcp-sequence`, `tcp-options`, `ip-options`, `uid`, `macdecode`). */
  flags?: string[];
  /** LOG: the text the kernel prints (same as in `log_lines`). */
  text?: string;
  /** NFLOG: netlink group, bytes copied (`--nflog-size`/`--nflog-range`), queue threshold. */
  group?: number;
  size?: number;
  threshold?: number;
}

/** What happened to one packet (and the packets the host sent in reaction). */
export interface PacketResult {
  name: string;
  sent: Record<string, unknown>;
  trace: TraceEntry[];
  headers_seen: FrameOut[];
  path: string[];
  egress: FrameOut[];
  responses: PacketResult[];
  disposition: Disposition;
  conntrack: ConntrackOut[];
  trace_lines: string[];
  /** Lines a TRACE target in the ruleset itself makes the kernel print (legacy). */
  user_trace_lines: string[];
  log_lines: string[];
  /** Every LOG/NFLOG target that fired, in order, with its level/group and prefix. */
  logs: LogRecord[];
  /** The `xtables-monitor --trace` lines (nft backend) for packets a TRACE rule marked. */
  monitor_lines: string[];
  /** Richer fields for explanations. */
  evaluated: EvaluatedRule[];
  routing: RoutingDecision[];
  nat: NatRewrite[];
  undecidable: Undecidable[];
  notes: string[];
  summary: string;
  backend: Backend;
  /** The result depends on a random choice of the kernel. */
  random?: { why: string; possibilities: string[] };
  /** The outcomes had undecidable matches answered the other way (see alternatives.ts). */
  alternatives?: Alternative[];
}

export interface ScenarioResult {
  scenario?: string;
  backend: Backend;
  simulator: string;
  errors: string[];
  packets: PacketResult[];
}
