/**
 * Match extensions for IPv6 extension headers and IPv6-only fields.
 * One declarative entry per extension (schema in ../types.ts): option names and aliases, negation
 * and repetition as iptables 1.8.9 registers them; kernel restrictions as verified by loading rules
 * into a network namespace. Documentation is our own wording.
 */
import { ADDRESS, TTL } from '../common';
import type { MatchSpec } from '../types';

export const IPV6_MATCHES: readonly MatchSpec[] = [
  {
    kind: 'match',
    name: 'dst',
    families: [6],
    summary: 'IPv6 Destination Options header',
    doc: 'Matches the presence, length and options of the IPv6 Destination Options extension header.',
    options: [
      {
        name: 'dst-len',
        args: [{ type: 'uint', placeholder: 'length' }],
        negatable: true,
        doc: 'Header extension length.',
      },
      {
        name: 'dst-opts',
        args: [{ type: 'string', placeholder: 'type[:length][,...]' }],
        doc: 'Options (type and optional length) that must be present.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'eui64',
    families: [6],
    summary: 'IPv6 source derived from the sender MAC (EUI-64)',
    doc: 'Matches if the interface identifier of the IPv6 source address is the EUI-64 form of the Ethernet source address. Only where a MAC header exists (PREROUTING, INPUT, FORWARD).',
    kernel: { hooks: ['PREROUTING', 'INPUT', 'FORWARD'] },
    options: [],
  },
  {
    kind: 'match',
    name: 'frag',
    families: [6],
    summary: 'IPv6 Fragment header',
    doc: 'Matches fields of the IPv6 Fragment extension header. Conntrack normally reassembles fragments before the filter table sees them.',
    options: [
      {
        name: 'fragid',
        args: [{ type: 'uint-range', placeholder: 'id[:id]' }],
        negatable: true,
        doc: 'Fragment identification.',
      },
      {
        name: 'fraglen',
        args: [{ type: 'uint', placeholder: 'length' }],
        negatable: true,
        doc: 'Header length.',
      },
      {
        name: 'fragres',
        args: [],
        doc: 'Reserved fields non-zero.',
      },
      {
        name: 'fragfirst',
        args: [],
        doc: 'First fragment.',
      },
      {
        name: 'fragmore',
        args: [],
        conflicts: ['fraglast'],
        doc: 'More fragments follow.',
      },
      {
        name: 'fraglast',
        args: [],
        conflicts: ['fragmore'],
        doc: 'Last fragment.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'hbh',
    families: [6],
    summary: 'IPv6 Hop-by-Hop Options header',
    doc: 'Matches the presence, length and options of the IPv6 Hop-by-Hop Options extension header.',
    options: [
      {
        name: 'hbh-len',
        args: [{ type: 'uint', placeholder: 'length' }],
        negatable: true,
        doc: 'Header extension length.',
      },
      {
        name: 'hbh-opts',
        args: [{ type: 'string', placeholder: 'type[:length][,...]' }],
        doc: 'Options that must be present.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'hl',
    families: [6],
    summary: 'IPv6 Hop Limit',
    doc: 'Compares the Hop Limit of the IPv6 header (the IPv6 TTL) with a value.',
    requireOneOf: [['hl-eq', 'hl-lt', 'hl-gt']],
    options: [
      {
        name: 'hl-lt',
        args: [TTL],
        conflicts: ['hl-gt', 'hl-eq'],
        doc: 'Hop limit is less than the value.',
      },
      {
        name: 'hl-gt',
        args: [TTL],
        conflicts: ['hl-lt', 'hl-eq'],
        doc: 'Hop limit is greater than the value.',
      },
      {
        name: 'hl-eq',
        aliases: ['hl'],
        args: [TTL],
        negatable: true,
        conflicts: ['hl-lt', 'hl-gt'],
        doc: 'Hop limit equals the value.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'ipv6header',
    families: [6],
    summary: 'Which IPv6 extension headers are present',
    doc: 'Matches on the set of IPv6 extension headers of the packet (hop, dst, route, frag, auth, esp, none, prot).',
    requireOneOf: [['header']],
    options: [
      {
        name: 'header',
        args: [{ type: 'string', placeholder: 'header[,header...]' }],
        negatable: true,
        doc: 'Header names or numbers that must be present.',
      },
      {
        name: 'soft',
        args: [],
        doc: 'Match if any of the listed headers is present (instead of exactly these).',
      },
    ],
  },
  {
    kind: 'match',
    name: 'rt',
    families: [6],
    summary: 'IPv6 Routing header',
    doc: 'Matches fields of the IPv6 Routing extension header: type, segments left, length, addresses (type 0).',
    options: [
      {
        name: 'rt-type',
        args: [{ type: 'uint', placeholder: 'type' }],
        negatable: true,
        doc: 'Routing header type.',
      },
      {
        name: 'rt-segsleft',
        args: [{ type: 'uint-range', placeholder: 'num[:num]' }],
        negatable: true,
        doc: 'Segments left.',
      },
      {
        name: 'rt-len',
        args: [{ type: 'uint', placeholder: 'length' }],
        negatable: true,
        doc: 'Header length.',
      },
      {
        name: 'rt-0-res',
        args: [],
        doc: 'Reserved field non-zero (type 0).',
      },
      {
        name: 'rt-0-addrs',
        args: [{ type: 'string', placeholder: 'addr[,addr...]' }],
        doc: 'Type 0 addresses.',
      },
      {
        name: 'rt-0-not-strict',
        args: [],
        doc: 'Addresses need not be an exact list.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'srh',
    families: [6],
    summary: 'IPv6 Segment Routing header',
    doc: 'Matches fields of the IPv6 Segment Routing Header (SRv6): next header, lengths, segments left, last entry, tag and segment IDs.',
    options: [
      {
        name: 'srh-next-hdr',
        args: [{ type: 'uint', placeholder: 'proto', min: 0, max: 255 }],
        negatable: true,
        doc: 'Next header field.',
      },
      {
        name: 'srh-hdr-len-eq',
        args: [{ type: 'uint', placeholder: 'n', min: 0, max: 255 }],
        negatable: true,
        doc: 'Header length equals.',
      },
      {
        name: 'srh-hdr-len-gt',
        args: [{ type: 'uint', placeholder: 'n', min: 0, max: 255 }],
        negatable: true,
        doc: 'Header length greater than.',
      },
      {
        name: 'srh-hdr-len-lt',
        args: [{ type: 'uint', placeholder: 'n', min: 0, max: 255 }],
        negatable: true,
        doc: 'Header length less than.',
      },
      {
        name: 'srh-segs-left-eq',
        args: [{ type: 'uint', placeholder: 'n', min: 0, max: 255 }],
        negatable: true,
        doc: 'Segments left equals.',
      },
      {
        name: 'srh-segs-left-gt',
        args: [{ type: 'uint', placeholder: 'n', min: 0, max: 255 }],
        negatable: true,
        doc: 'Segments left greater than.',
      },
      {
        name: 'srh-segs-left-lt',
        args: [{ type: 'uint', placeholder: 'n', min: 0, max: 255 }],
        negatable: true,
        doc: 'Segments left less than.',
      },
      {
        name: 'srh-last-entry-eq',
        args: [{ type: 'uint', placeholder: 'n', min: 0, max: 255 }],
        negatable: true,
        doc: 'Last entry equals.',
      },
      {
        name: 'srh-last-entry-gt',
        args: [{ type: 'uint', placeholder: 'n', min: 0, max: 255 }],
        negatable: true,
        doc: 'Last entry greater than.',
      },
      {
        name: 'srh-last-entry-lt',
        args: [{ type: 'uint', placeholder: 'n', min: 0, max: 255 }],
        negatable: true,
        doc: 'Last entry less than.',
      },
      {
        name: 'srh-tag',
        args: [{ type: 'uint', placeholder: 'tag', min: 0, max: 65535 }],
        negatable: true,
        doc: 'Tag field.',
      },
      {
        name: 'srh-psid',
        args: [ADDRESS],
        negatable: true,
        doc: 'Previous segment ID (address[/mask]).',
      },
      {
        name: 'srh-nsid',
        args: [ADDRESS],
        negatable: true,
        doc: 'Next segment ID.',
      },
      {
        name: 'srh-lsid',
        args: [ADDRESS],
        negatable: true,
        doc: 'Last segment ID.',
      },
    ],
  },
];
