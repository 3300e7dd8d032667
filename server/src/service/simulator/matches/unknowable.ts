/**
 * Matches whose outcome the simulator cannot know from the host and packet description: ipset
 * membership, time of day, payload strings and u32 expressions (the payload is not modelled),
 * socket ownership and cgroups of local processes, bridge ports. Each evaluation is recorded as
 * undecidable with the outcome assumed (pinnable per rule by the user).
 */
import type { MatchCompiler } from '../context';
import { argText, find } from '../options';

function unknowable(
  module: string,
  reason: (opts: Parameters<MatchCompiler>[0]) => string,
  dflt: boolean,
): MatchCompiler {
  return (opts) => {
    const why = reason(opts);
    return (c) => c.undecided(module, why, dflt);
  };
}

export const UNKNOWABLE_MATCHES: Record<string, MatchCompiler> = {
  set: unknowable(
    'set',
    (o) => {
      const m = find(o, 'match-set');
      return `ipset membership (${m ? argText(m) : 'set'}) is not known to the simulator`;
    },
    false,
  ),
  time: unknowable('time', () => 'depends on the time of day/date when the packet arrives', true),
  string: unknowable('string', () => 'looks into the payload, which the simulated packet does not carry', false),
  u32: unknowable('u32', () => 'u32 expressions read raw packet bytes that are not modelled', false),
  bpf: unknowable('bpf', () => 'BPF programs are not evaluated', false),
  owner: (opts) => {
    // Local packets of the scenarios come from root's sockets (uid 0, gid 0).
    const uid = find(opts, 'uid-owner');
    const gid = find(opts, 'gid-owner');
    return (c) => {
      if (c.pkt.in !== null || !c.pkt.socket) return false;
      let ok = true;
      if (uid) ok = ok && (argText(uid) === '0' || argText(uid) === 'root') !== uid.negated;
      if (gid) ok = ok && (argText(gid) === '0' || argText(gid) === 'root') !== gid.negated;
      if (!uid && !gid) ok = c.undecided('owner', 'socket ownership of the sending process', true);
      return ok;
    };
  },
  cgroup: unknowable('cgroup', () => 'cgroup of the sending process is not known', false),
  socket: unknowable('socket', () => 'whether a matching local socket exists for this packet', false),
  physdev: unknowable('physdev', () => 'bridge port information is not modelled', false),
  geoip: unknowable('geoip', () => 'GeoIP database lookups are not available', false),
  ipp2p: unknowable('ipp2p', () => 'payload classification is not modelled', false),
  layer7: unknowable('layer7', () => 'payload classification is not modelled', false),
  condition: unknowable('condition', () => 'the /proc condition variable is not known', false),
  nfacct: () => () => true,
  devgroup: unknowable('devgroup', () => 'interface groups are not modelled', false),
  realm: unknowable('realm', () => 'routing realms are not modelled', false),
  cpu: unknowable('cpu', () => 'which CPU handles the packet is not known', true),
  ipvs: unknowable('ipvs', () => 'IPVS state is not modelled', false),
  osf: unknowable('osf', () => 'passive OS fingerprinting is not modelled', false),
  tcpmss: unknowable('tcpmss', () => 'the MSS option value is not modelled', false),
  ecn: unknowable('ecn', () => 'ECN bits are not modelled', false),
  frag: unknowable('frag', () => 'fragments are not modelled', false),
  esp: unknowable('esp', () => 'ESP SPI values are not modelled', false),
  ah: unknowable('ah', () => 'AH SPI values are not modelled', false),
  sctp: unknowable('sctp', () => 'SCTP chunks are not modelled', false),
  dccp: unknowable('dccp', () => 'DCCP fields are not modelled', false),
};
