/**
 * Semantic analyses over a parsed document (filled in by the analyses: tables and hooks of
 * targets, chain references, loops, reachability, deprecated forms...).
 */
import type { Diagnostic, ParsedDocument } from '../model';

export function analyze(_doc: ParsedDocument, _text?: string): Diagnostic[] {
  return [];
}
