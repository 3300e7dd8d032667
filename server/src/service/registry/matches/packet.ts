/**
 * Match extensions on addresses, interfaces and header fields of the packet itself.
 * One declarative entry per extension (schema in ../types.ts): option names and aliases, negation
 * and repetition as iptables 1.8.9 registers them; kernel restrictions as verified by loading rules
 * into a network namespace. Documentation is our own wording.
 */
import { ADDRESS, ADDRTYPES, IFACE, MARK, PROTOCOL, TTL } from '../common';
import type { MatchSpec } from '../types';

export const PACKET_MATCHES: readonly MatchSpec[] = [
  {
    kind: 'match',
    name: 'addrtype',
    families: [4, 6],
    summary: 'Address type of source/destination (LOCAL, BROADCAST...)',
    doc: "Matches on the routing type of the packet's source or destination address as the kernel routing tables see it (LOCAL, UNICAST, BROADCAST, MULTICAST...). Docker uses `--dst-type LOCAL` to catch traffic for any address of the host. The answer depends on the host's addresses and routes, not on the ruleset.",
    requireOneOf: [['src-type', 'dst-type']],
    optionRestrictions: [
      { option: 'limit-iface-in', kernel: { hooks: ['PREROUTING', 'INPUT', 'FORWARD'] } },
      { option: 'limit-iface-out', kernel: { hooks: ['FORWARD', 'OUTPUT', 'POSTROUTING'] } },
    ],
    options: [
      {
        name: 'src-type',
        args: [ADDRTYPES],
        negatable: true,
        doc: 'Source address type(s), comma-separated; matches if the type is any of them.',
      },
      {
        name: 'dst-type',
        args: [ADDRTYPES],
        negatable: true,
        doc: 'Destination address type(s), comma-separated; matches if the type is any of them.',
      },
      {
        name: 'limit-iface-in',
        args: [],
        conflicts: ['limit-iface-out'],
        doc: 'Only consider addresses of the incoming interface when deciding the type (not usable in OUTPUT/POSTROUTING).',
      },
      {
        name: 'limit-iface-out',
        args: [],
        conflicts: ['limit-iface-in'],
        doc: 'Only consider addresses of the outgoing interface when deciding the type (not usable in PREROUTING/INPUT).',
      },
    ],
  },
  {
    kind: 'match',
    name: 'iprange',
    families: [4, 6],
    summary: 'Arbitrary IP address ranges',
    doc: 'Matches source or destination addresses in an inclusive range `from-to`, which need not be a CIDR prefix.',
    requireOneOf: [['src-range', 'dst-range']],
    options: [
      {
        name: 'src-range',
        args: [{ type: 'ip-range', placeholder: 'from[-to]' }],
        negatable: true,
        doc: 'Source address range.',
      },
      {
        name: 'dst-range',
        args: [{ type: 'ip-range', placeholder: 'from[-to]' }],
        negatable: true,
        doc: 'Destination address range.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'length',
    families: [4, 6],
    summary: 'Length of the packet',
    doc: 'Matches the length of the layer-3 packet (IPv4 total length; IPv6 payload length plus header), a value or an inclusive range.',
    requireOneOf: [['length']],
    options: [
      {
        name: 'length',
        args: [{ type: 'length-range', placeholder: 'length[:length]' }],
        negatable: true,
        doc: 'Length or range in bytes.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'mac',
    families: [4, 6],
    summary: 'Source MAC address',
    doc: 'Matches the Ethernet source address of incoming packets. Only valid where a link-layer header exists: PREROUTING, INPUT and FORWARD.',
    requireOneOf: [['mac-source']],
    kernel: { hooks: ['PREROUTING', 'INPUT', 'FORWARD'] },
    options: [
      {
        name: 'mac-source',
        args: [{ type: 'mac', placeholder: 'XX:XX:XX:XX:XX:XX' }],
        negatable: true,
        doc: 'Source MAC address.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'mark',
    families: [4, 6],
    summary: 'Packet mark (nfmark)',
    doc: "Compares the packet's mark (set with `-j MARK`, by tc, or by routing policy) with a value after an optional mask.",
    requireOneOf: [['mark']],
    options: [
      {
        name: 'mark',
        args: [MARK],
        negatable: true,
        doc: 'value[/mask]: matches if (mark & mask) == value.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'pkttype',
    families: [4, 6],
    summary: 'Link-layer packet type (unicast, broadcast, multicast)',
    doc: 'Matches the link-layer class of the packet: addressed to this host, broadcast or multicast.',
    requireOneOf: [['pkt-type']],
    options: [
      {
        name: 'pkt-type',
        args: [
          {
            type: 'enum',
            placeholder: 'unicast|broadcast|multicast',
            values: ['unicast', 'broadcast', 'multicast', 'host', 'otherhost', 'outgoing', 'loopback', 'fastroute'],
            caseInsensitive: true,
          },
        ],
        negatable: true,
        doc: 'Packet type.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'dscp',
    families: [4, 6],
    summary: 'DSCP field of the IP header',
    doc: 'Matches the 6-bit DSCP (DiffServ) value of the IPv4 TOS / IPv6 traffic class byte, by number or class name.',
    requireOneOf: [['dscp', 'dscp-class']],
    options: [
      {
        name: 'dscp',
        args: [{ type: 'dscp', placeholder: 'value' }],
        negatable: true,
        conflicts: ['dscp-class'],
        doc: 'DSCP value 0-63 (decimal or hex).',
      },
      {
        name: 'dscp-class',
        args: [{ type: 'dscp-class', placeholder: 'class' }],
        negatable: true,
        conflicts: ['dscp'],
        doc: 'DiffServ class name: BE, EF, CS0-CS7, AF11-AF43.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'tos',
    families: [4, 6],
    summary: 'TOS field of the IPv4 header / traffic class',
    doc: 'Matches the 8-bit Type of Service (IPv4) or traffic class (IPv6) byte after an optional mask, or one of the symbolic names Minimize-Delay, Maximize-Throughput, Maximize-Reliability, Minimize-Cost, Normal-Service.',
    requireOneOf: [['tos']],
    options: [
      {
        name: 'tos',
        args: [{ type: 'tos', placeholder: 'value[/mask]|name' }],
        negatable: true,
        doc: 'value[/mask] or symbolic name.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'ttl',
    families: [4],
    summary: 'IPv4 Time To Live',
    doc: 'Compares the TTL of the IPv4 header with a value.',
    requireOneOf: [['ttl-eq', 'ttl-lt', 'ttl-gt']],
    options: [
      {
        name: 'ttl-lt',
        args: [TTL],
        conflicts: ['ttl-gt', 'ttl-eq'],
        doc: 'TTL is less than the value.',
      },
      {
        name: 'ttl-gt',
        args: [TTL],
        conflicts: ['ttl-lt', 'ttl-eq'],
        doc: 'TTL is greater than the value.',
      },
      {
        name: 'ttl-eq',
        aliases: ['ttl'],
        args: [TTL],
        negatable: true,
        conflicts: ['ttl-lt', 'ttl-gt'],
        doc: 'TTL equals the value.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'ecn',
    families: [4, 6],
    summary: 'ECN bits of the IP and TCP headers',
    doc: 'Matches Explicit Congestion Notification bits: the ECT/CE codepoint of the IP header, or the CWR/ECE flags of TCP (those need `-p tcp`).',
    requireOneOf: [['ecn-tcp-cwr', 'ecn-tcp-ece', 'ecn-ip-ect']],
    optionRestrictions: [
      { option: 'ecn-tcp-cwr', kernel: { protocols: ['tcp'] } },
      { option: 'ecn-tcp-ece', kernel: { protocols: ['tcp'] } },
    ],
    options: [
      {
        name: 'ecn-tcp-cwr',
        args: [],
        negatable: true,
        doc: 'TCP CWR (congestion window reduced) flag set.',
      },
      {
        name: 'ecn-tcp-ece',
        args: [],
        negatable: true,
        doc: 'TCP ECE (ECN echo) flag set.',
      },
      {
        name: 'ecn-ip-ect',
        args: [{ type: 'uint', placeholder: '0-3', min: 0, max: 3 }],
        negatable: true,
        doc: 'ECN codepoint of the IP header (0-3; 3 = congestion experienced).',
      },
    ],
  },
  {
    kind: 'match',
    name: 'realm',
    families: [4],
    summary: 'Routing realm of the packet',
    doc: 'Matches the routing realm set by the route used for the packet (`ip route ... realm N`). Needs the route lookup to have happened, so not usable in PREROUTING.',
    requireOneOf: [['realm']],
    kernel: { hooks: ['INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'] },
    options: [
      {
        name: 'realm',
        args: [{ type: 'string', placeholder: 'value[/mask]' }],
        negatable: true,
        doc: 'Realm number (or name from /etc/iproute2/rt_realms), optionally masked.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'devgroup',
    families: [4, 6],
    summary: 'Device group of the input/output interface',
    doc: 'Matches the group number (`ip link set DEV group N`) of the incoming or outgoing interface, optionally masked. Lets one rule cover a set of interfaces.',
    requireOneOf: [['src-group', 'dst-group']],
    optionRestrictions: [
      { option: 'src-group', kernel: { hooks: ['PREROUTING', 'INPUT', 'FORWARD'] } },
      { option: 'dst-group', kernel: { hooks: ['FORWARD', 'OUTPUT', 'POSTROUTING'] } },
    ],
    options: [
      {
        name: 'src-group',
        args: [{ type: 'string', placeholder: 'group[/mask]' }],
        negatable: true,
        doc: 'Group of the incoming interface (number or name from /etc/iproute2/group).',
      },
      {
        name: 'dst-group',
        args: [{ type: 'string', placeholder: 'group[/mask]' }],
        negatable: true,
        doc: 'Group of the outgoing interface.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'physdev',
    families: [4, 6],
    summary: 'Bridge port of bridged packets',
    doc: 'Matches the bridge ports a packet enters or leaves by when it traverses a Linux bridge and br_netfilter passes it to iptables (`net.bridge.bridge-nf-call-iptables=1`).',
    requireOneOf: [['physdev-in', 'physdev-out', 'physdev-is-in', 'physdev-is-out', 'physdev-is-bridged']],
    options: [
      {
        name: 'physdev-in',
        args: [IFACE],
        negatable: true,
        doc: 'Bridge port the packet came in on (`+` wildcard allowed).',
      },
      {
        name: 'physdev-out',
        args: [IFACE],
        negatable: true,
        doc: 'Bridge port the packet will leave by; only known for bridged traffic in FORWARD/POSTROUTING.',
      },
      {
        name: 'physdev-is-in',
        args: [],
        negatable: true,
        doc: 'Packet entered through a bridge port.',
      },
      {
        name: 'physdev-is-out',
        args: [],
        negatable: true,
        doc: 'Packet will leave through a bridge port.',
      },
      {
        name: 'physdev-is-bridged',
        args: [],
        negatable: true,
        doc: 'Packet is being bridged (not routed).',
      },
    ],
  },
  {
    kind: 'match',
    name: 'policy',
    families: [4, 6],
    summary: 'IPsec policy used to decapsulate or to encapsulate',
    doc: 'Matches whether the packet was (`--dir in`) or will be (`--dir out`) processed by IPsec, and with which policy elements. `--dir in` is only valid in PREROUTING/INPUT/FORWARD, `--dir out` in FORWARD/OUTPUT/POSTROUTING.',
    requireOneOf: [['dir']],
    options: [
      {
        name: 'dir',
        args: [{ type: 'enum', placeholder: 'in|out', values: ['in', 'out'] }],
        doc: 'Decapsulation (in) or encapsulation (out) policy.',
      },
      {
        name: 'pol',
        args: [{ type: 'enum', placeholder: 'none|ipsec', values: ['none', 'ipsec'] }],
        doc: '`ipsec`: packet is subject to IPsec; `none`: it is not.',
      },
      {
        name: 'strict',
        args: [],
        doc: 'The elements given must match the whole policy exactly, in order.',
      },
      {
        name: 'reqid',
        args: [{ type: 'uint', placeholder: 'id' }],
        negatable: true,
        repeatable: true,
        doc: 'reqid of the policy element (from the SA template).',
      },
      {
        name: 'spi',
        args: [{ type: 'uint', placeholder: 'spi' }],
        negatable: true,
        repeatable: true,
        doc: 'SPI of the SA.',
      },
      {
        name: 'tunnel-src',
        args: [ADDRESS],
        negatable: true,
        repeatable: true,
        doc: 'Tunnel source address[/mask] (tunnel mode only).',
      },
      {
        name: 'tunnel-dst',
        args: [ADDRESS],
        negatable: true,
        repeatable: true,
        doc: 'Tunnel destination address[/mask] (tunnel mode only).',
      },
      {
        name: 'proto',
        args: [PROTOCOL],
        negatable: true,
        repeatable: true,
        doc: 'IPsec protocol: ah, esp or ipcomp.',
      },
      {
        name: 'mode',
        args: [{ type: 'enum', placeholder: 'tunnel|transport', values: ['tunnel', 'transport'] }],
        negatable: true,
        repeatable: true,
        doc: 'IPsec mode.',
      },
      {
        name: 'next',
        args: [],
        repeatable: true,
        doc: 'Start describing the next element of the policy (with --strict). Requires --strict.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'u32',
    families: [4, 6],
    summary: 'Test arbitrary 32-bit words of the packet',
    doc: 'Extracts 32-bit words at computed offsets of the packet, masks/shifts them and compares with ranges, using a small expression language (`start&mask=range`, `@` to follow offsets). Powerful but unreadable: comment it.',
    requireOneOf: [['u32']],
    options: [
      {
        name: 'u32',
        args: [{ type: 'string', placeholder: 'tests' }],
        negatable: true,
        doc: 'Test expression, e.g. `0>>22&0x3C@0>>16=0x50`.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'bpf',
    families: [4, 6],
    summary: 'Run a classic or pinned eBPF program on the packet',
    doc: 'Matches when a BPF program returns non-zero for the packet. The program is given as compiled classic-BPF bytecode (as produced by `nfbpf_compile`) or as a pinned eBPF object path. Hard to read: keep a comment next to it.',
    requireOneOf: [['bytecode', 'object-pinned']],
    options: [
      {
        name: 'bytecode',
        args: [{ type: 'string', placeholder: 'code' }],
        doc: 'Classic BPF bytecode: "N,op jt jf k,op jt jf k,..." where N is the instruction count.',
      },
      {
        name: 'object-pinned',
        args: [{ type: 'string', placeholder: 'path' }],
        doc: 'Path of an eBPF program pinned in the BPF filesystem.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'string',
    families: [4, 6],
    summary: 'Search the packet for a byte string',
    doc: 'Searches the packet data between offsets `--from` and `--to` for a string, with the Boyer-Moore or Knuth-Pratt-Morris algorithm. It only sees one packet at a time, so strings split over segments or in encrypted traffic are not found.',
    requireOneOf: [['string', 'hex-string'], ['algo']],
    options: [
      {
        name: 'from',
        args: [{ type: 'uint', placeholder: 'offset', min: 0, max: 65535 }],
        doc: 'Offset from which to search (default 0).',
      },
      {
        name: 'to',
        args: [{ type: 'uint', placeholder: 'offset', min: 0, max: 65535 }],
        doc: 'Offset up to which to search (default: whole packet).',
      },
      {
        name: 'algo',
        args: [{ type: 'enum', placeholder: 'bm|kmp', values: ['bm', 'kmp'] }],
        doc: 'Search algorithm.',
      },
      {
        name: 'string',
        args: [{ type: 'string', placeholder: 'pattern', max: 128 }],
        negatable: true,
        conflicts: ['hex-string'],
        doc: 'Pattern to look for (at most 128 bytes).',
      },
      {
        name: 'hex-string',
        args: [{ type: 'hex-string', placeholder: '|hex|text' }],
        negatable: true,
        conflicts: ['string'],
        doc: 'Pattern with bytes given in hex between pipes, e.g. `|0d0a|`.',
      },
      {
        name: 'icase',
        args: [],
        doc: 'Ignore case.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'osf',
    families: [4],
    summary: 'Passive OS fingerprinting of TCP SYNs',
    doc: "Guesses the sender's operating system from TCP SYN options, using fingerprints loaded with `nfnl_osf`. Without loaded fingerprints nothing matches.",
    requireOneOf: [['genre']],
    kernel: { hooks: ['PREROUTING', 'INPUT', 'FORWARD'], protocols: ['tcp'] },
    options: [
      {
        name: 'genre',
        args: [{ type: 'string', placeholder: 'name' }],
        negatable: true,
        doc: 'OS genre to match (e.g. Linux, Windows).',
      },
      {
        name: 'ttl',
        args: [{ type: 'uint', placeholder: '0-2', min: 0, max: 2 }],
        doc: 'How to check the IP TTL: 0 = exact, 1 = allow lower, 2 = ignore.',
      },
      {
        name: 'log',
        args: [{ type: 'uint', placeholder: '0-2', min: 0, max: 2 }],
        doc: 'Log found/unknown fingerprints: 0 = all, 1 = first match, 2 = known only.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'cpu',
    families: [4, 6],
    summary: 'CPU handling the packet',
    doc: 'Matches the number of the CPU processing the packet, e.g. to spread work over local servers. Only meaningful with receive steering set up.',
    requireOneOf: [['cpu']],
    options: [
      {
        name: 'cpu',
        args: [{ type: 'uint', placeholder: 'n' }],
        negatable: true,
        doc: 'CPU number (0-based).',
      },
    ],
  },
];
