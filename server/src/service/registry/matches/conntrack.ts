/**
 * Match extensions that look at the connection tracking entry of the packet.
 * One declarative entry per extension (schema in ../types.ts): option names and aliases, negation
 * and repetition as iptables 1.8.9 registers them; kernel restrictions as verified by loading rules
 * into a network namespace. Documentation is our own wording.
 */
import { ADDRESS, MARK, NETMASK_LEN, PORT, PORT_RANGE, PROTOCOL, U64_MAX } from '../common';
import type { MatchSpec } from '../types';

export const CONNTRACK_MATCHES: readonly MatchSpec[] = [
  {
    kind: 'match',
    name: 'conntrack',
    families: [4, 6],
    summary: 'Connection tracking state and tuple',
    doc: 'Matches on the conntrack entry of the packet: its state (NEW, ESTABLISHED, RELATED, INVALID, UNTRACKED, SNAT, DNAT), status bits, original/reply addresses and ports, protocol, remaining lifetime or direction. `--ctstate` replaces the older `-m state --state`.',
    requireOneOf: [
      [
        'ctstate',
        'ctproto',
        'ctorigsrc',
        'ctorigdst',
        'ctreplsrc',
        'ctrepldst',
        'ctstatus',
        'ctexpire',
        'ctorigsrcport',
        'ctorigdstport',
        'ctreplsrcport',
        'ctrepldstport',
        'ctdir',
      ],
    ],
    options: [
      {
        name: 'ctstate',
        args: [{ type: 'ctstate-list', placeholder: 'state[,state...]' }],
        negatable: true,
        doc: "Conntrack state(s); matches if the packet's state is any of them. SNAT/DNAT are virtual states of translated connections.",
      },
      {
        name: 'ctproto',
        args: [PROTOCOL],
        negatable: true,
        doc: 'Layer-4 protocol of the connection.',
      },
      {
        name: 'ctorigsrc',
        args: [ADDRESS],
        negatable: true,
        doc: 'Source address of the original direction.',
      },
      {
        name: 'ctorigdst',
        args: [ADDRESS],
        negatable: true,
        doc: 'Destination address of the original direction (before DNAT).',
      },
      {
        name: 'ctreplsrc',
        args: [ADDRESS],
        negatable: true,
        doc: 'Source address of the reply direction (after DNAT, the real server).',
      },
      {
        name: 'ctrepldst',
        args: [ADDRESS],
        negatable: true,
        doc: 'Destination address of the reply direction (after SNAT, the translated address).',
      },
      {
        name: 'ctstatus',
        args: [{ type: 'ctstatus-list', placeholder: 'status[,status...]' }],
        negatable: true,
        doc: 'Conntrack status bit(s): NONE, EXPECTED, SEEN_REPLY, ASSURED, CONFIRMED.',
      },
      {
        name: 'ctexpire',
        args: [{ type: 'uint-range', placeholder: 'seconds[:seconds]' }],
        negatable: true,
        doc: 'Remaining lifetime of the entry in seconds.',
      },
      {
        name: 'ctorigsrcport',
        args: [PORT_RANGE],
        negatable: true,
        doc: 'Source port of the original direction.',
      },
      {
        name: 'ctorigdstport',
        args: [PORT_RANGE],
        negatable: true,
        doc: 'Destination port of the original direction.',
      },
      {
        name: 'ctreplsrcport',
        args: [PORT_RANGE],
        negatable: true,
        doc: 'Source port of the reply direction.',
      },
      {
        name: 'ctrepldstport',
        args: [PORT_RANGE],
        negatable: true,
        doc: 'Destination port of the reply direction.',
      },
      {
        name: 'ctdir',
        args: [{ type: 'ctdir', placeholder: 'ORIGINAL|REPLY' }],
        doc: 'Only packets flowing in this direction of the connection.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'state',
    families: [4, 6],
    summary: 'Connection tracking state (legacy form of conntrack --ctstate)',
    doc: 'Matches the conntrack state of the packet: NEW, ESTABLISHED, RELATED, INVALID or UNTRACKED. Modern iptables implements it with the conntrack match; `-m conntrack --ctstate` is the preferred spelling and also knows SNAT/DNAT.',
    deprecated: '`-m state --state` is kept for compatibility: use `-m conntrack --ctstate` instead',
    requireOneOf: [['state']],
    options: [
      {
        name: 'state',
        args: [{ type: 'state-list', placeholder: 'state[,state...]' }],
        negatable: true,
        doc: "State(s); matches if the packet's state is any of them.",
      },
    ],
  },
  {
    kind: 'match',
    name: 'connmark',
    families: [4, 6],
    summary: 'Mark stored on the connection (ctmark)',
    doc: "Compares the connection's mark (set with `-j CONNMARK`) with a value, after applying an optional mask. Unlike the packet mark it persists for every packet of the connection.",
    requireOneOf: [['mark']],
    options: [
      {
        name: 'mark',
        args: [MARK],
        negatable: true,
        doc: 'value[/mask]: matches if (ctmark & mask) == value.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'connbytes',
    families: [4, 6],
    summary: 'Bytes or packets transferred by the connection so far',
    doc: "Matches on the connection's traffic counters (packets, bytes, or average packet size) in one or both directions. Needs conntrack accounting (`net.netfilter.nf_conntrack_acct=1`), which iptables enables when the rule is loaded.",
    requireOneOf: [['connbytes'], ['connbytes-dir'], ['connbytes-mode']],
    options: [
      {
        name: 'connbytes',
        args: [{ type: 'uint-range', placeholder: 'from[:to]', max: U64_MAX }],
        negatable: true,
        doc: 'Range of the counter; `10000:` means at least 10000.',
      },
      {
        name: 'connbytes-dir',
        args: [{ type: 'enum', placeholder: 'original|reply|both', values: ['original', 'reply', 'both'] }],
        doc: 'Which direction(s) of the connection to count.',
      },
      {
        name: 'connbytes-mode',
        args: [{ type: 'enum', placeholder: 'packets|bytes|avgpkt', values: ['packets', 'bytes', 'avgpkt'] }],
        doc: 'Count packets, bytes, or the average bytes per packet.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'connlabel',
    families: [4, 6],
    summary: 'Conntrack labels of the connection',
    doc: 'Tests (and with `--set`, sets) one of the 128 conntrack label bits of the connection. Label names come from /etc/xtables/connlabel.conf; a number is accepted directly.',
    requireOneOf: [['label']],
    options: [
      {
        name: 'label',
        args: [{ type: 'string', placeholder: 'name|bit' }],
        negatable: true,
        doc: 'Label name (from connlabel.conf) or bit number 0-127.',
      },
      {
        name: 'set',
        args: [],
        doc: 'Set the label on the connection if it is not set yet; the match then always succeeds (unless negated).',
      },
    ],
  },
  {
    kind: 'match',
    name: 'connlimit',
    families: [4, 6],
    summary: 'Number of concurrent connections per address or network',
    doc: 'Counts the conntrack entries of the same source (or destination) address or prefix and compares with a limit. Commonly used to cap simultaneous connections per client; it counts connections, not rates.',
    requireOneOf: [['connlimit-upto', 'connlimit-above']],
    options: [
      {
        name: 'connlimit-upto',
        args: [{ type: 'uint', placeholder: 'n' }],
        negatable: true,
        conflicts: ['connlimit-above'],
        doc: 'Match while the number of connections is at most n.',
      },
      {
        name: 'connlimit-above',
        args: [{ type: 'uint', placeholder: 'n' }],
        negatable: true,
        conflicts: ['connlimit-upto'],
        doc: 'Match when the number of connections is more than n.',
      },
      {
        name: 'connlimit-mask',
        args: [NETMASK_LEN],
        doc: 'Group addresses by this prefix length (default: whole address).',
      },
      {
        name: 'connlimit-saddr',
        args: [],
        conflicts: ['connlimit-daddr'],
        doc: 'Group by source address (default).',
      },
      {
        name: 'connlimit-daddr',
        args: [],
        conflicts: ['connlimit-saddr'],
        doc: 'Group by destination address.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'helper',
    families: [4, 6],
    summary: 'Conntrack helper assigned to the connection',
    doc: 'Matches packets of connections handled by a conntrack helper (e.g. `ftp`, or `ftp-2121` for a helper on a non-default port). Used to accept RELATED data connections of one helper only.',
    requireOneOf: [['helper']],
    options: [
      {
        name: 'helper',
        args: [{ type: 'string', placeholder: 'name' }],
        negatable: true,
        doc: 'Helper name, optionally with -port.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'cluster',
    families: [4, 6],
    summary: 'Share traffic between cluster nodes by hash',
    doc: "Hashes the connection's source address and matches only for the nodes this host is responsible for, so that several hosts behind one multicast MAC each handle a part of the traffic. Needs conntrack.",
    requireOneOf: [['cluster-local-node', 'cluster-local-nodemask'], ['cluster-total-nodes'], ['cluster-hash-seed']],
    options: [
      {
        name: 'cluster-total-nodes',
        args: [{ type: 'uint', placeholder: 'n', min: 1, max: 32 }],
        doc: 'Number of nodes in the cluster.',
      },
      {
        name: 'cluster-local-node',
        args: [{ type: 'uint', placeholder: 'n', min: 1, max: 32 }],
        negatable: true,
        conflicts: ['cluster-local-nodemask'],
        doc: 'Number of this node (1-based).',
      },
      {
        name: 'cluster-local-nodemask',
        args: [{ type: 'uint', placeholder: 'mask' }],
        negatable: true,
        conflicts: ['cluster-local-node'],
        doc: 'Bitmask of the nodes this host serves (alternative to --cluster-local-node).',
      },
      {
        name: 'cluster-hash-seed',
        args: [{ type: 'uint', placeholder: 'seed' }],
        doc: 'Seed of the hash; must be the same on all nodes.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'ipvs',
    families: [4, 6],
    summary: 'IPVS (LVS) properties of the packet',
    doc: 'Matches packets handled by IPVS load balancing: virtual service address, port, protocol, forwarding method or direction. Needs the ip_vs kernel module.',
    options: [
      {
        name: 'ipvs',
        args: [],
        negatable: true,
        doc: 'Packet belongs to an IPVS connection.',
      },
      {
        name: 'vproto',
        args: [PROTOCOL],
        negatable: true,
        doc: 'Protocol of the virtual service.',
      },
      {
        name: 'vaddr',
        args: [ADDRESS],
        negatable: true,
        doc: 'Virtual service address[/mask].',
      },
      {
        name: 'vport',
        args: [PORT],
        negatable: true,
        doc: 'Virtual service port.',
      },
      {
        name: 'vdir',
        args: [{ type: 'enum', placeholder: 'ORIGINAL|REPLY', values: ['ORIGINAL', 'REPLY'] }],
        doc: 'Direction of the packet in the IPVS connection.',
      },
      {
        name: 'vmethod',
        args: [{ type: 'enum', placeholder: 'GATE|IPIP|MASQ', values: ['GATE', 'IPIP', 'MASQ'] }],
        negatable: true,
        doc: 'IPVS forwarding method.',
      },
      {
        name: 'vportctl',
        args: [PORT],
        negatable: true,
        doc: 'Port of the controlling connection (e.g. 21 for FTP data).',
      },
    ],
  },
];
