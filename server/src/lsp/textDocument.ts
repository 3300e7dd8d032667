/**
 * The server's text documents. The editor sends each keystroke as a range change; applying it by
 * cutting and joining the whole text (as the stock TextDocument does) copies the text once per
 * version, which for a 300k-rule ruleset is 50 MB per keystroke. Here the text is kept as pieces:
 * slices of the texts received and the inserted strings, each of which V8 slices without copying.
 * getText() joins them into a string V8 keeps as a rope until something reads its characters,
 * and the language service's one-line edit path reads none (it is told the change, see
 * changeSince). Positions and offsets behave as the stock TextDocument's.
 */
import type { TextDocumentsConfiguration } from 'vscode-languageserver';
import type { Position, Range, TextDocument, TextDocumentContentChangeEvent } from 'vscode-languageserver-textdocument';
import type { TextChange } from '../service/document';
import { lineAt } from '../service/lineSearch';

/** After this many pieces the text is joined into one (one copy per that many changes). */
const MAX_PIECES = 64;
/** How many recorded changes a document keeps for changeSince. */
const MAX_HISTORY = 64;

/** A recorded change: the version it started from, and what it did. */
interface Recorded extends TextChange {
  from: number;
  /** Whether it is the first change of its update (an update may send several). */
  first: boolean;
}

export class PieceTextDocument implements TextDocument {
  readonly uri: string;
  readonly languageId: string;
  version: number;
  private pieces: string[];
  /** Where each piece ends in the text. */
  private ends: number[];
  private joined: string | undefined;
  private lineOffsets: number[] | undefined;
  /** The last changes, oldest first; a full replacement clears it. */
  private history: Recorded[] = [];

  constructor(uri: string, languageId: string, version: number, content: string) {
    this.uri = uri;
    this.languageId = languageId;
    this.version = version;
    this.pieces = [content];
    this.ends = [content.length];
    this.joined = content;
  }

  get lineCount(): number {
    return this.getLineOffsets().length;
  }

  private get length(): number {
    return this.ends.length === 0 ? 0 : this.ends[this.ends.length - 1];
  }

  getText(range?: Range): string {
    if (range) {
      // (Either order, as String.prototype.substring takes them.)
      const a = this.offsetAt(range.start);
      const b = this.offsetAt(range.end);
      return a <= b ? this.slice(a, b) : this.slice(b, a);
    }
    if (this.joined === undefined) {
      let s = '';
      for (const p of this.pieces) s += p;
      this.joined = s;
    }
    return this.joined;
  }

  /** The text between two offsets, built from the pieces that hold it. */
  private slice(start: number, end: number): string {
    if (end <= start) return '';
    let out = '';
    let i = this.pieceAt(start);
    let pieceStart = i === 0 ? 0 : this.ends[i - 1];
    while (i < this.pieces.length && pieceStart < end) {
      const p = this.pieces[i];
      out += p.slice(Math.max(0, start - pieceStart), Math.min(p.length, end - pieceStart));
      pieceStart = this.ends[i];
      i++;
    }
    return out;
  }

  /** Index of the piece holding offset `at` (the last piece for the end of the text). */
  private pieceAt(at: number): number {
    let lo = 0;
    let hi = this.ends.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ends[mid] > at) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private charCodeAt(at: number): number {
    if (at < 0 || at >= this.length) return Number.NaN;
    const i = this.pieceAt(at);
    return this.pieces[i].charCodeAt(at - (i === 0 ? 0 : this.ends[i - 1]));
  }

  /** Replaces the text between two offsets. */
  private replace(start: number, end: number, text: string): void {
    const out: string[] = [];
    let pieceStart = 0;
    for (let i = 0; i < this.pieces.length; i++) {
      const p = this.pieces[i];
      if (pieceStart < start) out.push(this.ends[i] <= start ? p : p.slice(0, start - pieceStart));
      pieceStart = this.ends[i];
    }
    if (text.length > 0) out.push(text);
    pieceStart = 0;
    for (let i = 0; i < this.pieces.length; i++) {
      const p = this.pieces[i];
      if (this.ends[i] > end) out.push(pieceStart >= end ? p : p.slice(end - pieceStart));
      pieceStart = this.ends[i];
    }
    this.joined = undefined;
    // Now and then the pieces are joined into one new string (join copies, so it slices cheaply).
    this.setPieces(out.length > MAX_PIECES ? [out.join('')] : out);
  }

  private setPieces(pieces: string[]): void {
    this.pieces = pieces;
    this.ends = new Array(pieces.length);
    let at = 0;
    for (let i = 0; i < pieces.length; i++) {
      at += pieces[i].length;
      this.ends[i] = at;
    }
  }

  update(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    const from = this.version;
    for (const change of changes) {
      if ('range' in change && change.range !== undefined) {
        const range = wellFormed(change.range);
        const start = this.offsetAt(range.start);
        const end = this.offsetAt(range.end);
        const lineOffsets = this.getLineOffsets();
        // The lines of the offsets (not of the range: a position past the end is clamped).
        const startLine = lineAt(lineOffsets, lineOffsets.length, start);
        const endLine = lineAt(lineOffsets, lineOffsets.length, end);
        this.replace(start, end, change.text);
        this.record({
          from,
          first: changes[0] === change,
          offset: start,
          removed: end - start,
          inserted: change.text,
        });
        const added = computeLineOffsets(change.text, false, start);
        let offsets = lineOffsets;
        if (endLine - startLine === added.length) {
          for (let i = 0; i < added.length; i++) offsets[i + startLine + 1] = added[i];
        } else if (added.length < 10000) {
          offsets.splice(startLine + 1, endLine - startLine, ...added);
        } else {
          // (Too many to pass as arguments.)
          offsets = offsets.slice(0, startLine + 1).concat(added, offsets.slice(endLine + 1));
          this.lineOffsets = offsets;
        }
        const diff = change.text.length - (end - start);
        if (diff !== 0) for (let i = startLine + 1 + added.length; i < offsets.length; i++) offsets[i] += diff;
      } else {
        this.setPieces([change.text]);
        this.joined = change.text;
        this.lineOffsets = undefined;
        this.history = [];
      }
    }
    this.version = version;
  }

  private record(r: Recorded): void {
    this.history.push(r);
    if (this.history.length > MAX_HISTORY) this.history.splice(0, this.history.length - MAX_HISTORY);
  }

  /**
   * The one change that turns the text of `version` into the current text, when the changes
   * since then can be told as one (each inside what the ones before it inserted, as when typing
   * or deleting within one spot); undefined otherwise (or when they are no longer known).
   */
  changeSince(version: number): TextChange | undefined {
    if (version === this.version) return undefined;
    let first = -1;
    for (let i = 0; i < this.history.length; i++) {
      if (this.history[i].from === version) {
        // (The update's first changes may have been dropped from the history already.)
        if (!this.history[i].first) return undefined;
        first = i;
        break;
      }
      if (this.history[i].from > version) return undefined;
    }
    if (first < 0) return undefined;
    return composeChanges(this.history.slice(first));
  }

  private getLineOffsets(): number[] {
    this.lineOffsets ??= computeLineOffsets(this.getText(), true, 0);
    return this.lineOffsets;
  }

  positionAt(offset: number): Position {
    const at = Math.max(Math.min(offset, this.length), 0);
    const lineOffsets = this.getLineOffsets();
    if (lineOffsets.length === 0) return { line: 0, character: at };
    const line = lineAt(lineOffsets, lineOffsets.length, at);
    return { line, character: this.beforeEol(at, lineOffsets[line]) - lineOffsets[line] };
  }

  offsetAt(position: Position): number {
    const lineOffsets = this.getLineOffsets();
    if (position.line >= lineOffsets.length) return this.length;
    if (position.line < 0) return 0;
    const lineOffset = lineOffsets[position.line];
    if (position.character <= 0) return lineOffset;
    const next = position.line + 1 < lineOffsets.length ? lineOffsets[position.line + 1] : this.length;
    return this.beforeEol(Math.min(lineOffset + position.character, next), lineOffset);
  }

  /** `offset` moved back before the line's end-of-line characters. */
  private beforeEol(offset: number, lineOffset: number): number {
    let at = offset;
    while (at > lineOffset && isEol(this.charCodeAt(at - 1))) at--;
    return at;
  }
}

/**
 * The changes (each relative to the text the one before it left) as one change of the first
 * one's text, or undefined when a change reaches outside what the ones before it inserted.
 */
export function composeChanges(changes: readonly TextChange[]): TextChange | undefined {
  if (changes.length === 0) return undefined;
  let acc: TextChange = { offset: changes[0].offset, removed: changes[0].removed, inserted: changes[0].inserted };
  for (let i = 1; i < changes.length; i++) {
    const c = changes[i];
    const at = c.offset - acc.offset;
    if (at < 0 || at + c.removed > acc.inserted.length) return undefined;
    acc = {
      offset: acc.offset,
      removed: acc.removed,
      inserted: acc.inserted.slice(0, at) + c.inserted + acc.inserted.slice(at + c.removed),
    };
  }
  return acc;
}

function isEol(c: number): boolean {
  return c === 13 || c === 10;
}

/** Offsets where lines start in `text` (plus `textOffset`); with the first line's start when `atLineStart`. */
function computeLineOffsets(text: string, atLineStart: boolean, textOffset: number): number[] {
  const out: number[] = atLineStart ? [textOffset] : [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13 || c === 10) {
      if (c === 13 && i + 1 < text.length && text.charCodeAt(i + 1) === 10) i++;
      out.push(textOffset + i + 1);
    }
  }
  return out;
}

function wellFormed(range: Range): Range {
  const { start, end } = range;
  if (start.line > end.line || (start.line === end.line && start.character > end.character)) {
    return { start: end, end: start };
  }
  return range;
}

/** For `new TextDocuments(pieceTextDocuments)`. */
export const pieceTextDocuments: TextDocumentsConfiguration<PieceTextDocument> = {
  create: (uri, languageId, version, content) => new PieceTextDocument(uri, languageId, version, content),
  update: (document, changes, version) => {
    document.update(changes, version);
    return document;
  },
};
