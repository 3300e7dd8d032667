/**
 * Builds rulesets by applying parsed commands in order, as iptables-restore (or a script of
 * iptables calls) would: tables, chains with policies, rule insertion/deletion/replacement,
 * flushing, chain creation, deletion and renaming. Reports what the kernel would refuse at that
 * point (missing chain, index too big, chain exists...).
 */
import type { Chain, Command, Diagnostic, DocumentForm, Family, Rule, Ruleset, Span, Table } from '../model';
import { isBuiltinChain, isBuiltinTable } from '../model';
import { BuiltChain, copyChain, type DeclAt, declSpanAt } from './chain';
import { ChainMap, type DeclaredChains } from './chainMap';
import { plainRule, type RuleRows } from './fastRule';
import { duplicateKeys, NameKeys } from './nameKeys';
import { withFields } from './uses';

export class RulesetBuilder {
  private readonly built: Partial<Record<Family, Ruleset>> = {};
  readonly diagnostics: Diagnostic[] = [];

  /**
   * The run of appends in progress (runs of appends to one chain are the norm): its table, chain
   * name and chain (undefined: none), and, for a run that started on an empty chain, its rules so
   * far. Such a run's chain gets an array of exactly its rules when the run ends; pushing them one
   * by one would leave the free places an array grows by, and a kube-proxy table has tens of
   * thousands of chains of one to three rules.
   */
  private runTable: Table | undefined = undefined;
  private runName = '';
  private runChain: Chain | undefined = undefined;
  /**
   * Or, for a run of rows to a chain that has no object (see DeclaredChains), its entry in
   * `runStore` (-1: none; then runChain is the run's chain).
   */
  private runEntry = -1;
  private runStore: DeclaredChains | undefined = undefined;
  /** The rows of such a run, and the entry of its chain name in them (see RuleRows.runOf). */
  private runRows: RuleRows | undefined = undefined;
  private runRowsEntry = -1;
  private runFromEmpty = false;
  /** The run's rules are run[0 .. runLength) (the array keeps its size between runs). */
  private readonly run: Rule[] = [];
  private runLength = 0;

  /**
   * The table whose chains were declared last, and the entry after the chain a run of appends
   * last took among its map's declared chains (ChainMap.store: the user chains declared in place,
   * in order). iptables-save writes a table's chains, then their rules chain by chain in that same
   * order: the chain of the next run is found by comparing its name with the next few waiting
   * ones (and the built-in chains in the map), without looking it up in the table's map, which
   * would put every waiting chain in (and, for a table of tens of thousands of chains, miss the
   * processor's caches). Forgotten when a chain is deleted or renamed.
   */
  private declTable: Table | undefined = undefined;
  private declStore: DeclaredChains | undefined = undefined;
  private declNext = 0;
  /**
   * The keys of the names declared in place in `declTable` (see nameKeys.ts; a chain's is its
   * keyAt): the names declared twice are found by them when the table ends (settle), and the jump
   * graph reads them (see ChainMap.declKeys).
   */
  private declKeys: NameKeys | undefined = undefined;
  /** Reports a waiting chain found to declare a name again as it goes into the map (see ChainMap). */
  private readonly onDuplicate = (first: Chain, second: Chain): void => this.duplicate(first, second);
  /** The table of declKeys (declTable is forgotten when a chain is deleted or renamed). */
  private keysTable: Table | undefined = undefined;

  constructor(readonly form: DocumentForm) {}

  /** The rulesets built so far (every command applied; the names declared twice reported). */
  get rulesets(): Partial<Record<Family, Ruleset>> {
    this.endAppends();
    this.settle();
    return this.built;
  }

  private error(
    span: Span,
    message: string,
    code: string,
    data?: Record<string, unknown>,
    severity: Diagnostic['severity'] = 'error',
  ) {
    this.diagnostics.push({ code, severity, message, span, data });
  }

  /** The ruleset of a family, created (empty) if needed; every command applied. */
  ruleset(family: Family): Ruleset {
    this.endAppends();
    return this.rulesetOf(family);
  }

  private rulesetOf(family: Family): Ruleset {
    let rs = this.built[family];
    if (!rs) {
      rs = { family, tables: new Map() };
      this.built[family] = rs;
    }
    return rs;
  }

  /** The table, created (empty) if needed. */
  table(family: Family, name: string): Table {
    const rs = this.rulesetOf(family);
    let t = rs.tables.get(name);
    if (!t) {
      t = { name, chains: new ChainMap(), committed: false };
      rs.tables.set(name, t);
    }
    return t;
  }

  /** `*table` in restore input: the table is flushed and rebuilt from what follows. */
  startTable(family: Family, name: string, span: Span): Table {
    this.endAppends();
    const rs = this.ruleset(family);
    this.settle();
    const t: Table = { name, chains: new ChainMap(), committed: false, declSpan: span };
    rs.tables.set(name, t);
    return t;
  }

  /**
   * `:CHAIN POLICY [p:b]` in restore input. `at`: where (a span, or a DeclAt for a chain line read
   * in place: its span is made only when asked).
   */
  declareChain(
    t: Table,
    name: string,
    policy: string | undefined,
    at: Span | DeclAt,
    policySpan: Span | undefined,
  ): void {
    this.endAppends();
    this.declTable = t;
    this.declareKeyed(t, name, policy, at, policySpan, -1, '', 0);
  }

  /**
   * The usual `:CHAIN POLICY [p:b]` line read in place: the chain named text[nameAt .. nameAt +
   * nameLen), declared where `at` tells. The name is keyed, and a new user chain waits to go into
   * the table's map as columns (see ChainMap), without even the name's string being made.
   */
  declareInPlace(
    t: Table,
    text: string,
    nameAt: number,
    nameLen: number,
    policy: string,
    at: DeclAt,
    policySpan: Span | undefined,
  ): void {
    this.endAppends();
    this.declTable = t;
    if (this.keysTable !== t) {
      this.settle();
      this.keysTable = t;
      this.declKeys = new NameKeys(256);
      if (t.chains instanceof ChainMap) t.chains.keysOfDeclarations(this.declKeys);
    }
    const keys = this.declKeys as NameKeys;
    const key = keys.add(text, nameAt, nameAt + nameLen);
    const chains = t.chains;
    // The usual line: a name with a key (found again by it if declared twice, see settle) that is
    // no built-in chain's (those have 5 to 11 characters), while no user chain is in the map yet
    // (so none has the name). Else the name's string answers.
    if (chains instanceof ChainMap && keys.keyed(key) && (nameLen < 5 || nameLen > 11) && !chains.hasUsers) {
      if (policy !== '-')
        this.policyOnUserChain(text.slice(nameAt, nameAt + nameLen), policy, policySpan ?? spanOf(at));
      chains.declare(text, nameAt, nameLen, at, key);
      // (A method's closure: a closure written here would have every call make a context for it.)
      chains.onDuplicate ??= this.onDuplicate;
      return;
    }
    this.declareKeyed(t, text.slice(nameAt, nameAt + nameLen), policy, at, policySpan, key, text, nameAt);
  }

  /** Declares `name` (key: its key among the declarations read in place at text[nameAt ..], or -1). */
  private declareKeyed(
    t: Table,
    name: string,
    policy: string | undefined,
    at: Span | DeclAt,
    policySpan: Span | undefined,
    key: number,
    text: string,
    nameAt: number,
  ): void {
    const builtin = isBuiltinChain(t.name, name);
    // A name with a key is found again by it if declared twice (see settle).
    const defer = key >= 0 && !builtin && t.chains instanceof ChainMap && this.declKeys?.keyed(key) === true;
    const existing = defer ? (t.chains as ChainMap).peekUser(name) : t.chains.get(name);
    if (existing?.declSpan) {
      if (!builtin) {
        this.declaredTwice(name, spanOf(at), existing.declSpan);
        return;
      }
    }
    if (defer && existing === undefined) {
      // A chain of columns, without an object (see DeclaredChains). (A key comes only with a line
      // read in place, whose place is a DeclAt.)
      if (policy !== undefined && policy !== '-') this.policyOnUserChain(name, policy, policySpan ?? spanOf(at));
      const chains = t.chains as ChainMap;
      chains.declare(text, nameAt, name.length, at as DeclAt, key);
      chains.onDuplicate ??= this.onDuplicate;
      return;
    }
    const chain: Chain = existing ?? new BuiltChain(name, builtin, undefined);
    if (chain instanceof BuiltChain && typeof at === 'number') chain.declaredAt(at);
    else chain.declSpan = spanOf(at);
    if (builtin) {
      if (policy !== undefined && policy !== '-') {
        chain.policy = policy;
        chain.policySpan = policySpan;
      }
    } else if (policy !== undefined && policy !== '-') this.policyOnUserChain(name, policy, policySpan ?? spanOf(at));
    t.chains.set(name, chain);
    if (key >= 0 && chain instanceof BuiltChain) chain.keyAt = key;
  }

  private policyOnUserChain(name: string, policy: string, span: Span): void {
    this.error(
      span,
      `policy "${policy}" on user-defined chain "${name}": only built-in chains have a policy (write "-")`,
      'policy-on-user-chain',
      { chain: name, policy },
    );
  }

  /**
   * Reports the names declared twice in place in the current declaration table (found by their
   * keys: the table's map does not have the chains waiting to go in, see ChainMap) and leaves
   * the later chains out, their rules going to the first (as iptables-restore reports the second
   * line and keeps the chain). Once per table, when it ends.
   */
  private settle(): void {
    const keys = this.declKeys;
    const chains = this.keysTable?.chains;
    this.keysTable = undefined;
    if (keys === undefined || !(chains instanceof ChainMap)) return;
    const store = chains.store;
    const from = chains.firstWaiting;
    const pairs = store.length > from ? duplicateKeys(keys, 0) : [];
    if (pairs.length > 0) {
      // The waiting entries by key: a name declared again while its first chain waited has an
      // entry of its own there. (One declared again when the first was in the map was reported
      // then, and has none; pairs whose chains went into the map were settled as they went in.)
      const byKey = new Map<number, number>();
      for (let i = from; i < store.length; i++) {
        const k = store.key(i);
        if (k >= 0) byKey.set(k, i);
      }
      const left = new Set<number>();
      for (const [later, first] of pairs) {
        const a = byKey.get(first);
        const b = byKey.get(later);
        if (a === undefined || b === undefined || a === b || left.has(b)) continue;
        this.duplicate(store.chain(a), store.chain(b));
        left.add(b);
      }
      if (left.size > 0) {
        chains.drop(left);
        this.declStore = undefined;
      }
    }
    chains.onDuplicate = undefined;
    this.declKeys = undefined;
  }

  /** Reports a chain line declaring `name` again (`first`: the first declaration). */
  private declaredTwice(name: string, span: Span, first: Span | undefined): void {
    this.error(
      span,
      `chain "${name}" is declared twice (iptables-restore: "error creating chain: File exists")`,
      'duplicate-chain',
      { chain: name },
      'error',
    );
    if (first) this.diagnostics[this.diagnostics.length - 1].related = [{ span: first, message: 'first declaration' }];
  }

  /** `second` declares the name of `first` again: reported, its rules go to `first`, and it is left out. */
  private duplicate(first: Chain, second: Chain): void {
    this.endAppends();
    const span = second.declSpan ?? { line: 0, character: 0, endLine: 0, endCharacter: 0 };
    this.declaredTwice(second.name, span, first.declSpan);
    if (second.rules.length > 0) first.rules = [...first.rules, ...second.rules].sort((a, b) => a.line - b.line);
  }

  /**
   * The waiting chains of `t`'s map (ChainMap.store) and the first of the next few after the last
   * run's to compare with the chain sought (then look at [declNext, its end)), or undefined. See
   * declTable.
   */
  private nextStore(t: Table): DeclaredChains | undefined {
    const chains = t.chains;
    if (t !== this.declTable || !(chains instanceof ChainMap)) return undefined;
    const d = chains.store;
    if (d !== this.declStore) {
      this.declStore = d;
      this.declNext = 0;
    }
    if (this.declNext < chains.firstWaiting) this.declNext = chains.firstWaiting;
    return d;
  }

  /** The entry of the chain `name` of `t` among the next few waiting chains (see nextStore), or -1. */
  private nextDeclared(t: Table, name: string): number {
    const d = this.nextStore(t);
    if (d === undefined) return -1;
    const end = Math.min(d.length, this.declNext + 4);
    for (let i = this.declNext; i < end; i++) {
      if (d.named(i, name)) {
        this.declNext = i + 1;
        return i;
      }
    }
    return -1;
  }

  /** The entry of row r's chain (see nextDeclared), its name compared where it was read. */
  private nextDeclaredRow(t: Table, rows: RuleRows, r: number): number {
    const d = this.nextStore(t);
    if (d === undefined) return -1;
    const end = Math.min(d.length, this.declNext + 4);
    for (let i = this.declNext; i < end; i++) {
      if (d.isChainOf(i, rows, r)) {
        this.declNext = i + 1;
        return i;
      }
    }
    return -1;
  }

  /**
   * The chain `name` of `t` if it is one of the next few waiting chains after the last run's (its
   * object made), or a chain in the map proper (a built-in chain); else undefined (look it up).
   */
  private nextDeclaredChain(t: Table, name: string): Chain | undefined {
    const at = this.nextDeclared(t, name);
    if (at >= 0) return (t.chains as ChainMap).store.chain(at);
    return t === this.declTable && t.chains instanceof ChainMap ? t.chains.peek(name) : undefined;
  }

  /**
   * Appends row r of `rows` (a rule of the save parser's pattern lane, read in table `t`, a
   * built-in table) to its chain, as apply would append the row's rule. A run of rows to a chain
   * that had no rule stays rows: the columns of a chain without an object (see DeclaredChains),
   * or the chain's (see BuiltChain); anything else takes the row's rule object. Rows of one run
   * share an entry of the rows' chain names (RuleRows.runOf), whose string is not made for a
   * chain without an object; the first row of a run to a chain with one takes the chain's own
   * name string (the same characters), so that the line's copy need not be kept.
   */
  appendRow(t: Table, rows: RuleRows, r: number): void {
    if (this.runTable === t) {
      if (this.runEntry >= 0) {
        const store = this.runStore as DeclaredChains;
        if ((this.runRows === rows && this.runRowsEntry === rows.runOf(r)) || store.isChainOf(this.runEntry, rows, r)) {
          // The run's chain takes the next row while it is still rows (else the row's object).
          if (!store.extendRows(this.runEntry, rows, r)) this.apply(rows.ruleAt(r));
          return;
        }
      } else if (this.runChain !== undefined && this.runName === rows.chainOf(r)) {
        const c = this.runChain;
        if (c instanceof BuiltChain && c.rows === rows && c.rowEnd === r) c.rowEnd = r + 1;
        else this.apply(rows.ruleAt(r));
        return;
      }
    }
    this.endAppends();
    const at = this.nextDeclaredRow(t, rows, r);
    const store = at >= 0 ? (t.chains as ChainMap).store : undefined;
    if (store?.startRows(at, rows, r)) {
      this.runTable = t;
      this.runEntry = at;
      this.runStore = store;
      this.runRows = rows;
      this.runRowsEntry = rows.runOf(r);
      this.runName = '';
      this.runFromEmpty = false;
      return;
    }
    const name = rows.chainOf(r);
    const c = store?.chain(at) ?? this.nextDeclaredChain(t, name) ?? t.chains.get(name);
    if (c instanceof BuiltChain && c.empty) {
      rows.useChainName(r, c.name);
      c.startRows(rows, r);
      this.runTable = t;
      this.runName = c.name;
      this.runChain = c;
      this.runFromEmpty = false;
      return;
    }
    this.apply(rows.ruleAt(r));
  }

  /** Ends the current run of appends. */
  private endAppends(): void {
    if (this.runEntry >= 0) {
      this.runEntry = -1;
      this.runStore = undefined;
      this.runRows = undefined;
      this.runTable = undefined;
      return;
    }
    if (this.runChain === undefined) return;
    if (this.runFromEmpty) {
      this.runChain.rules = this.run.slice(0, this.runLength);
      this.runLength = 0;
    }
    this.runChain = undefined;
    this.runTable = undefined;
  }

  /** Finds a chain; built-in chains of the table exist implicitly. */
  chain(t: Table, name: string, create: boolean): Chain | undefined {
    let c = t.chains.get(name);
    if (!c && (create || isBuiltinChain(t.name, name))) {
      c = new BuiltChain(name, isBuiltinChain(t.name, name), undefined);
      t.chains.set(name, c);
    }
    return c;
  }

  private missingChain(cmd: Command, t: Table, name: string): Chain | undefined {
    const span = cmd.chainSpan ?? cmd.span;
    if (this.form === 'shell') {
      this.error(
        span,
        `chain "${name}" was not created earlier in this script (iptables fails unless it already exists in table ${t.name})`,
        'undefined-chain',
        { chain: name, table: t.name },
        'warning',
      );
      return this.chain(t, name, true);
    }
    this.error(span, `chain "${name}" does not exist in table ${t.name}`, 'undefined-chain', {
      chain: name,
      table: t.name,
    });
    return undefined;
  }

  /** Applies one command to the ruleset of its family. */
  apply(cmd: Command): void {
    if (!isBuiltinTable(cmd.table)) return;
    const t = this.table(cmd.family, cmd.table);
    const name = cmd.chain ?? '';
    if (this.runEntry >= 0) {
      const store = this.runStore as DeclaredChains;
      if (cmd.op === 'append' && cmd.rule && this.runTable === t && store.named(this.runEntry, name)) {
        // A run of rows whose next rule is an object: the chain becomes one too.
        const c = store.chain(this.runEntry);
        this.runEntry = -1;
        this.runStore = undefined;
        this.runRows = undefined;
        this.runChain = c;
        this.runName = c.name;
        this.runFromEmpty = false;
      } else this.endAppends();
    }
    if (cmd.op === 'append' && cmd.rule && this.runTable === t && this.runName === name) {
      if (this.runFromEmpty) this.run[this.runLength++] = cmd.rule;
      else (this.runChain as Chain).rules.push(cmd.rule);
      return;
    }
    // Any other command may create, delete or rename chains.
    this.endAppends();
    switch (cmd.op) {
      case 'append':
      case 'insert':
      case 'replace': {
        const rule = cmd.rule;
        if (!rule) return;
        const c =
          (cmd.op === 'append' ? this.nextDeclaredChain(t, name) : undefined) ??
          this.chain(t, name, false) ??
          this.missingChain(cmd, t, name);
        if (!c) return;
        if (cmd.op === 'append') {
          this.runTable = t;
          this.runName = name;
          this.runChain = c;
          this.runFromEmpty = c.rules.length === 0;
          if (this.runFromEmpty) this.run[this.runLength++] = rule;
          else c.rules.push(rule);
        } else if (cmd.op === 'insert') {
          const pos = cmd.ruleNum ?? 1;
          if (pos > c.rules.length + 1) {
            this.error(
              cmd.span,
              `index of insertion too big: chain ${name} has ${c.rules.length} rules at this point`,
              'bad-rule-number',
              { chain: name },
            );
            c.rules.push(rule);
          } else c.rules.splice(Math.max(0, pos - 1), 0, rule);
        } else {
          const pos = cmd.ruleNum ?? 0;
          if (pos < 1 || pos > c.rules.length) {
            this.error(
              cmd.span,
              `index of replacement too big: chain ${name} has ${c.rules.length} rules at this point`,
              'bad-rule-number',
              { chain: name },
            );
          } else c.rules[pos - 1] = rule;
        }
        return;
      }
      case 'delete': {
        const c = this.chain(t, name, false) ?? this.missingChain(cmd, t, name);
        if (!c) return;
        if (cmd.ruleNum !== undefined) {
          if (cmd.ruleNum < 1 || cmd.ruleNum > c.rules.length) {
            if (this.form === 'save')
              this.error(
                cmd.span,
                `index of deletion too big: chain ${name} has ${c.rules.length} rules at this point`,
                'bad-rule-number',
                { chain: name },
              );
          } else c.rules.splice(cmd.ruleNum - 1, 1);
          return;
        }
        const text = cmd.rule?.text;
        const idx = c.rules.findIndex((r) => r.text === text);
        if (idx >= 0) c.rules.splice(idx, 1);
        else if (this.form === 'save') {
          this.error(cmd.span, 'bad rule: no matching rule exists in that chain at this point', 'rule-not-found', {
            chain: name,
          });
        }
        return;
      }
      case 'new-chain': {
        if (isBuiltinChain(t.name, name) || t.chains.has(name)) {
          const sev = this.form === 'shell' ? 'warning' : 'error';
          this.error(
            cmd.chainSpan ?? cmd.span,
            `chain "${name}" already exists in table ${t.name}`,
            'duplicate-chain',
            { chain: name },
            sev,
          );
          return;
        }
        t.chains.set(name, new BuiltChain(name, false, cmd.chainSpan ?? cmd.span));
        return;
      }
      case 'flush': {
        if (cmd.chain === undefined) {
          for (const c of t.chains.values()) c.rules = [];
          return;
        }
        const c = this.chain(t, name, false) ?? this.missingChain(cmd, t, name);
        if (c) c.rules = [];
        return;
      }
      case 'delete-chain': {
        this.declTable = undefined;
        const targets =
          cmd.chain === undefined ? [...t.chains.values()].filter((c) => !c.builtin) : [t.chains.get(name)];
        if (cmd.chain !== undefined && !targets[0]) {
          if (isBuiltinChain(t.name, name))
            this.error(cmd.chainSpan ?? cmd.span, `cannot delete built-in chain ${name}`, 'builtin-chain');
          else if (this.form === 'save') this.missingChain(cmd, t, name);
          return;
        }
        for (const c of targets) {
          if (!c) continue;
          if (c.builtin) {
            this.error(cmd.chainSpan ?? cmd.span, `cannot delete built-in chain ${c.name}`, 'builtin-chain');
            continue;
          }
          const user = referencesTo(t, c.name);
          if (user) {
            this.error(
              cmd.chainSpan ?? cmd.span,
              `chain "${c.name}" is still referenced (by a rule in ${user.chain}) and cannot be deleted`,
              'chain-in-use',
              { chain: c.name },
            );
            continue;
          }
          if (c.rules.length > 0 && cmd.chain !== undefined) {
            this.error(
              cmd.chainSpan ?? cmd.span,
              `chain "${c.name}" is not empty: flush it (-F) before deleting it`,
              'chain-not-empty',
              { chain: c.name },
            );
            continue;
          }
          t.chains.delete(c.name);
        }
        return;
      }
      case 'policy': {
        const policy = cmd.argument ?? '';
        if (!isBuiltinChain(t.name, name)) {
          this.error(
            cmd.chainSpan ?? cmd.span,
            `cannot set a policy on "${name}": only built-in chains of table ${t.name} have one`,
            'policy-on-user-chain',
            { chain: name },
          );
          return;
        }
        if (policy !== 'ACCEPT' && policy !== 'DROP') {
          this.error(
            cmd.argumentSpan ?? cmd.span,
            `bad policy "${policy}": a built-in chain's policy is ACCEPT or DROP`,
            'bad-policy',
            { policy },
          );
          return;
        }
        const c = this.chain(t, name, true)!;
        c.policy = policy;
        c.policySpan = cmd.argumentSpan;
        return;
      }
      case 'rename-chain': {
        this.declTable = undefined;
        const c = t.chains.get(name);
        const to = cmd.argument ?? '';
        if (!c || c.builtin) {
          if (this.form === 'save' || c?.builtin)
            this.error(
              cmd.chainSpan ?? cmd.span,
              `cannot rename "${name}": no such user-defined chain`,
              'undefined-chain',
              { chain: name },
            );
          return;
        }
        if (t.chains.has(to)) {
          this.error(
            cmd.argumentSpan ?? cmd.span,
            `cannot rename to "${to}": chain already exists`,
            'duplicate-chain',
            { chain: to },
          );
          return;
        }
        if (this.form === 'save') {
          // Restore input creates every chain it renames (a chain it did not create is reported
          // above): iptables-nft-restore 1.8.9 fails such a rename at commit, and any later line
          // naming the new chain before it; iptables-legacy-restore renames it.
          this.error(
            cmd.span,
            `iptables-nft-restore cannot rename chain "${name}", which this restore created ("CHAIN_RENAME failed: No such file or directory"); iptables-legacy-restore can. Create the chain as "${to}" instead.`,
            'rename-in-restore',
            { chain: name, to },
          );
        }
        t.chains.delete(name);
        t.chains.set(
          to,
          copyChain(
            c,
            c.rules.map((r) => ({ ...plainRule(r), chain: to })),
            to,
          ),
        );
        // Rule objects are shared with the incremental parse cache: replace, never mutate.
        const jump = new RegExp(`(^|\\s)(-j|--jump|-g|--goto)(\\s+)${escapeRegExp(name)}(?=\\s|$)`);
        for (const ch of t.chains.values()) {
          ch.rules = ch.rules.map((r) =>
            r.target && !r.target.isExtension && r.target.name === name
              ? {
                  ...plainRule(r),
                  target: withFields(r.target, { name: to }),
                  text: r.text.replace(jump, `$1$2$3${to}`),
                }
              : r,
          );
        }
        return;
      }
      default:
        return;
    }
  }
}

function referencesTo(t: Table, name: string): Rule | undefined {
  for (const c of t.chains.values()) {
    if (c.name === name) continue;
    for (const r of c.rules) if (r.target && !r.target.isExtension && r.target.name === name) return r;
  }
  return undefined;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The span `at` is or tells. */
function spanOf(at: Span | DeclAt): Span {
  return typeof at === 'number' ? declSpanAt(at) : at;
}
