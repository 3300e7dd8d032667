/**
 * The ruleset model: what the parsers produce and every analysis, editor feature and the
 * packet simulator consume. Pure data, no behaviour beyond small helpers.
 *
 * Positions are 0-based (as in LSP); `Span` is a range within one document.
 */

/** A range in the document. Lines and characters are 0-based; `end` is exclusive. */
export interface Span {
  line: number;
  character: number;
  endLine: number;
  endCharacter: number;
}

export function span(line: number, character: number, endCharacter: number, endLine = line): Span {
  return { line, character, endLine, endCharacter };
}

export function joinSpans(a: Span, b: Span): Span {
  return { line: a.line, character: a.character, endLine: b.endLine, endCharacter: b.endCharacter };
}

/** A word of an iptables command after shell-style unquoting. */
export interface Token {
  /** The value after quote removal (what iptables receives in argv). */
  text: string;
  /** Where it was written (including quotes). */
  span: Span;
  /** True when any part of the word was quoted. */
  quoted: boolean;
  /**
   * Shell scripts only: the word contains a variable or command substitution whose value could
   * not be determined; `text` then holds the word with the expansion left verbatim.
   */
  unknown?: boolean;
}

export type Family = 4 | 6;

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** A finding about the document. `code` is stable (see diagnostics/codes.ts). */
export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  span: Span;
  /** Data a quick fix needs (e.g. the replacement text). */
  data?: Record<string, unknown>;
  /** Extra locations (e.g. the other definition of a duplicated chain). */
  related?: { span: Span; message: string }[];
}

export const BUILTIN_TABLES = ['raw', 'mangle', 'nat', 'filter', 'security'] as const;
export type TableName = (typeof BUILTIN_TABLES)[number];

export const HOOKS = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'] as const;
export type Hook = (typeof HOOKS)[number];

/** Built-in chains of each table (kernel, both families). */
export const TABLE_HOOKS: Record<TableName, readonly Hook[]> = {
  raw: ['PREROUTING', 'OUTPUT'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  security: ['INPUT', 'FORWARD', 'OUTPUT'],
};

export function isBuiltinTable(name: string): name is TableName {
  return (BUILTIN_TABLES as readonly string[]).includes(name);
}

export function isBuiltinChain(table: string, chain: string): chain is Hook {
  // Hook names have 5 to 11 characters: most chain names are answered by their length.
  return (
    chain.length >= 5 &&
    chain.length <= 11 &&
    isBuiltinTable(table) &&
    (TABLE_HOOKS[table] as readonly string[]).includes(chain)
  );
}

/** One option as written on a rule: `[!] --name arg...`. */
export interface OptionUse {
  /** Canonical long name without dashes, as in the registry (e.g. `dport`, `to-destination`, `source`). */
  name: string;
  /** The option as written (e.g. `--to`, `-s`). */
  written: string;
  negated: boolean;
  /** The `!` token, when negated. */
  negSpan?: Span;
  /** The option's own token. */
  nameSpan: Span;
  /** Argument tokens (zero or more; `--tcp-flags` takes two). */
  args: Token[];
  /** Whole option including `!` and arguments. */
  span: Span;
  /**
   * The parsed argument value, as produced by the argument type's parser (see registry/argtypes.ts);
   * undefined when the argument was malformed (a diagnostic was reported) or the option takes none.
   */
  value?: unknown;
}

/** A match module on a rule, loaded by `-m name` or implicitly by `-p proto`. */
export interface MatchUse {
  /** Module name as in the registry (`tcp`, `conntrack`, ...); lower-case as iptables loads it. */
  module: string;
  /** True when loaded implicitly because of `-p` (no `-m` written). */
  implicit: boolean;
  /** The `-m name` tokens (for implicit ones: the `-p` option). */
  span: Span;
  options: OptionUse[];
  /** False when the module is not in the registry (an error was reported). */
  known: boolean;
}

export interface TargetUse {
  /** Target name as written (`ACCEPT`, `DNAT`, a user chain name...). */
  name: string;
  /** `-j` (jump) or `-g` (goto). */
  kind: 'jump' | 'goto';
  /** Span of the name token. */
  nameSpan: Span;
  /** Span of `-j NAME` through its last option. */
  span: Span;
  options: OptionUse[];
  /** True when `name` is a target extension or standard verdict (not a chain name). */
  isExtension: boolean;
}

/** Built-in (IP header) options of a rule: -p -s -d -i -o -f. */
export interface RuleBase {
  protocol?: OptionUse;
  source?: OptionUse;
  destination?: OptionUse;
  inInterface?: OptionUse;
  outInterface?: OptionUse;
  fragment?: OptionUse;
}

/** A rule as it stands in a chain after all commands were applied. */
export interface Rule {
  table: string;
  chain: string;
  family: Family;
  /**
   * The rule body (everything after the command and chain, e.g. `-p tcp --dport 22 -j ACCEPT`), words
   * single-spaced and re-quoted where needed. `-A CHAIN text` is the rule as iptables-save prints it.
   */
  text: string;
  /** Whole command in the document (`-A CHAIN ... ` incl. counters). */
  span: Span;
  /** 0-based document line where the command starts. */
  line: number;
  base: RuleBase;
  matches: MatchUse[];
  target?: TargetUse;
  /** `[pkts:bytes]` or `-c pkts bytes`. */
  counters?: { packets: bigint; bytes: bigint; span: Span };
  /** Unique id within one document's parses (stable across incremental re-parses of the same line). */
  id: number;
  /** Set when the rule's command had syntax errors (iptables would refuse the whole file). */
  broken?: boolean;
}

export interface Chain {
  name: string;
  builtin: boolean;
  /** Built-in chains: ACCEPT or DROP. User chains have none (`-`). */
  policy?: string;
  policySpan?: Span;
  /** Where the chain was declared (`:NAME ...`, `-N NAME`); undefined for implicit built-ins. */
  declSpan?: Span;
  rules: Rule[];
  /**
   * Owned by the analyses: the chain's number in the jump graph last built over a table holding
   * it (checked against that graph before use). -1 or absent: none yet.
   */
  graphIndex?: number;
}

export interface Table {
  name: string;
  /** `*table` line (undefined for tables only used by shell commands). */
  declSpan?: Span;
  chains: Map<string, Chain>;
  /** Whether the `*table` block was closed by COMMIT (save form). */
  committed: boolean;
}

/** The final state of one family's rules in a document. */
export interface Ruleset {
  family: Family;
  tables: Map<string, Table>;
}

export type DocumentForm = 'save' | 'shell';

/** Everything the parsers learned about a document. */
export interface ParsedDocument {
  form: DocumentForm;
  /** Rulesets by family (a shell script may hold both). A save file holds exactly one. */
  rulesets: Partial<Record<Family, Ruleset>>;
  /** Every rule-bearing command in document order (for navigation and features). */
  commands: Command[];
  /** Syntax diagnostics found while parsing (semantic ones come from the analyses). */
  diagnostics: Diagnostic[];
  /** Number of lines in the document. */
  lineCount: number;
}

export type CommandOp =
  | 'append'
  | 'insert'
  | 'delete'
  | 'replace'
  | 'check'
  | 'new-chain'
  | 'delete-chain'
  | 'flush'
  | 'policy'
  | 'zero'
  | 'rename-chain'
  | 'list';

/** One iptables command (a restore line or a shell invocation), parsed. */
export interface Command {
  op: CommandOp;
  family: Family;
  table: string;
  /** Chain operated on (may be undefined for -F/-X/-Z/-L without chain). */
  chain?: string;
  chainSpan?: Span;
  /** -I/-R/-D position (1-based) when given. */
  ruleNum?: number;
  /** -P policy / -E new name. */
  argument?: string;
  argumentSpan?: Span;
  /** The rule body, for append/insert/replace/delete-by-spec/check. */
  rule?: Rule;
  span: Span;
  line: number;
  /** True when the command was parsed with errors (it is then not applied to the ruleset). */
  broken: boolean;
}
