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

/**
 * The rules the save parser read in place in one table (the pattern lane): what a FastRule keeps
 * of each, in columns (row r: the line starting at from[r] of ctx.doc, line number line[r], rule
 * id id[r], shape plan[r], chain chain[r], target name target[r]). The objects are made on first
 * use (ruleAt), one per row, so the rules of a chain nobody looks at cost no object: an 80k-rule
 * kube-proxy table has its diagnostics worked out from the columns and the shapes alone.
 */
export class RuleRows {
  count = 0;
  from: Int32Array;
  line: Int32Array;
  id: Int32Array;
  /**
   * The key of the chain name the row's rule jumps or goes to in ctx.keys (see nameKeys.ts),
   * the same number for the rows of a run that name the same chain; -1 when the rule names no
   * chain, or its row was not given one (then read target).
   */
  key: Int32Array;
  plan: Plan[];
  chain: string[];
  target: (string | undefined)[];
  /** The rows' objects, made on use (sparse). */
  private objects: (FastRule | undefined)[] | undefined;

  /** `most`: the most rows there can be (one per line left). */
  constructor(
    readonly ctx: FastRuleContext,
    private readonly most: number,
  ) {
    const n = Math.min(Math.max(16, most), 1024);
    // Written by index: arrays grown by push or copying take several times as long to fill. A
    // table with more rows than the first room takes room for the most rows there can be at
    // once (a big table is usually the rest of the file); fit() gives back what is not taken.
    this.from = new Int32Array(n);
    this.line = new Int32Array(n);
    this.id = new Int32Array(n);
    this.key = new Int32Array(n);
    ctx.keys = new NameKeys(n, ctx.doc);
    this.plan = new Array(n);
    this.chain = new Array(n);
    this.target = new Array(n);
  }

  /** Adds a row; returns its index. `key`: see RuleRows.key. */
  add(
    from: number,
    line: number,
    id: number,
    plan: Plan,
    chain: string,
    target: string | undefined,
    key: number,
  ): number {
    const r = this.count;
    if (r === this.from.length) this.grow();
    this.from[r] = from;
    this.line[r] = line;
    this.id[r] = id;
    this.key[r] = key;
    this.plan[r] = plan;
    this.chain[r] = chain;
    this.target[r] = target;
    this.count = r + 1;
    return r;
  }

  /** Adds a row for a rule made already (read another way), starting at `from` in ctx.doc. */
  adopt(rule: FastRule, from: number): number {
    const plan = rule.plan;
    const name = rule.targetName;
    const key =
      plan.targetWord >= 0 && !plan.targetExtension && name !== undefined && this.ctx.keys !== undefined
        ? this.ctx.keys.addName(name)
        : -1;
    const r = this.add(from, rule.line, rule.id, plan, rule.chain, name, key);
    if (this.objects === undefined) this.objects = [];
    this.objects[r] = rule;
    return r;
  }

  /** Gives back the room the rows did not take (a table's rows are all read). */
  fit(): void {
    const n = this.count;
    if (n * 2 > this.from.length) return;
    this.from = this.from.slice(0, n);
    this.line = this.line.slice(0, n);
    this.id = this.id.slice(0, n);
    this.key = this.key.slice(0, n);
    this.plan = this.plan.slice(0, n);
    this.chain = this.chain.slice(0, n);
    this.target = this.target.slice(0, n);
  }

  private grow(): void {
    const size = Math.max(this.from.length * 2, this.most);
    for (const k of ['from', 'line', 'id', 'key'] as const) {
      const a = new Int32Array(size);
      a.set(this[k]);
      this[k] = a;
    }
    this.plan = grown(this.plan, size);
    this.chain = grown(this.chain, size);
    this.target = grown(this.target, size);
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
        this.chain[r],
        this.id[r],
        this.plan[r],
        this.targetOf(r),
        this.from[r],
      );
      objects[r] = rule;
    }
    return rule;
  }

  /**
   * The -j/-g word of row r, if any: a chain name read in place and keyed has no string in
   * `target`; its key's, shared by the rows naming that chain, is made on first use.
   */
  targetOf(r: number): string | undefined {
    const t = this.target[r];
    if (t !== undefined) return t;
    const key = this.key[r];
    return key >= 0 ? (this.ctx.keys as NameKeys).name(key) : undefined;
  }

  /** Whether row r's rule was made already. */
  made(r: number): boolean {
    return this.objects?.[r] !== undefined;
  }
}

function grown<T>(a: T[], size: number): T[] {
  const b: T[] = new Array(size);
  for (let i = 0; i < a.length; i++) b[i] = a[i];
  return b;
}

/** The chain name a row's rule jumps or goes to when that is a chain (not a target extension). */
export function rowChainTarget(rows: RuleRows, r: number): string | undefined {
  const plan = rows.plan[r];
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
