/**
 * The schema of the extension registry: one declarative entry per match and per target of
 * iptables 1.8 (data, not code). The command parser resolves options against these entries the
 * way iptables' getopt_long table does; analyses use the table/hook/family restrictions; hover and
 * completion use the documentation.
 */
import type { Family, Hook, TableName } from '../model';

/**
 * Names of argument grammars. Each has a parser in `argtypes.ts` that turns the argument text into
 * a value (used by the simulator) or an error message (a diagnostic).
 */
export type ArgTypeName =
  | 'string' // any text (max length in `max`)
  | 'chain' // chain name (max 28 chars)
  | 'uint' // unsigned integer in [min, max], decimal or 0x hex
  | 'uint-range' // n[:m] (also n-m where noted by the module)
  | 'address' // host or network: addr[/len|/dotted-mask]; family-dependent; hostnames are env-dependent
  | 'address-list' // comma-separated list of `address` (-s/-d)
  | 'iface' // interface name, up to 15 chars, trailing + wildcard
  | 'protocol' // protocol name (/etc/protocols, `all`) or number 0-255
  | 'port' // port number or service name
  | 'port-range' // port[:port] (either side may be omitted)
  | 'port-list' // comma list of ports and ranges, at most 15 entries (ranges count as 2)
  | 'mark' // value[/mask], 32-bit
  | 'mac' // XX:XX:XX:XX:XX:XX
  | 'icmp-type' // ICMP type name, number, or type/code
  | 'icmpv6-type' // ICMPv6 type name, number, or type/code
  | 'tcp-flags' // comma list of SYN,ACK,FIN,RST,URG,PSH,ALL,NONE
  | 'ctstate-list' // INVALID,NEW,ESTABLISHED,RELATED,UNTRACKED,SNAT,DNAT
  | 'state-list' // INVALID,NEW,ESTABLISHED,RELATED,UNTRACKED
  | 'ctstatus-list' // NONE,EXPECTED,SEEN_REPLY,ASSURED,CONFIRMED
  | 'ctdir' // ORIGINAL | REPLY
  | 'enum' // one of `values` (case-sensitive unless `caseInsensitive`)
  | 'enum-list' // comma list of `values`
  | 'rate' // n[/second|/minute|/hour|/day] (abbreviations allowed)
  | 'time' // hh:mm[:ss]
  | 'datetime' // YYYY[-MM[-DD[Thh[:mm[:ss]]]]]
  | 'weekdays' // comma list of Mon..Sun or 1..7
  | 'monthdays' // comma list of 1..31
  | 'ip-range' // addr[-addr]
  | 'nat-range' // [addr[-addr]][:port[-port]] (SNAT/DNAT --to-*)
  | 'port-spec' // port[-port] (MASQUERADE/REDIRECT --to-ports)
  | 'netmask-len' // prefix length or dotted mask (CLUSTERIP, connlimit --connlimit-mask)
  | 'tos' // TOS value[/mask] or symbolic name
  | 'dscp' // 0-63, decimal or hex
  | 'dscp-class' // CS0..CS7, AF11..AF43, EF, BE
  | 'log-level' // 0-7 or emerg, alert, crit, error, warning, notice, info, debug
  | 'hex-string' // string with |hex| escapes (string match)
  | 'set-flags' // ipset direction flags: src,dst (up to 6)
  | 'float' // probability in [0,1]
  | 'size' // byte count with optional k/m/g suffix (quota, limit)
  | 'user' // user name or uid[-uid]
  | 'group' // group name or gid[-gid]
  | 'cgroup-path' // cgroup v2 path
  | 'length-range' // n[:m] 0-65535
  | 'ttl' // 0-255
  | 'any'; // not checked

export interface ArgSpec {
  type: ArgTypeName;
  /** Placeholder shown in docs and completion (e.g. `port[:port]`). */
  placeholder: string;
  /** For enum/enum-list. */
  values?: readonly string[];
  caseInsensitive?: boolean;
  min?: number;
  max?: number;
  /**
   * Port grammars: the protocol whose service names apply (the tcp match resolves names for tcp
   * only). Absent: a name known for tcp or udp is accepted.
   */
  protocol?: string;
  /** Strings iptables silently cuts to this many characters (LOG prefix...): longer ones get a note. */
  truncate?: number;
  /**
   * enum: iptables accepts any case-insensitive prefix of a value and takes the first value in
   * table order that it prefixes (REJECT --reject-with).
   */
  prefix?: boolean;
  /**
   * port/port-range: the extension parses numbers with a plain strtoul truncated to 16 bits and
   * does not check the range's order (the udp match of iptables 1.8.9).
   */
  portWrap?: boolean;
}

export interface OptionSpec {
  /** Canonical long name without dashes (`dport`). */
  name: string;
  /** Other long names iptables registers for the same option (`destination-port`). */
  aliases?: readonly string[];
  /** Single-letter form (built-in options only: `s`, `d`, `p`...). */
  short?: string;
  /** Arguments; empty for a flag. Options like `--tcp-flags` take two. */
  args: readonly ArgSpec[];
  /** getopt optional_argument: the argument may be omitted (only `--opt=value` form attaches it). */
  optionalArg?: boolean;
  /** `! --opt` allowed. */
  negatable?: boolean;
  /** May be given more than once on one rule (default: "can only be used once"). */
  repeatable?: boolean;
  /** IP families this option exists in (default: the module's). */
  families?: readonly Family[];
  /** Options of the same module that cannot be combined with this one. */
  conflicts?: readonly string[];
  /** Deprecated/legacy option: message telling what to use instead. */
  deprecated?: string;
  /** Plain-language explanation (our own words). */
  doc: string;
}

/** Restrictions the kernel applies when the rule is loaded (checkentry). */
export interface KernelRestrictions {
  /** Tables the extension may be used in (undefined: any). */
  tables?: readonly TableName[];
  /** Hooks the rule's chain may be reached from (undefined: any). */
  hooks?: readonly Hook[];
  /**
   * The rule must have `-p` with one of these protocols, not negated (e.g. tcp match, REDIRECT
   * `--to-ports`). Checked by the kernel at load time.
   */
  protocols?: readonly string[];
}

interface ExtensionSpecBase {
  /** Name as written after -m / -j (`conntrack`, `DNAT`). */
  name: string;
  /** Other names that load the same extension (e.g. `NOTRACK` is separate; `tcp` has none). */
  aliases?: readonly string[];
  /** IP families it exists in. */
  families: readonly Family[];
  options: readonly OptionSpec[];
  /** At least one option of each inner list must be given (e.g. multiport: ports/sports/dports). */
  requireOneOf?: readonly (readonly string[])[];
  kernel?: KernelRestrictions;
  /** Restrictions that depend on the options given (e.g. TCPMSS --clamp-mss-to-pmtu hooks). */
  optionRestrictions?: readonly { option: string; kernel: KernelRestrictions }[];
  /** Deprecated extension: message with the modern equivalent. */
  deprecated?: string;
  /** One-line summary (hover title, completion detail). */
  summary: string;
  /** Plain-language explanation, a few sentences (our own words). */
  doc: string;
}

export interface MatchSpec extends ExtensionSpecBase {
  kind: 'match';
}

export interface TargetSpec extends ExtensionSpecBase {
  kind: 'target';
  /**
   * `terminal`: ends traversal of the packet (DROP/REJECT) or of the table's base chain (ACCEPT,
   * DNAT...). `continue`: the packet carries on with the next rule (LOG, MARK...).
   * `verdict`: a standard verdict (ACCEPT, DROP, RETURN, QUEUE).
   */
  flow: 'terminal' | 'continue' | 'verdict';
}

export type ExtensionSpec = MatchSpec | TargetSpec;
