/**
 * Rules of the save parser's fast lane (see shapes.ts). What the analyses need of every rule
 * (table, chain, line, the target's name; its kind is the shape's) is kept as fields; the rest of
 * the model (the options with their words and values, the matches, the rule text, the spans of
 * its parts, the target object) is built on first use by parsing the line again the complete way,
 * and then kept. One object is both the rule and the append command that added it
 * (iptables-save output is appends only).
 *
 * A rule of 320k costs one small object (and the slice of its line) this way instead of a few dozen.
 * Rules read in place from a document's text are first only a row of RuleRows (no object at
 * all); their objects are made from the rows on first use.
 */
import type { Command, Family, MatchUse, OptionUse, Rule, RuleBase, Span, TargetUse } from '../model';
import { NameKeys } from './nameKeys';
import { parseRuleLine } from './ruleLine';
import type { Plan } from './shapes';

/**
 * What the fast-lane rules read from one text in one table share: the text, the table's name and
 * the family (one object per table rather than three fields per rule), and for rows read in place,
 * the keys of the chain names their rules jump to (see RuleRows.key).
 */
export class FastRuleContext {
  keys: NameKeys | undefined = undefined;

  constructor(
    readonly doc: string,
    readonly table: string,
    readonly family: Family,
  ) {}
}

export class FastRule implements Rule, Command {
  chain: string;
  line: number;
  id: number;
  /** The -j/-g word (a chain or a target extension, see plan.targetExtension), if any. */
  targetName: string | undefined;
  /**
   * The text holding the line (ctx.doc) with the table and family, and where the line starts in
   * the text (the line alone: 0). The line ends at the next line break or the end of the text.
   */
  private readonly ctx: FastRuleContext;
  private readonly from: number;
  /** The command shape the line is an instance of. */
  readonly plan: Plan;
  /** What was built on use (most rules never need it): the complete parse, the target object. */
  private built: { full?: Command; tgt?: FastTarget } | undefined;
  /**
   * Owned by the analyses: what they worked out about this rule alone (kept with the rule, so a
   * re-analysis after an edit elsewhere in its chain does not work it out again). 0: nothing.
   */
  analysisBits: number;

  constructor(
    ctx: FastRuleContext,
    line: number,
    chain: string,
    id: number,
    plan: Plan,
    targetName: string | undefined,
    from = 0,
  ) {
    this.chain = chain;
    this.line = line;
    this.id = id;
    this.targetName = targetName;
    this.ctx = ctx;
    this.from = from;
    this.plan = plan;
    this.built = undefined;
    this.analysisBits = 0;
  }

  get table(): string {
    return this.ctx.table;
  }

  get family(): Family {
    return this.ctx.family;
  }

  private get doc(): string {
    return this.ctx.doc;
  }

  /** Where the line ends in `doc`. */
  private get to(): number {
    const e = this.doc.indexOf('\n', this.from);
    return e < 0 ? this.doc.length : e;
  }

  /**
   * The line as written. A rule read in place from the document's text keeps the text and where
   * its line is (no string per line): the line is cut out when asked for.
   */
  get src(): string {
    const to = this.to;
    return this.from === 0 && to === this.doc.length ? this.doc : this.doc.slice(this.from, to);
  }

  // Constant for every fast-lane rule, so kept on the prototype rather than in each object.
  get op(): 'append' {
    return 'append';
  }

  get broken(): boolean {
    return false;
  }

  get rule(): Rule {
    return this;
  }

  /**
   * The target, made on first use: the analyses read the name, kind and extension flag of every
   * rule from targetName and the plan instead, so most rules never need the object.
   */
  get target(): FastTarget | undefined {
    if (this.targetName === undefined) return undefined;
    const built = this.details();
    built.tgt ??= new FastTarget(this, this.targetName, this.plan.targetKind, this.plan.targetExtension);
    return built.tgt;
  }

  get span(): Span {
    return { line: this.line, character: 0, endLine: this.line, endCharacter: this.to - this.from };
  }

  get chainSpan(): Span | undefined {
    return this.command().chainSpan;
  }

  get text(): string {
    return this.materialized().text;
  }

  get base(): RuleBase {
    return this.materialized().base;
  }

  get matches(): MatchUse[] {
    return this.materialized().matches;
  }

  get counters(): Rule['counters'] {
    return this.doc.charCodeAt(this.from) === 91 /* [ */ ? this.materialized().counters : undefined;
  }

  /** Whether the details were built already (for tests and measurements). */
  get isMaterialized(): boolean {
    return this.built?.full !== undefined;
  }

  /** The command as the complete parse reads the line (built once). */
  command(): Command {
    const built = this.details();
    if (built.full) return built.full;
    const res = parseRuleLine(this.src, this.line, this.table, this.family, () => this.id);
    const cmd = res.command;
    // The line was vouched for by its shape, so the complete parse gives a clean append; should it
    // ever not, the rule still has a consistent (empty) body rather than breaking its consumer.
    built.full =
      cmd?.rule && cmd.op === 'append'
        ? cmd
        : {
            op: 'append',
            family: this.family,
            table: this.table,
            chain: this.chain,
            span: this.span,
            line: this.line,
            broken: true,
            rule: {
              table: this.table,
              chain: this.chain,
              family: this.family,
              text: '',
              span: this.span,
              line: this.line,
              base: {},
              matches: [],
              id: this.id,
              broken: true,
            },
          };
    return built.full;
  }

  /** Takes the complete parse made anyway (the line a shape was learned from). */
  adopt(command: Command): void {
    this.details().full = command;
  }

  /** The holder of what is built on use, made on first use. */
  private details(): { full?: Command; tgt?: FastTarget } {
    if (this.built === undefined) this.built = {};
    return this.built;
  }

  /** The rule with every detail, as a plain model object. */
  materialized(): Rule {
    return this.command().rule as Rule;
  }
}

/** Numbers RuleRows (RuleRows.serial), so that a shape can tell which rows numbered it (Plan.rowsSerial). */
let rowsSerials = 0;

/**
 * The rules the save parser read in place in one table (the pattern lane): what a FastRule keeps
 * of each, in columns (row r: the line starting at from[r] of ctx.doc, line number line[r], rule
 * id id[r], shape planOf(r), chain chainOf(r), target name targetOf(r)). The objects are made on
 * first use (ruleAt), one per row, so the rules of a chain nobody looks at cost no object: an
 * 80k-rule kube-proxy table has its diagnostics worked out from the columns and the shapes alone.
 *
 * Every column is a typed array: arrays of references as long as a table (one per line) cost
 * more to make, to fill and to carry through the garbage collector than the numbers do. A row's
 * shape and chain name are numbers into short lists (a table has a few shapes, and its rules come
 * in runs of one chain); its target is its key's name, or its shape's verbatim target.
 */
export class RuleRows {
  count = 0;
  readonly serial = ++rowsSerials;
  from: Int32Array;
  line: Int32Array;
  id: Int32Array;
  /**
   * The key of the chain name the row's rule jumps or goes to in ctx.keys (see nameKeys.ts),
   * the same number for the rows of a run that name the same chain; -1 when the rule names no
   * chain (its target, if any, is its shape's target extension).
   */
  key: Int32Array;
  /** The row's shape: plans[planAt[r]]. */
  private planAt: Int32Array;
  private readonly plans: Plan[] = [];
  /**
   * The row's chain name: entry chainAt[r], one per run of rows naming one chain. Entry e's string
   * is chainNames[e], or, while undefined, made on first use from where it was read in ctx.doc:
   * chainLen[e] characters from chainStart[e] (-1: not read there). A parse that asks for no
   * rule object makes none of them.
   */
  private chainAt: Int32Array;
  private readonly chainNames: (string | undefined)[] = [];
  private chainStart = new Int32Array(16);
  private chainLen = new Int32Array(16);
  /** The `run` of the last row added (see add). */
  private lastRun = -1;
  /** The rows' objects, made on use (sparse). */
  private objects: (FastRule | undefined)[] | undefined;

  /** `most`: the most rows there can be (one per line left). */
  constructor(
    readonly ctx: FastRuleContext,
    private readonly most: number,
  ) {
    const n = Math.min(Math.max(16, most), 1024);
    // Written by index. A table with more rows than the first room takes room for the most rows
    // there can be at once (a big table is usually the rest of the file); fit() gives back what
    // is not taken (the pages never written are never touched).
    this.from = new Int32Array(n);
    this.line = new Int32Array(n);
    this.id = new Int32Array(n);
    this.key = new Int32Array(n);
    this.planAt = new Int32Array(n);
    this.chainAt = new Int32Array(n);
    ctx.keys = new NameKeys(n, ctx.doc);
  }

  /**
   * Adds a row; returns its index. `key`: see RuleRows.key (without one, the target is the
   * shape's). `run`: rows added with the same number (not -1) one after the other name the same
   * chain, which they share an entry for (see chainRun in shapes.ts); -1: compare the names.
   */
  add(
    from: number,
    line: number,
    id: number,
    plan: Plan,
    chain: string | undefined,
    key: number,
    run: number,
    chainStart = -1,
    chainLen = 0,
  ): number {
    const r = this.count;
    if (r === this.from.length) this.grow();
    this.from[r] = from;
    this.line[r] = line;
    this.id[r] = id;
    this.key[r] = key;
    if (plan.rowsSerial !== this.serial) {
      plan.rowsSerial = this.serial;
      plan.rowsIndex = this.plans.length;
      this.plans.push(plan);
    }
    this.planAt[r] = plan.rowsIndex;
    const names = this.chainNames;
    const c = names.length - 1;
    // The rows of a run share the string of its chain name (see byPattern and appendRow).
    if (c >= 0 && (run >= 0 ? run === this.lastRun : chain !== undefined && names[c] === chain)) this.chainAt[r] = c;
    else {
      const e = c + 1;
      this.chainAt[r] = e;
      names.push(chain);
      if (e === this.chainStart.length) {
        const start = new Int32Array(e * 2);
        start.set(this.chainStart);
        this.chainStart = start;
        const len = new Int32Array(e * 2);
        len.set(this.chainLen);
        this.chainLen = len;
      }
      this.chainStart[e] = chainStart;
      this.chainLen[e] = chainStart >= 0 ? chainLen : (chain?.length ?? 0);
    }
    this.lastRun = run;
    this.count = r + 1;
    return r;
  }

  /** Adds a row for a rule made already (read another way), starting at `from` in ctx.doc. */
  adopt(rule: FastRule, from: number): number {
    const plan = rule.plan;
    const name = rule.targetName;
    const chainTarget = plan.targetWord >= 0 && !plan.targetExtension && name !== undefined;
    const key = chainTarget ? (this.ctx.keys as NameKeys).addName(name) : -1;
    const r = this.add(from, rule.line, rule.id, plan, rule.chain, key, -1);
    if (this.objects === undefined) this.objects = [];
    this.objects[r] = rule;
    return r;
  }

  /** The shape of row r. */
  planOf(r: number): Plan {
    return this.plans[this.planAt[r]];
  }

  /** The name of row r's chain (its string made on first use, see chainAt). */
  chainOf(r: number): string {
    const e = this.chainAt[r];
    let name = this.chainNames[e];
    if (name === undefined) {
      const at = this.chainStart[e];
      name = this.ctx.doc.slice(at, at + this.chainLen[e]);
      this.chainNames[e] = name;
    }
    return name;
  }

  /** How many of the rows' chain names were made into strings (for tests: see chainAt). */
  get chainNamesMade(): number {
    let n = 0;
    for (const name of this.chainNames) if (name !== undefined) n++;
    return n;
  }

  /** The entry of row r's chain name: rows with the same entry name the same chain (see chainAt). */
  runOf(r: number): number {
    return this.chainAt[r];
  }

  /** Whether row r's chain is named text[at .. at + len), without making its string. */
  chainIs(r: number, text: string, at: number, len: number): boolean {
    const e = this.chainAt[r];
    if (this.chainLen[e] !== len) return false;
    const start = this.chainStart[e];
    if (start < 0 || text !== this.ctx.doc) return text.startsWith(this.chainOf(r), at);
    // From the end: names of one table often share their start (KUBE-SEP-...).
    for (let i = len - 1; i >= 0; i--) if (text.charCodeAt(start + i) !== text.charCodeAt(at + i)) return false;
    return true;
  }

  /**
   * Row r's chain name is `name` (the same characters: its chain's own string, see appendRow), and
   * so is that of the rows sharing its entry (which hold the same characters too).
   */
  useChainName(r: number, name: string): void {
    this.chainNames[this.chainAt[r]] = name;
  }

  /** Gives back the room the rows did not take (a table's rows are all read). */
  fit(): void {
    const n = this.count;
    if (n * 2 > this.from.length) return;
    this.from = this.from.slice(0, n);
    this.line = this.line.slice(0, n);
    this.id = this.id.slice(0, n);
    this.key = this.key.slice(0, n);
    this.planAt = this.planAt.slice(0, n);
    this.chainAt = this.chainAt.slice(0, n);
  }

  private grow(): void {
    const size = Math.max(this.from.length * 2, this.most);
    for (const k of ['from', 'line', 'id', 'key', 'planAt', 'chainAt'] as const) {
      const a = new Int32Array(size);
      a.set(this[k]);
      this[k] = a;
    }
  }

  /** The rule of row r, made on first use (the same object every time). */
  ruleAt(r: number): FastRule {
    if (this.objects === undefined) this.objects = [];
    const objects = this.objects;
    let rule = objects[r];
    if (rule === undefined) {
      rule = new FastRule(
        this.ctx,
        this.line[r],
        this.chainOf(r),
        this.id[r],
        this.planOf(r),
        this.targetOf(r),
        this.from[r],
      );
      objects[r] = rule;
    }
    return rule;
  }

  /**
   * The -j/-g word of row r, if any: a chain name's is its key's (one string per key, shared by
   * the rows naming that chain, made on first use); a target extension's is the shape's.
   */
  targetOf(r: number): string | undefined {
    const key = this.key[r];
    if (key >= 0) return (this.ctx.keys as NameKeys).name(key);
    const plan = this.planOf(r);
    return plan.targetWord >= 0 ? plan.targetName : undefined;
  }

  /** Whether row r's rule was made already. */
  made(r: number): boolean {
    return this.objects?.[r] !== undefined;
  }
}

/** The chain name a row's rule jumps or goes to when that is a chain (not a target extension). */
export function rowChainTarget(rows: RuleRows, r: number): string | undefined {
  const plan = rows.planOf(r);
  return plan.targetWord < 0 || plan.targetExtension ? undefined : rows.targetOf(r);
}

/** The target of a fast-lane rule: name and kind at hand, the rest built with the rule. */
export class FastTarget implements TargetUse {
  name: string;
  kind: 'jump' | 'goto';
  isExtension: boolean;
  private readonly owner: FastRule;

  constructor(owner: FastRule, name: string, kind: 'jump' | 'goto', isExtension: boolean) {
    this.name = name;
    this.kind = kind;
    this.isExtension = isExtension;
    this.owner = owner;
  }

  private full(): TargetUse | undefined {
    return this.owner.materialized().target;
  }

  get nameSpan(): Span {
    return this.full()?.nameSpan ?? this.owner.span;
  }

  get span(): Span {
    return this.full()?.span ?? this.owner.span;
  }

  get options(): OptionUse[] {
    return this.full()?.options ?? [];
  }
}

/** The rule as a plain object (for code that copies rules with a spread). */
export function plainRule(rule: Rule): Rule {
  return rule instanceof FastRule ? rule.materialized() : rule;
}
