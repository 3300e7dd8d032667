/**
 * IP protocol names and numbers (as /etc/protocols on Debian), and which match iptables loads
 * implicitly for `-p NAME`.
 */
import type { Family } from '../model';

/**
 * Protocol names whose match iptables loads implicitly when `-p NAME` is given and an option is
 * not otherwise known (iptables' load_proto()). Keys are lower-case protocol names.
 */
const PROTOCOL_MATCH: Record<string, string> = {
  tcp: 'tcp',
  udp: 'udp',
  udplite: 'udplite',
  icmp: 'icmp',
  'ipv6-icmp': 'icmp6',
  icmpv6: 'icmp6',
  sctp: 'sctp',
  dccp: 'dccp',
  esp: 'esp',
  ah: 'ah',
  mh: 'mh',
  'ipv6-mh': 'mh',
};

const PROTOCOL_NUMBERS: Record<string, number> = {
  all: 0,
  ip: 0,
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ipencap: 4,
  tcp: 6,
  egp: 8,
  pup: 12,
  udp: 17,
  hmp: 20,
  'xns-idp': 22,
  rdp: 27,
  'iso-tp4': 29,
  dccp: 33,
  xtp: 36,
  ddp: 37,
  'idpr-cmtp': 38,
  ipv6: 41,
  'ipv6-route': 43,
  'ipv6-frag': 44,
  idrp: 45,
  rsvp: 46,
  gre: 47,
  esp: 50,
  ah: 51,
  skip: 57,
  'ipv6-icmp': 58,
  icmpv6: 58,
  'ipv6-nonxt': 59,
  'ipv6-opts': 60,
  rspf: 73,
  vmtp: 81,
  eigrp: 88,
  ospf: 89,
  'ax.25': 93,
  ipip: 94,
  etherip: 97,
  encap: 98,
  pim: 103,
  ipcomp: 108,
  vrrp: 112,
  l2tp: 115,
  isis: 124,
  sctp: 132,
  fc: 133,
  'mobility-header': 135,
  mh: 135,
  'ipv6-mh': 135,
  udplite: 136,
  'mpls-in-ip': 137,
  manet: 138,
  hip: 139,
  shim6: 140,
  wesp: 141,
  rohc: 142,
  ethernet: 143,
};

/** Protocol number for a name or numeric string (case-insensitive), or undefined if unknown. */
export function protocolNumber(nameOrNumber: string): number | undefined {
  if (/^[0-9]+$/.test(nameOrNumber)) {
    const n = Number(nameOrNumber);
    return n <= 255 ? n : undefined;
  }
  return PROTOCOL_NUMBERS[nameOrNumber.toLowerCase()];
}

const PROTOCOL_NAMES: Map<number, string> = new Map();
for (const [name, num] of Object.entries(PROTOCOL_NUMBERS)) {
  if (!PROTOCOL_NAMES.has(num) && name !== 'ip' && name !== 'hopopt' && name !== 'icmpv6')
    PROTOCOL_NAMES.set(num, name);
}

/** Canonical name of a protocol number (as iptables-save prints it), or the number. */
export function protocolName(num: number): string {
  return PROTOCOL_NAMES.get(num) ?? String(num);
}

/** The match iptables would load implicitly for `-p proto` (or undefined). */
export function protocolMatch(proto: string, family: Family): string | undefined {
  const num = protocolNumber(proto);
  if (num === undefined) return undefined;
  const name = num === 58 ? 'ipv6-icmp' : protocolName(num);
  const m = PROTOCOL_MATCH[name];
  if (!m) return undefined;
  if (m === 'icmp6' && family === 4) return undefined;
  if (m === 'icmp' && family === 6) return undefined;
  return m;
}
