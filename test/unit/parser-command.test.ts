/**
 * Unit tests of the command parser's emulation of iptables' option handling (getopt_long over
 * the option table built so far). Each expectation was checked against iptables-restore 1.8.9.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command, Diagnostic } from '../../server/src/service/model';
import { parseCommand } from '../../server/src/service/parser/command';
import { splitRestoreLine } from '../../server/src/service/parser/restoreTokens';

function parse(
  line: string,
  mode: 'restore' | 'shell' = 'restore',
  family: 4 | 6 = 4,
): { cmd?: Command; ds: Diagnostic[] } {
  let id = 1;
  const { tokens } = splitRestoreLine(line, 0);
  const r = parseCommand(tokens, { family, mode, table: 'filter', nextRuleId: () => id++ });
  return { cmd: r.command, ds: r.diagnostics };
}
const errorCodes = (ds: Diagnostic[]) => ds.filter((d) => d.severity === 'error').map((d) => d.code);

test('a plain rule: command, chain, base options, target', () => {
  const { cmd, ds } = parse('-A INPUT -s 10.0.0.0/8 ! -i eth0 -p tcp -j ACCEPT');
  assert.deepEqual(ds, []);
  assert.equal(cmd!.op, 'append');
  assert.equal(cmd!.chain, 'INPUT');
  const r = cmd!.rule!;
  assert.equal(r.base.inInterface!.negated, true);
  assert.deepEqual(r.base.inInterface!.negSpan, { line: 0, character: 23, endLine: 0, endCharacter: 24 });
  assert.equal(r.base.protocol!.value, 6);
  assert.equal(r.target!.name, 'ACCEPT');
  assert.equal(r.target!.isExtension, true);
  assert.equal(r.text, '-s 10.0.0.0/8 ! -i eth0 -p tcp -j ACCEPT');
});

test('-p tcp loads the tcp match implicitly when one of its options is used', () => {
  const { cmd, ds } = parse('-A INPUT -p tcp --dport 22 -j ACCEPT');
  assert.deepEqual(ds, []);
  const m = cmd!.rule!.matches;
  assert.equal(m.length, 1);
  assert.equal(m[0].module, 'tcp');
  assert.equal(m[0].implicit, true);
  assert.equal(m[0].options[0].name, 'dport');
  assert.deepEqual(m[0].options[0].value, [22, 22]);
});

test('getopt abbreviations: a unique prefix selects the option, aliases are the same option', () => {
  const a = parse('-A INPUT -p tcp --dp 22 -j ACCEPT');
  assert.deepEqual(errorCodes(a.ds), []);
  assert.equal(a.cmd!.rule!.matches[0].options[0].name, 'dport');
  assert.equal(a.cmd!.rule!.matches[0].options[0].written, '--dp');
  const b = parse('-A INPUT -p tcp --destination-port 22 -j ACCEPT');
  assert.equal(b.cmd!.rule!.matches[0].options[0].name, 'dport');
  // --d is a prefix of --destination, --dst, --dport...: ambiguous, iptables says "unknown option"
  assert.deepEqual(errorCodes(parse('-A INPUT -p tcp --d 1.2.3.4 -j ACCEPT').ds), ['unknown-option']);
  // --so is --source (built-in) only, as long as no loaded match has a --so... option
  assert.deepEqual(errorCodes(parse('-A INPUT --so 1.2.3.4 -j ACCEPT').ds), []);
});

test('--opt=value is accepted like getopt_long does', () => {
  const { cmd, ds } = parse('-A INPUT -p tcp --dport=443 -j ACCEPT');
  assert.deepEqual(errorCodes(ds), []);
  assert.deepEqual(cmd!.rule!.matches[0].options[0].value, [443, 443]);
});

test('port options without -p tcp|udp are unknown to iptables', () => {
  const { ds } = parse('-A INPUT --dport 22 -j ACCEPT');
  assert.deepEqual(errorCodes(ds), ['port-needs-protocol']);
  assert.deepEqual(ds[0].span, { line: 0, character: 9, endLine: 0, endCharacter: 16 });
});

test('an option used before its -m is unknown (options are resolved in order)', () => {
  const { ds } = parse('-A INPUT --comment x -m comment -j ACCEPT');
  // iptables stops at the first error; we also note that -m comment is then left without --comment
  assert.equal(errorCodes(ds)[0], 'option-needs-module');
  assert.match(ds[0].message, /-m comment/);
});

test('options given twice: built-in ("multiple -s flags") and extension ("can only be used once")', () => {
  assert.deepEqual(errorCodes(parse('-A INPUT -s 1.2.3.4 -s 1.2.3.5 -j ACCEPT').ds), ['duplicate-option']);
  assert.deepEqual(errorCodes(parse('-A INPUT -p tcp --dport 22 --dport 23 -j ACCEPT').ds), ['duplicate-option']);
  assert.deepEqual(errorCodes(parse('-A INPUT -m comment --comment a --comment b -j ACCEPT').ds), ['duplicate-option']);
  // a second -m of the same module starts a new instance: each gets its own --comment
  const two = parse('-A INPUT -m comment --comment a -m comment --comment b -j ACCEPT');
  assert.deepEqual(errorCodes(two.ds), []);
  assert.deepEqual(
    two.cmd!.rule!.matches.map((m) => m.options[0].args[0].text),
    ['a', 'b'],
  );
  assert.deepEqual(errorCodes(parse('-A INPUT -j ACCEPT -j DROP').ds), ['duplicate-option']);
});

test('negation: ! before the option; the old "-s ! x" form is refused', () => {
  const ok = parse('-A INPUT ! -s 10.0.0.1 -p tcp ! --dport 22 -j DROP');
  assert.deepEqual(errorCodes(ok.ds), []);
  assert.equal(ok.cmd!.rule!.base.source!.negated, true);
  assert.equal(ok.cmd!.rule!.matches[0].options[0].negated, true);
  assert.deepEqual(errorCodes(parse('-A INPUT -s ! 10.0.0.1 -j DROP').ds), ['old-negation-syntax']);
  assert.deepEqual(errorCodes(parse('-A INPUT -p tcp --dport ! 22 -j DROP').ds), ['old-negation-syntax']);
  assert.deepEqual(errorCodes(parse('-A INPUT ! -m comment --comment x -j DROP').ds), ['bad-negation']);
  assert.deepEqual(errorCodes(parse('-A INPUT -j DROP !').ds), ['bad-negation']);
  assert.deepEqual(errorCodes(parse('-A INPUT ! ! -s 1.2.3.4 -j DROP').ds), ['bad-negation']);
  assert.deepEqual(errorCodes(parse('-A INPUT -m comment ! --comment x -j DROP').ds), ['bad-negation']);
});

test('missing and malformed arguments', () => {
  assert.deepEqual(errorCodes(parse('-A INPUT -j').ds), ['missing-argument']);
  assert.deepEqual(errorCodes(parse('-A INPUT -s 10.0.0.300 -j DROP').ds), ['bad-address']);
  assert.deepEqual(errorCodes(parse('-A INPUT -s 10.0.0.0/33 -j DROP').ds), ['bad-address']);
  assert.deepEqual(errorCodes(parse('-A INPUT -s <private_ip> -j DROP').ds), ['bad-address']);
  assert.deepEqual(errorCodes(parse('-A INPUT -p ipv4x -j DROP').ds), ['bad-protocol']);
  assert.deepEqual(errorCodes(parse('-A INPUT -i averyveryverylongname0 -j DROP').ds), ['bad-interface']);
  // a host name is accepted by iptables (resolved by DNS at load time): a hint, not an error
  const host = parse('-A INPUT -s ntp.example.net -j ACCEPT');
  assert.deepEqual(errorCodes(host.ds), []);
  assert.equal(host.ds[0].code, 'hostname-address');
});

test('stray words are "Bad argument"', () => {
  const { ds } = parse('-A INPUT -j ACCEPT # trailing comment');
  assert.deepEqual(errorCodes(ds), ['unexpected-argument', 'unexpected-argument', 'unexpected-argument']);
  assert.match(ds[0].message, /Bad argument `#'/);
});

test('restore input may not use -t; shell commands may, anywhere on the line', () => {
  assert.deepEqual(errorCodes(parse('-t nat -A POSTROUTING -j MASQUERADE').ds), ['table-in-restore']);
  const sh = parse('-A POSTROUTING -o eth0 -t nat -j ACCEPT', 'shell');
  assert.deepEqual(errorCodes(sh.ds), []);
  assert.equal(sh.cmd!.table, 'nat');
  assert.equal(sh.cmd!.rule!.table, 'nat');
  assert.deepEqual(errorCodes(parse('-t bogus -A INPUT -j ACCEPT', 'shell').ds), ['unknown-table']);
});

test('commands with positional arguments', () => {
  const ins = parse('-I INPUT 3 -s 1.2.3.4 -j ACCEPT');
  assert.equal(ins.cmd!.op, 'insert');
  assert.equal(ins.cmd!.ruleNum, 3);
  assert.equal(ins.cmd!.rule!.text, '-s 1.2.3.4 -j ACCEPT');
  const del = parse('-D INPUT 2');
  assert.equal(del.cmd!.op, 'delete');
  assert.equal(del.cmd!.ruleNum, 2);
  assert.equal(del.cmd!.rule, undefined);
  const pol = parse('-P FORWARD DROP');
  assert.equal(pol.cmd!.op, 'policy');
  assert.equal(pol.cmd!.argument, 'DROP');
  const ren = parse('-E OLD NEW');
  assert.equal(ren.cmd!.argument, 'NEW');
  assert.equal(parse('-F').cmd!.chain, undefined);
  assert.equal(parse('-X MYCHAIN').cmd!.chain, 'MYCHAIN');
  assert.deepEqual(errorCodes(parse('-A').ds), ['missing-argument']);
  assert.deepEqual(errorCodes(parse('-A INPUT -I INPUT -j ACCEPT').ds), ['multiple-commands']);
  assert.deepEqual(errorCodes(parse('-s 1.2.3.4 -j ACCEPT').ds), ['missing-command']);
  assert.deepEqual(errorCodes(parse('-R INPUT -j ACCEPT').ds), ['missing-argument']);
  assert.deepEqual(errorCodes(parse('-N FOO -j ACCEPT').ds), ['unexpected-argument']);
});

test('unknown match: reported once, its options do not cascade', () => {
  const { ds } = parse('-A INPUT -m nosuchmatch --foo 1 --bar 2 -j ACCEPT');
  assert.deepEqual(errorCodes(ds), ['unknown-match']);
});

test('a jump to a non-extension name is a chain jump', () => {
  const { cmd } = parse('-A INPUT -j MY-CHAIN');
  assert.equal(cmd!.rule!.target!.isExtension, false);
  assert.equal(cmd!.rule!.target!.kind, 'jump');
  const g = parse('-A INPUT -g OTHER');
  assert.equal(g.cmd!.rule!.target!.kind, 'goto');
  assert.deepEqual(errorCodes(parse(`-A INPUT -j ${'X'.repeat(29)}`).ds), ['bad-chain-name']);
});

test('ip6tables has no -f', () => {
  assert.deepEqual(errorCodes(parse('-A INPUT -f -j DROP', 'restore', 4).ds), []);
  assert.deepEqual(errorCodes(parse('-A INPUT -f -j DROP', 'restore', 6).ds), ['unknown-option']);
});

test('what iptables 1.8.9 accepts with a warning at most (found by the mutation test)', () => {
  // an IPv4-mapped IPv6 address loads as the IPv4 address
  const mapped = parse('-A INPUT -d ::ffff:192.0.2.1 -j ACCEPT');
  assert.deepEqual(errorCodes(mapped.ds), []);
  assert.deepEqual(mapped.cmd!.rule!.base.destination!.value, [
    { family: 4, addr: 0xc0000201, mask: 0xffffffff, prefix: 32 },
  ]);
  assert.deepEqual(errorCodes(parse('-A INPUT -d ::1 -j ACCEPT').ds), ['bad-address']);
  // interface names with '/' or blanks only draw iptables' "weird character" warning
  const weird = parse('-A INPUT -i eth/0 -j ACCEPT');
  assert.deepEqual(errorCodes(weird.ds), []);
  assert.deepEqual(
    weird.ds.map((d) => [d.code, d.severity]),
    [['weird-interface', 'warning']],
  );
  // the udp match keeps 16 bits of a port and accepts reversed ranges; tcp refuses both
  const udp = parse('-A INPUT -p udp --dport 70000 -j ACCEPT');
  assert.deepEqual(errorCodes(udp.ds), []);
  assert.deepEqual(udp.cmd!.rule!.matches[0].options[0].value, [4464, 4464]);
  assert.deepEqual(errorCodes(parse('-A INPUT -p udp --dport 80:22 -j ACCEPT').ds), []);
  assert.deepEqual(errorCodes(parse('-A INPUT -p udp --dport 0x16 -j ACCEPT').ds), ['bad-port']);
  assert.deepEqual(errorCodes(parse('-A INPUT -p tcp --dport 0x16 -j ACCEPT').ds), []);
  assert.deepEqual(errorCodes(parse('-A INPUT -p tcp --tcp-flags SYN,RST, SYN -j ACCEPT').ds), []);
  assert.deepEqual(errorCodes(parse('-A INPUT -p tcp --dport 70000 -j ACCEPT').ds), ['bad-port']);
  assert.deepEqual(errorCodes(parse('-A INPUT -p tcp --dport 80:22 -j ACCEPT').ds), ['bad-port']);
  // REJECT --reject-with takes a case-insensitive prefix (the first type it prefixes)
  for (const w of ['ICMP-PORT-UNREACHABLE', 'icmp-host-prohib', '']) {
    assert.deepEqual(errorCodes(parse(`-A INPUT -j REJECT --reject-with "${w}"`).ds), [], w);
  }
  assert.deepEqual(errorCodes(parse('-A INPUT -j REJECT --reject-with nonsense').ds), ['bad-argument']);
});

test('an unknown option that is a typo of an available one says which (and carries it for a quick fix)', () => {
  const { ds } = parse('-A INPUT -p tcp --dprot 22 -j ACCEPT');
  assert.deepEqual(errorCodes(ds), ['unknown-option']);
  assert.match(ds[0].message, /did you mean "--dport"\?/);
  assert.deepEqual(ds[0].data, { option: 'dprot', suggestion: 'dport' });
  // only options available at that point are suggested: no -m comment loaded, no --comment
  const far = parse('-A INPUT --commnet x -j ACCEPT');
  assert.equal(far.ds[0].data?.suggestion, undefined);
  // target options once the target is loaded
  const nat = parse('-A PREROUTING -p tcp -j DNAT --to-destinaton 10.0.0.1');
  assert.equal(nat.ds[0].data?.suggestion, 'to-destination');
  // nothing close: no suggestion
  assert.equal(parse('-A INPUT --zzzzzzzz -j ACCEPT').ds[0].data?.suggestion, undefined);
});
