/**
 * Argument specifications shared by many registry entries (ports, marks, addresses...), so that
 * the extension data files stay short and use one grammar for the same kind of value.
 */
import type { ArgSpec, OptionSpec } from './types';

/** Largest 64-bit counter value we can represent exactly (quota, set counters...). */
export const U64_MAX = Number.MAX_SAFE_INTEGER;

export const PORT: ArgSpec = { type: 'port', placeholder: 'port' };
export const PORT_RANGE: ArgSpec = { type: 'port-range', placeholder: 'port[:port]' };
/** The tcp match resolves service names for tcp only (getservbyname(name, "tcp")). */
/** The udp match's ports (see `ArgSpec.portWrap`). */
export const UDP_PORT_RANGE: ArgSpec = { type: 'port-range', placeholder: 'port[:port]', portWrap: true };
export const TCP_PORT_RANGE: ArgSpec = { type: 'port-range', placeholder: 'port[:port]', protocol: 'tcp' };
export const PORT_LIST: ArgSpec = { type: 'port-list', placeholder: 'port[,port|,port:port...]' };
export const PORT_SPEC: ArgSpec = { type: 'port-spec', placeholder: 'port[-port]' };
export const MARK: ArgSpec = { type: 'mark', placeholder: 'value[/mask]' };
export const ADDRESS: ArgSpec = { type: 'address', placeholder: 'address[/mask]' };
export const IFACE: ArgSpec = { type: 'iface', placeholder: 'name[+]' };
export const PROTOCOL: ArgSpec = { type: 'protocol', placeholder: 'proto' };
export const TTL: ArgSpec = { type: 'ttl', placeholder: 'value' };
export const NETMASK_LEN: ArgSpec = { type: 'netmask-len', placeholder: 'length' };
export const NAT_RANGE: ArgSpec = { type: 'nat-range', placeholder: '[addr[-addr]][:port[-port]]' };

/** Route types of the addrtype match (rtn_type names, matched case-insensitively by iptables). */
export const ADDRTYPES: ArgSpec = {
  type: 'enum-list',
  placeholder: 'type[,type...]',
  values: [
    'UNSPEC',
    'UNICAST',
    'LOCAL',
    'BROADCAST',
    'ANYCAST',
    'MULTICAST',
    'BLACKHOLE',
    'UNREACHABLE',
    'PROHIBIT',
    'THROW',
    'NAT',
    'XRESOLVE',
  ],
  caseInsensitive: true,
};

/**
 * `--sport`/`--dport` (with their `--source-port`/`--destination-port` aliases) of a protocol
 * match, whose ports follow `arg`'s grammar.
 */
export function portOptions(arg: ArgSpec, note = ''): OptionSpec[] {
  return [
    { name: 'sport', aliases: ['source-port'], args: [arg], negatable: true, doc: `Source port or range${note}.` },
    {
      name: 'dport',
      aliases: ['destination-port'],
      args: [arg],
      negatable: true,
      doc: `Destination port or range${note}.`,
    },
  ];
}
