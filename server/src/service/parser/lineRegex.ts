/**
 * The fast lane's line patterns. A command shape (shapes.ts) whose every value word has a check
 * this module can write as a regular expression gets one sticky expression for its whole line:
 * the option words verbatim, each value word as a pattern of its argument type. V8 runs it as
 * native code, so a line that matches is split, compared with the shape and has all its values
 * checked in one call, several times faster than splitting its words and checking each.
 *
 * The patterns are deliberately narrow: each accepts only texts that the scanner would split as
 * the shape's words and that the argument type's parser accepts without an error or a note (for
 * example plain decimal IPv4 addresses, single ports, printable chain names). A line they refuse
 * simply goes the word-by-word way, which decides exactly as before; so a pattern may refuse valid
 * text, but must never accept text the checks would not pass. Tests hold each pattern to that
 * with generated words, and compare both lanes on the corpus with damaged values.
 */
import type { Family } from '../model';
import { targetNames } from '../registry/index';
import type { ArgSpec } from '../registry/types';
import { MAX_PARAM_LENGTH } from './restoreTokens';

/** A word character of a name (printable ASCII but blank, `!`, `"` and backslash). */
const NAME_REST = '[#-\\[\\]-~]';
/** The first character of a value word: also not `-` (it would be an option word). */
const NAME_FIRST = '[#-,.-\\[\\]-~]';
/** An IPv4 address part without leading zeros (iptables reads `010` as octal). */
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)';
const IPV4 = `${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}`;
const PREFIX4 = '(?:3[0-2]|[12]\\d|\\d)';
const ADDR4 = `${IPV4}(?:/${PREFIX4})?`;
/** A port number, decimal, 0 to 65535, without leading zeros. */
const PORT = '(?:6553[0-5]|655[0-2]\\d|65[0-4]\\d\\d|6[0-4]\\d{3}|[1-5]\\d{4}|[1-9]\\d{0,3}|0)';
/** Longest chain name (MAX_CHAIN_NAME in argtypes.ts). */
const CHAIN = `${NAME_FIRST}${NAME_REST}{0,27}`;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

let excluded: string | undefined;

/** A lookahead refusing a word that is a target extension or verdict of any family. */
function jumpTargetsExcluded(): string {
  excluded ??= `(?!(?:${targetNames()
    .sort((a, b) => b.length - a.length)
    .map(escapeRegex)
    .join('|')})(?:[ \n]|$))`;
  return excluded;
}

/** A -j/-g word naming a chain: a chain name that is no target extension or verdict of any family. */
export function jumpNamePattern(): string {
  return `${jumpTargetsExcluded()}${CHAIN}`;
}

/**
 * The pattern of one value word checked as `spec` (quoted: written in double quotes), or
 * undefined when the type has none. (The word after -A is checked as a chain name: CHAIN.)
 */
export function valuePattern(spec: ArgSpec, family: Family, quoted: boolean): string | undefined {
  return valuePatterns(spec, family, quoted)?.strict;
}

/**
 * A value word's pattern (`strict`) and, for a word of up to `bound` characters (quotes not
 * counted), a cheaper `loose` one (see LinePatterns): a long counted repetition such as
 * `{0,254}` costs V8 a counter per character, several times what `*` costs.
 */
interface ValuePatterns {
  strict: string;
  loose: string;
  /** Infinity when loose is strict. */
  bound: number;
}

/** Bounds from this length up are left out of the loose patterns (shorter ones cost little). */
const LOOSE_BOUND = 64;

function valuePatterns(spec: ArgSpec, family: Family, quoted: boolean): ValuePatterns | undefined {
  const same = (p: string | undefined): ValuePatterns | undefined =>
    p === undefined ? undefined : { strict: p, loose: p, bound: Number.POSITIVE_INFINITY };
  if (quoted) {
    if (spec.type !== 'string') return undefined;
    const n = Math.min(
      spec.max ?? Number.POSITIVE_INFINITY,
      spec.truncate ?? Number.POSITIVE_INFINITY,
      MAX_PARAM_LENGTH - 2,
    );
    // No quote, backslash or control character inside; not starting with - or ! (the scanner
    // would refuse such a word), at least one character.
    const strict = `"[^"\\\\\\x00-\\x1f!-][^"\\\\\\x00-\\x1f]{0,${n - 1}}"`;
    return n < LOOSE_BOUND ? same(strict) : { strict, loose: '"[^"\\\\\\x00-\\x1f!-][^"\\\\\\x00-\\x1f]*"', bound: n };
  }
  switch (spec.type) {
    case 'chain':
      return same(CHAIN);
    case 'string': {
      const n = Math.min(
        spec.max ?? Number.POSITIVE_INFINITY,
        spec.truncate ?? Number.POSITIVE_INFINITY,
        MAX_PARAM_LENGTH,
      );
      const strict = `${NAME_FIRST}${NAME_REST}{0,${n - 1}}`;
      return n < LOOSE_BOUND ? same(strict) : { strict, loose: `${NAME_FIRST}${NAME_REST}*`, bound: n };
    }
    case 'address':
      return same(family === 4 ? ADDR4 : undefined);
    case 'address-list':
      return same(family === 4 ? `${ADDR4}(?:,${ADDR4})*` : undefined);
    case 'port':
    case 'port-range':
      return same(PORT);
    case 'nat-range':
      return same(family === 4 ? `${IPV4}(?::${PORT})?` : undefined);
    case 'float':
      return same((spec.min ?? 0) <= 0 && (spec.max ?? 1) >= 1 ? '(?:0(?:\\.\\d{1,20})?|1)' : undefined);
    case 'enum': {
      const values = (spec.values ?? []).filter((v) => /^[#-[\]-~]+$/.test(v) && !v.startsWith('-'));
      return same(values.length ? `(?:${values.map(escapeRegex).join('|')})` : undefined);
    }
    case 'iface':
      return same('[0-9A-Za-z_.@:+][0-9A-Za-z_.@:+-]{0,14}');
    default:
      return undefined;
  }
}

/** What lineRegex needs of a shape (see Plan in shapes.ts). */
export interface ShapeWords {
  count: number;
  /** 0 value, 1 quoted value, 2 verbatim. */
  kinds: Uint8Array;
  words: (string | undefined)[];
  checks: (ArgSpec | undefined)[];
  chainWord: number;
  targetWord: number;
}

/**
 * The patterns of a shape's lines (sticky, from where the line's words start, after any counters,
 * to its end: a line break or the end of the text; a match of a line whose last word is a chain
 * target ends where that word starts, the rest of the line matched in a lookahead).
 * - `strict` decides alone: it matches exactly the lines whose words pass their checks.
 * - `loose` is the same without its long counted repetitions: the chain name after -A and a
 *   chain target (the last word) of any length, and each value with a bound of LOOSE_BOUND or
 *   more of any length. It may be used for a line of at most `looseUpTo` characters (from where
 *   its words start), which no such value can then exceed, and only with the chain name and the
 *   target checked for MAX_CHAIN_NAME characters by the caller.
 */
export interface LinePatterns {
  strict: RegExp;
  loose: RegExp;
  looseUpTo: number;
}

/** The chain name (after -A) and a chain target of a loose pattern: any length (the caller checks it). */
const CHAIN_LOOSE = `${NAME_FIRST}${NAME_REST}*`;

/**
 * The patterns of a shape's lines, or undefined when the shape does not qualify: it must start
 * `-A CHAIN`, name a chain target (if any) as its last word, and every value must have a pattern.
 * `jumpName` is the check standing for a -j/-g chain name.
 */
export function lineRegex(shape: ShapeWords, family: Family, jumpName: ArgSpec): LinePatterns | undefined {
  const { count, kinds, words, checks } = shape;
  if (shape.chainWord !== 1 || kinds[0] !== 2 || (words[0] !== '-A' && words[0] !== '--append')) return undefined;
  if (kinds[1] !== 0) return undefined;
  const t = shape.targetWord;
  if (t >= 0 && kinds[t] !== 2 && (t !== count - 1 || kinds[t] !== 0)) return undefined;
  const strict: string[] = [];
  const loose: string[] = [];
  // The characters every line of the shape has besides its values (verbatim words, the blanks
  // between words, quotes), and the least bound of a value the loose pattern leaves unbounded.
  let fixed = count - 1;
  let bound = Number.POSITIVE_INFINITY;
  for (let k = 0; k < count; k++) {
    if (kinds[k] === 2) {
      const w = words[k];
      if (w === undefined) return undefined;
      strict.push(escapeRegex(w));
      loose.push(escapeRegex(w));
      fixed += w.length;
      continue;
    }
    const check = checks[k];
    if (check === undefined) return undefined;
    if (check === jumpName) {
      strict.push(jumpNamePattern());
      loose.push(`${jumpTargetsExcluded()}${CHAIN_LOOSE}`);
      continue;
    }
    const p = valuePatterns(check, family, kinds[k] === 1);
    if (p === undefined) return undefined;
    if (kinds[k] === 1) fixed += 2;
    strict.push(p.strict);
    if (k === 1) loose.push(CHAIN_LOOSE);
    else {
      loose.push(p.loose);
      if (p.bound < bound) bound = p.bound;
    }
  }
  // Each ends at a line break or the end of the text: it also reads a line in place in a document.
  // A chain target (a value: the last word) is matched in a lookahead, so that a match ends where
  // the target starts: the caller finds it there (lastIndex) without looking for the blank before it.
  const whole = (words: string[]) => {
    if (t < 0 || kinds[t] === 2) return new RegExp(` *${words.join(' ')}(?=\n|$)`, 'y');
    const target = words.pop();
    return new RegExp(` *${words.join(' ')} (?=${target}(?=\n|$))`, 'y');
  };
  return {
    strict: whole(strict),
    loose: whole(loose),
    looseUpTo: bound === Number.POSITIVE_INFINITY ? MAX_LINE : fixed + bound,
  };
}

/** Longer than any line a loose pattern is used for when nothing but chain names bounds it. */
const MAX_LINE = 0x3fffffff;
