/**
 * Match extensions (`-m NAME`), one declarative entry each. See types.ts for the schema.
 */
import type { MatchSpec } from './types';

const PORT_RANGE = { type: 'port-range', placeholder: 'port[:port]' } as const;

export const MATCHES: readonly MatchSpec[] = [
  {
    kind: 'match',
    name: 'tcp',
    families: [4, 6],
    kernel: { protocols: ['tcp'] },
    summary: 'TCP header fields: ports, flags, options',
    doc: 'Matches fields of the TCP header. Loaded automatically by `-p tcp` when one of its options is used.',
    options: [
      {
        name: 'sport',
        aliases: ['source-port'],
        args: [PORT_RANGE],
        negatable: true,
        doc: 'Source port or port range.',
      },
      {
        name: 'dport',
        aliases: ['destination-port'],
        args: [PORT_RANGE],
        negatable: true,
        doc: 'Destination port or port range.',
      },
    ],
  },
  {
    kind: 'match',
    name: 'comment',
    families: [4, 6],
    summary: 'Attach a comment to the rule',
    doc: 'Always matches; carries a comment of up to 255 characters shown by iptables-save.',
    options: [{ name: 'comment', args: [{ type: 'string', placeholder: 'text', max: 255 }], doc: 'The comment text.' }],
  },
];
