/**
 * NAT targets: address and port translation (nat table) and stateless IPv6 prefix translation.
 * One declarative entry per extension (schema in ../types.ts): option names and aliases, negation
 * and repetition as iptables 1.8.9 registers them; kernel restrictions as verified by loading rules
 * into a network namespace. Documentation is our own wording.
 */
import { ADDRESS, NAT_RANGE, PORT_SPEC } from '../common';
import type { OptionSpec, TargetSpec } from '../types';

/** The prefix pair of the NPTv6 targets (SNPT and DNPT take the same options). */
const NPT_OPTIONS: OptionSpec[] = [
  { name: 'src-pfx', args: [ADDRESS], doc: 'Prefix to translate from.' },
  { name: 'dst-pfx', args: [ADDRESS], doc: 'Prefix to translate to.' },
];

export const NAT_TARGETS: readonly TargetSpec[] = [
  {
    kind: 'target',
    name: 'DNAT',
    families: [4, 6],
    flow: 'terminal',
    summary: 'Rewrite the destination address/port',
    doc: 'Destination NAT: rewrites the destination of the first packet of a connection, and conntrack applies the same translation to the rest (and reverses it for replies). Only in the nat table, PREROUTING and OUTPUT. A port needs `-p tcp|udp|sctp|dccp`.',
    requireOneOf: [['to-destination']],
    kernel: { tables: ['nat'], hooks: ['PREROUTING', 'OUTPUT'] },
    options: [
      {
        name: 'to-destination',
        args: [NAT_RANGE],
        doc: 'New destination: addr[-addr][:port[-port]]; IPv6 addresses in [brackets] when a port follows.',
      },
      {
        name: 'random',
        args: [],
        doc: 'Randomize the port mapping.',
      },
      {
        name: 'persistent',
        args: [],
        doc: 'Give a client the same address for all its connections.',
      },
    ],
  },
  {
    kind: 'target',
    name: 'SNAT',
    families: [4, 6],
    flow: 'terminal',
    summary: 'Rewrite the source address/port',
    doc: 'Source NAT: rewrites the source of the first packet of a connection to a fixed address; conntrack keeps the mapping for the rest and for replies. Only in the nat table, POSTROUTING and INPUT. A port needs `-p tcp|udp|sctp|dccp`.',
    requireOneOf: [['to-source']],
    kernel: { tables: ['nat'], hooks: ['INPUT', 'POSTROUTING'] },
    options: [
      {
        name: 'to-source',
        args: [NAT_RANGE],
        doc: 'New source: addr[-addr][:port[-port]].',
      },
      {
        name: 'random',
        args: [],
        doc: 'Randomize the port mapping (hash-based).',
      },
      {
        name: 'random-fully',
        args: [],
        doc: 'Fully randomize the port mapping.',
      },
      {
        name: 'persistent',
        args: [],
        doc: 'Give a client the same address for all its connections.',
      },
    ],
  },
  {
    kind: 'target',
    name: 'MASQUERADE',
    families: [4, 6],
    flow: 'terminal',
    summary: "SNAT to the outgoing interface's address",
    doc: 'Source NAT to the primary address of the interface the packet leaves by; the mappings are forgotten when the interface goes down. For dynamic addresses (DHCP, PPP). Only in nat POSTROUTING.',
    kernel: { tables: ['nat'], hooks: ['POSTROUTING'] },
    optionRestrictions: [
      { option: 'to-ports', kernel: { protocols: ['tcp', 'udp', 'sctp', 'dccp', 'icmp', 'ipv6-icmp'] } },
    ],
    options: [
      {
        name: 'to-ports',
        args: [PORT_SPEC],
        doc: 'Source port range to use (needs -p tcp, udp, sctp or dccp).',
      },
      {
        name: 'random',
        args: [],
        doc: 'Randomize the port mapping.',
      },
      {
        name: 'random-fully',
        args: [],
        doc: 'Fully randomize the port mapping.',
      },
    ],
  },
  {
    kind: 'target',
    name: 'REDIRECT',
    families: [4, 6],
    flow: 'terminal',
    summary: 'DNAT to the host itself',
    doc: 'Rewrites the destination to the address of the incoming interface (127.0.0.1/::1 for local traffic), optionally changing the port: a local transparent proxy. Only in nat PREROUTING and OUTPUT.',
    kernel: { tables: ['nat'], hooks: ['PREROUTING', 'OUTPUT'] },
    optionRestrictions: [
      { option: 'to-ports', kernel: { protocols: ['tcp', 'udp', 'sctp', 'dccp', 'icmp', 'ipv6-icmp'] } },
    ],
    options: [
      {
        name: 'to-ports',
        args: [PORT_SPEC],
        doc: 'Destination port or range (needs -p tcp, udp, sctp or dccp).',
      },
      {
        name: 'random',
        args: [],
        doc: 'Randomize the port mapping.',
      },
    ],
  },
  {
    kind: 'target',
    name: 'NETMAP',
    families: [4, 6],
    flow: 'terminal',
    summary: 'Map a whole network 1:1 onto another',
    doc: 'Rewrites the network part of the address and keeps the host part: the destination in PREROUTING/OUTPUT, the source in INPUT/POSTROUTING. Only in the nat table.',
    requireOneOf: [['to']],
    kernel: { tables: ['nat'], hooks: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'] },
    options: [
      {
        name: 'to',
        args: [ADDRESS],
        doc: 'Target network address/prefix.',
      },
    ],
  },
  {
    kind: 'target',
    name: 'DNPT',
    families: [6],
    flow: 'continue',
    summary: 'IPv6 destination prefix translation (NPTv6)',
    doc: 'Stateless IPv6-to-IPv6 prefix translation of the destination address (RFC 6296), paired with SNPT. Only in mangle PREROUTING and OUTPUT.',
    requireOneOf: [['src-pfx'], ['dst-pfx']],
    kernel: { tables: ['mangle'], hooks: ['PREROUTING', 'OUTPUT'] },
    options: NPT_OPTIONS,
  },
  {
    kind: 'target',
    name: 'SNPT',
    families: [6],
    flow: 'continue',
    summary: 'IPv6 source prefix translation (NPTv6)',
    doc: 'Stateless IPv6-to-IPv6 prefix translation of the source address (RFC 6296), paired with DNPT. Only in mangle INPUT and POSTROUTING.',
    requireOneOf: [['src-pfx'], ['dst-pfx']],
    kernel: { tables: ['mangle'], hooks: ['INPUT', 'POSTROUTING'] },
    options: NPT_OPTIONS,
  },
];
