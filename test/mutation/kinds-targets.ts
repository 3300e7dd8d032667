/**
 * Mutation kinds about where rules and targets may go: targets of another table, rules moved to
 * another built-in chain, jumps to missing or built-in chains, jump loops, and protocol-specific
 * options on the wrong protocol.
 */
import { isBuiltinTable, TABLE_HOOKS, type TableName } from '../../server/src/service/model';
import type { BaseFile } from './corpus';
import {
  groupsNamed,
  insertBeforeTarget,
  insertLine,
  linesWhere,
  type MutationKind,
  replaceLine,
  replaceWord,
  typo,
} from './edits';

interface TargetSpecText {
  table: string;
  name: string;
  v4?: string;
  v6?: string;
}

/** Targets written as a rule would use them, with the table they belong in. */
const FOREIGN_TARGETS: TargetSpecText[] = [
  { table: 'nat', name: 'DNAT', v4: '-j DNAT --to-destination 192.0.2.1', v6: '-j DNAT --to-destination 2001:db8::1' },
  { table: 'nat', name: 'SNAT', v4: '-j SNAT --to-source 192.0.2.1', v6: '-j SNAT --to-source 2001:db8::1' },
  { table: 'nat', name: 'MASQUERADE', v4: '-j MASQUERADE', v6: '-j MASQUERADE' },
  { table: 'nat', name: 'REDIRECT', v4: '-j REDIRECT', v6: '-j REDIRECT' },
  { table: 'nat', name: 'NETMAP', v4: '-j NETMAP --to 10.0.0.0/8', v6: '-j NETMAP --to 2001:db8::/32' },
  { table: 'mangle', name: 'TTL', v4: '-j TTL --ttl-set 64', v6: '-j HL --hl-set 64' },
  { table: 'mangle', name: 'TOS', v4: '-j TOS --set-tos 0x10', v6: '-j TOS --set-tos 0x10' },
  { table: 'mangle', name: 'DSCP', v4: '-j DSCP --set-dscp 10', v6: '-j DSCP --set-dscp 10' },
  { table: 'mangle', name: 'TPROXY', v4: '-p tcp -j TPROXY --on-port 8080 --tproxy-mark 0x1/0x1' },
  { table: 'mangle', name: 'CLASSIFY', v4: '-j CLASSIFY --set-class 1:1', v6: '-j CLASSIFY --set-class 1:1' },
  { table: 'mangle', name: 'MARK', v4: '-j MARK --set-mark 1', v6: '-j MARK --set-mark 1' },
  { table: 'raw', name: 'CT', v4: '-j CT --notrack', v6: '-j CT --notrack' },
  { table: 'raw', name: 'NOTRACK', v4: '-j NOTRACK', v6: '-j NOTRACK' },
  { table: 'raw', name: 'CT-zone', v4: '-j CT --zone 1', v6: '-j CT --zone 1' },
  { table: 'filter', name: 'REJECT', v4: '-j REJECT', v6: '-j REJECT' },
  { table: 'filter', name: 'REJECT-tcp-reset', v4: '-p tcp -j REJECT --reject-with tcp-reset' },
];

const withTarget = (f: BaseFile) => linesWhere(f, (li) => li.kind === 'rule' && li.target !== undefined);

const targetWrongTable: MutationKind = {
  name: 'target-wrong-table',
  sites: withTarget,
  apply(f, i, rng) {
    const li = f.info[i];
    const hasProto = (li.groups ?? []).some((g) => g.name === '-p' || g.name === '--protocol');
    const options = FOREIGN_TARGETS.filter(
      (t) =>
        t.table !== li.table &&
        (f.family === 6 ? t.v6 : t.v4) &&
        !(hasProto && (f.family === 6 ? t.v6 : t.v4)!.startsWith('-p')),
    );
    if (options.length === 0) return undefined;
    const t = rng.pick(options);
    const start = li.tokens[li.target!.neg ?? li.target!.opt].span.character;
    const text = `${f.lines[i].slice(0, start)}${f.family === 6 ? t.v6 : t.v4}`;
    return replaceLine(f, i, text, `${t.name}-in-${li.table}`);
  },
};

function builtinOf(table: string, chain: string | undefined): boolean {
  return (
    isBuiltinTable(table) &&
    chain !== undefined &&
    (TABLE_HOOKS[table as TableName] as readonly string[]).includes(chain)
  );
}

const STANDARD = new Set(['ACCEPT', 'DROP', 'RETURN']);

const targetWrongChain: MutationKind = {
  name: 'rule-wrong-chain',
  sites(f) {
    const inBuiltin = linesWhere(
      f,
      (li) => li.kind === 'rule' && builtinOf(li.table, li.chain) && TABLE_HOOKS[li.table as TableName].length > 1,
    );
    const interesting = inBuiltin.filter((i) => {
      const li = f.info[i];
      const target = li.target ? li.tokens[li.target.args[0]]?.text : undefined;
      const iface = (li.groups ?? []).some((g) => ['-i', '-o', '--in-interface', '--out-interface'].includes(g.name));
      return iface || (target !== undefined && !STANDARD.has(target));
    });
    return interesting.length > 0 ? interesting : inBuiltin;
  },
  apply(f, i, rng) {
    const li = f.info[i];
    const others = TABLE_HOOKS[li.table as TableName].filter((h) => h !== li.chain);
    const to = rng.pick(others);
    return replaceLine(f, i, replaceWord(f, i, (li.cmd ?? 0) + 1, to), `${li.table}:${li.chain}->${to}`);
  },
};

const jumpMissing: MutationKind = {
  name: 'jump-missing-chain',
  sites: (f) => linesWhere(f, (li) => li.kind === 'rule' && (li.target?.args.length ?? 0) > 0),
  apply(f, i, rng) {
    const li = f.info[i];
    const k = li.target!.args[0];
    const name = li.tokens[k].text;
    const table = f.tables.find((t) => t.name === li.table);
    const exists = (n: string) => table?.chains.has(n) || STANDARD.has(n);
    const v = rng.int(5);
    if (v === 0) return replaceLine(f, i, replaceWord(f, i, k, 'NO_SUCH_CHAIN'), 'missing');
    if (v === 1 && name.toLowerCase() !== name && !exists(name.toLowerCase())) {
      return replaceLine(f, i, replaceWord(f, i, k, name.toLowerCase()), 'lower-case');
    }
    if (v === 2 && isBuiltinTable(li.table)) {
      return replaceLine(f, i, replaceWord(f, i, k, TABLE_HOOKS[li.table as TableName][0]), 'builtin-chain');
    }
    if (v === 3 && li.target!.name !== '-g') {
      return replaceLine(f, i, replaceWord(f, i, li.target!.opt, '-g'), 'goto-same-target');
    }
    const t = typo(name, rng).text;
    if (exists(t)) return undefined;
    return replaceLine(f, i, replaceWord(f, i, k, t), 'typo');
  },
};

const jumpLoop: MutationKind = {
  name: 'jump-loop',
  sites: (f) =>
    linesWhere(f, (li, i) => {
      if (li.kind !== 'chain' || li.tokens[1]?.text !== '-') return false;
      const t = f.tables.find((x) => x.name === li.table && x.header < i);
      return t !== undefined && t.commit > i;
    }),
  apply(f, i, rng) {
    const li = f.info[i];
    const table = f.tables.find((t) => t.name === li.table && t.header < i && t.commit > i)!;
    const u = li.chain!;
    // A rule of u jumping to another user chain v: adding `-A v -j u` closes a loop.
    const jumps = linesWhere(
      f,
      (r) =>
        r.kind === 'rule' &&
        r.table === li.table &&
        r.chain === u &&
        r.target !== undefined &&
        r.tokens[r.target.args[0]] !== undefined &&
        table.chains.get(r.tokens[r.target.args[0]].text)?.builtin === false &&
        r.tokens[r.target.args[0]].text !== u,
    );
    if (jumps.length > 0 && rng.chance(0.6)) {
      const r = f.info[rng.pick(jumps)];
      const v = r.tokens[r.target!.args[0]].text;
      return insertLine(f, table.commit, `-A ${v} -j ${u}`, 'two-chain-loop');
    }
    const reachable = linesWhere(
      f,
      (r) => r.kind === 'rule' && r.table === li.table && r.tokens[r.target?.args[0] ?? -1]?.text === u,
    );
    return insertLine(
      f,
      table.commit,
      `-A ${u} -j ${u}`,
      reachable.length > 0 ? 'self-loop' : 'self-loop-unreferenced',
    );
  },
};

const PROTO_OPTS = new Set(['-p', '--protocol']);
const PROTOS4 = ['tcp', 'udp', 'icmp', 'sctp', 'gre', 'all', 'esp', 'udplite'];
const PROTOS6 = ['tcp', 'udp', 'ipv6-icmp', 'sctp', 'gre', 'all', 'esp', 'udplite'];

const wrongProtocol: MutationKind = {
  name: 'wrong-protocol',
  sites: (f) => linesWhere(f, (li) => li.kind === 'rule'),
  apply(f, i, rng) {
    const li = f.info[i];
    const p = groupsNamed(li, PROTO_OPTS).filter((g) => g.args.length > 0);
    if (p.length === 0) {
      const opt = rng.pick(['--dport 80', '--sport 1024:65535', '--syn', '--tcp-flags SYN,ACK SYN']);
      return replaceLine(f, i, insertBeforeTarget(f, i, opt), `no-protocol-${opt.split(' ')[0]}`);
    }
    const g = p[0];
    const cur = li.tokens[g.args[0]].text.toLowerCase();
    if (rng.chance(0.3) && (cur === 'tcp' || cur === 'udp')) {
      const other = cur === 'tcp' ? 'udp' : 'tcp';
      const opt = other === 'tcp' ? '-m tcp --dport 80' : '-m udp --dport 53';
      return replaceLine(f, i, insertBeforeTarget(f, i, opt), `${cur}-with-m-${other}`);
    }
    const to = rng.pick((f.family === 6 ? PROTOS6 : PROTOS4).filter((x) => x !== cur));
    const extra = (li.groups ?? []).length > 2 ? 'with-options' : 'bare';
    return replaceLine(f, i, replaceWord(f, i, g.args[0], to), `${cur}->${to}-${extra}`);
  },
};

const targetOptionsDropped: MutationKind = {
  name: 'target-options-dropped',
  sites: (f) =>
    linesWhere(f, (li) => {
      if (li.kind !== 'rule' || !li.target) return false;
      const after = (li.groups ?? []).indexOf(li.target);
      return after >= 0 && after < li.groups!.length - 1;
    }),
  apply(f, i, rng) {
    const li = f.info[i];
    const groups = li.groups!;
    const at = groups.indexOf(li.target!);
    const rest = groups.slice(at + 1);
    // Drop every target option, or just one of them.
    if (rest.length === 1 || rng.chance(0.5)) {
      const end = li.tokens[li.target!.args[0] ?? li.target!.opt].span.endCharacter;
      return replaceLine(f, i, f.lines[i].slice(0, end), 'all');
    }
    const g = rng.pick(rest);
    const start = li.tokens[g.neg ?? g.opt].span.character;
    const lastTok = g.args.length ? g.args[g.args.length - 1] : g.opt;
    const end = li.tokens[lastTok].span.endCharacter;
    const line = f.lines[i];
    return replaceLine(f, i, `${line.slice(0, start).replace(/\s+$/, '')}${line.slice(end)}`, `one-${g.name}`);
  },
};

/** The target-placement and protocol mutation kinds. */
export const TARGET_KINDS: MutationKind[] = [
  targetWrongTable,
  targetWrongChain,
  jumpMissing,
  jumpLoop,
  wrongProtocol,
  targetOptionsDropped,
];
