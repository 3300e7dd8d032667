/**
 * Match extensions for layer-4 protocol headers (loaded by `-p` or named with `-m`).
 * One declarative entry per extension (schema in ../types.ts): option names and aliases, negation
 * and repetition as iptables 1.8.9 registers them; kernel restrictions as verified by loading rules
 * into a network namespace. Documentation is our own wording.
 */
import { PORT_LIST, PORT_RANGE, portOptions, TCP_PORT_RANGE, UDP_PORT_RANGE } from '../common';
import type { MatchSpec } from '../types';

export const PROTOCOL_MATCHES: readonly MatchSpec[] = [
  {
    kind: 'match',
    name: 'tcp',
    families: [4, 6],
    summary: 'TCP header fields: ports, flags, options',
    doc: 'Matches fields of the TCP header. Loaded automatically by `-p tcp` when one of its options is used; needs `-p tcp` (not negated).',
    kernel: { protocols: ['tcp'] },
    options: [
      ...portOptions(TCP_PORT_RANGE, ' (port[:port]); service names are looked up for tcp'),
      {
        name: 'syn',
        args: [],
        negatable: true,
        conflicts: ['tcp-flags'],
        doc: 'Only SYN set among SYN,RST,ACK,FIN: a connection attempt (same as --tcp-flags SYN,RST,ACK,FIN SYN).',
      },
      {
        name: 'tcp-flags',
        args: [
          { type: 'tcp-flags', placeholder: 'mask' },
          { type: 'tcp-flags', placeholder: 'comp' },
        ],
        negatable: true,
        conflicts: ['syn'],
        doc: 'Examine the flags in mask; those in comp must be set and the rest of mask clear (e.g. `SYN,RST SYN`).',
      },
      {
        name: 'tcp-option',
        args: [{ type: 'uint', placeholder: 'number', min: 0, max: 255 }],
        negatable: true,
        doc: 'Matches if this TCP option kind is present.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'udp',
    families: [4, 6],
    summary: 'UDP header: ports',
    doc: 'Matches UDP source and destination ports. Loaded automatically by `-p udp`; needs `-p udp` (not negated).',
    kernel: { protocols: ['udp'] },
    options: [...portOptions(UDP_PORT_RANGE)],
  },
  {
    kind: 'match',
    name: 'sctp',
    families: [4, 6],
    summary: 'SCTP header: ports and chunk types',
    doc: 'Matches fields of the SCTP common header and chunks. Requires `-p sctp`.',
    kernel: { protocols: ['sctp'] },
    options: [
      ...portOptions(PORT_RANGE),
      {
        name: 'chunk-types',
        args: [
          { type: 'enum', placeholder: 'all|any|only', values: ['all', 'any', 'only'] },
          { type: 'string', placeholder: 'chunktype[:flags][,...]' },
        ],
        negatable: true,
        doc: 'Chunk types that must all (all), any (any) or only (only) be present, e.g. `any INIT,ABORT`.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'dccp',
    families: [4, 6],
    summary: 'DCCP header: ports, packet types, options',
    doc: 'Matches fields of the DCCP header. Requires `-p dccp`.',
    kernel: { protocols: ['dccp'] },
    options: [
      ...portOptions(PORT_RANGE),
      {
        name: 'dccp-types',
        args: [
          {
            type: 'enum-list',
            placeholder: 'type[,type...]',
            values: [
              'REQUEST',
              'RESPONSE',
              'DATA',
              'ACK',
              'DATAACK',
              'CLOSEREQ',
              'CLOSE',
              'RESET',
              'SYNC',
              'SYNCACK',
              'INVALID',
            ],
            caseInsensitive: true,
          },
        ],
        negatable: true,
        doc: 'DCCP packet type(s).',
      },
      {
        name: 'dccp-option',
        args: [{ type: 'uint', placeholder: 'number', min: 1, max: 255 }],
        negatable: true,
        doc: 'Matches if this DCCP option is present.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'icmp',
    families: [4],
    summary: 'ICMP type and code',
    doc: 'Matches the ICMP type (and code) of IPv4 ICMP packets, by name or number. Loaded by `-p icmp`; `iptables -p icmp -h` lists the names.',
    requireOneOf: [['icmp-type']],
    kernel: { protocols: ['icmp'] },
    options: [
      {
        name: 'icmp-type',
        args: [{ type: 'icmp-type', placeholder: 'type[/code]|name' }],
        negatable: true,
        doc: 'Type name, number, or type/code.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'icmp6',
    families: [6],
    summary: 'ICMPv6 type and code',
    doc: 'Matches the ICMPv6 type (and code). Loaded by `-p ipv6-icmp` (or icmpv6). Remember that IPv6 needs neighbour discovery (types 133-136) to work at all.',
    requireOneOf: [['icmpv6-type']],
    kernel: { protocols: ['ipv6-icmp'] },
    options: [
      {
        name: 'icmpv6-type',
        args: [{ type: 'icmpv6-type', placeholder: 'type[/code]|name' }],
        negatable: true,
        doc: 'Type name, number, or type/code.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'multiport',
    families: [4, 6],
    summary: 'Up to 15 ports or port ranges',
    doc: 'Matches a list of source and/or destination ports in one rule. Needs `-p tcp`, `udp`, `udplite`, `sctp` or `dccp` (not negated). A range counts as two of the 15 entries.',
    requireOneOf: [['sports', 'dports', 'ports']],
    kernel: { protocols: ['tcp', 'udp', 'udplite', 'sctp', 'dccp'] },
    options: [
      {
        name: 'sports',
        aliases: ['source-ports'],
        args: [PORT_LIST],
        negatable: true,
        conflicts: ['dports', 'ports'],
        doc: 'Source port(s).',
      },
      {
        name: 'dports',
        aliases: ['destination-ports'],
        args: [PORT_LIST],
        negatable: true,
        conflicts: ['sports', 'ports'],
        doc: 'Destination port(s).',
      },
      {
        name: 'ports',
        args: [PORT_LIST],
        negatable: true,
        conflicts: ['sports', 'dports'],
        doc: 'Matches if either the source or the destination port is in the list.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'tcpmss',
    families: [4, 6],
    summary: 'MSS option of TCP SYN packets',
    doc: 'Matches the Maximum Segment Size announced in the TCP options of SYN and SYN/ACK packets. Requires `-p tcp`.',
    requireOneOf: [['mss']],
    kernel: { protocols: ['tcp'] },
    options: [
      {
        name: 'mss',
        args: [{ type: 'uint-range', placeholder: 'value[:value]', max: 65535 }],
        negatable: true,
        doc: 'MSS value or range.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'esp',
    families: [4, 6],
    summary: 'SPI of IPsec ESP packets',
    doc: 'Matches the Security Parameter Index of ESP packets. Requires `-p esp`.',
    kernel: { protocols: ['esp'] },
    options: [
      {
        name: 'espspi',
        args: [{ type: 'uint-range', placeholder: 'spi[:spi]' }],
        negatable: true,
        doc: 'SPI or range of SPIs.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'ah',
    families: [4],
    summary: 'SPI (and for IPv6 other fields) of IPsec AH headers',
    doc: 'Matches the Security Parameter Index of IPsec Authentication Header packets. IPv4 needs `-p ah`; in IPv6 AH is an extension header and the match finds it without -p.',
    kernel: { protocols: ['ah'] },
    options: [
      {
        name: 'ahspi',
        args: [{ type: 'uint-range', placeholder: 'spi[:spi]' }],
        negatable: true,
        doc: 'SPI or range.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'ah',
    families: [6],
    summary: 'SPI (and for IPv6 other fields) of IPsec AH headers',
    doc: 'Matches the Security Parameter Index of IPsec Authentication Header packets. IPv4 needs `-p ah`; in IPv6 AH is an extension header and the match finds it without -p.',
    options: [
      {
        name: 'ahspi',
        args: [{ type: 'uint-range', placeholder: 'spi[:spi]' }],
        negatable: true,
        doc: 'SPI or range.',
      },
      {
        name: 'ahlen',
        args: [{ type: 'uint', placeholder: 'length' }],
        negatable: true,
        doc: 'AH header length (IPv6).',
      },
      {
        name: 'ahres',
        args: [],
        doc: 'Reserved field is non-zero (IPv6).',
      },
    ],
  },
  {
    kind: 'match',
    name: 'ipcomp',
    families: [4, 6],
    summary: 'CPI of IPComp packets',
    doc: 'Matches the Compression Parameter Index of IPComp (IP payload compression) packets. Requires `-p ipcomp`.',
    kernel: { protocols: ['ipcomp'] },
    options: [
      {
        name: 'ipcompspi',
        args: [{ type: 'uint-range', placeholder: 'cpi[:cpi]' }],
        negatable: true,
        doc: 'CPI or range.',
      },
      {
        name: 'compres',
        args: [],
        doc: 'Matches if the reserved field is non-zero.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'mh',
    families: [6],
    summary: 'IPv6 Mobility Header type',
    doc: 'Matches the type of Mobile IPv6 Mobility Header packets. Requires `-p mh` (ipv6-mh).',
    kernel: { protocols: ['mh'] },
    options: [
      {
        name: 'mh-type',
        args: [{ type: 'string', placeholder: 'type[:type]' }],
        negatable: true,
        doc: 'Mobility header type name or number, or range.',
      },
    ],
  },
];
