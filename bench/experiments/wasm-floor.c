/*
 * The lower-bound pass of bench/floor.ts written in C for WebAssembly (clang --target=wasm32
 * -msimd128), to measure how far a parser core outside JavaScript would move that bound. Same
 * work, same counts: split lines and words (16-byte SIMD search for newline, blank and quote),
 * hash each rule line's shape, resolve the chain each rule appends to and the chain it jumps or
 * goes to against the chains its table declared (own open-addressing table over the text's
 * bytes), record line start, shape, chain and target per rule. No value checks, no model, no
 * analyses. Run by wasm-floor.mjs; not part of the product.
 */
#include <wasm_simd128.h>

typedef unsigned int u32;
typedef unsigned char u8;

extern u8 __heap_base;

#define MAX_RULES (1 << 21)
static int lineStart[MAX_RULES], shapeOf[MAX_RULES], chainOf[MAX_RULES], targetOf[MAX_RULES];

/* Chains of the current table by name: open addressing, name = (position, length) in the text. */
#define CHAIN_SLOTS (1 << 20)
static int slotPos[CHAIN_SLOTS], slotLen[CHAIN_SLOTS], slotId[CHAIN_SLOTS];
static u32 slotHash[CHAIN_SLOTS];
static int usedSlots[CHAIN_SLOTS], nUsed;

#define SHAPE_SLOTS (1 << 12)
static u32 shapeKey[SHAPE_SLOTS];
static int shapeId[SHAPE_SLOTS], shapeUsed[SHAPE_SLOTS];

static int nRules, nJumps, nShapes, nChains;
static u8 *text;

/* Room for n bytes of input (the memory grows as needed); JS writes the text there. */
u8 *input(u32 n) {
  text = &__heap_base;
  u32 have = __builtin_wasm_memory_size(0) * 65536u;
  u32 need = (u32)(text - (u8 *)0) + n + 16;
  if (need > have) __builtin_wasm_memory_grow(0, (need - have + 65535) / 65536);
  return text;
}

/* First index in [i, end) holding c, or end. */
static u32 findByte(const u8 *t, u32 i, u32 end, u8 c) {
  v128_t needle = wasm_i8x16_splat((char)c);
  while (i + 16 <= end) {
    int m = wasm_i8x16_bitmask(wasm_i8x16_eq(wasm_v128_load(t + i), needle));
    if (m) return i + __builtin_ctz(m);
    i += 16;
  }
  while (i < end && t[i] != c) i++;
  return i;
}

static u32 hashOf(const u8 *s, int len) {
  u32 h = 2166136261u;
  for (int i = 0; i < len; i++) h = (h ^ s[i]) * 16777619u;
  return h;
}

static int same(const u8 *a, const u8 *b, int len) {
  for (int i = 0; i < len; i++)
    if (a[i] != b[i]) return 0;
  return 1;
}

static int findChain(const u8 *t, int pos, int len) {
  u32 h = hashOf(t + pos, len);
  u32 i = h & (CHAIN_SLOTS - 1);
  while (slotLen[i]) {
    if (slotHash[i] == h && slotLen[i] == len && same(t + slotPos[i], t + pos, len)) return slotId[i];
    i = (i + 1) & (CHAIN_SLOTS - 1);
  }
  return -1;
}

static void addChain(const u8 *t, int pos, int len, int id) {
  u32 h = hashOf(t + pos, len);
  u32 i = h & (CHAIN_SLOTS - 1);
  while (slotLen[i]) i = (i + 1) & (CHAIN_SLOTS - 1);
  slotHash[i] = h;
  slotPos[i] = pos;
  slotLen[i] = len;
  slotId[i] = id;
  usedSlots[nUsed++] = i;
}

static void forgetChains(void) {
  for (int i = 0; i < nUsed; i++) slotLen[usedSlots[i]] = 0;
  nUsed = 0;
}

/* One pass over the n bytes at input(n); returns the number of rules, or -1 past the limits. */
int run(u32 n) {
  const u8 *t = text;
  nRules = nJumps = nShapes = nChains = 0;
  forgetChains();
  for (int i = 0; i < SHAPE_SLOTS; i++) shapeUsed[i] = 0;
  int lastChainPos = -1, lastChainLen = 0, lastChainId = -1;
  int lastTargetPos = -1, lastTargetLen = 0, lastTargetId = -1;
  for (u32 at = 0; at < n;) {
    u32 end = findByte(t, at, n, '\n');
    u8 first = t[at];
    if (first == '*') {
      forgetChains();
      lastChainPos = lastTargetPos = -1;
    } else if (first == ':') {
      u32 sp = findByte(t, at + 1, end, ' ');
      if (nUsed >= CHAIN_SLOTS / 2) return -1;
      addChain(t, at + 1, sp - at - 1, nChains++);
    } else if (first == '-' || first == '[') {
      if (nRules == MAX_RULES) return -1;
      u32 i = at;
      if (first == '[') i = findByte(t, at, end, ' ') + 1;
      u32 h = 2166136261u;
      int words = 0, after = 0;
      int chainAt = -1, chainEnd = -1, targetAt = -1, targetEnd = -1;
      while (i < end) {
        if (t[i] == ' ') {
          i++;
          continue;
        }
        u32 s = i, e;
        if (t[s] == '"') {
          e = findByte(t, s + 1, end, '"');
          e = e < end ? e + 1 : end;
          h = (h ^ 257u) * 16777619u;
        } else {
          e = findByte(t, s, end, ' ');
          if (t[s] == '-' && e - s > 1) {
            u8 c1 = t[s + 1];
            h = (h ^ ((e - s) | ((u32)c1 << 8) | ((u32)t[e - 1] << 16))) * 16777619u;
            after = e - s == 2 ? (c1 == 'A' ? 1 : (c1 == 'j' || c1 == 'g') ? 2 : 0) : 0;
            words++;
            i = e;
            continue;
          }
          h = (h ^ 259u) * 16777619u;
        }
        if (after == 1) {
          chainAt = s;
          chainEnd = e;
        } else if (after == 2) {
          targetAt = s;
          targetEnd = e;
        }
        after = 0;
        words++;
        i = e;
      }
      h = (h ^ (u32)words) * 16777619u;
      u32 k = h & (SHAPE_SLOTS - 1);
      int shape;
      for (;;) {
        if (!shapeUsed[k]) {
          shapeUsed[k] = 1;
          shapeKey[k] = h;
          shapeId[k] = shape = nShapes++;
          break;
        }
        if (shapeKey[k] == h) {
          shape = shapeId[k];
          break;
        }
        k = (k + 1) & (SHAPE_SLOTS - 1);
      }
      int chain = -1, target = -1;
      if (chainAt >= 0) {
        int len = chainEnd - chainAt;
        if (lastChainPos >= 0 && len == lastChainLen && same(t + lastChainPos, t + chainAt, len)) chain = lastChainId;
        else {
          chain = findChain(t, chainAt, len);
          lastChainPos = chainAt;
          lastChainLen = len;
          lastChainId = chain;
        }
      }
      if (targetAt >= 0) {
        int len = targetEnd - targetAt;
        if (lastTargetPos >= 0 && len == lastTargetLen && same(t + lastTargetPos, t + targetAt, len))
          target = lastTargetId;
        else {
          target = findChain(t, targetAt, len);
          lastTargetPos = targetAt;
          lastTargetLen = len;
          lastTargetId = target;
        }
      }
      if (target >= 0) nJumps++;
      lineStart[nRules] = at;
      shapeOf[nRules] = shape;
      chainOf[nRules] = chain;
      targetOf[nRules] = target;
      nRules++;
    }
    at = end + 1;
  }
  return nRules;
}

int rules(void) { return nRules; }
int chainJumps(void) { return nJumps; }
int chains(void) { return nChains; }
int shapes(void) { return nShapes; }
