/**
 * Where each loaded rule comes from: the rules of every table and chain as the kernel holds them
 * (iptables-save of the namespace: canonical text, order = rule number), the line of the scenario's
 * ruleset file each one was written on, and for the nft backend the nf_tables rule handles.
 */

/** One chain as loaded in the kernel. */
export interface ChainRules {
  /** Policy of a built-in chain (`ACCEPT`/`DROP`), or null for a user-defined chain. */
  policy: string | null;
  /** Canonical `-A CHAIN ...` text of each rule, in order (rule number = index + 1). */
  rules: string[];
}

export type TableRules = Map<string, ChainRules>;

/** Parses iptables-save output into table → chain → rules. */
export function parseSave(text: string): Map<string, TableRules> {
  const tables = new Map<string, TableRules>();
  let cur: TableRules | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      cur = new Map();
      tables.set(line.slice(1).trim(), cur);
    } else if (cur && line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(/\s+/);
      cur.set(name, { policy: policy === '-' ? null : policy, rules: [] });
    } else if (cur && line.startsWith('-A ')) {
      const chain = line.split(/\s+/)[1];
      let c = cur.get(chain);
      if (!c) {
        c = { policy: null, rules: [] };
        cur.set(chain, c);
      }
      c.rules.push(line);
    }
  }
  return tables;
}

/**
 * Lines (1-based) of the ruleset file that created each rule: table → chain → line per rule
 * position, following `-A`, `-I` (with position) and `-D <n>` / `-F` / `-X` as restore applies them.
 */
export function fileRuleLines(text: string): Map<string, Map<string, number[]>> {
  const out = new Map<string, Map<string, number[]>>();
  let cur: Map<string, number[]> | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.startsWith('*')) {
      const t = line.slice(1).trim();
      cur = out.get(t) ?? new Map();
      out.set(t, cur);
      continue;
    }
    if (!cur) continue;
    const words = line.split(/\s+/);
    const chain = words[1];
    if (!chain) continue;
    const list = cur.get(chain) ?? [];
    if (words[0] === '-A' || words[0] === '--append') {
      list.push(i + 1);
    } else if (words[0] === '-I' || words[0] === '--insert') {
      const pos = /^\d+$/.test(words[2] ?? '') ? Number(words[2]) : 1;
      list.splice(pos - 1, 0, i + 1);
    } else if ((words[0] === '-D' || words[0] === '--delete') && /^\d+$/.test(words[2] ?? '')) {
      list.splice(Number(words[2]) - 1, 1);
    } else if (words[0] === '-F' || words[0] === '--flush') {
      list.length = 0;
    } else {
      continue;
    }
    cur.set(chain, list);
  }
  return out;
}

/** Everything needed to describe a traced rule. */
export class RulesIndex {
  readonly saved: Map<string, TableRules>;
  private readonly lines: Map<string, Map<string, number[]>>;
  /** nft: `table/handle` → [chain, position (1-based, in the kernel)]. */
  private readonly handles = new Map<string, [string, number]>();

  constructor(saveText: string, rulesetText: string) {
    this.saved = parseSave(saveText);
    this.lines = fileRuleLines(rulesetText);
  }

  /** nft: the chains that really exist (`table:chain`); iptables-nft-save prints absent ones too. */
  private nftChains: Set<string> | null = null;

  /** Records the chains of `nft list table ip <table>` output (nft backend, before the oracle's rules). */
  addNftChains(table: string, listing: string): void {
    this.nftChains ??= new Set();
    for (const m of listing.matchAll(/^\s*chain (\S+) \{/gm)) this.nftChains.add(`${table}:${m[1]}`);
  }

  /** Whether the ruleset created this chain (nft: only declared chains exist). */
  chainExists(table: string, chain: string): boolean {
    if (this.nftChains) return this.nftChains.has(`${table}:${chain}`);
    return this.chain(table, chain) !== undefined;
  }

  /** Reads `nft -a list table ip <table>` output to learn the handle of each rule. */
  addNftListing(table: string, listing: string): void {
    let chain: string | null = null;
    let pos = 0;
    for (const line of listing.split('\n')) {
      const m = /^\s*chain (\S+) \{/.exec(line);
      if (m) {
        chain = m[1];
        pos = 0;
        continue;
      }
      if (/^\s*\}/.test(line)) continue;
      const h = /# handle (\d+)\s*$/.exec(line);
      if (chain && h && !/^\s*(table|chain)\b/.test(line)) {
        pos++;
        this.handles.set(`${table}/${h[1]}`, [chain, pos]);
      }
    }
  }

  /** The handle of the rule at kernel position `pos` of a chain, or null. */
  handleAt(table: string, chain: string, pos: number): number | null {
    for (const [k, [c, p]] of this.handles)
      if (c === chain && p === pos && k.startsWith(`${table}/`)) return Number(k.slice(table.length + 1));
    return null;
  }

  /** Kernel position of an nft rule handle, or null if unknown. */
  handlePosition(table: string, handle: number): [string, number] | null {
    return this.handles.get(`${table}/${handle}`) ?? null;
  }

  chain(table: string, chain: string): ChainRules | undefined {
    return this.saved.get(table)?.get(chain);
  }

  /** The rule at `rulenum` (the user's numbering) with its target and file line. */
  rule(
    table: string,
    chain: string,
    rulenum: number,
  ): { rule: string; target: string | null; line: number | null } | null {
    const text = this.chain(table, chain)?.rules[rulenum - 1];
    if (text === undefined) return null;
    const fileLines = this.lines.get(table)?.get(chain);
    const count = this.chain(table, chain)?.rules.length ?? 0;
    const line = fileLines && fileLines.length === count ? (fileLines[rulenum - 1] ?? null) : null;
    return { rule: text, target: ruleTarget(text), line };
  }
}

/** The `-j`/`-g` target of a saved rule (null when it has none). */
export function ruleTarget(rule: string): string | null {
  const m = /\s-(?:j|g|-jump|-goto)\s+(\S+)/.exec(rule);
  return m ? m[1] : null;
}

/**
 * The verdict a matching rule gives, from its text (the legacy TRACE lines give none): standard
 * verdicts as written, user chains as JUMP:/GOTO:, REJECT as DROP (as the kernel reports it),
 * NAT targets as ACCEPT, non-terminating targets and rules without target as CONTINUE.
 */
export function ruleVerdict(rule: string, userChains: Set<string>): string {
  const m = /\s-(j|g|-jump|-goto)\s+(\S+)/.exec(rule);
  if (!m) return 'CONTINUE';
  const goto = m[1] === 'g' || m[1] === '-goto';
  const t = m[2];
  if (userChains.has(t)) return `${goto ? 'GOTO' : 'JUMP'}:${t}`;
  switch (t) {
    case 'ACCEPT':
    case 'DROP':
    case 'RETURN':
      return t;
    case 'REJECT':
      return 'DROP';
    case 'QUEUE':
    case 'NFQUEUE':
      return 'QUEUE';
    case 'DNAT':
    case 'SNAT':
    case 'MASQUERADE':
    case 'REDIRECT':
    case 'NETMAP':
    case 'TPROXY':
      return 'ACCEPT';
    default:
      // LOG, MARK, CONNMARK, CT, TRACE, SET, TCPMSS, ...: the packet goes on to the next rule.
      return 'CONTINUE';
  }
}
