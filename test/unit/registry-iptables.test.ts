/**
 * The registry against this machine's iptables 1.8.9 and kernel:
 * - every option name `iptables -m X --help` / `iptables -j X --help` prints for an extension is
 *   an option (or alias) of the registry entry;
 * - a handful of kernel restrictions (tables, hooks, protocols) really are enforced by
 *   iptables-restore in a throwaway network namespace, with both backends.
 * Everything runs inside namespaces created here (even `--help`); skipped unless root with
 * iptables installed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Family } from '../../server/src/service/model';
import { allMatches, allTargets, findMatch, findTarget, optionNames } from '../../server/src/service/registry/index';
import type { ExtensionSpec, KernelRestrictions } from '../../server/src/service/registry/types';
import { type Backend, kernelAvailable, restoreInto, run, withNamespace } from '../helpers/netns';

const avail = kernelAvailable();

/** Extensions whose userspace library is not shipped here (none today) or that print no options. */
const NO_HELP = new Set(['ACCEPT', 'DROP', 'RETURN', 'QUEUE']);

function helpOptions(ns: string, spec: ExtensionSpec, family: Family, general: string): Set<string> {
  const bin = family === 6 ? 'ip6tables-legacy' : 'iptables-legacy';
  const flag = spec.kind === 'match' ? '-m' : '-j';
  const out = run('ip', ['netns', 'exec', ns, bin, flag, spec.name, '--help']).stdout;
  // the extension's section follows iptables' general help
  const own = out.startsWith(general) ? out.slice(general.length) : out;
  return new Set([...own.matchAll(/--([a-z0-9][a-z0-9-]*[a-z0-9])/g)].map((m) => m[1]));
}

test('option names printed by iptables --help exist in the registry', { skip: avail.ok ? false : avail.why }, () => {
  withNamespace((ns) => {
    const general: Record<number, string> = {
      4: run('ip', ['netns', 'exec', ns, 'iptables-legacy', '--help']).stdout,
      6: run('ip', ['netns', 'exec', ns, 'ip6tables-legacy', '--help']).stdout,
    };
    const missing: string[] = [];
    let checked = 0;
    for (const spec of [...allMatches(), ...allTargets()]) {
      if (NO_HELP.has(spec.name)) continue;
      for (const family of spec.families) {
        const names = new Set(
          spec.options
            .filter((o) => !o.families || o.families.includes(family))
            .flatMap((o) => [o.name, ...(o.aliases ?? [])]),
        );
        for (const n of helpOptions(ns, spec, family, general[family])) {
          checked++;
          if (!names.has(n)) missing.push(`${spec.name} (IPv${family}): --${n}`);
        }
      }
    }
    assert.ok(checked > 300, `only ${checked} option names found in the help texts`);
    assert.deepEqual(missing, []);
  }, 'ipts-help');
});

interface Case {
  family: Family;
  table: string;
  chain: string;
  rule: string;
  /** Whether the kernel (or iptables) accepts the rule. */
  accepted: boolean;
  /** The registry fact that predicts it. */
  why: () => boolean;
  /** Backends to check (default both): iptables-nft turns some targets into native nft code. */
  backends?: Backend[];
}

const allows = (k: KernelRestrictions | undefined, table: string, hook: string, proto?: string) =>
  (!k?.tables || k.tables.includes(table as never)) &&
  (!k?.hooks || k.hooks.includes(hook as never)) &&
  (!k?.protocols || (proto !== undefined && k.protocols.includes(proto)));

const CASES: Case[] = [
  {
    family: 4,
    table: 'nat',
    chain: 'PREROUTING',
    rule: '-p tcp -j DNAT --to-destination 10.0.0.1',
    accepted: true,
    why: () => allows(findTarget('DNAT', 4)?.kernel, 'nat', 'PREROUTING'),
  },
  {
    family: 4,
    table: 'nat',
    chain: 'POSTROUTING',
    rule: '-j DNAT --to-destination 10.0.0.1',
    accepted: false,
    why: () => !allows(findTarget('DNAT', 4)?.kernel, 'nat', 'POSTROUTING'),
  },
  {
    family: 6,
    table: 'nat',
    chain: 'INPUT',
    rule: '-j SNAT --to-source fd00::1',
    accepted: true,
    why: () => allows(findTarget('SNAT', 6)?.kernel, 'nat', 'INPUT'),
  },
  {
    family: 4,
    table: 'nat',
    chain: 'OUTPUT',
    rule: '-j MASQUERADE',
    accepted: false,
    why: () => !allows(findTarget('MASQUERADE', 4)?.kernel, 'nat', 'OUTPUT'),
  },
  {
    family: 4,
    table: 'mangle',
    chain: 'OUTPUT',
    rule: '-j REDIRECT',
    accepted: false,
    why: () => !allows(findTarget('REDIRECT', 4)?.kernel, 'mangle', 'OUTPUT'),
  },
  {
    family: 4,
    table: 'filter',
    chain: 'INPUT',
    rule: '-j TRACE',
    accepted: false,
    why: () => !allows(findTarget('TRACE', 4)?.kernel, 'filter', 'INPUT'),
    // iptables-nft implements TRACE as `meta nftrace set 1`, which any table accepts
    backends: ['legacy'],
  },
  {
    family: 6,
    table: 'raw',
    chain: 'PREROUTING',
    rule: '-j CT --notrack',
    accepted: true,
    why: () => allows(findTarget('CT', 6)?.kernel, 'raw', 'PREROUTING'),
  },
  {
    family: 4,
    table: 'mangle',
    chain: 'FORWARD',
    rule: '-j REJECT',
    accepted: false,
    why: () => !allows(findTarget('REJECT', 4)?.kernel, 'mangle', 'FORWARD'),
  },
  {
    family: 4,
    table: 'filter',
    chain: 'INPUT',
    rule: '-m tcp --dport 22',
    accepted: false,
    why: () => !allows(findMatch('tcp', 4)?.kernel, 'filter', 'INPUT'),
  },
  {
    family: 4,
    table: 'filter',
    chain: 'INPUT',
    rule: '-p udp -m udp --dport 53',
    accepted: true,
    why: () => allows(findMatch('udp', 4)?.kernel, 'filter', 'INPUT', 'udp'),
  },
  {
    family: 4,
    table: 'filter',
    chain: 'INPUT',
    rule: '-m owner --uid-owner 0',
    accepted: false,
    why: () => !allows(findMatch('owner', 4)?.kernel, 'filter', 'INPUT'),
  },
  {
    family: 6,
    table: 'filter',
    chain: 'OUTPUT',
    rule: '-m mac --mac-source 00:11:22:33:44:55',
    accepted: false,
    why: () => !allows(findMatch('mac', 6)?.kernel, 'filter', 'OUTPUT'),
  },
  {
    family: 4,
    table: 'filter',
    chain: 'INPUT',
    rule: '-m rpfilter',
    accepted: false,
    why: () => !allows(findMatch('rpfilter', 4)?.kernel, 'filter', 'INPUT'),
  },
  {
    family: 4,
    table: 'mangle',
    chain: 'PREROUTING',
    rule: '-p tcp -j TPROXY --on-port 3128',
    accepted: true,
    why: () => allows(findTarget('TPROXY', 4)?.kernel, 'mangle', 'PREROUTING', 'tcp'),
  },
  {
    family: 4,
    table: 'mangle',
    chain: 'PREROUTING',
    rule: '-p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu',
    accepted: false,
    why: () =>
      !allows(
        findTarget('TCPMSS', 4)?.optionRestrictions?.find((r) => r.option === 'clamp-mss-to-pmtu')?.kernel,
        'mangle',
        'PREROUTING',
      ),
  },
  {
    family: 4,
    table: 'nat',
    chain: 'PREROUTING',
    rule: '-j DROP',
    accepted: false,
    why: () => !allows(findTarget('DROP', 4)?.kernel, 'nat', 'PREROUTING'),
  },
];

const HOOKS_OF: Record<string, string[]> = {
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  raw: ['PREROUTING', 'OUTPUT'],
};

test('kernel restrictions recorded in the registry match what iptables-restore enforces', {
  skip: avail.ok ? false : avail.why,
}, () => {
  for (const c of CASES) {
    assert.ok(
      c.why(),
      `registry does not predict: ${c.table}/${c.chain} ${c.rule} ${c.accepted ? 'accepted' : 'refused'}`,
    );
    const text = `*${c.table}\n${HOOKS_OF[c.table].map((h) => `:${h} ACCEPT [0:0]`).join('\n')}\n-A ${c.chain} ${c.rule}\nCOMMIT\n`;
    for (const backend of c.backends ?? (['legacy', 'nft'] as Backend[])) {
      const r = withNamespace((ns) => restoreInto(ns, text, c.family, backend), 'ipts-reg');
      assert.equal(r.ok, c.accepted, `${backend} IPv${c.family} ${c.table}/${c.chain} ${c.rule}: ${r.message}`);
    }
  }
});

test('a rule the registry allows everywhere loads in every built-in chain', {
  skip: avail.ok ? false : avail.why,
}, () => {
  const spec = findTarget('LOG', 4);
  assert.equal(spec?.kernel, undefined);
  assert.ok(optionNames(spec as ExtensionSpec).includes('log-prefix'));
  const text = Object.entries(HOOKS_OF)
    .map(
      ([t, hooks]) =>
        `*${t}\n${hooks.map((h) => `:${h} ACCEPT [0:0]`).join('\n')}\n${hooks.map((h) => `-A ${h} -j LOG --log-prefix "x "`).join('\n')}\nCOMMIT\n`,
    )
    .join('');
  const r = withNamespace((ns) => restoreInto(ns, text, 4, 'legacy'), 'ipts-reg');
  assert.ok(r.ok, r.message);
});
