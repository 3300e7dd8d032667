/**
 * Compact implementations of the model's option and target uses for the command parser.
 * Rules are retained by the hundred thousand, so these keep references to the words they were
 * written with and build their spans (`span`, `nameSpan`, `negSpan`) on demand, as plain span
 * objects, instead of storing a span object per range. Consumers see the model's interfaces.
 * (The words are span-shaped themselves, see LineToken, so remapping spans in place still works.)
 */
import type { OptionUse, Span, TargetUse, Token } from '../model';
import type { LineToken } from './restoreTokens';

/**
 * Whether a word is a LineToken (restore input), which has its position as fields; shell words
 * have a `span` object. (A field test, not instanceof: cheaper across transpiled module exports.)
 */
export function isLineToken(t: Token): t is LineToken {
  return (t as Partial<LineToken>).endCharacter !== undefined;
}

/** The range from the start of word `a` to the end of word `b`. */
export function spanFromTokens(a: Token, b: Token): Span {
  if (isLineToken(a) && isLineToken(b)) {
    return { line: a.line, character: a.character, endLine: b.endLine, endCharacter: b.endCharacter };
  }
  const sa = a.span;
  const sb = a === b ? sa : b.span;
  return { line: sa.line, character: sa.character, endLine: sb.endLine, endCharacter: sb.endCharacter };
}

/** First character of a word. */
export function startOf(t: Token): number {
  return isLineToken(t) ? t.character : t.span.character;
}

/** Character after the last one of a word. */
export function endOf(t: Token): number {
  return isLineToken(t) ? t.endCharacter : t.span.endCharacter;
}

/** `[!] --name args...` as parsed (see OptionUse). */
export class ParsedOption implements OptionUse {
  name: string;
  written: string;
  negated: boolean;
  args: Token[];
  value?: unknown;
  /** The option's own word. */
  readonly nameToken: Token;
  /** The `!` word when negated. */
  readonly negToken: Token | undefined;

  constructor(name: string, nameToken: Token, args: Token[], negated: boolean, negToken: Token | undefined) {
    this.name = name;
    this.written = nameToken.text;
    this.negated = negated;
    this.args = args;
    this.value = undefined;
    this.nameToken = nameToken;
    this.negToken = negToken;
  }

  get nameSpan(): Span {
    return this.nameToken.span;
  }

  get negSpan(): Span | undefined {
    return this.negToken?.span;
  }

  get span(): Span {
    const a = this.args;
    return spanFromTokens(this.negToken ?? this.nameToken, a.length > 0 ? a[a.length - 1] : this.nameToken);
  }

  /** First word (the `!` when negated). */
  firstToken(): Token {
    return this.negToken ?? this.nameToken;
  }

  /** Last word (the last argument, else the option's own word). */
  lastToken(): Token {
    const a = this.args;
    return a.length > 0 ? a[a.length - 1] : this.nameToken;
  }
}

/** The rule's target (see TargetUse); `nameSpan` comes from the name word. */
export class ParsedTarget implements TargetUse {
  name: string;
  kind: 'jump' | 'goto';
  span: Span;
  options: OptionUse[];
  isExtension: boolean;
  /** The target's name word (the `-j` word when the name is missing). */
  readonly nameToken: Token;

  constructor(
    name: string,
    kind: 'jump' | 'goto',
    isExtension: boolean,
    optToken: Token,
    nameToken: Token | undefined,
  ) {
    this.name = name;
    this.kind = kind;
    this.span = spanFromTokens(optToken, nameToken ?? optToken);
    this.options = [];
    this.isExtension = isExtension;
    this.nameToken = nameToken ?? optToken;
  }

  get nameSpan(): Span {
    return this.nameToken.span;
  }
}

/**
 * A copy of a model object with some fields replaced, keeping its prototype (a spread would drop
 * the spans these classes compute).
 */
export function withFields<T extends object>(o: T, fields: Partial<T>): T {
  return Object.assign(Object.create(Object.getPrototypeOf(o)) as T, o, fields);
}
