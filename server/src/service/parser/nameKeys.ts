/**
 * Chain names as numbers, to resolve a whole table's jump targets in one batch (joinNames) rather
 * than one `Map` lookup each. A kube-proxy table has a chain per service and endpoint and a jump to
 * each: looked up one at a time, every lookup reads the map's slots, the key string and the
 * chain at random places of a heap of hundreds of megabytes, and such reads grow slower as the
 * heap grows (they miss the caches and the address translation more often), so a table four times
 * as large took seven to ten times as long. The join reads its numbers in order, and compares them
 * in partitions small enough to stay in the caches.
 *
 * A key is KEY_WORDS numbers: the name's length, then its characters four to a number (each
 * character one byte, so a key is the name's exact characters, not a digest of them). A name
 * longer than MAX_KEYED_NAME or with a character beyond U+00FF has no key (its first number is
 * -1): look it up by its string.
 */

export const KEY_WORDS = 8;
/** The longest name with a key: 7 numbers of 4 characters (iptables allows 28). */
export const MAX_KEYED_NAME = 28;

export class NameKeys {
  /** How many keys there are (key i: words[i * KEY_WORDS .. (i + 1) * KEY_WORDS)). */
  count = 0;
  words: Int32Array;
  hash: Int32Array;
  /**
   * With `doc` (the keys of rows read in place): where each name read in `doc` starts, so that
   * its string is made only when asked for (see name), and the strings of the others.
   */
  private at: Int32Array | undefined;
  private names: (string | undefined)[] | undefined;

  constructor(
    room = 64,
    readonly doc?: string,
  ) {
    this.words = new Int32Array(Math.max(1, room) * KEY_WORDS);
    this.hash = new Int32Array(Math.max(1, room));
    if (doc !== undefined) {
      this.at = new Int32Array(Math.max(1, room));
      this.names = [];
    }
  }

  /**
   * Adds the key of text[a..e) (always a new number, also when it has no key, see keyed). With
   * `doc`, `text` must be it (else addName).
   */
  add(text: string, a: number, e: number): number {
    const i = this.count;
    if (i === this.hash.length) this.grow();
    this.hash[i] = pack(text, a, e, this.words, i * KEY_WORDS);
    this.count = i + 1;
    if (this.at !== undefined) {
      // A name without a key (none to tell its length) keeps its string now.
      if (this.words[i * KEY_WORDS] >= 0) this.at[i] = a;
      else (this.names as (string | undefined)[])[i] = text.slice(a, e);
    }
    return i;
  }

  /** Adds the key of a name at hand as a string (not read in `doc`). */
  addName(name: string): number {
    if (this.at === undefined) return this.add(name, 0, name.length);
    const i = this.count;
    if (i === this.hash.length) this.grow();
    this.hash[i] = pack(name, 0, name.length, this.words, i * KEY_WORDS);
    this.count = i + 1;
    (this.names as (string | undefined)[])[i] = name;
    return i;
  }

  /** The name of key i (of keys made with `doc`): one string per key, made on first use. */
  name(i: number): string {
    const names = this.names as (string | undefined)[];
    let s = names[i];
    if (s === undefined) {
      const a = (this.at as Int32Array)[i];
      s = (this.doc as string).slice(a, a + this.words[i * KEY_WORDS]);
      names[i] = s;
    }
    return s;
  }

  /** Whether key i holds its name (else look the name up by its string). */
  keyed(i: number): boolean {
    return this.words[i * KEY_WORDS] >= 0;
  }

  private grow(): void {
    const words = new Int32Array(this.words.length * 2);
    words.set(this.words);
    this.words = words;
    const hash = new Int32Array(this.hash.length * 2);
    hash.set(this.hash);
    this.hash = hash;
    if (this.at !== undefined) {
      const at = new Int32Array(this.at.length * 2);
      at.set(this.at);
      this.at = at;
    }
  }
}

/**
 * Writes the key of text[a..e) at words[o ..] and returns its hash; the first number is -1 when
 * the name has no key (too long, or a character beyond one byte).
 */
function pack(text: string, a: number, e: number, words: Int32Array, o: number): number {
  const len = e - a;
  if (len > MAX_KEYED_NAME) {
    words[o] = -1;
    return 0;
  }
  words[o] = len;
  let h = Math.imul(len, 0x9e3779b1);
  let wide = 0;
  let j = o + 1;
  let q = a;
  for (; q + 4 <= e; q += 4) {
    const c0 = text.charCodeAt(q);
    const c1 = text.charCodeAt(q + 1);
    const c2 = text.charCodeAt(q + 2);
    const c3 = text.charCodeAt(q + 3);
    wide |= c0 | c1 | c2 | c3;
    const w = c0 | (c1 << 8) | (c2 << 16) | (c3 << 24);
    words[j++] = w;
    h = Math.imul(h ^ w, 0x01000193) ^ (h >>> 17);
  }
  if (q < e) {
    let w = 0;
    for (let shift = 0; q < e; q++, shift += 8) {
      const c = text.charCodeAt(q);
      wide |= c;
      w |= c << shift;
    }
    words[j++] = w;
    h = Math.imul(h ^ w, 0x01000193) ^ (h >>> 17);
  }
  for (const end = o + KEY_WORDS; j < end; j++) words[j] = 0;
  if (wide > 0xff) {
    words[o] = -1;
    return 0;
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** At most about how many names a partition holds: its table and keys (about 350 KB) stay in the caches. */
const PARTITION_NAMES = 8192;
/**
 * Up to this many names a join is not partitioned: its table and keys (about 1.3 MB) stay in the
 * last-level cache, and copying every key into its partition costs more than the misses it saves
 * (an 80k-rule kube-proxy table's 30k chains join in 1.5 ms less unpartitioned; a 320k-rule
 * table's 120k take longer unpartitioned).
 */
const UNPARTITIONED_NAMES = 32768;

/** How many bits of the hash pick a partition for a join of `n` names (0: one partition). */
function partitionBits(n: number): number {
  let bits = 0;
  if (n > UNPARTITIONED_NAMES) while (n >> bits > PARTITION_NAMES && bits < 12) bits++;
  return bits;
}

/**
 * For each key of `targets`: the number of the key of `names` with the same name, or -1 (none,
 * or the target has no key). No two keys of `names` may hold the same name.
 */
export function joinNames(names: NameKeys, targets: NameKeys): Int32Array {
  const n = names.count;
  const m = targets.count;
  const dest = new Int32Array(m).fill(-1);
  if (n === 0 || m === 0) return dest;
  const bits = partitionBits(n);
  if (bits === 0) {
    joinPartition(names.words, names.hash, undefined, 0, n, targets.words, targets.hash, undefined, 0, m, dest);
    return dest;
  }
  // Partition both sides by the hash's top bits, copying each key next to the others of its partition.
  const shift = 32 - bits;
  const parts = 1 << bits;
  const nStart = partitionStarts(names.hash, n, shift, parts);
  const mStart = partitionStarts(targets.hash, m, shift, parts);
  const nOrder = new Int32Array(n);
  const nWords = new Int32Array(n * KEY_WORDS);
  const nHash = new Int32Array(n);
  scatter(names, n, shift, nStart, nOrder, nWords, nHash);
  const mOrder = new Int32Array(m);
  const mWords = new Int32Array(m * KEY_WORDS);
  const mHash = new Int32Array(m);
  scatter(targets, m, shift, mStart, mOrder, mWords, mHash);
  for (let p = 0; p < parts; p++) {
    if (mStart[p] === mStart[p + 1] || nStart[p] === nStart[p + 1]) continue;
    joinPartition(
      nWords,
      nHash,
      nOrder,
      nStart[p],
      nStart[p + 1],
      mWords,
      mHash,
      mOrder,
      mStart[p],
      mStart[p + 1],
      dest,
    );
  }
  return dest;
}

/**
 * The keys from `from` on that hold the same name as an earlier key (from `from` on): pairs of
 * numbers, [the later key, the first key of that name], by the later key's number. One table over
 * all the keys, not partitioned as a join is: a key's words are read only when its hash matches
 * another's (rarely), so the table alone is read at random, and copying the keys into partitions
 * cost more than that (4.2 against 1.6 ms for the 120k names of a 320k-rule table).
 */
export function duplicateKeys(keys: NameKeys, from: number): number[][] {
  const out: number[][] = [];
  const n = keys.count - from;
  if (n < 2) return out;
  const words = keys.words;
  const hash = keys.hash;
  let size = 16;
  while (size < n * 2) size *= 2;
  const mask = size - 1;
  // Slot: 1 + the key's number, 0 empty.
  const slot = new Int32Array(size);
  next: for (let y = from; y < keys.count; y++) {
    const b = y * KEY_WORDS;
    if (words[b] < 0) continue;
    const h = hash[y];
    probe: for (let j = h & mask; ; j = (j + 1) & mask) {
      const v = slot[j];
      if (v === 0) {
        slot[j] = y + 1;
        continue next;
      }
      const x = v - 1;
      if (hash[x] !== h) continue;
      const a = x * KEY_WORDS;
      for (let w = 0; w < KEY_WORDS; w++) if (words[a + w] !== words[b + w]) continue probe;
      out.push([y, x]);
      continue next;
    }
  }
  return out;
}

/** Where each partition starts when keys are ordered by partition (parts + 1 numbers). */
function partitionStarts(hash: Int32Array, count: number, shift: number, parts: number): Int32Array {
  const start = new Int32Array(parts + 1);
  for (let i = 0; i < count; i++) start[(hash[i] >>> shift) + 1]++;
  for (let p = 0; p < parts; p++) start[p + 1] += start[p];
  return start;
}

function scatter(
  keys: NameKeys,
  count: number,
  shift: number,
  start: Int32Array,
  order: Int32Array,
  words: Int32Array,
  hash: Int32Array,
): void {
  const next = start.slice(0, start.length - 1);
  const from = keys.words;
  for (let i = 0; i < count; i++) {
    const h = keys.hash[i];
    const d = next[h >>> shift]++;
    order[d] = i;
    hash[d] = h;
    const a = i * KEY_WORDS;
    const b = d * KEY_WORDS;
    for (let w = 0; w < KEY_WORDS; w++) words[b + w] = from[a + w];
  }
}

/**
 * Joins names [n0, n1) with targets [m0, m1) (in the given arrays; `order` maps a place back to
 * its key number, undefined: the place is the number) through an open-addressed table.
 */
function joinPartition(
  nWords: Int32Array,
  nHash: Int32Array,
  nOrder: Int32Array | undefined,
  n0: number,
  n1: number,
  mWords: Int32Array,
  mHash: Int32Array,
  mOrder: Int32Array | undefined,
  m0: number,
  m1: number,
  dest: Int32Array,
): void {
  let size = 16;
  while (size < (n1 - n0) * 2) size *= 2;
  const mask = size - 1;
  // Slot: 1 + the name's place, 0 empty. Names without a key are left out (nothing matches them).
  const slot = new Int32Array(size);
  for (let x = n0; x < n1; x++) {
    if (nWords[x * KEY_WORDS] < 0) continue;
    let j = nHash[x] & mask;
    while (slot[j] !== 0) j = (j + 1) & mask;
    slot[j] = x + 1;
  }
  next: for (let y = m0; y < m1; y++) {
    const b = y * KEY_WORDS;
    if (mWords[b] < 0) continue;
    const h = mHash[y];
    probe: for (let j = h & mask; ; j = (j + 1) & mask) {
      const v = slot[j];
      if (v === 0) continue next;
      const x = v - 1;
      if (nHash[x] !== h) continue;
      const a = x * KEY_WORDS;
      for (let w = 0; w < KEY_WORDS; w++) if (nWords[a + w] !== mWords[b + w]) continue probe;
      dest[mOrder === undefined ? y : mOrder[y]] = nOrder === undefined ? x : nOrder[x];
      continue next;
    }
  }
}
