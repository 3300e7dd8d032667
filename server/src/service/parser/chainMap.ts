/**
 * A table's chains by name (Table.chains), which takes the chains declared in place without
 * putting them in the map yet, nor even making their objects. A kube-proxy table declares a
 * chain per service and endpoint, and putting each in a `Map` as it is declared reads and writes
 * the map's slots at random places:
 * for 120k chains that was a fifth of the parse (the slots miss the processor's caches, more so
 * the larger the map). Nothing in a parse and its analyses needs to find those chains by name:
 * the rules of each chain follow in the order of the declarations (see RulesetBuilder.nextDeclared),
 * the names declared twice are found by their keys (see duplicateKeys), and the jump graph
 * resolves jumps by keys too. So the declared chains wait, in order, and go into the map on the
 * first lookup or change by name (the first hover, simulation or edit).
 *
 * A waiting chain is a row of columns (DeclaredChains) until something asks for it as an object.
 * Tens of thousands of chain objects made by a parse and kept by its result were what V8's young
 * generation collector copied most: twice each in a parse of more than 16 MB of allocation (a
 * kube-proxy table of 320k rules), as they survive two collections. The jump graph and the
 * analyses read a table's chains by number through a ChainList, from the columns while a chain
 * has no object, so a parse and its analyses make objects only for the chains they report on.
 *
 * It is a `Map` (the model's type) whose every method answers as if the waiting chains were in
 * it, after the map's own: the waiting chains' names are distinct from each other (the builder
 * settles names declared twice before the table is read) and from the map's (a chain is made to
 * wait only when the map has no chain of its name).
 */
import type { Chain, Rule } from '../model';
import { BuiltChain, type DeclAt, isDeclared, rowsOf } from './chain';
import type { RuleRows } from './fastRule';
import type { NameKeys } from './nameKeys';

/**
 * The chains declared in place in a table (see ChainMap), in order, as columns: entry i is the
 * chain named doc[nameAt[i] .. nameAt[i] + nameLen[i]), declared where declAt[i] tells, whose
 * name has key keyAt[i] in the table's ChainMap.declKeys (-1: none), whose rules are
 * rows[rowStart[i] .. rowEnd[i]) of `rows` (none when equal). Its BuiltChain is made on first use
 * (chain(i)) and is from then on the entry's truth (an entry may also be made from the start, see
 * addChain); `made[i]` holds it. Not even the name's string is made before (see name).
 */
export class DeclaredChains {
  length = 0;
  /** The text the names were read in. */
  doc = '';
  readonly made: (BuiltChain | undefined)[] = [];
  nameAt = new Int32Array(64);
  nameLen = new Int32Array(64);
  declAt = new Int32Array(64);
  keyAt = new Int32Array(64);
  rowStart = new Int32Array(64);
  rowEnd = new Int32Array(64);
  /** The rows of every entry's rules (one table section's: a chain's rules elsewhere make it an object). */
  rows: RuleRows | undefined = undefined;
  /**
   * The number the jump graph gave entry 0 less than the numbers it gave the others (entry i's
   * is graphOffset + i; undefined: not numbered), which a chain made later takes as its graphIndex.
   */
  graphOffset: number | undefined = undefined;
  /** How many entries had their objects made (for tests: a clean parse and its analyses make few). */
  static madeCount = 0;

  /** Adds a chain named doc[nameAt .. nameAt + nameLen), without an object; its number. */
  add(doc: string, nameAt: number, nameLen: number, at: DeclAt, key: number): number {
    const i = this.length;
    if (i === this.declAt.length) this.grow();
    this.doc = doc;
    this.made.push(undefined);
    this.nameAt[i] = nameAt;
    this.nameLen[i] = nameLen;
    this.declAt[i] = at;
    this.keyAt[i] = key;
    this.rowStart[i] = 0;
    this.rowEnd[i] = 0;
    this.length = i + 1;
    return i;
  }

  /** Adds a chain made already; its number. */
  addChain(chain: Chain): number {
    const i = this.add(this.doc, 0, 0, 0, chain instanceof BuiltChain ? chain.keyAt : -1);
    this.made[i] = chain as BuiltChain;
    return i;
  }

  private grow(): void {
    const n = this.declAt.length * 2;
    const widen = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    this.nameAt = widen(this.nameAt);
    this.nameLen = widen(this.nameLen);
    this.declAt = widen(this.declAt);
    this.keyAt = widen(this.keyAt);
    this.rowStart = widen(this.rowStart);
    this.rowEnd = widen(this.rowEnd);
  }

  /** Entry i's chain, made on first use. */
  chain(i: number): BuiltChain {
    const had = this.made[i];
    if (had !== undefined) return had;
    const c = new BuiltChain(this.name(i), false, undefined);
    c.declaredAt(this.declAt[i]);
    c.keyAt = this.keyAt[i];
    if (this.rowEnd[i] > this.rowStart[i]) {
      c.startRows(this.rows as RuleRows, this.rowStart[i]);
      c.rowEnd = this.rowEnd[i];
    }
    if (this.graphOffset !== undefined) c.graphIndex = this.graphOffset + i;
    this.made[i] = c;
    DeclaredChains.madeCount++;
    return c;
  }

  /** Entry i's name (a new string each time while it has no object: ask for it only to use it). */
  name(i: number): string {
    const c = this.made[i];
    return c !== undefined ? c.name : this.doc.slice(this.nameAt[i], this.nameAt[i] + this.nameLen[i]);
  }

  /** How long entry i's name is. */
  nameLength(i: number): number {
    const c = this.made[i];
    return c !== undefined ? c.name.length : this.nameLen[i];
  }

  /** Whether entry i is named `name`. */
  named(i: number, name: string): boolean {
    const c = this.made[i];
    if (c !== undefined) return c.name === name;
    return this.nameLen[i] === name.length && this.doc.startsWith(name, this.nameAt[i]);
  }

  /** Whether entry i is row r's chain (see RuleRows.chainIs). */
  isChainOf(i: number, rows: RuleRows, r: number): boolean {
    const c = this.made[i];
    if (c !== undefined) return rows.chainOf(r) === c.name;
    return rows.chainIs(r, this.doc, this.nameAt[i], this.nameLen[i]);
  }

  /** Entry i's name key (see keyAt). */
  key(i: number): number {
    const c = this.made[i];
    return c === undefined ? this.keyAt[i] : c.keyAt;
  }

  /**
   * Starts entry i's rules as row r of `rows`, if it has no object and no rule, and the entries'
   * rows are `rows` or none yet (else false: then use its object).
   */
  startRows(i: number, rows: RuleRows, r: number): boolean {
    if (this.made[i] !== undefined || this.rowEnd[i] !== this.rowStart[i]) return false;
    if (this.rows !== rows) {
      if (this.rows !== undefined) return false;
      this.rows = rows;
    }
    this.rowStart[i] = r;
    this.rowEnd[i] = r + 1;
    return true;
  }

  /** Takes row r of `rows` as entry i's next rule if its rules end just before it (else false). */
  extendRows(i: number, rows: RuleRows, r: number): boolean {
    if (this.made[i] !== undefined || this.rows !== rows || this.rowEnd[i] !== r) return false;
    this.rowEnd[i] = r + 1;
    return true;
  }

  /** Leaves out the entries `drop` holds, from `from` on (while building: numbers after them shift). */
  dropEntries(from: number, drop: ReadonlySet<number>): void {
    let w = from;
    for (let i = from; i < this.length; i++) {
      if (drop.has(i)) continue;
      this.made[w] = this.made[i];
      this.nameAt[w] = this.nameAt[i];
      this.nameLen[w] = this.nameLen[i];
      this.declAt[w] = this.declAt[i];
      this.keyAt[w] = this.keyAt[i];
      this.rowStart[w] = this.rowStart[i];
      this.rowEnd[w] = this.rowEnd[i];
      w++;
    }
    this.made.length = w;
    this.length = w;
  }
}

/**
 * A table's chains by number, in the table's order, as the jump graph and the analyses read them:
 * the map's own chains, then the waiting ones (entries [from, from + length - own.length) of
 * a DeclaredChains), which are read from their columns until something asks for their objects
 * (at). The numbers stay those of the table when the list was made.
 */
export class ChainList {
  readonly length: number;

  constructor(
    private readonly own: readonly Chain[],
    private readonly store: DeclaredChains | undefined = undefined,
    private readonly from = 0,
    to = from,
  ) {
    this.length = own.length + to - from;
  }

  /** The list of `chains`. */
  static of(chains: readonly Chain[]): ChainList {
    return new ChainList(chains);
  }

  /** Entry of chain k in the store if it has no object, else -1. */
  private entry(k: number): number {
    const own = this.own.length;
    if (k < own) return -1;
    const e = this.from + k - own;
    return (this.store as DeclaredChains).made[e] === undefined ? e : -1;
  }

  /** Chain k (made if it had no object yet). */
  at(k: number): Chain {
    const own = this.own.length;
    return k < own ? this.own[k] : (this.store as DeclaredChains).chain(this.from + k - own);
  }

  /** Chain k's name (while it has no object, a new string each time: ask for it only to use it). */
  name(k: number): string {
    const e = this.entry(k);
    return e < 0 ? this.at(k).name : (this.store as DeclaredChains).name(e);
  }

  /** How long chain k's name is. */
  nameLength(k: number): number {
    const e = this.entry(k);
    return e < 0 ? this.at(k).name.length : (this.store as DeclaredChains).nameLen[e];
  }

  /** The code of the first character of chain k's name (NaN for an empty name). */
  nameStart(k: number): number {
    const e = this.entry(k);
    if (e < 0) return this.at(k).name.charCodeAt(0);
    const s = this.store as DeclaredChains;
    return s.nameLen[e] === 0 ? Number.NaN : s.doc.charCodeAt(s.nameAt[e]);
  }

  builtin(k: number): boolean {
    return this.entry(k) < 0 && this.at(k).builtin;
  }

  /** Whether chain k was declared (`:NAME`, `-N`). */
  declared(k: number): boolean {
    return this.entry(k) >= 0 || isDeclared(this.at(k));
  }

  /** The key of chain k's name among the table's declarations (see BuiltChain.keyAt), or -1. */
  keyAt(k: number): number {
    const e = this.entry(k);
    if (e >= 0) return (this.store as DeclaredChains).keyAt[e];
    const c = this.at(k);
    return c instanceof BuiltChain ? c.keyAt : -1;
  }

  /** The rows of chain k's rules while it has no array of rules (see rowsOf), else undefined. */
  rows(k: number): RuleRows | undefined {
    const e = this.entry(k);
    if (e < 0) return rowsOf(this.at(k))?.rows;
    const s = this.store as DeclaredChains;
    return s.rowEnd[e] > s.rowStart[e] ? s.rows : undefined;
  }

  /** The first of chain k's rows (see rows). */
  rowStart(k: number): number {
    const e = this.entry(k);
    return e < 0 ? (rowsOf(this.at(k))?.rowStart ?? 0) : (this.store as DeclaredChains).rowStart[e];
  }

  /** How many rules chain k has (without making its array of rules). */
  ruleCount(k: number): number {
    const e = this.entry(k);
    if (e >= 0) return (this.store as DeclaredChains).rowEnd[e] - (this.store as DeclaredChains).rowStart[e];
    const c = this.at(k);
    const rc = rowsOf(c);
    return rc !== undefined ? rc.rowEnd - rc.rowStart : c.rules.length;
  }

  /** Chain k's rules as an array (made if it was still in rows). */
  rules(k: number): Rule[] {
    return this.at(k).rules;
  }

  /** Whether chain k of this list and of `other` are the same chain (objects made only if needed). */
  same(k: number, other: ChainList): boolean {
    if (k >= other.length) return false;
    const e = this.entry(k);
    if (e >= 0 && this.store === other.store && other.entry(k) === e) return true;
    return this.at(k) === other.at(k);
  }

  /** Numbers the chains as the jump graph does: chain k's graphIndex is k (the store's entries too). */
  number(): void {
    const own = this.own.length;
    for (let k = 0; k < own; k++) this.own[k].graphIndex = k;
    const s = this.store;
    if (s === undefined) return;
    s.graphOffset = own - this.from;
    for (let k = own; k < this.length; k++) {
      const c = s.made[this.from + k - own];
      if (c !== undefined) c.graphIndex = k;
    }
  }
}

/** The chains of a table's map by number (see ChainList). */
export function chainList(chains: Map<string, Chain>): ChainList {
  if (chains instanceof ChainMap) return chains.list();
  return ChainList.of([...chains.values()]);
}

export class ChainMap extends Map<string, Chain> {
  /** The chains declared in place, in order; those from `from` on wait, not in the map yet. */
  readonly store = new DeclaredChains();
  private from = 0;
  /** The list of the chains (see list), until the map changes. */
  private listed: ChainList | undefined = undefined;
  /**
   * Told, while the waiting chains may hold a name twice (before the builder settles them), of a
   * waiting chain whose name the map has when it is put in (then it is left out).
   */
  onDuplicate: ((first: Chain, second: Chain) => void) | undefined = undefined;
  /** Whether the map has a chain that is not built in (put in by set, or waiting chains put in). */
  private users = false;
  /**
   * The keys of the names declared in place in this table, in order (see BuiltChain.keyAt), or
   * undefined (none, or they were made twice for the table: then no chain's keyAt is read).
   */
  declKeys: NameKeys | undefined = undefined;
  private keysMade = false;

  /** Takes the keys the names declared in place from now on are keyed in. */
  keysOfDeclarations(keys: NameKeys): void {
    this.declKeys = this.keysMade ? undefined : keys;
    this.keysMade = true;
  }

  /** How many times waiting chains were put in a map (for tests: a parse and its analyses put none). */
  static flushes = 0;

  /**
   * Adds a chain made already after the others without putting it in the map; the map must have
   * no chain of its name. (The parser's chains wait as columns, see declare; this is the same
   * waiting for an object, which the map's tests use.)
   */
  defer(chain: Chain): void {
    this.listed = undefined;
    this.store.addChain(chain);
  }

  /**
   * Adds a user chain named doc[nameAt .. nameAt + nameLen), declared in place where `at` tells,
   * its name's key `key`, after the others, with no object (see DeclaredChains); the map must have
   * no chain of its name. Its entry number.
   */
  declare(doc: string, nameAt: number, nameLen: number, at: DeclAt, key: number): number {
    this.listed = undefined;
    return this.store.add(doc, nameAt, nameLen, at, key);
  }

  /** Whether the map has a chain that is not built in (see peekUser). */
  get hasUsers(): boolean {
    return this.users;
  }

  /** The first waiting entry (the waiting chains are the store's entries from it on). */
  get firstWaiting(): number {
    return this.from;
  }

  /** The waiting chains, in order (their objects made). */
  get deferred(): readonly Chain[] {
    const out: Chain[] = [];
    for (let i = this.from; i < this.store.length; i++) out.push(this.store.chain(i));
    return out;
  }

  /** The chains by number, in the map's order (see ChainList); the same list until the map changes. */
  list(): ChainList {
    if (this.listed !== undefined) return this.listed;
    const own: Chain[] = [];
    super.forEach((c) => {
      own.push(c);
    });
    this.listed = new ChainList(own, this.store, this.from, this.store.length);
    return this.listed;
  }

  /**
   * The map's chain of this name, which is not a built-in chain's, not looking at the waiting
   * chains (so not putting them in). While the map holds built-in chains only, that is none,
   * without hashing the name.
   */
  peekUser(name: string): Chain | undefined {
    return this.users ? this.peek(name) : undefined;
  }

  /** The map's chain of this name, not looking at the waiting chains (so not putting them in). */
  peek(name: string): Chain | undefined {
    return super.get(name);
  }

  /** Leaves the given waiting entries out (names declared twice), while building: later entries are renumbered. */
  drop(entries: ReadonlySet<number>): void {
    this.listed = undefined;
    this.store.dropEntries(this.from, entries);
  }

  private flush(): void {
    const s = this.store;
    const from = this.from;
    const to = s.length;
    this.from = to;
    this.listed = undefined;
    if (to > from) this.users = true;
    ChainMap.flushes++;
    const told = this.onDuplicate;
    for (let i = from; i < to; i++) {
      const c = s.chain(i);
      // (Once the builder settled the names declared twice, none is the map's: no need to look.)
      const first = told === undefined ? undefined : super.get(c.name);
      if (first === undefined) super.set(c.name, c);
      else told?.(first, c);
    }
  }

  private get waiting(): number {
    return this.store.length - this.from;
  }

  override get(name: string): Chain | undefined {
    if (this.waiting !== 0) this.flush();
    return super.get(name);
  }

  override has(name: string): boolean {
    if (this.waiting !== 0) this.flush();
    return super.has(name);
  }

  override set(name: string, chain: Chain): this {
    if (this.waiting !== 0) this.flush();
    this.listed = undefined;
    if (!chain.builtin) this.users = true;
    return super.set(name, chain);
  }

  override delete(name: string): boolean {
    if (this.waiting !== 0) this.flush();
    this.listed = undefined;
    return super.delete(name);
  }

  override clear(): void {
    this.from = this.store.length;
    this.listed = undefined;
    this.users = false;
    super.clear();
  }

  override get size(): number {
    return super.size + this.waiting;
  }

  override forEach(fn: (chain: Chain, name: string, map: Map<string, Chain>) => void, thisArg?: unknown): void {
    const from = this.from;
    const to = this.store.length;
    super.forEach(fn, thisArg);
    // Put in the map meanwhile (fn looked a name up): the map's iteration visited them.
    if (this.from !== from) return;
    for (let i = from; i < to; i++) {
      const c = this.store.chain(i);
      fn.call(thisArg, c, c.name, this);
    }
  }

  // With chains waiting, the iterators go over a list of all the chains made when called (a
  // generator costs tens of nanoseconds a chain; a lookup meanwhile puts the waiting chains in
  // the map without changing what is visited).
  override entries(): MapIterator<[string, Chain]> {
    if (this.waiting === 0) return super.entries();
    const all: [string, Chain][] = [];
    this.forEach((c, n) => {
      all.push([n, c]);
    });
    return all.values();
  }

  override keys(): MapIterator<string> {
    if (this.waiting === 0) return super.keys();
    const all: string[] = [];
    this.forEach((_c, n) => {
      all.push(n);
    });
    return all.values();
  }

  override values(): MapIterator<Chain> {
    if (this.waiting === 0) return super.values();
    const all: Chain[] = [];
    this.forEach((c) => {
      all.push(c);
    });
    return all.values();
  }

  override [Symbol.iterator](): MapIterator<[string, Chain]> {
    return this.entries();
  }
}
