/**
 * The packet's way through the host, hook by hook, in the kernel's order: PREROUTING (raw,
 * conntrack, mangle, nat), the input routing decision (local, broadcast, forward; rp_filter,
 * martians, TTL), INPUT (mangle, filter, security, nat — security before or after nat INPUT by
 * backend), FORWARD, OUTPUT (with re-routing after mangle/nat), POSTROUTING, the loopback path
 * for local-to-local packets, local delivery to sockets, and the packets the host sends in
 * reaction (REJECT replies, resets, ICMP errors), each simulated like any packet the host sends.
 */
import type { Hook } from '../model';
import { type Addr, formatAddr, maskOf } from './addr';
import { CChain, type CompiledRuleset, type CTable } from './compile';
import { conntrackIn, type PacketCt, pktTuple } from './conntrack';
import type { Flight, HookStep, Sim } from './flight';
import { frameOf, summaryOf } from './frames';
import { describeRoute, isLinkLocal6, primaryAddr, routeLookup } from './host';
import { deliver, queueIcmpError, routeInput, setMacs } from './localstack';
import { formatPacketLog, logFlagNames } from './logformat';
import { monitorPacketLine, monitorTraceLine, traceId } from './monitor';
import { MANIP_DST, MANIP_SRC, natPacket, nullBinding, setupBinding } from './nat';
import { clonePkt, isIcmpError, type Pkt, PROTO_ICMP, PROTO_TCP, TCP_RST } from './packet';
import { tcpReset } from './responses';
import { type NatRange, type TargetCtx, V_ACCEPT, V_DROP } from './targets';
import { runChain, type TraceSink } from './traverse';

export type { Sim };

import type { Backend, PacketResult } from './types';

const LEVEL_NAMES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

function emptyChain(name: string, table: CTable, compiled: CompiledRuleset): CChain {
  return new CChain({ name, builtin: true, rules: [] }, table, compiled);
}

/** Which base chains run at each hook, in priority order, for the backend. */
export function buildHooks(compiled: CompiledRuleset, backend: Backend): Map<Hook, HookStep[]> {
  const order: Record<Hook, [string, number][]> = {
    PREROUTING: [
      ['raw', -300],
      ['mangle', -150],
      ['nat', -100],
    ],
    INPUT: [
      ['mangle', -150],
      ['filter', 0],
      ['security', backend === 'nft' ? 150 : 50],
      ['nat', 100],
    ],
    FORWARD: [
      ['mangle', -150],
      ['filter', 0],
      ['security', backend === 'nft' ? 150 : 50],
    ],
    OUTPUT: [
      ['raw', -300],
      ['mangle', -150],
      ['nat', -100],
      ['filter', 0],
      ['security', backend === 'nft' ? 150 : 50],
    ],
    POSTROUTING: [
      ['mangle', -150],
      ['nat', 100],
    ],
  };
  const hooks = new Map<Hook, HookStep[]>();
  for (const hook of Object.keys(order) as Hook[]) {
    const steps: HookStep[] = [];
    for (const [tname, prio] of order[hook]) {
      const t = compiled.tables.get(tname);
      if (!t) continue;
      let chain = t.chains.get(hook);
      if (backend === 'legacy') chain = chain ?? emptyChain(hook, t, compiled);
      else if (chain && !chain.declared) chain = undefined;
      if (chain || tname === 'nat') steps.push({ table: tname, prio, ctable: t, chain });
    }
    steps.sort((a, b) => a.prio - b.prio);
    hooks.set(hook, steps);
  }
  return hooks;
}

export function newResult(name: string, backend: Backend): PacketResult {
  return {
    name,
    sent: {},
    trace: [],
    headers_seen: [],
    path: [],
    egress: [],
    responses: [],
    disposition: 'unknown',
    conntrack: [],
    trace_lines: [],
    user_trace_lines: [],
    log_lines: [],
    logs: [],
    monitor_lines: [],
    evaluated: [],
    routing: [],
    nat: [],
    undecidable: [],
    notes: [],
    summary: '',
    backend,
  };
}

function makeSink(fl: Omit<Flight, 'sink'> & { sink?: TraceSink }): TraceSink {
  const res = fl.res;
  let dumped = false;
  let id = '';
  return {
    onBase() {
      dumped = false;
    },
    onVerdict(entry, chain, index) {
      if (!fl.pkt.traced || fl.sim.backend !== 'nft') return;
      if (!id) id = traceId(fl.pkt, fl.sim.traceIds++);
      const rule = index >= 0 ? chain.rule(index) : undefined;
      const line = monitorTraceLine(fl.pkt, id, entry, index >= 0 ? chain.handle(index) : undefined, rule?.rule.text);
      if (line === undefined) return;
      if (!dumped) {
        res.monitor_lines.push(monitorPacketLine(fl.pkt, id));
        dumped = true;
      }
      res.monitor_lines.push(line);
    },
    trace: res.trace,
    traceLines: res.trace_lines,
    userTraceLines: res.user_trace_lines,
    evaluated: res.evaluated,
    explain: fl.sim.explain,
    onChain(table, chain) {
      if (
        chain === 'PREROUTING' ||
        chain === 'INPUT' ||
        chain === 'FORWARD' ||
        chain === 'OUTPUT' ||
        chain === 'POSTROUTING'
      ) {
        res.headers_seen.push(frameOf(fl.pkt, { at: `${table}:${chain}`, in: fl.pkt.in, out: fl.pkt.out }, fl.ct));
      }
    },
  };
}

function targetCtx(fl: Flight, hook: Hook): TargetCtx {
  const sim = fl.sim;
  const c: TargetCtx = {
    pkt: fl.pkt,
    hook,
    ct: fl.ct,
    host: sim.host,
    sim: sim.state,
    now: sim.now,
    rule: { id: 0, table: '', chain: '', rulenum: 0, line: 0 },
    undecided(module, reason, dflt, random) {
      const key = `${c.rule.line}:${module}`;
      const pinned = sim.state.assumptions.get(key);
      const assumed = pinned ?? dflt;
      const u = fl.res.undecidable;
      if (
        !u.some(
          (x) =>
            x.line === c.rule.line && x.module === module && x.rulenum === c.rule.rulenum && x.chain === c.rule.chain,
        )
      ) {
        u.push({
          table: c.rule.table,
          chain: c.rule.chain,
          rulenum: c.rule.rulenum,
          line: c.rule.line,
          module,
          reason,
          assumed,
          random,
          pinned: pinned !== undefined,
        });
        if (random && !fl.res.random)
          fl.res.random = {
            why: `${module} at line ${c.rule.line}: ${reason}`,
            possibilities: ['the rule matches', 'the rule does not match'],
          };
      }
      return assumed;
    },
    log(prefix, flags, level) {
      const text = prefix + formatPacketLog(fl.pkt, flags);
      fl.res.log_lines.push(text);
      fl.res.logs.push({
        target: 'LOG',
        table: c.rule.table,
        chain: c.rule.chain,
        rulenum: c.rule.rulenum,
        line: c.rule.line,
        prefix,
        level,
        levelName: LEVEL_NAMES[level] ?? String(level),
        flags: logFlagNames(flags),
        text,
      });
    },
    nflog(group, prefix, size, threshold) {
      fl.res.logs.push({
        target: 'NFLOG',
        table: c.rule.table,
        chain: c.rule.chain,
        rulenum: c.rule.rulenum,
        line: c.rule.line,
        prefix,
        group,
        size,
        threshold,
      });
    },
    nat(range) {
      return doNat(fl, hook, range);
    },
    reject(kind) {
      fl.rejected = true;
      fl.inTarget = true;
      fl.monitorAt = fl.res.monitor_lines.length;
      queueReject(fl, kind, hook);
      fl.inTarget = false;
    },
    note(text) {
      if (!fl.res.notes.includes(text)) fl.res.notes.push(text);
    },
  };
  return c;
}

function doNat(fl: Flight, hook: Hook, range: NatRange): number {
  const e = fl.ct.entry;
  if (!e) return V_ACCEPT;
  const manip = hook === 'PREROUTING' || hook === 'OUTPUT' ? MANIP_DST : MANIP_SRC;
  const host = fl.sim.host;
  let ip: Addr | undefined;
  let r = range;
  const v6 = fl.pkt.family === 6;
  if (range.kind === 'MASQUERADE') {
    ip = primaryAddr(host, fl.pkt.out ?? undefined, fl.nexthop ?? fl.pkt.dst);
    if (ip === undefined) return V_DROP;
  } else if (range.kind === 'REDIRECT') {
    if (hook === 'OUTPUT') ip = v6 ? 1n : 0x7f000001;
    else {
      const ifc = fl.pkt.in ? host.ifaces.get(fl.pkt.in) : undefined;
      const mine = ifc?.addrs.filter((a) => typeof a.addr === (v6 ? 'bigint' : 'number')) ?? [];
      if (mine.length === 0) return V_DROP;
      // IPv4: the interface's primary address; IPv6: the first on the device's list, where the
      // kernel keeps global addresses before link-local ones and the newest first
      ip = v6
        ? ([...mine].reverse().find((a) => !isLinkLocal6(a.addr as bigint)) ?? mine[mine.length - 1]).addr
        : mine[0].addr;
    }
  } else if (range.kind === 'NETMAP' && range.netmap) {
    const cur = manip === MANIP_SRC ? fl.pkt.src : fl.pkt.dst;
    const m = maskOf(cur, range.netmap.len);
    if (typeof cur === 'bigint') {
      const all = (1n << 128n) - 1n;
      ip = (cur & (all ^ (m as bigint))) | ((range.netmap.addr as bigint) & (m as bigint));
    } else ip = ((cur & ~(m as number)) | ((range.netmap.addr as number) & (m as number))) >>> 0;
  } else if (range.minIp !== undefined) {
    ip = range.minIp;
    if (range.maxIp !== undefined && range.maxIp !== range.minIp) {
      fl.res.notes.push(
        `${range.kind}: the kernel picks the address in ${formatAddr(range.minIp, true)}-${formatAddr(range.maxIp, true)} by a hash of the connection; the simulation uses the first`,
      );
    }
  }
  if (range.kind === 'MASQUERADE' || range.kind === 'REDIRECT') r = { ...range, minIp: ip, maxIp: ip };
  const choice = setupBinding(fl.sim.state.conntrack, e, manip, r, ip);
  if (choice.random) {
    fl.res.random = choice.random;
    fl.res.notes.push(choice.random.why);
  }
  return V_ACCEPT;
}

function queueReject(fl: Flight, kind: string, hook: Hook): void {
  const p = fl.pkt;
  const reverseCt: PacketCt | undefined = fl.ct.entry
    ? { entry: fl.ct.entry, state: 'RELATED', dir: fl.ct.dir ? 0 : 1, why: 'REJECT reply attached to the flow' }
    : undefined;
  if (kind === 'tcp-reset') {
    if (p.proto !== PROTO_TCP || p.flags & TCP_RST) return;
    fl.pending.push({ pkt: tcpReset(p), ct: reverseCt, note: `REJECT --reject-with tcp-reset in ${hook}`, sync: true });
    return;
  }
  if (p.family === 6) {
    const codes6: Record<string, number> = {
      'icmp6-no-route': 0,
      'no-route': 0,
      'icmp6-adm-prohibited': 1,
      'adm-prohibited': 1,
      'icmp6-addr-unreachable': 3,
      'addr-unreach': 3,
      'icmp6-port-unreachable': 4,
      'port-unreach': 4,
    };
    queueIcmpError(fl, 1, codes6[kind] ?? 4, `REJECT --reject-with ${kind} in ${hook}`);
    return;
  }
  const codes: Record<string, number> = {
    'icmp-net-unreachable': 0,
    'icmp-host-unreachable': 1,
    'icmp-proto-unreachable': 2,
    'icmp-port-unreachable': 3,
    'icmp-net-prohibited': 9,
    'icmp-host-prohibited': 10,
    'icmp-admin-prohibited': 13,
  };
  const code = codes[kind] ?? 3;
  queueIcmpError(fl, 3, code, `REJECT --reject-with ${kind} in ${hook}`);
}

function doConntrack(fl: Flight): void {
  if (fl.ctDone) return;
  fl.ctDone = true;
  if (fl.ct.entry || fl.ct.state === 'UNTRACKED') return;
  if (!(fl.pkt.family === 6 ? fl.sim.compiled6?.conntrack : fl.sim.compiled.conntrack)) {
    fl.ct = {
      state: 'UNTRACKED',
      dir: 0,
      none: true,
      why: 'no rule needs connection tracking, so the namespace runs none (no NAT either)',
    };
    return;
  }
  fl.ct = conntrackIn(fl.sim.state.conntrack, fl.pkt, fl.sim.now);
}

function natStep(fl: Flight, hook: Hook, step: HookStep): number {
  const manip = hook === 'PREROUTING' || hook === 'OUTPUT' ? MANIP_DST : MANIP_SRC;
  const pct = fl.ct;
  const e = pct.entry;
  if (!e || pct.state === 'INVALID' || pct.state === 'UNTRACKED') return V_ACCEPT;
  const icmpErr = fl.pkt.proto === PROTO_ICMP && isIcmpError(fl.pkt.icmpType) && pct.state === 'RELATED';
  if (!icmpErr && ((pct.state === 'NEW' && pct.dir === 0) || pct.state === 'RELATED') && !e.natDone[manip]) {
    if (step.chain && step.ctable) {
      const v = runChain(step.ctable, step.chain, hook, targetCtx(fl, hook), fl.sink);
      if (v !== V_ACCEPT) return v;
    }
    if (!e.natDone[manip]) {
      const choice = nullBinding(fl.sim.state.conntrack, e, manip);
      if (choice.random) fl.res.notes.push(choice.random.why);
    }
  }
  const rw = natPacket(fl.pkt, pct, manip);
  if (rw)
    fl.res.nat.push({ hook, kind: rw.kind as PacketResult['nat'][0]['kind'], before: rw.before, after: rw.after });
  return V_ACCEPT;
}

/** Runs every base chain of a hook. Returns ACCEPT, DROP or QUEUE. */
function runHook(fl: Flight, hook: Hook): number {
  fl.res.path.push(hook);
  const steps = (fl.pkt.family === 6 ? fl.sim.hooks6 : fl.sim.hooks)?.get(hook) ?? [];
  const ctHook = hook === 'PREROUTING' || hook === 'OUTPUT';
  for (const step of steps) {
    if (ctHook && step.prio > -200) doConntrack(fl);
    let v: number;
    if (step.table === 'nat') v = natStep(fl, hook, step);
    else if (step.chain && step.ctable) {
      const markBefore = fl.pkt.mark;
      const tosBefore = fl.pkt.tos;
      v = runChain(step.ctable, step.chain, hook, targetCtx(fl, hook), fl.sink);
      if (
        hook === 'OUTPUT' &&
        step.table === 'mangle' &&
        v === V_ACCEPT &&
        (fl.pkt.mark !== markBefore || fl.pkt.tos !== tosBefore)
      ) {
        reroute(fl, 'mark changed in mangle OUTPUT');
      }
    } else v = V_ACCEPT;
    if (v !== V_ACCEPT) return v;
  }
  if (ctHook) doConntrack(fl);
  return V_ACCEPT;
}

function reroute(fl: Flight, why: string): void {
  const r = routeLookup(fl.sim.host, { dst: fl.pkt.dst, src: fl.pkt.src, mark: fl.pkt.mark });
  const dev = r.type === 'local' ? 'lo' : r.dev;
  fl.res.routing.push({ at: `re-route (${why})`, result: describeRoute(r) });
  if (dev) {
    fl.routeDev = dev;
    fl.nexthop = r.via ?? fl.pkt.dst;
  }
}

function confirm(fl: Flight): void {
  const e = fl.ct.entry;
  if (e && fl.ct.state !== 'INVALID' && fl.ct.state !== 'UNTRACKED') fl.sim.state.conntrack.confirm(e);
}

function leave(fl: Flight): void {
  const p = fl.pkt;
  fl.res.egress.push(frameOf(p, { iface: p.out }));
}

/** POSTROUTING and transmission (or the loopback path back into PREROUTING). */
function postrouting(fl: Flight, local: boolean): void {
  const p = fl.pkt;
  p.out = fl.routeDev ?? p.out;
  const v = runHook(fl, 'POSTROUTING');
  if (v !== V_ACCEPT) {
    fl.res.disposition = fl.rejected ? 'rejected' : 'dropped';
    return;
  }
  confirm(fl);
  if (p.out === 'lo') {
    // loopback: the packet comes back in on lo with its conntrack attached
    p.in = 'lo';
    p.out = null;
    // loopback_xmit orphans the packet: it no longer belongs to the sending socket
    p.socket = false;
    setMacs(p, fl.sim.host);
    fl.ctDone = false;
    ingress(fl);
    return;
  }
  leave(fl);
  fl.res.disposition = local ? 'sent' : 'forwarded';
}

function ingress(fl: Flight): void {
  const p = fl.pkt;
  let v = runHook(fl, 'PREROUTING');
  if (v !== V_ACCEPT) {
    fl.res.disposition = fl.rejected ? 'rejected' : 'dropped';
    return;
  }
  const where = routeInput(fl);
  if (where === 'drop') {
    fl.res.disposition = 'dropped';
    return;
  }
  if (where === 'local') {
    p.out = null;
    v = runHook(fl, 'INPUT');
    if (v !== V_ACCEPT) {
      fl.res.disposition = fl.rejected ? 'rejected' : 'dropped';
      return;
    }
    confirm(fl);
    fl.res.disposition = 'delivered-local';
    deliver(fl);
    return;
  }
  p.out = fl.routeDev ?? null;
  v = runHook(fl, 'FORWARD');
  if (v !== V_ACCEPT) {
    fl.res.disposition = fl.rejected ? 'rejected' : 'dropped';
    return;
  }
  postrouting(fl, false);
}

export interface SendOptions {
  name: string;
  depth?: number;
  ct?: PacketCt;
}

/** Simulates one packet (arriving on `pkt.in`, or sent by the host when `pkt.in` is null). */
export function simulatePacket(sim: Sim, pkt: Pkt, opts: SendOptions): PacketResult {
  const res = newResult(opts.name, sim.backend);
  const partial = {
    sim,
    pkt,
    ct: opts.ct ?? ({ state: 'INVALID', dir: 0, why: '' } as PacketCt),
    ctDone: false,
    res,
    rejected: false,
    depth: opts.depth ?? 0,
    pending: [] as Flight['pending'],
  };
  const fl = partial as Flight;
  fl.sink = makeSink(partial);
  if (!opts.ct) fl.ct = { state: 'INVALID', dir: 0, why: 'not yet seen by conntrack' };
  try {
    if (pkt.in !== null) {
      if (!sim.host.ifaces.has(pkt.in)) throw new Error(`packet ${opts.name}: the host has no interface "${pkt.in}"`);
      setMacs(pkt, sim.host);
      ingress(fl);
    } else {
      const r = routeLookup(sim.host, { dst: pkt.dst, src: pkt.src, mark: pkt.mark });
      res.routing.push({ at: 'output routing', result: describeRoute(r) });
      const dev = r.type === 'local' || (r.type === 'broadcast' && pkt.dst === pkt.src) ? 'lo' : r.dev;
      if (!dev || (r.type !== 'unicast' && r.type !== 'local' && r.type !== 'broadcast')) {
        res.notes.push(`no route to ${formatAddr(pkt.dst)}: the sending socket gets "Network is unreachable"`);
        res.disposition = 'dropped';
      } else {
        pkt.out = dev;
        fl.routeDev = dev;
        fl.nexthop = r.via ?? pkt.dst;
        const v = runHook(fl, 'OUTPUT');
        if (v !== V_ACCEPT) res.disposition = fl.rejected ? 'rejected' : 'dropped';
        else {
          if (res.nat.some((n) => n.hook === 'OUTPUT' && n.kind === 'DNAT'))
            reroute(fl, 'destination changed by nat OUTPUT');
          postrouting(fl, true);
        }
      }
    }
  } catch (e) {
    res.notes.push(`simulation stopped: ${(e as Error).message}`);
    res.disposition = 'unknown';
  }
  res.summary = summaryOf(pkt, res.egress[0]?.iface ?? undefined);
  let insertAt = fl.monitorAt;
  for (const pend of fl.pending) {
    if (fl.depth >= 4) break;
    const r = simulatePacket(sim, pend.pkt, { name: summaryOf(pend.pkt, undefined), depth: fl.depth + 1, ct: pend.ct });
    r.notes.unshift(pend.note);
    r.summary = summaryOf(pend.pkt, r.egress[0]?.iface ?? undefined);
    r.name = r.summary;
    res.responses.push(r);
    // xtables-monitor prints a REJECT response's trace before the REJECT rule's own line (the
    // response is sent while the target runs); the stack's later answers come after
    if (pend.sync && insertAt !== undefined) {
      res.monitor_lines.splice(insertAt, 0, ...r.monitor_lines);
      insertAt += r.monitor_lines.length;
    } else res.monitor_lines.push(...r.monitor_lines);
  }
  return res;
}

export { clonePkt, pktTuple };
