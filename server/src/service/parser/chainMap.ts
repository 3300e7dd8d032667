/**
 * A table's chains by name (Table.chains), which takes the chains declared in place without
 * putting them in the map yet. A kube-proxy table declares a chain per service and endpoint, and
 * putting each in a `Map` as it is declared reads and writes the map's slots at random places:
 * for 120k chains that was a fifth of the parse (the slots miss the processor's caches, more so
 * the larger the map). Nothing in a parse and its analyses needs to find those chains by name:
 * the rules of each chain follow in the order of the declarations (see RulesetBuilder.nextDeclared),
 * the names declared twice are found by their keys (see duplicateKeys), and the jump graph
 * resolves jumps by keys too. So the declared chains wait in a list, in order, and go into the
 * map on the first lookup or change by name (the first hover, simulation or edit).
 *
 * It is a `Map` (the model's type) whose every method answers as if the waiting chains were in
 * it, after the map's own: the waiting chains' names are distinct from each other (the builder
 * settles names declared twice before the table is read) and from the map's (a chain is made to
 * wait only when the map has no chain of its name).
 */
import type { Chain } from '../model';
import type { NameKeys } from './nameKeys';

export class ChainMap extends Map<string, Chain> {
  /** The chains declared after the map's, in order, not in the map yet. */
  private waiting: Chain[] = [];
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

  /** Adds a chain after the others without putting it in the map; the map must have no chain of its name. */
  defer(chain: Chain): void {
    this.waiting.push(chain);
  }

  /** The waiting chains, in order. */
  get deferred(): readonly Chain[] {
    return this.waiting;
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

  /** Leaves the given waiting chains out (names declared twice). */
  drop(chains: ReadonlySet<Chain>): void {
    this.waiting = this.waiting.filter((c) => !chains.has(c));
  }

  private flush(): void {
    const list = this.waiting;
    this.waiting = [];
    if (list.length > 0) this.users = true;
    ChainMap.flushes++;
    for (let i = 0; i < list.length; i++) {
      const c = list[i];
      const first = super.get(c.name);
      if (first === undefined) super.set(c.name, c);
      else this.onDuplicate?.(first, c);
    }
  }

  override get(name: string): Chain | undefined {
    if (this.waiting.length !== 0) this.flush();
    return super.get(name);
  }

  override has(name: string): boolean {
    if (this.waiting.length !== 0) this.flush();
    return super.has(name);
  }

  override set(name: string, chain: Chain): this {
    if (this.waiting.length !== 0) this.flush();
    if (!chain.builtin) this.users = true;
    return super.set(name, chain);
  }

  override delete(name: string): boolean {
    if (this.waiting.length !== 0) this.flush();
    return super.delete(name);
  }

  override clear(): void {
    this.waiting = [];
    this.users = false;
    super.clear();
  }

  override get size(): number {
    return super.size + this.waiting.length;
  }

  override forEach(fn: (chain: Chain, name: string, map: Map<string, Chain>) => void, thisArg?: unknown): void {
    const list = this.waiting;
    super.forEach(fn, thisArg);
    // Put in the map meanwhile (fn looked a name up): the map's iteration visited them.
    if (this.waiting !== list) return;
    for (let i = 0; i < list.length; i++) fn.call(thisArg, list[i], list[i].name, this);
  }

  // With chains waiting, the iterators go over a list of all the chains made when called (a
  // generator costs tens of nanoseconds a chain; a lookup meanwhile puts the waiting chains in
  // the map without changing what is visited).
  override entries(): MapIterator<[string, Chain]> {
    if (this.waiting.length === 0) return super.entries();
    const all: [string, Chain][] = [];
    super.forEach((c, n) => {
      all.push([n, c]);
    });
    for (const c of this.waiting) all.push([c.name, c]);
    return all.values();
  }

  override keys(): MapIterator<string> {
    if (this.waiting.length === 0) return super.keys();
    const all: string[] = [];
    super.forEach((_c, n) => {
      all.push(n);
    });
    for (const c of this.waiting) all.push(c.name);
    return all.values();
  }

  override values(): MapIterator<Chain> {
    if (this.waiting.length === 0) return super.values();
    const all: Chain[] = [];
    super.forEach((c) => {
      all.push(c);
    });
    for (const c of this.waiting) all.push(c);
    return all.values();
  }

  override [Symbol.iterator](): MapIterator<[string, Chain]> {
    return this.entries();
  }
}
