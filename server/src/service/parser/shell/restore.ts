/**
 * `iptables-restore <<EOF` in scripts: turns a here-document body into the text
 * iptables-restore would read (expanding variables for unquoted delimiters, dropping tabs for
 * `<<-`), parses it with the save parser, and maps every span of the result back to the script.
 */
import type { Command, Diagnostic, Family, OptionUse, Rule, Span } from '../../model';
import { parseSave, type SaveParseResult } from '../save';
import { type ExpandHost, partValue, type UnknownRegion } from './expand';
import { type Heredoc, lexHeredocBody } from './lexer';
import type { LineIndex } from './positions';

/** Restore input with, for each character, the script range it came from. */
export interface RestoreInput {
  text: string;
  srcStart: Int32Array;
  srcEnd: Int32Array;
  unknown: UnknownRegion[];
}

/** The text a here-document feeds to its command, with its source mapping. */
export function heredocInput(host: ExpandHost, h: Heredoc): RestoreInput {
  const parts = lexHeredocBody(host.src, h);
  let text = '';
  const starts: number[] = [];
  const ends: number[] = [];
  const unknown: UnknownRegion[] = [];
  const emit = (s: string, st: number, en: number, oneToOne: boolean) => {
    text += s;
    for (let k = 0; k < s.length; k++) {
      starts.push(oneToOne ? st + k : st);
      ends.push(oneToOne ? st + k + 1 : en);
    }
  };
  for (const p of parts) {
    if (p.k === 'lit') {
      emit(p.text, p.start, p.end, p.text.length === p.end - p.start);
      continue;
    }
    const v = partValue(host, p);
    if (v.known) emit(v.v, p.start, p.end, false);
    else {
      const label = p.k === 'param' ? `$${p.name}` : p.k === 'cmd' ? '$(...)' : '$((...))';
      unknown.push({ start: p.start, end: p.end, label });
      emit(host.src.slice(p.start, p.end), p.start, p.end, true);
    }
  }
  return { text, srcStart: Int32Array.from(starts), srcEnd: Int32Array.from(ends), unknown };
}

/** Visits every span object reachable from `root` once. */
function forEachSpan(root: unknown, fn: (s: Span) => void): void {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length) {
    const o = stack.pop();
    if (o === null || typeof o !== 'object' || seen.has(o)) continue;
    seen.add(o);
    if (o instanceof Map) {
      for (const v of o.values()) stack.push(v);
      continue;
    }
    if (Array.isArray(o)) {
      for (const v of o) stack.push(v);
      continue;
    }
    const r = o as Record<string, unknown>;
    if (
      typeof r.line === 'number' &&
      typeof r.character === 'number' &&
      typeof r.endLine === 'number' &&
      typeof r.endCharacter === 'number'
    ) {
      fn(o as Span);
      continue;
    }
    for (const v of Object.values(r)) stack.push(v);
  }
}

function ruleOptions(rule: Rule): OptionUse[] {
  const out: OptionUse[] = [];
  for (const o of Object.values(rule.base)) if (o) out.push(o);
  for (const m of rule.matches) for (const o of m.options) out.push(o);
  if (rule.target) for (const o of rule.target.options) out.push(o);
  return out;
}

export interface RestoreParse {
  doc: SaveParseResult;
  nextRuleId: number;
}

/**
 * Parses restore input taken from the script, with all spans mapped to the script and errors
 * on text that came from unknown expansions dropped (reported as `unknown-variable` instead).
 */
export function parseRestoreInput(
  input: RestoreInput,
  family: Family,
  nextRuleId: number,
  lines: LineIndex,
): RestoreParse {
  const doc = parseSave(input.text, { family, cache: { lines: [], lineCount: 0, nextRuleId }, fast: false });
  const outStarts: number[] = [0];
  for (let k = input.text.indexOf('\n'); k >= 0; k = input.text.indexOf('\n', k + 1)) outStarts.push(k + 1);
  const n = input.text.length;
  const lastSrc = n > 0 ? input.srcEnd[n - 1] : 0;
  const toSrc = (line: number, ch: number, isEnd: boolean, startOff: number): number => {
    const off = (outStarts[Math.min(line, outStarts.length - 1)] ?? 0) + ch;
    if (n === 0) return 0;
    if (isEnd) {
      if (off <= startOff) return -1;
      return input.srcEnd[Math.min(off, n) - 1];
    }
    return off < n ? input.srcStart[off] : lastSrc;
  };
  const lineMap = (line: number): number => {
    const off = outStarts[Math.min(line, outStarts.length - 1)] ?? 0;
    return lines.lineOf(off < n ? input.srcStart[off] : lastSrc);
  };
  forEachSpan(doc, (s) => {
    const startOff = (outStarts[Math.min(s.line, outStarts.length - 1)] ?? 0) + s.character;
    const a = toSrc(s.line, s.character, false, 0);
    const e = toSrc(s.endLine, s.endCharacter, true, startOff);
    const m = lines.span(a, e < 0 ? a : e);
    s.line = m.line;
    s.character = m.character;
    s.endLine = m.endLine;
    s.endCharacter = m.endCharacter;
  });
  for (const d of doc.diagnostics) {
    if (d.data && typeof d.data.insertLine === 'number') d.data.insertLine = lineMap(d.data.insertLine);
  }
  const fixLine = (c: Command) => {
    c.line = c.span.line;
    if (c.rule) c.rule.line = c.rule.span.line;
  };
  for (const c of doc.commands) fixLine(c);

  if (input.unknown.length) {
    const regions = input.unknown.map((r) => ({ ...r, span: lines.span(r.start, r.end) }));
    const byLine = new Map<number, Span[]>();
    for (const r of regions) {
      const l = byLine.get(r.span.line) ?? [];
      l.push(r.span);
      byLine.set(r.span.line, l);
    }
    const before = (a: Span, line: number, ch: number) => a.line < line || (a.line === line && a.character <= ch);
    doc.diagnostics = doc.diagnostics.filter(
      (d) =>
        d.severity !== 'error' ||
        !(byLine.get(d.span.line) ?? []).some((r) => before(r, d.span.endLine, d.span.endCharacter)),
    );
    for (const c of doc.commands) {
      if (!c.rule) continue;
      for (const o of ruleOptions(c.rule))
        for (const t of o.args) {
          if (regions.some((r) => overlaps(r.span, t.span))) t.unknown = true;
        }
    }
    for (const r of regions) doc.diagnostics.push(unknownDiagnostic(r.label, r.span));
  }
  return { doc, nextRuleId: doc.cache.nextRuleId };
}

export function overlaps(a: Span, b: Span): boolean {
  const aStartsBeforeBEnds = a.line < b.endLine || (a.line === b.endLine && a.character < b.endCharacter);
  const bStartsBeforeAEnds = b.line < a.endLine || (b.line === a.endLine && b.character < a.endCharacter);
  return aStartsBeforeBEnds && bStartsBeforeAEnds;
}

/** The `unknown-variable` information diagnostic. */
export function unknownDiagnostic(label: string, span: Span): Diagnostic {
  return {
    code: 'unknown-variable',
    severity: 'information',
    message: `value of ${label} cannot be known here; not checked`,
    span,
    data: { variable: label },
  };
}
