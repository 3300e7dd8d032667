/**
 * "Both outcomes" for matches the flow cannot decide (ipset membership, a random statistic, the
 * time of day, a payload string...): the simulation takes an answer for each (a default, or the
 * user's pin), and this module says what would have happened with the other answer. For each
 * undecidable match met in the flow (bounded in number), the whole flow is run again with that
 * one answer flipped (state carries from packet to packet, so a later packet may change too), and
 * every packet whose path met the match, or whose outcome changed, gets an `alternatives` entry.
 */
import type { Alternative, Disposition, FrameOut, PacketResult, Undecidable } from './types';

/** At most this many undecidable matches are explored per flow (each costs one more run). */
export const MAX_ALTERNATIVES = 8;

/** `line:module`: how assumptions are keyed (one answer per rule and match module). */
export function undecidableKey(u: { line: number; module: string }): string {
  return `${u.line}:${u.module}`;
}

/** Every undecidable match of a result, its responses' included. */
function undecidablesOf(p: PacketResult, out: Undecidable[] = []): Undecidable[] {
  out.push(...p.undecidable);
  for (const r of p.responses) undecidablesOf(r, out);
  return out;
}

function egressKey(f: FrameOut): string {
  const ports = f.sport !== undefined ? `:${f.sport} > ` : ' > ';
  return `${f.iface ?? '-'} ${f.proto} ${f.src}${ports}${f.dst}${f.dport !== undefined ? `:${f.dport}` : ''}`;
}

function sameOutcome(a: PacketResult, b: PacketResult): boolean {
  if (a.disposition !== b.disposition || a.egress.length !== b.egress.length) return false;
  if (a.egress.some((f, i) => egressKey(f) !== egressKey(b.egress[i]))) return false;
  const ra = a.responses.flatMap((r) => r.egress.map(egressKey));
  const rb = b.responses.flatMap((r) => r.egress.map(egressKey));
  return ra.length === rb.length && ra.every((k, i) => k === rb[i]);
}

/**
 * The undecidable matches of a flow to explore: distinct by rule line and module, in the order
 * met, without those the user pinned. Returns them and how many were left out by the bound.
 */
export function undecidablesToFlip(
  packets: PacketResult[],
  pinned: ReadonlySet<string>,
  max = MAX_ALTERNATIVES,
): { flip: Undecidable[]; omitted: number } {
  const seen = new Map<string, Undecidable>();
  for (const p of packets)
    for (const u of undecidablesOf(p)) {
      const k = undecidableKey(u);
      if (!pinned.has(k) && !seen.has(k)) seen.set(k, u);
    }
  const all = [...seen.values()];
  return { flip: all.slice(0, max), omitted: Math.max(0, all.length - max) };
}

/**
 * Adds to `main` (the flow as simulated) the outcome of `alt` (the same flow with the answer of
 * `u` flipped) for every packet that met `u` or whose outcome changed.
 */
export function attachAlternative(main: PacketResult[], alt: PacketResult[], u: Undecidable): void {
  const key = undecidableKey(u);
  main.forEach((p, i) => {
    const a = alt[i];
    if (!a) return;
    const met = undecidablesOf(p).some((x) => undecidableKey(x) === key);
    const differs = !sameOutcome(p, a);
    if (!met && !differs) return;
    const entry: Alternative = {
      table: u.table,
      chain: u.chain,
      rulenum: u.rulenum,
      line: u.line,
      module: u.module,
      assumed: u.assumed,
      onPath: met,
      disposition: a.disposition as Disposition,
      egress: a.egress,
      summary: a.summary,
      differs,
    };
    p.alternatives ??= [];
    p.alternatives.push(entry);
  });
}

/** One line describing an alternative (CLI and explanations). */
export function describeAlternative(a: Alternative): string {
  const other = a.assumed ? 'did not match' : 'matched';
  const where = `line ${a.line} (${a.table}:${a.chain} rule ${a.rulenum}) -m ${a.module}`;
  const outcome = a.differs
    ? `${a.disposition}${a.egress.length ? `, leaving ${a.egress.map(egressKey).join(', ')}` : ''}`
    : `the same outcome (${a.disposition})`;
  return `if ${where} ${other}: ${outcome}${a.onPath ? '' : ' (through state left by an earlier packet)'}`;
}
