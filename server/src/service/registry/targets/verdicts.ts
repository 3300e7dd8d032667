/**
 * Standard verdicts and the targets that decide the fate of the packet (terminal targets).
 * One declarative entry per extension (schema in ../types.ts): option names and aliases, negation
 * and repetition as iptables 1.8.9 registers them; kernel restrictions as verified by loading rules
 * into a network namespace. Documentation is our own wording.
 */
import { MARK, PORT } from '../common';
import type { TargetSpec } from '../types';

export const VERDICTS_TARGETS: readonly TargetSpec[] = [
  {
    kind: 'target',
    name: 'ACCEPT',
    families: [4, 6],
    flow: 'verdict',
    summary: 'Let the packet through this table',
    doc: 'Stops traversal of the current table and lets the packet continue to the next table or hook. It does not bypass later tables: a packet ACCEPTed in mangle still meets filter.',
    options: [],
  },
  {
    kind: 'target',
    name: 'DROP',
    families: [4, 6],
    flow: 'verdict',
    summary: 'Discard the packet',
    doc: 'Discards the packet silently; no further rule or table sees it and the sender gets no answer (it will time out). iptables refuses it in the nat table.',
    kernel: { tables: ['raw', 'mangle', 'filter', 'security'] },
    options: [],
  },
  {
    kind: 'target',
    name: 'RETURN',
    families: [4, 6],
    flow: 'verdict',
    summary: 'Return to the calling chain',
    doc: "Returns to the rule after the one that jumped to this chain; in a built-in chain, the chain's policy applies.",
    options: [],
  },
  {
    kind: 'target',
    name: 'QUEUE',
    families: [4, 6],
    flow: 'verdict',
    summary: 'Hand the packet to userspace queue 0',
    doc: 'Passes the packet to a userspace program through NFQUEUE queue 0; if no program listens, the packet is dropped. Prefer `-j NFQUEUE`, which allows choosing the queue. iptables-nft needs the nft queue expression (nft_queue) in the kernel to load it.',
    options: [],
  },
  {
    kind: 'target',
    name: 'REJECT',
    families: [4, 6],
    flow: 'terminal',
    summary: 'Drop the packet and send an error back',
    doc: 'Drops the packet and answers with an ICMP error (port unreachable by default) or a TCP reset, so the sender fails fast. Only in the filter table (INPUT, FORWARD, OUTPUT); `tcp-reset` needs `-p tcp`.',
    kernel: { tables: ['filter'], hooks: ['INPUT', 'FORWARD', 'OUTPUT'] },
    options: [
      {
        name: 'reject-with',
        args: [
          {
            type: 'enum',
            placeholder: 'type',
            prefix: true,
            values: [
              'icmp-net-unreachable',
              'net-unreach',
              'icmp-host-unreachable',
              'host-unreach',
              'icmp-proto-unreachable',
              'proto-unreach',
              'icmp-port-unreachable',
              'port-unreach',
              'icmp-net-prohibited',
              'net-prohib',
              'icmp-host-prohibited',
              'host-prohib',
              'tcp-reset',
              'tcp-rst',
              'icmp-admin-prohibited',
              'admin-prohib',
            ],
          },
        ],
        families: [4],
        doc: 'Kind of answer.',
      },
      {
        name: 'reject-with',
        args: [
          {
            type: 'enum',
            placeholder: 'type',
            prefix: true,
            values: [
              'icmp6-no-route',
              'no-route',
              'icmp6-adm-prohibited',
              'adm-prohibited',
              'icmp6-addr-unreachable',
              'addr-unreach',
              'icmp6-port-unreachable',
              'port-unreach',
              'tcp-reset',
              'tcp-rst',
              'icmp6-policy-fail',
              'policy-fail',
              'icmp6-reject-route',
              'reject-route',
            ],
          },
        ],
        families: [6],
        doc: 'Kind of answer.',
      },
    ],
  },
  {
    kind: 'target',
    name: 'NFQUEUE',
    families: [4, 6],
    flow: 'terminal',
    summary: 'Hand the packet to a userspace program',
    doc: 'Queues the packet to the given nfnetlink queue, where a program (IDS, Suricata...) issues the verdict. Without a listener the packet is dropped, unless `--queue-bypass` is given, in which case it continues as if ACCEPTed by this chain. Modelled as terminal: the verdict comes from userspace.',
    options: [
      {
        name: 'queue-num',
        args: [{ type: 'uint', placeholder: 'n', min: 0, max: 65535 }],
        conflicts: ['queue-balance'],
        doc: 'Queue number (default 0).',
      },
      {
        name: 'queue-balance',
        args: [{ type: 'uint-range', placeholder: 'first:last', max: 65535 }],
        conflicts: ['queue-num'],
        doc: 'Spread over the queues first..last by flow hash.',
      },
      {
        name: 'queue-bypass',
        args: [],
        doc: 'Accept (pass on) instead of dropping when no program listens.',
      },
      {
        name: 'queue-cpu-fanout',
        args: [],
        doc: 'With --queue-balance, choose the queue by CPU. Requires --queue-balance.',
      },
    ],
  },
  {
    kind: 'target',
    name: 'SYNPROXY',
    families: [4, 6],
    flow: 'terminal',
    summary: 'Answer TCP SYNs with syncookies before the server sees them',
    doc: 'Completes the TCP handshake itself with syncookies and only then opens the connection to the server, protecting it against SYN floods. Needs `-p tcp`, only in INPUT and FORWARD, with untracked SYNs (raw `CT --notrack`) and `nf_conntrack_tcp_loose=0`.',
    kernel: { hooks: ['INPUT', 'FORWARD'], protocols: ['tcp'] },
    options: [
      {
        name: 'sack-perm',
        args: [],
        doc: 'Announce selective ACK.',
      },
      {
        name: 'timestamp',
        args: [],
        doc: 'Announce timestamps.',
      },
      {
        name: 'wscale',
        args: [{ type: 'uint', placeholder: 'shift', min: 0, max: 255 }],
        doc: 'Window scale to announce.',
      },
      {
        name: 'mss',
        args: [{ type: 'uint', placeholder: 'bytes', min: 0, max: 65535 }],
        doc: 'MSS to announce.',
      },
      {
        name: 'ecn',
        args: [],
        doc: 'Announce ECN.',
      },
    ],
  },
  {
    kind: 'target',
    name: 'TPROXY',
    families: [4, 6],
    flow: 'terminal',
    summary: 'Deliver to a local transparent proxy socket',
    doc: 'Sends the packet to a local socket (listening with IP_TRANSPARENT) without changing its destination, and marks it for policy routing. Only in mangle PREROUTING with `-p tcp` or `-p udp`.',
    requireOneOf: [['on-port']],
    kernel: { tables: ['mangle'], hooks: ['PREROUTING'], protocols: ['tcp', 'udp'] },
    options: [
      {
        name: 'on-port',
        args: [PORT],
        doc: 'Port of the proxy (0: the original destination port).',
      },
      {
        name: 'on-ip',
        args: [{ type: 'address', placeholder: 'address' }],
        doc: "Address of the proxy (default: the incoming interface's).",
      },
      {
        name: 'tproxy-mark',
        args: [MARK],
        doc: 'value[/mask] to set in the packet mark, for an `ip rule fwmark` to a local route.',
      },
    ],
  },
];
