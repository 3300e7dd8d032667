/**
 * Match extensions (`-m NAME`), one declarative entry each, gathered from the thematic data files
 * under `matches/`. See types.ts for the schema.
 */
import { CONNTRACK_MATCHES } from './matches/conntrack';
import { IPV6_MATCHES } from './matches/ipv6';
import { PACKET_MATCHES } from './matches/packet';
import { PROTOCOL_MATCHES } from './matches/protocol';
import { SOCKET_MATCHES } from './matches/socket';
import { STATEFUL_MATCHES } from './matches/stateful';
import type { MatchSpec } from './types';

export const MATCHES: readonly MatchSpec[] = [
  ...PROTOCOL_MATCHES,
  ...CONNTRACK_MATCHES,
  ...PACKET_MATCHES,
  ...STATEFUL_MATCHES,
  ...SOCKET_MATCHES,
  ...IPV6_MATCHES,
];
