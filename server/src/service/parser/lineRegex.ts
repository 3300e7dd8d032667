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

let jumpPattern: string | undefined;

/** A -j/-g word naming a chain: a chain name that is no target extension or verdict of any family. */
export function jumpNamePattern(): string {
  jumpPattern ??= `(?!(?:${targetNames()
    .sort((a, b) => b.length - a.length)
    .map(escapeRegex)
    .join('|')})(?:[ \n]|$))${CHAIN}`;
  return jumpPattern;
}

/**
 * The pattern of one value word checked as `spec` (quoted: written in double quotes), or
 * undefined when the type has none. (The word after -A is checked as a chain name: CHAIN.)
 */
export function valuePattern(spec: ArgSpec, family: Family, quoted: boolean): string | undefined {
  if (quoted) {
    if (spec.type !== 'string') return undefined;
    const n = Math.min(
      spec.max ?? Number.POSITIVE_INFINITY,
      spec.truncate ?? Number.POSITIVE_INFINITY,
      MAX_PARAM_LENGTH - 2,
    );
    // No quote, backslash or control character inside; not starting with - or ! (the scanner
    // would refuse such a word), at least one character.
    return `"[^"\\\\\\x00-\\x1f!-][^"\\\\\\x00-\\x1f]{0,${n - 1}}"`;
  }
  switch (spec.type) {
    case 'chain':
      return CHAIN;
    case 'string': {
      const n = Math.min(
        spec.max ?? Number.POSITIVE_INFINITY,
        spec.truncate ?? Number.POSITIVE_INFINITY,
        MAX_PARAM_LENGTH,
      );
      return `${NAME_FIRST}${NAME_REST}{0,${n - 1}}`;
    }
    case 'address':
      return family === 4 ? ADDR4 : undefined;
    case 'address-list':
      return family === 4 ? `${ADDR4}(?:,${ADDR4})*` : undefined;
    case 'port':
    case 'port-range':
      return PORT;
    case 'nat-range':
      return family === 4 ? `${IPV4}(?::${PORT})?` : undefined;
    case 'float':
      return (spec.min ?? 0) <= 0 && (spec.max ?? 1) >= 1 ? '(?:0(?:\\.\\d{1,20})?|1)' : undefined;
    case 'enum': {
      const values = (spec.values ?? []).filter((v) => /^[#-[\]-~]+$/.test(v) && !v.startsWith('-'));
      return values.length ? `(?:${values.map(escapeRegex).join('|')})` : undefined;
    }
    case 'iface':
      return '[0-9A-Za-z_.@:+][0-9A-Za-z_.@:+-]{0,14}';
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
 * The sticky expression matching a line of the shape from where its words start (after any
 * counters) to the line's end (a line break or the end of the text), or undefined when the shape
 * does not qualify: it must start `-A CHAIN`, name a chain target (if any) as its last word, and
 * every value must have a pattern. `jumpName` is the check standing for a -j/-g chain name.
 */
export function lineRegex(shape: ShapeWords, family: Family, jumpName: ArgSpec): RegExp | undefined {
  const { count, kinds, words, checks } = shape;
  if (shape.chainWord !== 1 || kinds[0] !== 2 || (words[0] !== '-A' && words[0] !== '--append')) return undefined;
  if (kinds[1] !== 0) return undefined;
  const t = shape.targetWord;
  if (t >= 0 && kinds[t] !== 2 && (t !== count - 1 || kinds[t] !== 0)) return undefined;
  const parts: string[] = [];
  for (let k = 0; k < count; k++) {
    if (kinds[k] === 2) {
      const w = words[k];
      if (w === undefined) return undefined;
      parts.push(escapeRegex(w));
      continue;
    }
    const check = checks[k];
    if (check === undefined) return undefined;
    const p = check === jumpName ? jumpNamePattern() : valuePattern(check, family, kinds[k] === 1);
    if (p === undefined) return undefined;
    parts.push(p);
  }
  // Ends at a line break or the end of the text: it also reads a line in place in a document.
  return new RegExp(` *${parts.join(' ')}(?=\n|$)`, 'y');
}
