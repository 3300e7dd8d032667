/**
 * A starting host for a ruleset that comes without one: the interfaces the rules name (-i/-o),
 * each given an address in a subnet the rules pair with it (or a placeholder network), a
 * default route through the interface that masquerades or looks like the uplink, and
 * forwarding on when the FORWARD chains have rules. Every guess is listed in `notes`.
 */
import type { ParsedDocument, Rule } from '../model';
import { rowsOf, ruleCount } from '../parser/chain';
import { FastRule } from '../parser/fastRule';
import { type BaseValue, baseValues, type Plan } from '../parser/shapes';
import type { AddrMask } from '../registry/argtypes';
import { formatIPv4, prefixMask } from './addr';
import type { HostSpec } from './types';

export function inferHost(doc: ParsedDocument): { host: HostSpec; notes: string[] } {
  const notes: string[] = [];
  const names = new Set<string>();
  const subnets = new Map<string, { addr: number; len: number }>();
  let uplink: string | undefined;
  let forwarding = false;
  const rs = doc.rulesets[4];
  const visit = (r: Rule) => {
    const b = baseValues(r);
    const name = (x: BaseValue | undefined) => (x && !x.negated ? x.text : '');
    const iname = name(b.inInterface);
    const oname = name(b.outInterface);
    for (const n of [iname, oname]) if (n && !n.endsWith('+')) names.add(n);
    const net = (x: BaseValue | undefined) => {
      const v = x?.value as AddrMask[] | undefined;
      return !x?.negated && Array.isArray(v) && v[0] && v[0].family === 4 && v[0].prefix > 0 && v[0].prefix < 31
        ? v[0]
        : undefined;
    };
    const s = net(b.source);
    const d = net(b.destination);
    if (iname && s && !subnets.has(iname)) subnets.set(iname, { addr: s.addr, len: s.prefix });
    if (oname && d && !subnets.has(oname)) subnets.set(oname, { addr: d.addr, len: d.prefix });
    if (oname && r.target && ['MASQUERADE', 'SNAT'].includes(r.target.name)) uplink = uplink ?? oname;
  };
  // Only a rule that names an interface (-i/-o) tells more than that its chain has rules. A
  // fast-lane rule's shape says whether it does, so the rules of the others (most of a kube-proxy
  // ruleset, many still rows) are passed over without an object or their values.
  const namesInterface = (plan: Plan) =>
    plan.template.base.inInterface !== undefined || plan.template.base.outInterface !== undefined;
  for (const t of rs?.tables.values() ?? []) {
    for (const c of t.chains.values()) {
      if (c.name === 'FORWARD' && ruleCount(c) > 0) forwarding = true;
      const rc = rowsOf(c);
      if (rc !== undefined) {
        for (let r = rc.rowStart; r < rc.rowEnd; r++) if (namesInterface(rc.rows.planOf(r))) visit(rc.rows.ruleAt(r));
      } else for (const r of c.rules) if (!(r instanceof FastRule) || namesInterface(r.plan)) visit(r);
    }
  }
  if (names.size === 0) {
    names.add('eth0');
    notes.push('the ruleset names no interface: assumed one uplink eth0');
  }
  const interfaces: HostSpec['interfaces'] = [];
  let k = 0;
  for (const n of names) {
    const sub = subnets.get(n);
    let addr: string;
    if (sub) {
      addr = `${formatIPv4(((sub.addr & prefixMask(sub.len)) + 1) >>> 0)}/${sub.len}`;
      notes.push(`${n}: address ${addr} assumed from the subnet the rules pair with it`);
    } else {
      addr = `192.0.${2 + k}.1/24`;
      notes.push(`${n}: placeholder address ${addr}`);
    }
    interfaces.push({ name: n, addr });
    k++;
  }
  const up = uplink ?? (names.has('eth0') ? 'eth0' : [...names].find((n) => !subnets.has(n))) ?? [...names][0];
  const upIf = interfaces.find((i) => i.name === up);
  const gw = upIf?.addr
    ? formatIPv4(
        ((Number(
          upIf.addr
            .split('/')[0]
            .split('.')
            .reduce((a, b) => a * 256 + Number(b), 0),
        ) &
          0xffffff00) +
          254) >>>
          0,
      )
    : undefined;
  const routes = gw ? [{ dst: 'default', via: gw, dev: up }] : [];
  if (gw) notes.push(`default route via ${gw} on ${up} (assumed uplink)`);
  if (forwarding) notes.push('forwarding enabled because FORWARD has rules');
  return { host: { interfaces, routes, forwarding }, notes };
}
