/**
 * Walks one table's base chain for a packet at a hook, as ipt_do_table does: rules in order,
 * jumps (-j) push a return point, gotos (-g) do not, RETURN and falling off a user chain go back
 * to the caller (or to the base chain's policy), ACCEPT/DROP end the table, non-terminating
 * targets continue. Records the trace (oracle shape and the kernel's legacy TRACE lines with
 * their numbering quirks), every rule evaluated, LOG lines and the headers at each chain.
 */
import type { Hook } from '../model';
import type { CChain, CRule, CTable } from './compile';
import type { MatchCtx } from './context';
import { nextCandidate } from './dispatch';
import { formatTraceLine } from './logformat';
import type { TargetCtx } from './targets';
import { V_ACCEPT, V_CONTINUE, V_DROP, V_QUEUE, V_RETURN } from './targets';
import type { EvaluatedRule, TraceEntry } from './types';

export const VERDICT_NAMES = ['CONTINUE', 'ACCEPT', 'DROP', 'RETURN', 'QUEUE'];

/** Where the traversal writes what it saw. */
export interface TraceSink {
  trace: TraceEntry[];
  traceLines: string[];
  userTraceLines: string[];
  evaluated: EvaluatedRule[];
  /** Record every rule considered (off for bulk/performance runs). */
  explain: boolean;
  /** Called at the start of each chain (headers_seen). */
  onChain(table: string, chain: string): void;
  /** Called at the start of a base chain's traversal. */
  onBase?(): void;
  /** Called once a rule's verdict (after its target ran) or a policy is known (xtables-monitor). */
  onVerdict?(entry: TraceEntry, chain: CChain, index: number): void;
}

const MAX_DEPTH = 512;

function ruleMatches(r: CRule, c: MatchCtx, sink: TraceSink): boolean {
  if (r.base && !r.base(c)) {
    if (sink.explain)
      sink.evaluated.push({
        table: r.ref.table,
        chain: r.ref.chain,
        rulenum: r.ref.rulenum,
        line: r.ref.line,
        matched: false,
        why: r.baseText,
      });
    return false;
  }
  const ms = r.matches;
  for (let i = 0; i < ms.length; i++) {
    if (!ms[i].test(c)) {
      if (sink.explain)
        sink.evaluated.push({
          table: r.ref.table,
          chain: r.ref.chain,
          rulenum: r.ref.rulenum,
          line: r.ref.line,
          matched: false,
          why: `-m ${ms[i].module}`,
        });
      return false;
    }
  }
  if (sink.explain)
    sink.evaluated.push({
      table: r.ref.table,
      chain: r.ref.chain,
      rulenum: r.ref.rulenum,
      line: r.ref.line,
      matched: true,
    });
  return true;
}

function record(sink: TraceSink, table: string, chain: CChain, entry: TraceEntry, c: MatchCtx, idx = -1): void {
  sink.trace.push(entry);
  const line = formatTraceLine(table, chain.name, entry.label, entry.traceNum, c.pkt);
  sink.traceLines.push(line);
  if (c.pkt.traced) sink.userTraceLines.push(line);
  if (entry.kind === 'policy' || (entry.kind === 'rule' && idx >= 0)) sink.onVerdict?.(entry, chain, idx);
}

function policyEntry(table: string, chain: CChain): TraceEntry {
  return {
    table,
    chain: chain.name,
    kind: 'policy',
    rulenum: null,
    verdict: chain.policyName,
    rule: null,
    label: 'policy',
    traceNum: chain.size + 1,
  };
}

/** Position of the next rule to evaluate at or after `i` (the dispatch index skips rules that cannot match). */
function advance(cur: CChain, i: number, c: TargetCtx, sink: TraceSink): number {
  const d = cur.dispatch;
  if (!d || i >= d.size) return i;
  const n = nextCandidate(d, i, c.pkt.dst);
  if (n > i && sink.explain) {
    const first = cur.slots[i].rule;
    sink.evaluated.push({
      table: first.table,
      chain: cur.name,
      rulenum: i + 1,
      through: n,
      line: first.line + 1,
      matched: false,
      why: 'destination differs (skipped by the destination index)',
    });
  }
  return n;
}

/**
 * Runs `base` (a built-in chain of `table`) for the packet in `c`. Returns the table's verdict
 * (ACCEPT, DROP or QUEUE).
 */
export function runChain(table: CTable, base: CChain, _hook: Hook, c: TargetCtx, sink: TraceSink): number {
  const stack: { chain: CChain; idx: number }[] = [];
  let cur = base;
  let i = 0;
  sink.onBase?.();
  sink.onChain(table.name, base.name);
  for (;;) {
    i = advance(cur, i, c, sink);
    if (i < cur.size) {
      const r = cur.rule(i);
      c.rule = r.ref;
      if (!ruleMatches(r, c, sink)) {
        i++;
        continue;
      }
      const t = r.target;
      const label = r.unconditionalVerdict ? (cur.builtin ? 'policy' : 'return') : 'rule';
      const entry: TraceEntry = {
        table: table.name,
        chain: cur.name,
        kind: 'rule',
        rulenum: r.ref.rulenum,
        verdict: 'CONTINUE',
        rule: r.text,
        line: r.ref.line,
        target: t.kind === 'ext' || t.kind === 'verdict' ? t.name : t.kind === 'none' ? undefined : t.chain,
        label,
        traceNum: r.ref.rulenum,
      };
      if (t.kind === 'jump' || t.kind === 'goto') {
        const next = table.chains.get(t.chain);
        entry.verdict = `${t.kind === 'jump' ? 'JUMP' : 'GOTO'}:${t.chain}`;
        record(sink, table.name, cur, entry, c, i);
        if (!next) {
          i++;
          continue;
        }
        if (stack.length >= MAX_DEPTH)
          throw new Error(`chain loop: more than ${MAX_DEPTH} nested jumps at ${table.name}:${cur.name}`);
        if (t.kind === 'jump') stack.push({ chain: cur, idx: i + 1 });
        cur = next;
        i = 0;
        sink.onChain(table.name, cur.name);
        continue;
      }
      if (t.kind === 'none') {
        record(sink, table.name, cur, entry, c, i);
        i++;
        continue;
      }
      if (t.kind === 'verdict') {
        entry.verdict = t.name === 'QUEUE' ? 'QUEUE' : t.name;
        record(sink, table.name, cur, entry, c, i);
        if (t.verdict === V_RETURN) {
          const ret = stack.pop();
          if (ret) {
            cur = ret.chain;
            i = ret.idx;
            continue;
          }
          // RETURN from a base chain: the policy applies.
          record(sink, table.name, base, policyEntry(table.name, base), c);
          return base.policy;
        }
        return t.verdict;
      }
      // target extension: the trace line shows the packet before the target ran
      if (t.kind !== 'ext') continue;
      const at = sink.trace.length;
      record(sink, table.name, cur, entry, c);
      const v = t.fn(c);
      const e = sink.trace[at];
      e.verdict =
        v === V_CONTINUE
          ? 'CONTINUE'
          : v === V_ACCEPT
            ? 'ACCEPT'
            : v === V_DROP
              ? 'DROP'
              : v === V_QUEUE
                ? 'QUEUE'
                : VERDICT_NAMES[v];
      sink.onVerdict?.(e, cur, i);
      if (v === V_CONTINUE) {
        i++;
        continue;
      }
      return v;
    }
    // end of the chain
    if (cur === base) {
      record(sink, table.name, base, policyEntry(table.name, base), c);
      return base.policy;
    }
    record(
      sink,
      table.name,
      cur,
      {
        table: table.name,
        chain: cur.name,
        kind: 'return',
        rulenum: null,
        verdict: 'RETURN',
        rule: null,
        label: 'return',
        traceNum: cur.size + 1,
      },
      c,
    );
    const ret = stack.pop();
    if (ret) {
      cur = ret.chain;
      i = ret.idx;
      continue;
    }
    // a goto from the base chain fell off: the base chain's policy
    record(sink, table.name, base, policyEntry(table.name, base), c);
    return base.policy;
  }
}
