/**
 * Chain-level analyses of one table: jump/goto targets that are not chains of the table or are
 * built-in chains, jump loops reached from a hook (refused by both backends; unreached loops are
 * accepted), user chains that nothing uses, and chain names the kernel refuses (standard verdict
 * names; a leading `-` or `!`, refused by the nft backend).
 */
import type { Chain, Span } from '../model';
import { isBuiltinChain } from '../model';
import { report, type TableContext } from './context';
import { chainTargetOf, edgeRule, hooksOf, jumpCycles } from './graph';

const VERDICT_NAMES = new Set(['ACCEPT', 'DROP', 'RETURN', 'QUEUE']);

/** Jump and goto targets of one chain's rules that are not user chains of the table. */
export function checkChainJumpTargets(ctx: TableContext, chain: Chain): void {
  const { table, doc } = ctx;
  for (const rule of chain.rules) {
    const name = chainTargetOf(rule);
    if (name === undefined || rule.broken || name === '' || name.includes('$')) continue;
    const dest = table.chains.get(name);
    if (dest && !dest.builtin) continue;
    const t = rule.target!;
    const verb = t.kind === 'goto' ? 'goto' : 'jump';
    if (dest || isBuiltinChain(table.name, t.name)) {
      report(
        ctx,
        'jump-to-builtin-chain',
        'error',
        t.nameSpan,
        `cannot ${verb} to built-in chain ${t.name}: only user-defined chains can be ${verb} targets`,
        { chain: t.name, table: table.name },
      );
      continue;
    }
    const shell = doc.form === 'shell';
    const what =
      t.kind === 'goto'
        ? `goto target "${t.name}" is not a chain of table ${table.name}`
        : `no chain or target named "${t.name}" in table ${table.name}`;
    report(
      ctx,
      'undefined-chain',
      shell ? 'warning' : 'error',
      t.nameSpan,
      shell
        ? `${t.kind === 'goto' ? 'goto' : 'jump'} target "${t.name}" is not a chain created earlier in this script (iptables fails unless it already exists in table ${table.name})`
        : what,
      { chain: t.name, table: table.name },
    );
  }
}

/** A cycle through edge `e` inside the component (breadth-first from its target back to its chain). */
function cycleThrough(ctx: TableContext, members: Set<number>, e: number): string[] {
  const g = ctx.graph;
  const from = g.edgeFrom[e];
  const prev = new Map<number, number>();
  const queue = [g.edgeTo[e]];
  prev.set(g.edgeTo[e], -1);
  for (let i = 0; i < queue.length && !prev.has(from); i++) {
    const c = queue[i];
    for (let f = g.edgeStart[c]; f < g.edgeStart[c + 1]; f++) {
      const w = g.edgeTo[f];
      if (!members.has(w) || prev.has(w)) continue;
      prev.set(w, c);
      queue.push(w);
    }
  }
  const path: string[] = [];
  for (let c = prev.has(from) ? from : -1; c >= 0 && path.length <= members.size; c = prev.get(c) ?? -1) {
    path.push(g.names[c]);
  }
  // path runs from `from` back to the edge's target; the cycle is from → target → ... → from
  return [g.names[from], ...path.reverse()];
}

function checkLoops(ctx: TableContext): void {
  const g = ctx.graph;
  for (const comp of jumpCycles(g)) {
    const hooks = g.mask[comp[0]];
    if (hooks === 0) continue; // both backends accept a loop no hook reaches
    const members = new Set(comp);
    // Report on the jump that closes the loop last in the document (nft names that line).
    let last = -1;
    const inside: number[] = [];
    for (const c of comp) {
      for (let e = g.edgeStart[c]; e < g.edgeStart[c + 1]; e++) {
        if (!members.has(g.edgeTo[e])) continue;
        inside.push(e);
        if (last < 0 || edgeRule(g, e).line > edgeRule(g, last).line) last = e;
      }
    }
    if (last < 0) continue;
    const cycle = cycleThrough(ctx, members, last);
    const related = inside
      .filter((e) => e !== last)
      .slice(0, 20)
      .map((e) => ({ span: edgeRule(g, e).span, message: `${g.names[g.edgeFrom[e]]} → ${g.names[g.edgeTo[e]]}` }));
    const rule = edgeRule(g, last);
    report(
      ctx,
      'chain-loop',
      'error',
      rule.target?.nameSpan ?? rule.span,
      `jump loop ${cycle.join(' → ')}, reached from ${hooksOf(hooks).join(', ')}: the kernel refuses the table`,
      { chains: comp.map((c) => g.names[c]), cycle },
      related,
    );
  }
}

function checkUnusedChains(ctx: TableContext): void {
  const g = ctx.graph;
  // The graph's chains are the table's, in its order (no iteration of the map).
  const chains = g.chains;
  for (let c = 0; c < chains.length; c++) {
    if (g.builtin[c] === 1 || (g.references[c] !== 0 && g.mask[c] !== 0) || !chains.declared(c)) continue;
    // (Its object made: it is reported.)
    const chain = chains.at(c);
    if (g.references[c] === 0) {
      report(
        ctx,
        'unused-chain',
        'hint',
        chain.declSpan as Span,
        `chain ${chain.name} is never used: no rule jumps or goes to it`,
        { chain: chain.name, referenced: false },
      );
    } else if (g.mask[c] === 0) {
      report(
        ctx,
        'unused-chain',
        'hint',
        chain.declSpan as Span,
        `chain ${chain.name} is never reached: only chains that no built-in chain reaches jump to it`,
        { chain: chain.name, referenced: true },
      );
    }
  }
}

function checkChainNames(ctx: TableContext): void {
  const g = ctx.graph;
  const chains = g.chains;
  for (let c = 0; c < chains.length; c++) {
    if (g.builtin[c] === 1 || !chains.declared(c)) continue;
    // (Verdicts have 4 to 6 characters: other names are not made into strings, nor hashed, which
    // costs while no map has hashed them.)
    const len = chains.nameLength(c);
    const first = chains.nameStart(c);
    const verdict = len >= 4 && len <= 6 && VERDICT_NAMES.has(chains.name(c));
    if (!verdict && first !== 45 /* - */ && first !== 33 /* ! */) continue;
    const n = chains.name(c);
    const why = verdict
      ? `"${n}" is a standard verdict and cannot name a chain`
      : `chain name "${n}" starts with "${n[0]}" (the nft backend refuses it)`;
    report(ctx, 'bad-chain-name', 'error', chains.at(c).declSpan as Span, why, { chain: n });
  }
}

/** The chain-level analyses that look at the table as a whole (all but the jump targets). */
export function checkTableChains(ctx: TableContext): void {
  checkLoops(ctx);
  checkUnusedChains(ctx);
  checkChainNames(ctx);
}
