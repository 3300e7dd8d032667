/**
 * The chains the parsers build. A chain whose rules are a run of rows of the save parser's pattern
 * lane (see RuleRows) keeps the rows rather than an array of rule objects: `rules` makes the array
 * on first use, and the analyses read the rows without it (see rowsOf). Any change of the rules
 * goes through `rules` (which makes the array first), so a chain is either rows or an array.
 */
import type { Chain, Rule, Span } from '../model';
import type { RuleRows } from './fastRule';

/**
 * Where a chain line read in place declared its chain, as one number (its span is made only when
 * asked for: a kube-proxy file declares tens of thousands of chains): the line and where the name
 * ends in it, at most 29 (a name has at most 28 characters, after the colon).
 */
export type DeclAt = number;

export function declAt(line: number, nameEnd: number): DeclAt {
  return line * 32 + nameEnd;
}

/** The span of the `:NAME` a DeclAt tells. */
export function declSpanAt(at: DeclAt): Span {
  const line = Math.floor(at / 32);
  return { line, character: 0, endLine: line, endCharacter: at % 32 };
}

/** What few chains have: the built-in chains' mark and policy (kept apart to keep every chain small). */
interface ChainExtra {
  builtin: boolean;
  policy: string | undefined;
  policySpan: Span | undefined;
}

/**
 * A chain. A kube-proxy table declares tens of thousands, which wait as columns until asked for
 * (see DeclaredChains in chainMap.ts); once made, a table's chains are all alive with its parse:
 * what only built-in chains have is kept in `extra`, and the keys of the names declared in place
 * in the table's map (ChainMap.declKeys), so that a chain is 9 fields.
 */
export class BuiltChain implements Chain {
  name: string;
  /** Where the chain was declared, or a DeclAt telling it (its span made on first use, see declSpan). */
  private span: Span | DeclAt | undefined;
  graphIndex: number;
  /** The rules as an array, once made (undefined: the rows, or none). */
  private list: Rule[] | undefined;
  /** The rows rows[rowStart .. rowEnd) holding the rules while list is undefined. */
  rows: RuleRows | undefined;
  rowStart: number;
  rowEnd: number;
  /**
   * The key of the chain's name (see nameKeys.ts) when it was declared in place: key `keyAt` of
   * the keys of its table's declarations in order (ChainMap.declKeys), so the jump graph reads
   * them as they are rather than keying every name again. -1 otherwise.
   */
  keyAt: number;
  /** Undefined for a user chain without a policy (any but a built-in chain). */
  private extra: ChainExtra | undefined;

  constructor(name: string, builtin: boolean, declSpan: Span | undefined) {
    this.name = name;
    this.span = declSpan;
    this.graphIndex = -1;
    this.list = undefined;
    this.rows = undefined;
    this.rowStart = 0;
    this.rowEnd = 0;
    this.keyAt = -1;
    this.extra = builtin ? { builtin, policy: undefined, policySpan: undefined } : undefined;
  }

  get builtin(): boolean {
    return this.extra?.builtin === true;
  }

  get policy(): string | undefined {
    return this.extra?.policy;
  }

  set policy(policy: string | undefined) {
    if (policy !== undefined || this.extra !== undefined) this.more().policy = policy;
  }

  get policySpan(): Span | undefined {
    return this.extra?.policySpan;
  }

  set policySpan(span: Span | undefined) {
    if (span !== undefined || this.extra !== undefined) this.more().policySpan = span;
  }

  /** The extra fields, made for a user chain given a policy. */
  private more(): ChainExtra {
    this.extra ??= { builtin: false, policy: undefined, policySpan: undefined };
    return this.extra;
  }

  get declSpan(): Span | undefined {
    const s = this.span;
    if (typeof s !== 'number') return s;
    const span = declSpanAt(s);
    this.span = span;
    return span;
  }

  set declSpan(span: Span | undefined) {
    this.span = span;
  }

  /** Whether the chain was declared (without making its span). */
  get declared(): boolean {
    return this.span !== undefined;
  }

  /** Declared where `at` tells (a span made only when asked for). */
  declaredAt(at: DeclAt): void {
    this.span = at;
  }

  get rules(): Rule[] {
    if (this.list !== undefined) return this.list;
    const list: Rule[] = [];
    const rows = this.rows;
    if (rows !== undefined) for (let r = this.rowStart; r < this.rowEnd; r++) list.push(rows.ruleAt(r));
    this.list = list;
    this.rows = undefined;
    return list;
  }

  set rules(rules: Rule[]) {
    this.list = rules;
    this.rows = undefined;
  }

  /** Whether the chain has no rule (without making its array). */
  get empty(): boolean {
    return this.list === undefined ? this.rows === undefined || this.rowEnd === this.rowStart : this.list.length === 0;
  }

  /** Starts the chain's rules as row r of `rows` (the chain must be empty). */
  startRows(rows: RuleRows, r: number): void {
    this.list = undefined;
    this.rows = rows;
    this.rowStart = r;
    this.rowEnd = r + 1;
  }
}

/** Whether a chain was declared (`:NAME`, `-N`), without making the span of a declaration read in place. */
export function isDeclared(chain: Chain): boolean {
  return chain instanceof BuiltChain ? chain.declared : chain.declSpan !== undefined;
}

/** A copy of `chain` with other rules (and name). */
export function copyChain(chain: Chain, rules: Rule[], name = chain.name): BuiltChain {
  const c = new BuiltChain(name, chain.builtin, chain.declSpan);
  c.graphIndex = chain.graphIndex ?? -1;
  c.policy = chain.policy;
  c.policySpan = chain.policySpan;
  c.rules = rules;
  // (The copy takes the chain's place in its table's map, whose keys it keeps.)
  if (chain instanceof BuiltChain && name === chain.name) c.keyAt = chain.keyAt;
  return c;
}

/** A chain whose rules are still rows: rule i of the chain is row rowStart + i of rows. */
export type RowChain = BuiltChain & { rows: RuleRows };

/** The chain if its rules are still rows (it has not made its array), else undefined (read chain.rules). */
export function rowsOf(chain: Chain): RowChain | undefined {
  return chain instanceof BuiltChain && chain.rows !== undefined ? (chain as RowChain) : undefined;
}

/** How many rules a chain has, without making the array of a chain still in rows. */
export function ruleCount(chain: Chain): number {
  const rc = rowsOf(chain);
  return rc !== undefined ? rc.rowEnd - rc.rowStart : chain.rules.length;
}
