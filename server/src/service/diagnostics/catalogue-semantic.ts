/**
 * Catalogue entries of the analyses' codes (kernel restrictions, chains, reachability,
 * deprecations), the shell parser's codes and the suppression comments' own code. See codes.ts
 * for the schema and the severity policy.
 */
import type { DiagnosticCodeInfo } from './codes';
import { filter, table } from './examples';

export const SEMANTIC_CODES: readonly DiagnosticCodeInfo[] = [
  {
    code: 'deprecated-match',
    severity: 'information',
    title: 'Deprecated match',
    description:
      'The match still works but has a modern equivalent: `-m state --state` is `-m conntrack --ctstate` (the quick fix rewrites it).',
    failing: filter('-A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT'),
    passing: filter('-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT'),
    source: 'analysis',
  },
  {
    code: 'deprecated-target',
    severity: 'information',
    title: 'Deprecated target',
    description: 'The target still works but has a modern equivalent: `-j NOTRACK` is `-j CT --notrack`.',
    failing: table('raw', '-A PREROUTING -p udp --dport 53 -j NOTRACK'),
    passing: table('raw', '-A PREROUTING -p udp --dport 53 -j CT --notrack'),
    source: 'analysis',
  },
  // ---- semantic analyses
  {
    code: 'target-not-in-table',
    severity: 'error',
    title: 'Target not allowed in this table',
    description:
      'The kernel restricts some targets to some tables (DNAT/SNAT to nat, TRACE/CT/NOTRACK to raw, ...). nft may accept a few of these, but legacy refuses them.',
    failing: filter('-A INPUT -p icmp -j TRACE'),
    passing: table('raw', '-A PREROUTING -p icmp -j TRACE'),
    source: 'analysis',
  },
  {
    code: 'target-not-in-hook',
    severity: 'error',
    title: 'Target not allowed in this hook',
    description:
      'The kernel restricts some targets to some hooks (MASQUERADE to POSTROUTING, DNAT to PREROUTING/OUTPUT, REJECT to INPUT/FORWARD/OUTPUT). This also holds for a user chain called (directly or not) from such a hook.',
    failing: table(
      'nat',
      ':TO-LB - [0:0]',
      '-A POSTROUTING -j TO-LB',
      '-A TO-LB -p tcp -j DNAT --to-destination 10.0.0.2',
    ),
    passing: table(
      'nat',
      ':TO-LB - [0:0]',
      '-A PREROUTING -j TO-LB',
      '-A TO-LB -p tcp -j DNAT --to-destination 10.0.0.2',
    ),
    source: 'analysis',
  },
  {
    code: 'match-not-in-table',
    severity: 'error',
    title: 'Match not allowed in this table',
    description: 'The kernel restricts some matches to some tables (e.g. rpfilter to raw and mangle).',
    failing: filter('-A INPUT -m rpfilter --invert -j DROP'),
    passing: table('raw', '-A PREROUTING -m rpfilter --invert -j DROP'),
    source: 'analysis',
  },
  {
    code: 'match-not-in-hook',
    severity: 'error',
    title: 'Match not allowed in this hook',
    description:
      'The kernel restricts some matches to some hooks (owner to OUTPUT/POSTROUTING, where a local socket is known). This also holds for a user chain called from such a hook.',
    failing: filter('-A INPUT -m owner --uid-owner 0 -j ACCEPT'),
    passing: filter('-A OUTPUT -m owner --uid-owner 0 -j ACCEPT'),
    source: 'analysis',
  },
  {
    code: 'extension-needs-protocol',
    severity: 'error',
    title: 'Match or target needs a protocol',
    description:
      'The extension (or one of its options) only works with a given protocol, which the rule must select with a non-negated `-p` (e.g. `-m tcp` needs `-p tcp`, `REJECT --reject-with tcp-reset` needs `-p tcp`).',
    failing: filter('-A INPUT -p udp -m tcp --dport 22 -j ACCEPT'),
    passing: filter('-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT'),
    source: 'analysis',
  },
  {
    code: 'tcpmss-needs-syn',
    severity: 'error',
    title: 'TCPMSS without a SYN match',
    description:
      'The kernel only accepts TCPMSS in a rule that matches TCP SYN packets (`-p tcp --tcp-flags SYN,RST SYN` or `--syn`); legacy iptables-restore refuses it otherwise.',
    failing: table('mangle', '-A FORWARD -p tcp -j TCPMSS --set-mss 1400'),
    passing: table('mangle', '-A FORWARD -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1400'),
    source: 'analysis',
  },
  {
    code: 'interface-not-allowed',
    severity: 'error',
    title: '-i or -o in a chain without that interface',
    description:
      'iptables refuses `-i` in OUTPUT and POSTROUTING (no input interface there) and `-o` in PREROUTING and INPUT (no output interface yet): "Can\'t use -i with OUTPUT".',
    failing: filter('-A OUTPUT -i eth0 -j ACCEPT'),
    passing: filter('-A OUTPUT -o eth0 -j ACCEPT'),
    source: 'analysis',
  },
  {
    code: 'interface-never-matches',
    severity: 'warning',
    title: '-i or -o that can never match',
    description:
      'The rule is in a user chain reached only from hooks without that interface (e.g. `-i` in a chain called from OUTPUT). The kernel accepts it, but `-i` never matches there (and `! -i` always does).',
    failing: filter(':OUT-CHECK - [0:0]', '-A OUTPUT -j OUT-CHECK', '-A OUT-CHECK -i eth0 -j DROP'),
    passing: filter(':OUT-CHECK - [0:0]', '-A OUTPUT -j OUT-CHECK', '-A OUT-CHECK -o eth0 -j DROP'),
    source: 'analysis',
  },
  {
    code: 'jump-to-builtin-chain',
    severity: 'error',
    title: 'Jump to a built-in chain',
    description:
      'Rules can only jump (-j) or go (-g) to user-defined chains; both backends refuse a built-in chain as target.',
    failing: filter('-A INPUT -j OUTPUT'),
    passing: filter(':COMMON - [0:0]', '-A INPUT -j COMMON', '-A OUTPUT -j COMMON'),
    source: 'analysis',
  },
  {
    code: 'chain-loop',
    severity: 'error',
    title: 'Jump loop',
    description:
      'User chains jump to each other in a cycle that a built-in chain reaches; the kernel refuses the table ("Too many links" with nft, "line N failed" at COMMIT with legacy). An unreached cycle is accepted.',
    failing: filter(':A - [0:0]', ':B - [0:0]', '-A INPUT -j A', '-A A -j B', '-A B -j A'),
    passing: filter(':A - [0:0]', ':B - [0:0]', '-A INPUT -j A', '-A A -j B', '-A B -j RETURN'),
    source: 'analysis',
  },
  {
    code: 'unused-chain',
    severity: 'hint',
    title: 'Chain never used',
    description:
      'No rule jumps to this user-defined chain, or no built-in chain reaches it, so its rules never see a packet. The kernel accepts it (it may be used by rules loaded later).',
    failing: filter(':MYCHAIN - [0:0]', '-A MYCHAIN -j DROP'),
    passing: filter(':MYCHAIN - [0:0]', '-A INPUT -j MYCHAIN', '-A MYCHAIN -j DROP'),
    source: 'analysis',
  },
  {
    code: 'unreachable-rule',
    severity: 'warning',
    title: 'Rule can never be reached',
    description:
      'An earlier rule in the same chain matches every packet and ends its traversal of the chain (ACCEPT, DROP, REJECT, RETURN, a NAT target, or -g), so this rule never sees a packet.',
    failing: filter('-A INPUT -j DROP', '-A INPUT -p tcp --dport 22 -j ACCEPT'),
    passing: filter('-A INPUT -p tcp --dport 22 -j ACCEPT', '-A INPUT -j DROP'),
    source: 'analysis',
  },
  {
    code: 'removed-from-kernel',
    severity: 'error',
    title: 'Extension removed from the kernel',
    description:
      'iptables 1.8 still knows the extension, but current kernels no longer have it (ULOG since Linux 3.17, CLUSTERIP since 6.3): loading the rule fails with "missing kernel module".',
    failing: filter('-A INPUT -j ULOG'),
    passing: filter('-A INPUT -j NFLOG --nflog-group 1'),
    source: 'analysis',
  },
  // ---- shell scripts (shell parser)
  {
    code: 'unterminated-heredoc',
    severity: 'warning',
    title: 'Here-document without its end line',
    description: 'A here-document (`<<EOF`) runs to the end of the file because its delimiter line is missing.',
    failing: '#!/bin/sh\niptables-restore <<EOF\n*filter\n-A INPUT -j ACCEPT\nCOMMIT\n',
    passing: '#!/bin/sh\niptables-restore <<EOF\n*filter\n-A INPUT -j ACCEPT\nCOMMIT\nEOF\n',
    form: 'shell',
    source: 'parser',
  },
  {
    code: 'unterminated-substitution',
    severity: 'warning',
    title: 'Command substitution not closed',
    description: 'A `$(` command substitution is not closed with `)`.',
    failing: '#!/bin/sh\nIP=$(hostname -i\niptables -A INPUT -s 192.0.2.1 -j ACCEPT\n',
    passing: '#!/bin/sh\nIP=$(hostname -i)\niptables -A INPUT -s 192.0.2.1 -j ACCEPT\n',
    form: 'shell',
    source: 'parser',
  },
  {
    code: 'unknown-variable',
    severity: 'information',
    title: 'Value not known',
    description:
      'A word of an iptables command comes from a variable or command substitution whose value cannot be determined from the script, so it is not checked.',
    failing: '#!/bin/sh\niptables -A INPUT -s "$TRUSTED" -j ACCEPT\n',
    passing: '#!/bin/sh\nTRUSTED=192.0.2.1\niptables -A INPUT -s "$TRUSTED" -j ACCEPT\n',
    form: 'shell',
    source: 'parser',
  },
  {
    code: 'internal-error',
    severity: 'information',
    title: 'Parser stopped early',
    description:
      'A defect in the script parser stopped it early; the commands after that point are not checked. Please report it with the script.',
    failing: '',
    passing: '#!/bin/sh\niptables -A INPUT -j ACCEPT\n',
    untestable: 'only a defect of the parser produces it',
    form: 'shell',
    source: 'parser',
  },
  {
    code: 'too-many-problems',
    severity: 'information',
    title: 'More problems than shown',
    description:
      'The language server publishes at most 1000 problems per document and ends the list with this note saying how many more there are; `iptables-sim lint` prints them all.',
    failing: '*filter\n# ... more than 1000 rules that each have a problem ...\nCOMMIT\n',
    passing: '*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n',
    untestable: 'emitted by the language server, not the language service (tested in test/protocol)',
    source: 'server',
  },
  // ---- suppression comments
  {
    code: 'unknown-suppression-code',
    severity: 'warning',
    title: 'Unknown code in a suppression comment',
    description: 'An `iptables-sim-disable` comment names a code that does not exist, so it silences nothing.',
    failing: filter('# iptables-sim-disable-next-line unreachable-rules', '-A INPUT -j DROP', '-A INPUT -j ACCEPT'),
    passing: filter('-A INPUT -j DROP', '# iptables-sim-disable-next-line unreachable-rule', '-A INPUT -j ACCEPT'),
    source: 'suppression',
  },
];
