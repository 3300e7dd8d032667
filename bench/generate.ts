/**
 * Synthetic kube-proxy (iptables mode) rulesets in iptables-save form, for the benchmark.
 *
 * The output imitates what `iptables-save` prints on a node where kube-proxy programs S services:
 * a filter table with kube-proxy's scaffolding (KUBE-FIREWALL, KUBE-FORWARD, REJECT rules for
 * services without endpoints) and a nat table where every service port has a KUBE-SERVICES rule
 * matching its cluster IP and port, a KUBE-SVC-* chain (a KUBE-MARK-MASQ rule for traffic from
 * outside the pod network, then `-m statistic --mode random --probability` jumps to one
 * KUBE-SEP-* chain per endpoint) and per endpoint a KUBE-SEP-* chain (KUBE-MARK-MASQ for
 * hairpin traffic plus the DNAT rule). Every 20th service is also a NodePort service (KUBE-EXT-*
 * chain and a KUBE-NODEPORTS rule). Chains are printed the way iptables-save prints them: built-in
 * chains first, then user-defined chains in name order, each chain's rules together.
 *
 * Endpoint counts cycle 1, 2, 3 (mean 2), so the nat table holds about 8 + S·(2 + 3·2) rules plus
 * 2 per NodePort service. Output is deterministic for a given S.
 */
import { createHash } from 'node:crypto';

export interface KubeRulesetOptions {
  /** Number of service ports (S). */
  services: number;
  /** Timestamp printed in the header comments (fixed by default so output is reproducible). */
  date?: string;
}

/** Where to aim packets at the generated ruleset (for the simulator measurements). */
export interface KubeProbe {
  /** The last service in KUBE-SERVICES: a packet to it walks past every other service rule. */
  lateService: { clusterIp: string; port: number; protocol: 'tcp' | 'udp'; chain: string; endpoints: string[] };
  /** An address no rule matches (inside the service range, so every KUBE-SERVICES rule is tried). */
  unmatchedIp: string;
  /** A pod address usable as a packet source (inside the cluster CIDR). */
  podIp: string;
}

export interface KubeRuleset {
  text: string;
  /** Rules per table. */
  rules: { filter: number; nat: number; total: number };
  /** 1-based line of a DNAT rule near the middle of the file (a realistic line to edit). */
  middleDnatLine: number;
  probe: KubeProbe;
}

const NAMESPACES = ['default', 'kube-system', 'monitoring', 'payments', 'checkout', 'search', 'ingress', 'data'];
const APPS = ['api', 'web', 'redis', 'postgres', 'kafka', 'grpc', 'auth', 'cache', 'metrics', 'worker'];
const PORTS: { name: string; port: number; target: number; protocol: 'tcp' | 'udp' }[] = [
  { name: 'http', port: 80, target: 8080, protocol: 'tcp' },
  { name: 'https', port: 443, target: 8443, protocol: 'tcp' },
  { name: 'grpc', port: 9090, target: 9090, protocol: 'tcp' },
  { name: 'dns', port: 53, target: 53, protocol: 'udp' },
  { name: 'metrics', port: 9153, target: 9153, protocol: 'tcp' },
];
const CLUSTER_CIDR = '10.224.0.0/12';

/** kube-proxy's chain-name hash: base32 of SHA-256, first 16 characters. */
function chainHash(prefix: string, key: string): string {
  const digest = createHash('sha256').update(key).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = '';
  let bits = 0;
  let value = 0;
  for (let i = 0; i < digest.length && out.length < 16; i++) {
    value = (value << 8) | digest[i];
    bits += 8;
    while (bits >= 5 && out.length < 16) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return prefix + out;
}

/** The probability as iptables-save prints it: the kernel keeps it as a 31-bit fraction. */
function probabilityText(p: number): string {
  const fixed = Math.round(0x80000000 * p);
  return (fixed / 0x80000000).toFixed(11);
}

function ipv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Cluster IP of service i, inside the default service range 10.96.0.0/12. */
function clusterIp(i: number): string {
  const base = (10 << 24) | (96 << 16);
  const host = 10 + i * 3; // spread a little, stays far below the /12's 1M addresses
  return ipv4(base + host);
}

/** Pod IP of endpoint j overall: inside the cluster CIDR 10.224.0.0/12, one /24 per node of 250 pods. */
function podIp(j: number): string {
  const node = Math.floor(j / 250);
  return ipv4(((10 << 24) | (224 << 16)) + node * 256 + 2 + (j % 250));
}

interface Chain {
  name: string;
  rules: string[];
}

/** Builds the ruleset text for S services (see the file header for the layout). */
export function generateKubeRuleset(options: KubeRulesetOptions): KubeRuleset {
  const S = Math.max(1, Math.floor(options.services));
  const date = options.date ?? 'Thu Jan  1 00:00:00 2026';
  const natChains = new Map<string, Chain>();
  const chain = (name: string): Chain => {
    let c = natChains.get(name);
    if (!c) {
      c = { name, rules: [] };
      natChains.set(name, c);
    }
    return c;
  };
  for (const n of ['KUBE-MARK-MASQ', 'KUBE-NODEPORTS', 'KUBE-POSTROUTING', 'KUBE-SERVICES']) chain(n);
  chain('KUBE-MARK-MASQ').rules.push('-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000');
  chain('KUBE-POSTROUTING').rules.push(
    '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
    '-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0',
    '-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully',
  );

  const filterServiceRules: string[] = [];
  let endpointCounter = 0;
  let nodePort = 30000;
  let late: KubeProbe['lateService'] | undefined;
  for (let i = 0; i < S; i++) {
    const ns = NAMESPACES[i % NAMESPACES.length];
    const port = PORTS[Math.floor(i / NAMESPACES.length) % PORTS.length];
    const svcName = `${APPS[i % APPS.length]}-${i}`;
    const portName = `${ns}/${svcName}:${port.name}`;
    const ip = clusterIp(i);
    const svcChain = chainHash('KUBE-SVC-', `${portName}${port.protocol}`);
    const E = 1 + (i % 3);
    const svc = chain(svcChain);
    const proto = `-p ${port.protocol}`;
    const dportMatch = `-m ${port.protocol} --dport ${port.port}`;
    chain('KUBE-SERVICES').rules.push(
      `-A KUBE-SERVICES -d ${ip}/32 ${proto} -m comment --comment "${portName} cluster IP" ${dportMatch} -j ${svcChain}`,
    );
    svc.rules.push(
      `-A ${svcChain} ! -s ${CLUSTER_CIDR} -d ${ip}/32 ${proto} -m comment --comment "${portName} cluster IP" ${dportMatch} -j KUBE-MARK-MASQ`,
    );
    const endpoints: string[] = [];
    for (let e = 0; e < E; e++) {
      const pod = podIp(endpointCounter++);
      const ep = `${pod}:${port.target}`;
      endpoints.push(ep);
      const sepChain = chainHash('KUBE-SEP-', `${portName}${port.protocol}${ep}`);
      const stat = e < E - 1 ? ` -m statistic --mode random --probability ${probabilityText(1 / (E - e))}` : '';
      svc.rules.push(`-A ${svcChain} -m comment --comment "${portName} -> ${ep}"${stat} -j ${sepChain}`);
      chain(sepChain).rules.push(
        `-A ${sepChain} -s ${pod}/32 -m comment --comment "${portName}" -j KUBE-MARK-MASQ`,
        `-A ${sepChain} ${proto} -m comment --comment "${portName}" -m ${port.protocol} -j DNAT --to-destination ${ep}`,
      );
    }
    if (i % 20 === 7 && nodePort <= 32767) {
      const extChain = chainHash('KUBE-EXT-', `${portName}${port.protocol}`);
      chain('KUBE-NODEPORTS').rules.push(
        `-A KUBE-NODEPORTS ${proto} -m comment --comment "${portName}" -m ${port.protocol} --dport ${nodePort} -j ${extChain}`,
      );
      nodePort++;
      chain(extChain).rules.push(
        `-A ${extChain} -m comment --comment "masquerade traffic for ${portName} external destinations" -j KUBE-MARK-MASQ`,
        `-A ${extChain} -j ${svcChain}`,
      );
    }
    // Services without endpoints: kube-proxy rejects them in filter (one in a hundred here).
    if (i % 100 === 42) {
      filterServiceRules.push(
        `-A KUBE-SERVICES -d ${clusterIp(S + i)}/32 ${proto} -m comment --comment "${ns}/idle-${i}:${port.name} has no endpoints" ${dportMatch} -j REJECT --reject-with icmp-port-unreachable`,
      );
    }
    if (i === S - 1) late = { clusterIp: ip, port: port.port, protocol: port.protocol, chain: svcChain, endpoints };
  }
  chain('KUBE-SERVICES').rules.push(
    '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
  );

  const out: string[] = [];
  let natRules = 0;
  let filterRules = 0;
  const header = (): void => {
    out.push(`# Generated by iptables-save v1.8.9 (nf_tables) on ${date}`);
  };

  // filter
  header();
  out.push('*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]');
  const filterChains = [
    'KUBE-EXTERNAL-SERVICES',
    'KUBE-FIREWALL',
    'KUBE-FORWARD',
    'KUBE-KUBELET-CANARY',
    'KUBE-NODEPORTS',
    'KUBE-PROXY-CANARY',
    'KUBE-PROXY-FIREWALL',
    'KUBE-SERVICES',
  ];
  for (const c of filterChains) out.push(`:${c} - [0:0]`);
  const filterBody = [
    '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
    '-A INPUT -m comment --comment "kubernetes health check service ports" -j KUBE-NODEPORTS',
    '-A INPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    '-A INPUT -j KUBE-FIREWALL',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
    '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes externally-visible service portals" -j KUBE-EXTERNAL-SERVICES',
    '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes load balancer firewall" -j KUBE-PROXY-FIREWALL',
    '-A OUTPUT -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -j KUBE-FIREWALL',
    '-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP',
    '-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
    ...filterServiceRules,
  ];
  for (const r of filterBody) out.push(r);
  filterRules = filterBody.length;
  out.push('COMMIT', `# Completed on ${date}`);

  // nat
  header();
  out.push(
    '*nat',
    ':PREROUTING ACCEPT [0:0]',
    ':INPUT ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    ':POSTROUTING ACCEPT [0:0]',
  );
  const names = [...natChains.keys()].sort();
  for (const n of names) out.push(`:${n} - [0:0]`);
  const builtinRules = [
    '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
  ];
  for (const r of builtinRules) out.push(r);
  natRules += builtinRules.length;
  const firstNatRuleLine = out.length + 1;
  for (const n of names) {
    for (const r of natChains.get(n)!.rules) out.push(r);
    natRules += natChains.get(n)!.rules.length;
  }
  const lastNatRuleLine = out.length;
  out.push('COMMIT', `# Completed on ${date}`);

  // A DNAT rule near the middle of the file (1-based line numbers).
  let middleDnatLine = 0;
  const mid = Math.floor((firstNatRuleLine + lastNatRuleLine) / 2);
  for (let d = 0; d < lastNatRuleLine && !middleDnatLine; d++) {
    for (const ln of [mid + d, mid - d]) {
      if (ln >= firstNatRuleLine && ln <= lastNatRuleLine && out[ln - 1].includes(' -j DNAT ')) {
        middleDnatLine = ln;
        break;
      }
    }
  }

  return {
    text: `${out.join('\n')}\n`,
    rules: { filter: filterRules, nat: natRules, total: filterRules + natRules },
    middleDnatLine,
    probe: {
      lateService: late!,
      unmatchedIp: clusterIp(3 * S + 1000),
      podIp: podIp(endpointCounter + 1),
    },
  };
}

/** Parses sizes like `1k`, `40k`, `2500` into a service count. */
export function parseServiceCount(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kK]?)$/.exec(s.trim());
  if (!m) throw new Error(`bad size "${s}" (expected e.g. 1k, 10k, 2500)`);
  return Math.round(Number(m[1]) * (m[2] ? 1000 : 1));
}
