/**
 * Entry point of the language service for a whole document: tells the two input forms apart
 * (iptables-save/restore text versus a shell script of iptables commands), parses with the right
 * parser (incrementally when given the previous parse's cache), and produces all diagnostics.
 */
import { analyze } from './analysis/index';
import { applySuppressions, parseSuppressions, type Suppressions } from './diagnostics/suppress';
import type { Diagnostic, DocumentForm, Family, ParsedDocument } from './model';
import { parseSave, type SaveParseCache } from './parser/save';
import type { TextChange } from './parser/saveEdit';

export type { TextChange };

import { parseShell } from './parser/shell';

export interface DocumentCache {
  form: DocumentForm;
  save?: SaveParseCache;
  /** What the form was detected from (see detectForm) and with which language id. */
  head: string;
  languageId: string | undefined;
  /** The text's suppression comments, once documentDiagnostics has read them (see suppressionsOf). */
  suppressions?: Suppressions;
  /** The text they were read from. */
  text?: string;
}

export interface ParseOptions {
  /** The editor's language id (`iptables`, `shellscript`); decides the form when it is clear. */
  languageId?: string;
  /** File name, for family hints (`rules.v6`, `*.ip6tables-save`). */
  fileName?: string;
  /** Force the family of a save file (otherwise detected). */
  family?: Family;
  /** The previous parse of the same document (incremental path). */
  cache?: DocumentCache;
  /**
   * With `cache`: the one change that turned that parse's text into this one, when the caller
   * knows it (an editor does). A one-line edit is then parsed without reading the rest of the new
   * text. It must be exact; without it the change is found by comparing the texts.
   */
  change?: TextChange;
}

export interface ParseResult extends ParsedDocument {
  cache: DocumentCache;
}

/** A line iptables-restore could read: `*table`, `:CHAIN POLICY`, COMMIT, a rule command. */
const SAVE_LINE = /^(?:\*[a-z]+\s*$|:\S+\s+(?:ACCEPT|DROP|-)\b|COMMIT\s*$|\s*(?:\[\d+:\d+\]\s*)?-[A-Z]\s|\s*--?[a-z])/;
/** An iptables (or iptables-restore) invocation, also split by `\` continuations. */
const INVOCATION =
  /(?:^|[\s;|&(`$/])(?:ip6?tables(?:-legacy|-nft)?(?:-restore)?|\$\{?IPT[A-Za-z0-9_]*\}?)(?:\s|\\\n)+[-<]/m;
/** A `*table` line (also a misspelt one: it still marks restore input). */
const TABLE_LINE = /^\*[A-Za-z_][\w-]*\s*$/m;
/** Signs of a script even when iptables-save text appears in it (here-documents, pasted sessions). */
const SHELL_STRONG =
  /ip6?tables(?:-legacy|-nft)?-restore\b[^\n]*<<|^[^\s@#]+@[^\s:]+:\S*[#$] +(?:sudo +)?ip6?tables(?:-legacy|-nft)? +-/m;

/**
 * Decides whether text is iptables-save/restore input or a shell script: restore input consists
 * of table, chain, rule and COMMIT lines; a script has iptables invocations and other commands.
 */
export function detectForm(text: string, languageId?: string): DocumentForm {
  if (languageId === 'shellscript') return 'shell';
  const head = headOf(text);
  if (SHELL_STRONG.test(head)) return 'shell';
  if (languageId === 'iptables') {
    // A file opened as iptables but clearly a script: it invokes iptables and has no *table.
    // (A shebang alone is not enough: restore input pasted under "#!/bin/bash" is still restore
    // input, and iptables-restore reads it as such.)
    return !TABLE_LINE.test(head) && INVOCATION.test(head) ? 'shell' : 'save';
  }
  let saveLines = 0;
  let otherLines = 0;
  for (const line of head.split('\n')) {
    if (/^\s*(?:#|$)/.test(line)) continue;
    if (SAVE_LINE.test(line)) saveLines++;
    else otherLines++;
  }
  const invokes = INVOCATION.test(head);
  if (!TABLE_LINE.test(head)) return invokes || otherLines > saveLines ? 'shell' : 'save';
  return invokes && otherLines > saveLines ? 'shell' : 'save';
}

/** Family hint from a file name, if it says one. */
export function familyFromFileName(fileName: string | undefined): Family | undefined {
  if (!fileName) return undefined;
  if (/(?:^|[/.])(?:rules\.v6|ip6tables[^/]*)$/i.test(fileName)) return 6;
  if (/(?:^|[/.])(?:rules\.v4|iptables[^/]*)$/i.test(fileName)) return undefined;
  return undefined;
}

/** How much of the text detectForm reads. */
const HEAD = 65536;

/** The part of the text detectForm reads. */
function headOf(text: string): string {
  return text.length > HEAD ? text.slice(0, HEAD) : text;
}

/** Parses a document in whichever form it is written. Never throws on any input. */
export function parseDocument(text: string, options: ParseOptions = {}): ParseResult {
  const prev = options.cache;
  const change = prev ? options.change : undefined;
  const oldLength = prev?.save?.edit?.text.length;
  // The form depends on the head alone: an edit further down keeps it (and skips the regexes).
  // Told where the change is, not even the head of the new text is read.
  const head =
    prev && change && oldLength !== undefined && oldLength > HEAD && text.length > HEAD && change.offset >= HEAD
      ? prev.head
      : headOf(text);
  const form =
    prev && prev.languageId === options.languageId && prev.head === head
      ? prev.form
      : detectForm(text, options.languageId);
  const languageId = options.languageId;
  if (form === 'save') {
    const family = options.family ?? familyFromFileName(options.fileName);
    const r = parseSave(text, { family, cache: prev?.form === 'save' ? prev.save : undefined, change });
    const cache: DocumentCache = { form: 'save', save: r.cache, head, languageId };
    // A one-line edit of a rule line leaves the suppression comments where they were, unless
    // the line ends with a backslash (a next-line suppression then reaches the following line).
    const le = r.cache.lineEdit;
    if (
      le &&
      prev?.suppressions &&
      prev.text !== undefined &&
      prev.text === prev.save?.edit?.text &&
      !le.trailingBackslash
    ) {
      cache.suppressions = prev.suppressions;
      cache.text = text;
    }
    // Not a spread: that would make the commands, which the parse makes on use.
    return {
      form: r.form,
      rulesets: r.rulesets,
      get commands() {
        return r.commands;
      },
      diagnostics: r.diagnostics,
      lineCount: r.lineCount,
      cache,
    };
  }
  const r = parseShell(text, {});
  return { ...r, cache: { form: 'shell', head, languageId } };
}

/** The suppression comments of `text`, read once per parse (and carried over one-line edits). */
function suppressionsOf(doc: ParsedDocument, text: string): Suppressions {
  const cache = (doc as Partial<ParseResult>).cache;
  if (cache?.suppressions && cache.text === text) return cache.suppressions;
  const s = parseSuppressions(text);
  if (cache) {
    cache.suppressions = s;
    cache.text = text;
  }
  return s;
}

/**
 * Parse diagnostics plus every analysis, sorted by position. When an analysis reports the same code
 * at the same place as the parser (e.g. a deprecation with quick-fix data), only the analysis's is
 * kept. With the text, suppression comments (`# iptables-sim-disable...`) are honoured.
 */
export function documentDiagnostics(doc: ParsedDocument, text?: string): Diagnostic[] {
  const analysed = analyze(doc, text);
  const key = (d: Diagnostic) => `${d.code}@${d.span.line}:${d.span.character}`;
  const seen = new Set<string>();
  for (const d of analysed) seen.add(key(d));
  const all = [...doc.diagnostics.filter((d) => !seen.has(key(d))), ...analysed];
  const kept = text === undefined ? all : applySuppressions(all, suppressionsOf(doc, text));
  kept.sort((a, b) => a.span.line - b.span.line || a.span.character - b.span.character);
  return kept;
}

/** Convenience: parse and return all diagnostics. */
export function lintText(text: string, options: ParseOptions = {}): { doc: ParseResult; diagnostics: Diagnostic[] } {
  const doc = parseDocument(text, options);
  return { doc, diagnostics: documentDiagnostics(doc, text) };
}
