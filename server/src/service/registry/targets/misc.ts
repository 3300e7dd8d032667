/**
 * Targets for logging, tracing, conntrack setup, sets and other side effects; all let the packet continue.
 * One declarative entry per extension (schema in ../types.ts): option names and aliases, negation
 * and repetition as iptables 1.8.9 registers them; kernel restrictions as verified by loading rules
 * into a network namespace. Documentation is our own wording.
 */
import { ADDRESS, IFACE, U64_MAX } from '../common';
import type { TargetSpec } from '../types';

export const MISC_TARGETS: readonly TargetSpec[] = [
  {
    kind: 'target',
    name: 'LOG',
    families: [4, 6],
    flow: 'continue',
    summary: 'Log the packet to the kernel log',
    doc: "Writes the packet's headers to the kernel log (dmesg/journal), then continues with the next rule: add a separate rule to drop or accept. Rate-limit it (`-m limit`) to avoid floods; in network namespaces other than the initial one, logging is off unless `net.netfilter.nf_log_all_netns=1`.",
    options: [
      {
        name: 'log-level',
        args: [{ type: 'log-level', placeholder: 'level' }],
        doc: 'Syslog level (number or name); default warning.',
      },
      {
        name: 'log-prefix',
        args: [{ type: 'string', placeholder: 'prefix', truncate: 29 }],
        doc: 'Text put in front of the message; iptables keeps only 29 characters. End it with a space to separate it from the packet fields.',
      },
      {
        name: 'log-tcp-sequence',
        args: [],
        doc: 'Log TCP sequence numbers (a security risk if logs are readable by users).',
      },
      {
        name: 'log-tcp-options',
        args: [],
        doc: 'Log TCP header options.',
      },
      {
        name: 'log-ip-options',
        args: [],
        doc: 'Log IP/IPv6 header options.',
      },
      {
        name: 'log-uid',
        args: [],
        doc: 'Log the uid of the socket owner.',
      },
      {
        name: 'log-macdecode',
        args: [],
        doc: 'Decode the MAC header (source, destination, protocol).',
      },
    ],
  },
  {
    kind: 'target',
    name: 'NFLOG',
    families: [4, 6],
    flow: 'continue',
    summary: 'Send the packet to a userspace logger via nfnetlink_log',
    doc: 'Passes a copy of the packet to the nfnetlink_log group read by ulogd2, tcpdump (nflog:N) or similar, then continues with the next rule.',
    options: [
      {
        name: 'nflog-group',
        args: [{ type: 'uint', placeholder: 'group', min: 0, max: 65535 }],
        doc: 'Netlink group (default 0).',
      },
      {
        name: 'nflog-prefix',
        args: [{ type: 'string', placeholder: 'prefix', truncate: 63 }],
        doc: 'Prefix string passed with the packet (up to 63 characters).',
      },
      {
        name: 'nflog-range',
        args: [{ type: 'uint', placeholder: 'bytes' }],
        conflicts: ['nflog-size'],
        deprecated: '`--nflog-range` never had an effect: use `--nflog-size`',
        doc: 'Old, non-working option: use --nflog-size.',
      },
      {
        name: 'nflog-size',
        args: [{ type: 'uint', placeholder: 'bytes' }],
        conflicts: ['nflog-range'],
        doc: 'Number of bytes of the packet to copy.',
      },
      {
        name: 'nflog-threshold',
        args: [{ type: 'uint', placeholder: 'n', min: 0, max: 65535 }],
        doc: 'Number of packets to queue in the kernel before sending.',
      },
    ],
  },
  {
    kind: 'target',
    name: 'ULOG',
    families: [4],
    flow: 'continue',
    summary: 'Log via the old ULOG netlink interface (removed from the kernel)',
    doc: 'Sent packets to ulogd through the ULOG netlink socket. The kernel target was removed in Linux 3.17; use NFLOG.',
    deprecated: 'ULOG was removed from the kernel (3.17): use `-j NFLOG`',
    options: [
      {
        name: 'ulog-nlgroup',
        args: [{ type: 'uint', placeholder: 'group', min: 1, max: 32 }],
        doc: 'Netlink group.',
      },
      {
        name: 'ulog-prefix',
        args: [{ type: 'string', placeholder: 'prefix' }],
        doc: 'Prefix.',
      },
      {
        name: 'ulog-cprange',
        args: [{ type: 'uint', placeholder: 'bytes', max: U64_MAX }],
        doc: 'Bytes to copy.',
      },
      {
        name: 'ulog-qthreshold',
        args: [{ type: 'uint', placeholder: 'n', min: 1, max: 50 }],
        doc: 'Packets to queue.',
      },
    ],
  },
  {
    kind: 'target',
    name: 'AUDIT',
    families: [4, 6],
    flow: 'continue',
    summary: 'Record an audit event for the packet',
    doc: 'Generates a Linux audit record (for auditd) about the packet, then continues with the next rule. Combine with a separate ACCEPT/DROP rule.',
    requireOneOf: [['type']],
    options: [
      {
        name: 'type',
        args: [
          {
            type: 'enum',
            placeholder: 'accept|drop|reject',
            values: ['accept', 'drop', 'reject'],
            caseInsensitive: true,
          },
        ],
        doc: 'Kind of event to record.',
      },
    ],
  },
  {
    kind: 'target',
    name: 'TRACE',
    families: [4, 6],
    flow: 'continue',
    summary: 'Trace the packet through all rules',
    doc: 'Marks the packet so that every rule it then meets in every table is reported (kernel log with the legacy backend, `xtables-monitor --trace` with nft). The kernel target is only allowed in the raw table; iptables-nft instead sets `meta nftrace`, which any table accepts.',
    kernel: { tables: ['raw'], hooks: ['PREROUTING', 'OUTPUT'] },
    options: [],
  },
  {
    kind: 'target',
    name: 'CT',
    families: [4, 6],
    flow: 'continue',
    summary: 'Set conntrack parameters of the connection (raw table)',
    doc: 'Attaches conntrack settings to the connection before it is tracked: no tracking at all (`--notrack`), a helper, a zone, event mask or timeout policy. Only in the raw table; the connection is set up by the first packet only.',
    kernel: { tables: ['raw'], hooks: ['PREROUTING', 'OUTPUT'] },
    options: [
      {
        name: 'notrack',
        args: [],
        doc: 'Do not track this packet (its state becomes UNTRACKED).',
      },
      {
        name: 'helper',
        args: [{ type: 'string', placeholder: 'name' }],
        doc: "Conntrack helper to assign (e.g. ftp); needs `-p` of the helper's protocol.",
      },
      {
        name: 'timeout',
        args: [{ type: 'string', placeholder: 'name' }],
        doc: 'Timeout policy created with nfct.',
      },
      {
        name: 'ctevents',
        args: [
          {
            type: 'enum-list',
            placeholder: 'event[,event...]',
            values: [
              'new',
              'related',
              'destroy',
              'reply',
              'assured',
              'protoinfo',
              'helper',
              'mark',
              'natseqinfo',
              'secmark',
            ],
          },
        ],
        doc: 'Only generate these conntrack events.',
      },
      {
        name: 'expevents',
        args: [{ type: 'enum-list', placeholder: 'new', values: ['new'] }],
        doc: 'Only generate these expectation events.',
      },
      {
        name: 'zone-orig',
        args: [{ type: 'string', placeholder: 'id|mark' }],
        doc: 'Zone for the original direction (number, or `mark` to use the packet mark).',
      },
      {
        name: 'zone-reply',
        args: [{ type: 'string', placeholder: 'id|mark' }],
        doc: 'Zone for the reply direction.',
      },
      {
        name: 'zone',
        args: [{ type: 'string', placeholder: 'id|mark' }],
        doc: 'Conntrack zone for both directions.',
      },
    ],
  },
  {
    kind: 'target',
    name: 'NOTRACK',
    families: [4, 6],
    flow: 'continue',
    summary: 'Do not track the connection (raw table)',
    doc: 'Exempts the packet from connection tracking; its state becomes UNTRACKED. Only in the raw table. Same as `-j CT --notrack`.',
    deprecated: 'NOTRACK is an old name: use `-j CT --notrack`',
    kernel: { tables: ['raw'], hooks: ['PREROUTING', 'OUTPUT'] },
    options: [],
  },
  {
    kind: 'target',
    name: 'TEE',
    families: [4, 6],
    flow: 'continue',
    summary: 'Copy the packet to another gateway',
    doc: 'Sends a clone of the packet to the given next-hop gateway (for monitoring); the original continues unchanged.',
    requireOneOf: [['gateway']],
    options: [
      {
        name: 'gateway',
        args: [ADDRESS],
        doc: 'Address of the gateway that receives the copy.',
      },
      {
        name: 'oif',
        args: [IFACE],
        doc: 'Interface to send the copy through.',
      },
    ],
  },
  {
    kind: 'target',
    name: 'SET',
    families: [4, 6],
    flow: 'continue',
    summary: "Add/remove the packet's address in an ipset",
    doc: "Adds the packet's source/destination (per the flags) to an ipset, deletes it, or copies values from the set entry to the packet (`--map-set`). The set must exist when the rule is loaded.",
    requireOneOf: [['add-set', 'del-set', 'map-set']],
    options: [
      {
        name: 'add-set',
        args: [
          { type: 'string', placeholder: 'setname', max: 31 },
          { type: 'set-flags', placeholder: 'src|dst[,...]' },
        ],
        doc: 'Add the entry to the set.',
      },
      {
        name: 'del-set',
        args: [
          { type: 'string', placeholder: 'setname', max: 31 },
          { type: 'set-flags', placeholder: 'src|dst[,...]' },
        ],
        doc: 'Delete the entry from the set.',
      },
      {
        name: 'map-set',
        args: [
          { type: 'string', placeholder: 'setname', max: 31 },
          { type: 'set-flags', placeholder: 'src|dst[,...]' },
        ],
        doc: 'Look the entry up and copy its skbinfo to the packet.',
      },
      {
        name: 'exist',
        args: [],
        doc: 'When adding, refresh the timeout of an existing entry.',
      },
      {
        name: 'timeout',
        args: [{ type: 'uint', placeholder: 'seconds' }],
        doc: 'Timeout of added entries.',
      },
      {
        name: 'map-mark',
        args: [],
        doc: "Copy the entry's mark to the packet.",
      },
      {
        name: 'map-prio',
        args: [],
        doc: "Copy the entry's priority (tc class).",
      },
      {
        name: 'map-queue',
        args: [],
        doc: "Copy the entry's queue number.",
      },
    ],
  },
  {
    kind: 'target',
    name: 'IDLETIMER',
    families: [4, 6],
    flow: 'continue',
    summary: 'Restart a per-label idle timer',
    doc: 'Restarts a timer each time a packet hits the rule; when it expires, a sysfs notification is sent (used by Android and power management to detect idle interfaces).',
    requireOneOf: [['timeout'], ['label']],
    options: [
      {
        name: 'timeout',
        args: [{ type: 'uint', placeholder: 'seconds' }],
        doc: 'Idle time after which the notification fires.',
      },
      {
        name: 'label',
        args: [{ type: 'string', placeholder: 'name' }],
        doc: 'Timer name (sysfs file).',
      },
      {
        name: 'alarm',
        args: [],
        doc: 'Use an alarm timer that also fires during suspend.',
      },
    ],
  },
  {
    kind: 'target',
    name: 'LED',
    families: [4, 6],
    flow: 'continue',
    summary: 'Blink an LED on matching packets',
    doc: 'Triggers a LED trigger named netfilter-ID when packets hit the rule. Needs the xt_LED module, which this kernel may lack.',
    requireOneOf: [['led-trigger-id']],
    options: [
      {
        name: 'led-trigger-id',
        args: [{ type: 'string', placeholder: 'name' }],
        doc: 'Trigger name suffix (netfilter-NAME).',
      },
      {
        name: 'led-delay',
        args: [{ type: 'string', placeholder: 'ms|inf' }],
        doc: 'How long the LED stays on, in milliseconds, or `inf`.',
      },
      {
        name: 'led-always-blink',
        args: [],
        doc: 'Blink even if the LED is already on.',
      },
    ],
  },
  {
    kind: 'target',
    name: 'RATEEST',
    families: [4, 6],
    flow: 'continue',
    summary: 'Measure the rate of matching packets',
    doc: 'Feeds matching packets into a named rate estimator that the rateest match can test.',
    requireOneOf: [['rateest-name'], ['rateest-interval'], ['rateest-ewmalog']],
    options: [
      {
        name: 'rateest-name',
        args: [{ type: 'string', placeholder: 'name' }],
        doc: 'Estimator name.',
      },
      {
        name: 'rateest-interval',
        args: [{ type: 'string', placeholder: 'time' }],
        doc: 'Sampling interval (e.g. 250ms, 1s).',
      },
      {
        name: 'rateest-ewmalog',
        args: [{ type: 'string', placeholder: 'time' }],
        doc: 'Averaging time constant.',
      },
    ],
  },
  {
    kind: 'target',
    name: 'CLUSTERIP',
    families: [4],
    flow: 'continue',
    summary: 'Share one IP address between cluster nodes (removed from the kernel)',
    doc: 'Made several hosts answer for one address, each handling a share of the connections by hash. The kernel module was removed in Linux 6.3, so rules using it fail to load here; use the cluster match instead.',
    deprecated: 'CLUSTERIP was removed from Linux 6.3: use `-m cluster` with a multicast MAC instead',
    options: [
      {
        name: 'new',
        args: [],
        doc: 'Create the cluster configuration.',
      },
      {
        name: 'hashmode',
        args: [
          {
            type: 'enum',
            placeholder: 'mode',
            values: ['sourceip', 'sourceip-sourceport', 'sourceip-sourceport-destport'],
          },
        ],
        doc: 'Fields hashed to choose the node.',
      },
      {
        name: 'clustermac',
        args: [{ type: 'mac', placeholder: 'MAC' }],
        doc: 'Multicast MAC address of the cluster.',
      },
      {
        name: 'total-nodes',
        args: [{ type: 'uint', placeholder: 'n', min: 0, max: 16 }],
        doc: 'Number of nodes.',
      },
      {
        name: 'local-node',
        args: [{ type: 'uint', placeholder: 'n', min: 0, max: 16 }],
        doc: 'Number of this node.',
      },
      {
        name: 'hash-init',
        args: [{ type: 'uint', placeholder: 'seed' }],
        doc: 'Hash seed.',
      },
    ],
  },
];
