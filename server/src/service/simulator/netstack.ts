/**
 * The packet's way through the host, hook by hook, in the kernel's order: PREROUTING (raw,
 * conntrack, mangle, nat), the input routing decision (local, broadcast, forward; rp_filter,
 * martians, TTL), INPUT (mangle, filter, security, nat — security before or after nat INPUT by
 * backend), FORWARD, OUTPUT (with re-routing after mangle/nat), POSTROUTING, the loopback path
 * for local-to-local packets, local delivery to sockets, and the packets the host sends in
 * reaction (REJECT replies, resets, ICMP errors), each simulated like any packet the host sends.
 */
import type { Hook } from '../model';
import { formatIPv4, isLoopback, isMulticast } from './addr';
import type { CChain, CompiledRuleset, CTable } from './compile';
import { conntrackIn, type PacketCt, pktTuple } from './conntrack';
import type { SimState } from './context';
import { frameOf, summaryOf } from './frames';
import { describeRoute, type Host, listening, primaryAddr, routeLookup } from './host';
import { formatPacketLog } from './logformat';
import { MANIP_DST, MANIP_SRC, natPacket, nullBinding, setupBinding } from './nat';
import { clonePkt, isIcmpError, type Pkt, PROTO_ICMP, PROTO_TCP, PROTO_UDP, TCP_ACK, TCP_RST, TCP_SYN } from './packet';
import { echoReply, icmpError, synAck, tcpReset } from './responses';
import { type NatRange, type TargetCtx, V_ACCEPT, V_DROP } from './targets';
import { runChain, type TraceSink } from './traverse';
import type { Backend, PacketResult } from './types';

export interface Sim {
  compiled: CompiledRuleset;
  backend: Backend;
  host: Host;
  state: SimState;
  now: number;
  explain: boolean;
  hooks: Map<Hook, HookStep[]>;
}

interface HookStep {
  table: string;
  prio: number;
  ctable?: CTable;
  chain?: CChain;
}

const PRIO: Record<string, number> = { raw: -300, mangle: -150, nat: -100, filter: 0 };

function emptyChain(name: string): CChain {
  return { name, builtin: true, policy: V_ACCEPT, policyName: 'ACCEPT', declared: false, rules: [] };
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
      if (backend === 'legacy') chain = chain ?? emptyChain(hook);
      else if (chain && !chain.declared) chain = undefined;
      if (chain || tname === 'nat') steps.push({ table: tname, prio, ctable: t, chain });
    }
    steps.sort((a, b) => a.prio - b.prio);
    hooks.set(hook, steps);
  }
  void PRIO;
  return hooks;
}

/** One packet in flight, with what is recorded about it. */
interface Flight {
  sim: Sim;
  pkt: Pkt;
  ct: PacketCt;
  ctDone: boolean;
  res: PacketResult;
  sink: TraceSink;
  /** Device of the current route (may change on re-routing in OUTPUT). */
  routeDev?: string;
  nexthop?: number;
  rejected: boolean;
  depth: number;
  /** Responses to send once this packet's processing is over. */
  pending: { pkt: Pkt; ct?: PacketCt; note: string }[];
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
  return {
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
        });
        if (random && !fl.res.random)
          fl.res.random = {
            why: `${module} at line ${c.rule.line}: ${reason}`,
            possibilities: ['the rule matches', 'the rule does not match'],
          };
      }
      return assumed;
    },
    log(prefix, flags) {
      fl.res.log_lines.push(prefix + formatPacketLog(fl.pkt, flags));
    },
    nat(range) {
      return doNat(fl, hook, range);
    },
    reject(kind) {
      fl.rejected = true;
      queueReject(fl, kind, hook);
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
  let ip: number | undefined;
  let r = range;
  if (range.kind === 'MASQUERADE') {
    ip = primaryAddr(host, fl.pkt.out ?? undefined, fl.nexthop ?? fl.pkt.dst);
    if (ip === undefined) return V_DROP;
  } else if (range.kind === 'REDIRECT') {
    if (hook === 'OUTPUT') ip = 0x7f000001;
    else {
      const ifc = fl.pkt.in ? host.ifaces.get(fl.pkt.in) : undefined;
      if (!ifc || ifc.addrs.length === 0) return V_DROP;
      ip = ifc.addrs[0].addr;
    }
  } else if (range.kind === 'NETMAP' && range.netmap) {
    const m = range.netmap.len === 0 ? 0 : (0xffffffff << (32 - range.netmap.len)) >>> 0;
    const cur = manip === MANIP_SRC ? fl.pkt.src : fl.pkt.dst;
    ip = ((cur & ~m) | (range.netmap.addr & m)) >>> 0;
  } else if (range.minIp !== undefined) {
    ip = range.minIp;
    if (range.maxIp !== undefined && range.maxIp !== range.minIp) {
      fl.res.notes.push(
        `${range.kind}: the kernel picks the address in ${formatIPv4(range.minIp)}-${formatIPv4(range.maxIp)} by a hash of the connection; the simulation uses the first`,
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
    fl.pending.push({ pkt: tcpReset(p), ct: reverseCt, note: `REJECT --reject-with tcp-reset in ${hook}` });
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

/** icmp_send: no errors about ICMP errors, broadcasts or multicasts. */
function queueIcmpError(fl: Flight, type: number, code: number, note: string): void {
  const p = fl.pkt;
  const host = fl.sim.host;
  if (p.proto === PROTO_ICMP && isIcmpError(p.icmpType)) return;
  if (isMulticast(p.dst) || p.dst === 0xffffffff || host.broadcast.has(p.dst)) return;
  let src: number | undefined = host.local.has(p.dst) ? p.dst : undefined;
  if (src === undefined) {
    const r = routeLookup(host, { dst: p.src, mark: 0 });
    src = r.src ?? primaryAddr(host, r.dev, p.src);
  }
  if (src === undefined) return;
  const ct: PacketCt | undefined = fl.ct.entry
    ? { entry: fl.ct.entry, state: 'RELATED', dir: fl.ct.dir ? 0 : 1, why: 'ICMP error about this flow' }
    : undefined;
  fl.pending.push({ pkt: icmpError(p, type, code, src), ct, note });
}

function doConntrack(fl: Flight): void {
  if (fl.ctDone) return;
  fl.ctDone = true;
  if (fl.ct.entry || fl.ct.state === 'UNTRACKED') return;
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
  const steps = fl.sim.hooks.get(hook) ?? [];
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

/** Input routing decision. */
function routeInput(fl: Flight): 'local' | 'forward' | 'drop' {
  const p = fl.pkt;
  const host = fl.sim.host;
  const inIf = p.in as string;
  const note = (s: string) => fl.res.notes.push(s);
  if (isMulticast(p.src) || p.src === 0xffffffff) {
    note('martian source address: dropped by the routing decision');
    return 'drop';
  }
  if (inIf !== 'lo' && host.local.has(p.src)) {
    note(
      `martian source ${formatIPv4(p.src)} (one of the host's own addresses) arriving on ${inIf}: dropped by the routing decision`,
    );
    return 'drop';
  }
  if (p.dst === 0xffffffff || host.broadcast.get(p.dst) !== undefined) {
    fl.res.routing.push({ at: 'input routing', result: 'broadcast: delivered locally' });
    return 'local';
  }
  if (isMulticast(p.dst)) {
    const g = host.groups.get(p.dst);
    if (g && (g.has(inIf) || g.has('*'))) {
      // UDP early demux hands a multicast datagram to its (single) socket before INPUT
      if (
        p.proto === PROTO_UDP &&
        host.listeners.some((l) => l.proto === 'udp' && l.addr === p.dst && l.port === p.dport)
      )
        p.socket = true;
      fl.res.routing.push({
        at: 'input routing',
        result: `multicast group ${formatIPv4(p.dst)} joined on ${inIf}: delivered locally`,
      });
      return 'local';
    }
    note(
      `multicast ${formatIPv4(p.dst)}: no socket joined the group on ${inIf} and there is no multicast routing: dropped`,
    );
    return 'drop';
  }
  if (isLoopback(p.dst) && inIf !== 'lo' && !host.routeLocalnet) {
    note('destination in 127.0.0.0/8 arriving from outside (martian; route_localnet=0): dropped');
    return 'drop';
  }
  const r = routeLookup(host, { dst: p.dst, src: p.src, mark: p.mark, iif: inIf });
  fl.res.routing.push({ at: 'input routing', result: describeRoute(r) });
  if (host.rpFilter && inIf !== 'lo') {
    const back = routeLookup(host, { dst: p.src, mark: p.mark, iif: inIf });
    const ok = host.rpFilter === 2 ? back.type === 'unicast' || back.type === 'local' : back.dev === inIf;
    if (!ok) {
      note(`rp_filter=${host.rpFilter}: the route back to ${formatIPv4(p.src)} does not go out ${inIf}; dropped`);
      return 'drop';
    }
  }
  if (r.type === 'local') return 'local';
  if (r.type !== 'unicast') {
    if (host.forwarding && r.type === 'unreachable') queueIcmpError(fl, 3, 0, 'no route to the destination');
    note(`routing decision: ${r.type}`);
    return 'drop';
  }
  if (!host.forwarding) {
    note('not addressed to the host and forwarding is disabled (net.ipv4.ip_forward=0): dropped');
    return 'drop';
  }
  if (p.ttl <= 1) {
    note('TTL expires when forwarding: dropped, ICMP time exceeded sent');
    queueIcmpError(fl, 11, 0, 'TTL exceeded in transit');
    return 'drop';
  }
  fl.routeDev = r.dev;
  fl.nexthop = r.via ?? p.dst;
  if (r.dev === inIf) {
    fl.res.notes.push(
      `the packet leaves through the interface it came in on (${inIf}): the kernel also sends an ICMP redirect to ${formatIPv4(p.src)}`,
    );
  }
  p.ttl--;
  return 'forward';
}

/** Frames of ingress packets get MAC addresses like a real link. */
function setMacs(p: Pkt, host: Host): void {
  if (p.in === 'lo') {
    p.macSrc = '00:00:00:00:00:00';
    p.macDst = '00:00:00:00:00:00';
    return;
  }
  const ifc = p.in ? host.ifaces.get(p.in) : undefined;
  p.macSrc = p.macSrc || ifc?.peerMac || '02:00:00:00:00:02';
  p.macDst =
    p.dst === 0xffffffff || host.broadcast.has(p.dst) ? 'ff:ff:ff:ff:ff:ff' : (ifc?.mac ?? '02:00:00:00:00:01');
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

/** The local stack's reaction to a delivered packet. */
function deliver(fl: Flight): void {
  const p = fl.pkt;
  const host = fl.sim.host;
  const loop = p.in === 'lo';
  if (p.proto === PROTO_TCP) {
    if (p.flags & TCP_RST) return;
    const open = listening(host, 'tcp', p.dport, p.dst, p.in ?? undefined);
    if (open && (p.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN) {
      fl.pending.push({ pkt: synAck(p, loop), note: `a socket listens on tcp port ${p.dport}: SYN-ACK` });
      return;
    }
    if (open && fl.ct.entry && (fl.ct.entry.seenReply || fl.ct.dir === 1)) return;
    fl.pending.push({
      pkt: tcpReset(p),
      note: open ? 'no connection for this segment: reset' : `no socket listens on tcp port ${p.dport}: reset`,
    });
    return;
  }
  if (p.proto === PROTO_UDP) {
    if (listening(host, 'udp', p.dport, p.dst, p.in ?? undefined)) return;
    queueIcmpErrorFresh(fl, 3, 3, `no socket on udp port ${p.dport}: port unreachable`);
    return;
  }
  if (p.proto === PROTO_ICMP) {
    if (p.icmpType === 8 && !(p.dst === 0xffffffff || host.broadcast.has(p.dst) || isMulticast(p.dst))) {
      fl.pending.push({ pkt: echoReply(p), note: 'echo reply' });
    }
    return;
  }
  queueIcmpErrorFresh(fl, 3, 2, `no handler for protocol ${p.proto}: protocol unreachable`);
}

/** An ICMP error from the local stack: a new packet that conntrack classifies itself (RELATED). */
function queueIcmpErrorFresh(fl: Flight, type: number, code: number, note: string): void {
  const before = fl.pending.length;
  queueIcmpError(fl, type, code, note);
  for (let i = before; i < fl.pending.length; i++) fl.pending[i].ct = undefined;
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
        res.notes.push(`no route to ${formatIPv4(pkt.dst)}: the sending socket gets "Network is unreachable"`);
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
  for (const pend of fl.pending) {
    if (fl.depth >= 4) break;
    const r = simulatePacket(sim, pend.pkt, { name: summaryOf(pend.pkt, undefined), depth: fl.depth + 1, ct: pend.ct });
    r.notes.unshift(pend.note);
    r.summary = summaryOf(pend.pkt, r.egress[0]?.iface ?? undefined);
    r.name = r.summary;
    res.responses.push(r);
  }
  return res;
}

export { clonePkt, pktTuple };
