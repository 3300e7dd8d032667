/**
 * The server's parse cache: one entry per open document URI, holding the parse of the newest
 * version seen. A new version is parsed with the previous parse's cache, so the save parser
 * reuses the results of unchanged lines (the incremental path), told what changed when the
 * document knows (see textDocument.ts); a settings change that affects parsing drops the reuse.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { type ParseResult, parseDocument } from '../service/document';
import type { Family } from '../service/model';
import { PieceTextDocument } from './textDocument';

/** What a document was parsed with (a different value forces a fresh parse). */
export interface ParseSettings {
  family: 'auto' | Family;
}

interface Entry {
  version: number;
  languageId: string;
  family: 'auto' | Family;
  result: ParseResult;
}

/** Matches text that may hold an iptables command; a shell script without one is not parsed. */
const MENTIONS_IPTABLES = /ip6?tables|\$\{?IPT/;

/** True for a shell script that cannot contain an iptables command (cheap pre-check). */
export function shellWithoutIptables(languageId: string, text: string): boolean {
  return languageId === 'shellscript' && !MENTIONS_IPTABLES.test(text);
}

/** File name (last path segment) of a document URI, for the parser's family hints. */
export function fileNameOf(uri: string): string {
  const path = uri.replace(/[?#].*$/, '');
  const slash = path.lastIndexOf('/');
  let name = slash >= 0 ? path.slice(slash + 1) : path;
  try {
    name = decodeURIComponent(name);
  } catch {
    // A malformed escape: keep the raw name.
  }
  return name;
}

export class ParseCache {
  private readonly entries = new Map<string, Entry>();
  /** Number of parses run (for tests and the status of the incremental path). */
  parses = 0;

  /**
   * The parse of the document's current version, from the cache or parsed now (incrementally
   * when an older version of the same document was parsed with the same settings).
   */
  get(document: TextDocument, settings: ParseSettings): ParseResult {
    const prev = this.entries.get(document.uri);
    if (
      prev &&
      prev.version === document.version &&
      prev.languageId === document.languageId &&
      prev.family === settings.family
    ) {
      return prev.result;
    }
    const reusable = prev && prev.languageId === document.languageId && prev.family === settings.family;
    // What changed since the parsed version, when the document can tell (then a one-line edit of
    // a big file is parsed without reading the new text).
    const change = reusable && document instanceof PieceTextDocument ? document.changeSince(prev.version) : undefined;
    const result = parseDocument(document.getText(), {
      languageId: document.languageId,
      fileName: fileNameOf(document.uri),
      family: settings.family === 'auto' ? undefined : settings.family,
      cache: reusable ? prev.result.cache : undefined,
      change,
    });
    this.parses++;
    this.entries.set(document.uri, {
      version: document.version,
      languageId: document.languageId,
      family: settings.family,
      result,
    });
    return result;
  }

  /** The cached parse of a URI if its version is `version` (no parsing). */
  peek(uri: string, version: number): ParseResult | undefined {
    const e = this.entries.get(uri);
    return e && e.version === version ? e.result : undefined;
  }

  delete(uri: string): void {
    this.entries.delete(uri);
  }

  clear(): void {
    this.entries.clear();
  }
}
