/**
 * The host's own IP stack around netfilter: the input routing decision (IPv4: martians,
 * broadcast, multicast groups, rp_filter, forwarding and TTL; IPv6: scope, neighbour discovery
 * groups, forwarding and hop limit), the MAC addresses of received frames, local delivery to
 * sockets (SYN-ACK, resets, port unreachable, echo and neighbour advertisements) and the ICMP /
 * ICMPv6 errors the host sends (icmp_send's rules: no errors about errors or to broadcasts).
 */
import { type Addr, formatAddr, isLoopback, isMulticast } from './addr';
import type { PacketCt } from './conntrack';
import type { Flight } from './flight';
import { describeRoute, type Host, isLinkLocal6, listening, primaryAddr, routeLookup } from './host';
import {
  isIcmpError,
  isIcmpProto,
  type Pkt,
  PROTO_ICMP,
  PROTO_ICMPV6,
  PROTO_TCP,
  PROTO_UDP,
  TCP_ACK,
  TCP_RST,
  TCP_SYN,
} from './packet';
import { echoReply, icmpError, neighbourAdvert, synAck, tcpReset } from './responses';

/** icmp_send: no errors about ICMP errors, broadcasts or multicasts. */
export function queueIcmpError(fl: Flight, type: number, code: number, note: string): void {
  const p = fl.pkt;
  const host = fl.sim.host;
  if (isIcmpProto(p.proto) && isIcmpError(p.icmpType, p.proto)) return;
  if (
    p.family === 6 &&
    p.proto === PROTO_ICMPV6 &&
    p.icmpType >= 128 &&
    p.icmpType <= 137 &&
    p.icmpType !== 128 &&
    p.icmpType !== 129
  )
    return; // no errors about neighbour discovery / MLD messages
  if (isMulticast(p.dst) || p.dst === 0xffffffff || host.broadcast.has(p.dst)) return;
  let src: Addr | undefined = host.local.has(p.dst) ? p.dst : undefined;
  if (src === undefined) {
    const r = routeLookup(host, { dst: p.src, mark: 0 });
    src = r.src ?? primaryAddr(host, r.dev, p.src);
  }
  if (src === undefined) return;
  const ct: PacketCt | undefined = fl.ct.entry
    ? { entry: fl.ct.entry, state: 'RELATED', dir: fl.ct.dir ? 0 : 1, why: 'ICMP error about this flow' }
    : undefined;
  fl.pending.push({ pkt: icmpError(p, type, code, src), ct, note, sync: fl.inTarget });
}

/** Input routing decision. */
export function routeInput(fl: Flight): 'local' | 'forward' | 'drop' {
  const p = fl.pkt;
  const host = fl.sim.host;
  const inIf = p.in as string;
  const note = (s: string) => fl.res.notes.push(s);
  if (p.family === 6) return routeInput6(fl);
  if (isMulticast(p.src) || p.src === 0xffffffff) {
    note('martian source address: dropped by the routing decision');
    return 'drop';
  }
  if (inIf !== 'lo' && host.local.has(p.src)) {
    note(
      `martian source ${formatAddr(p.src)} (one of the host's own addresses) arriving on ${inIf}: dropped by the routing decision`,
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
        result: `multicast group ${formatAddr(p.dst)} joined on ${inIf}: delivered locally`,
      });
      return 'local';
    }
    note(
      `multicast ${formatAddr(p.dst)}: no socket joined the group on ${inIf} and there is no multicast routing: dropped`,
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
      note(`rp_filter=${host.rpFilter}: the route back to ${formatAddr(p.src)} does not go out ${inIf}; dropped`);
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
      `the packet leaves through the interface it came in on (${inIf}): the kernel also sends an ICMP redirect to ${formatAddr(p.src)}`,
    );
  }
  p.ttl--;
  return 'forward';
}

/** The host address a solicited-node multicast group (ff02::1:ffXX:XXXX) stands for. */
function solicitedTarget(host: Host, group: bigint): bigint | undefined {
  if (group >> 24n !== 0xff0200000000000000000001ffn) return undefined;
  for (const [a, dev] of host.local)
    if (typeof a === 'bigint' && dev !== 'lo' && (a & 0xffffffn) === (group & 0xffffffn)) return a;
  return undefined;
}

/** Input routing decision for IPv6 (ip6_rcv_core, ip6_route_input, ip6_forward). */
function routeInput6(fl: Flight): 'local' | 'forward' | 'drop' {
  const p = fl.pkt;
  const host = fl.sim.host;
  const inIf = p.in as string;
  const note = (s: string) => fl.res.notes.push(s);
  const src = p.src as bigint;
  const dst = p.dst as bigint;
  if (isMulticast(src)) {
    note('multicast source address: dropped');
    return 'drop';
  }
  if (inIf !== 'lo' && (src === 1n || dst === 1n)) {
    note('the loopback address ::1 arriving from outside: dropped');
    return 'drop';
  }
  if (isMulticast(dst)) {
    const joined = host.groups.get(dst);
    if (dst === 0xff020000000000000000000000000001n || solicitedTarget(host, dst) !== undefined || joined) {
      fl.res.routing.push({
        at: 'input routing',
        result: `multicast ${formatAddr(dst, true)} on ${inIf}: delivered locally`,
      });
      return 'local';
    }
    note(`multicast ${formatAddr(dst, true)}: the host did not join the group and does no multicast routing: dropped`);
    return 'drop';
  }
  const r = routeLookup(host, { dst, src, mark: p.mark, iif: inIf });
  fl.res.routing.push({ at: 'input routing', result: describeRoute(r) });
  if (r.type === 'local') return 'local';
  if (!host.forwarding6) {
    note('not addressed to the host and forwarding is disabled (net.ipv6.conf.all.forwarding=0): dropped');
    return 'drop';
  }
  if (r.type !== 'unicast') {
    if (r.type === 'unreachable') queueIcmpError(fl, 1, 0, 'no route to the destination');
    note(`routing decision: ${r.type}`);
    return 'drop';
  }
  if (isLinkLocal6(src) || isLinkLocal6(dst)) {
    note('link-local addresses are never forwarded: dropped');
    if (isLinkLocal6(src)) queueIcmpError(fl, 1, 2, 'beyond the scope of the source address');
    return 'drop';
  }
  if (p.ttl <= 1) {
    note('hop limit expires when forwarding: dropped, ICMPv6 time exceeded sent');
    queueIcmpError(fl, 3, 0, 'hop limit exceeded in transit');
    return 'drop';
  }
  fl.routeDev = r.dev;
  fl.nexthop = r.via ?? dst;
  p.ttl--;
  return 'forward';
}

/** Frames of ingress packets get MAC addresses like a real link. */
export function setMacs(p: Pkt, host: Host): void {
  if (p.in === 'lo') {
    p.macSrc = '00:00:00:00:00:00';
    p.macDst = '00:00:00:00:00:00';
    return;
  }
  const ifc = p.in ? host.ifaces.get(p.in) : undefined;
  p.macSrc = p.macSrc || ifc?.peerMac || '02:00:00:00:00:02';
  if (typeof p.dst === 'bigint' && isMulticast(p.dst)) {
    const low = Number(p.dst & 0xffffffffn);
    const h = (n: number) => ((low >>> n) & 255).toString(16).padStart(2, '0');
    p.macDst = `33:33:${h(24)}:${h(16)}:${h(8)}:${h(0)}`;
    return;
  }
  p.macDst =
    p.dst === 0xffffffff || host.broadcast.has(p.dst) ? 'ff:ff:ff:ff:ff:ff' : (ifc?.mac ?? '02:00:00:00:00:01');
}

/** The local stack's reaction to a delivered packet. */
export function deliver(fl: Flight): void {
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
  const v6 = p.family === 6;
  if (p.proto === PROTO_UDP) {
    if (listening(host, 'udp', p.dport, p.dst, p.in ?? undefined)) return;
    if (v6) queueIcmpErrorFresh(fl, 1, 4, `no socket on udp port ${p.dport}: port unreachable`);
    else queueIcmpErrorFresh(fl, 3, 3, `no socket on udp port ${p.dport}: port unreachable`);
    return;
  }
  if (p.proto === PROTO_ICMPV6) {
    if (p.icmpType === 128 && !isMulticast(p.dst)) fl.pending.push({ pkt: echoReply(p), note: 'echo reply' });
    if (p.icmpType === 135) {
      const target = isMulticast(p.dst) ? solicitedTarget(host, p.dst as bigint) : (p.dst as bigint);
      if (target !== undefined && host.local.has(target) && p.ttl === 255)
        fl.pending.push({
          pkt: neighbourAdvert(p, target),
          note: 'neighbour solicitation for our address: advertisement',
        });
      else if (p.ttl !== 255) fl.res.notes.push('neighbour discovery messages need hop limit 255: ignored');
    }
    return;
  }
  if (p.proto === PROTO_ICMP) {
    if (p.icmpType === 8 && !(p.dst === 0xffffffff || host.broadcast.has(p.dst) || isMulticast(p.dst))) {
      fl.pending.push({ pkt: echoReply(p), note: 'echo reply' });
    }
    return;
  }
  if (v6) queueIcmpErrorFresh(fl, 4, 1, `no handler for next header ${p.proto}: parameter problem`);
  else queueIcmpErrorFresh(fl, 3, 2, `no handler for protocol ${p.proto}: protocol unreachable`);
}

/** An ICMP error from the local stack: a new packet that conntrack classifies itself (RELATED). */
function queueIcmpErrorFresh(fl: Flight, type: number, code: number, note: string): void {
  const before = fl.pending.length;
  queueIcmpError(fl, type, code, note);
  for (let i = before; i < fl.pending.length; i++) fl.pending[i].ct = undefined;
}
