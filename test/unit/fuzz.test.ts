/**
 * Seeded fuzzing for robustness: whatever a user types must give diagnostics, never a throw or a
 * hang. Mutates real corpus files character by character and line by line (quotes, backslashes,
 * carriage returns, NULs, `!`, dashes, non-ASCII, swapped and duplicated lines) and checks that
 * parsing, the analyses and the incremental path survive every mutant; then throws random packets
 * at real rulesets through the simulator. Deterministic: a failure prints its seed and mutant.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { documentDiagnostics, parseDocument } from '../../server/src/service/document';
import { inferHost, type PacketSpec, simulate } from '../../server/src/service/simulator/index';
import { CORPUS } from '../helpers/paths';
import { mulberry32 } from '../helpers/rng';
import { readVerdicts } from '../helpers/verdicts';

const NASTY = [
  '"',
  '\\',
  '\r',
  '\0',
  '!',
  '-',
  '--',
  ' ',
  '\t',
  '\n',
  '[',
  ']',
  ':',
  '*',
  '#',
  '$',
  '`',
  "'",
  '(',
  ')',
  'é',
  '\u202e',
  '{',
  '}',
  ';',
  '|',
  '<<EOF\n',
];

function mutate(text: string, r: () => number): string {
  const lines = text.split('\n');
  const edits = 1 + Math.floor(r() * 6);
  for (let e = 0; e < edits; e++) {
    const i = Math.floor(r() * lines.length);
    const line = lines[i] ?? '';
    const at = Math.floor(r() * (line.length + 1));
    switch (Math.floor(r() * 6)) {
      case 0:
        lines[i] = line.slice(0, at) + NASTY[Math.floor(r() * NASTY.length)] + line.slice(at);
        break;
      case 1:
        lines[i] = line.slice(0, at) + line.slice(at + 1 + Math.floor(r() * 8));
        break;
      case 2:
        lines.splice(i, 0, line);
        break;
      case 3: {
        const j = Math.floor(r() * lines.length);
        [lines[i], lines[j]] = [lines[j], lines[i]];
        break;
      }
      case 4:
        lines.splice(i, 1);
        break;
      default:
        lines[i] = `${line.slice(0, at)}${line.slice(at).toUpperCase()}`;
    }
  }
  return lines.join('\n');
}

const available = existsSync(join(CORPUS, 'restore-verdicts.tsv'));

test('parsing and diagnostics survive 1,500 mutated corpus files, each fast', {
  skip: !available && 'shared corpus not found',
}, () => {
  const files = readVerdicts(CORPUS)
    .map((v) => v.file)
    .concat(['scripts/andreasson-rc.firewall.sh', 'scripts/lfs-firewall-heredoc.sh', 'scripts/majek-vpn.sh'])
    .filter((f) => existsSync(join(CORPUS, f)))
    .map((f) => ({ f, text: readFileSync(join(CORPUS, f), 'utf8') }))
    .filter(({ text }) => text.length < 200_000);
  assert.ok(files.length > 50);
  const r = mulberry32(20261121);
  for (let k = 0; k < 1500; k++) {
    const { f, text } = files[Math.floor(r() * files.length)];
    const mutant = mutate(text, r);
    const languageId = ['iptables', 'shellscript', undefined][Math.floor(r() * 3)];
    const started = Date.now();
    try {
      const doc = parseDocument(mutant, { languageId });
      documentDiagnostics(doc, mutant);
      // the incremental path on a further edit must survive as well
      const again = mutate(mutant, r);
      const doc2 = parseDocument(again, { languageId, cache: doc.cache });
      documentDiagnostics(doc2, again);
    } catch (err) {
      assert.fail(`mutant #${k} of ${f} (${languageId}) threw: ${(err as Error).stack}`);
    }
    assert.ok(Date.now() - started < 5000, `mutant #${k} of ${f} took ${Date.now() - started} ms`);
  }
});

test('the simulator survives random packets through real rulesets', {
  skip: !available && 'shared corpus not found',
}, () => {
  const r = mulberry32(42);
  const valid = readVerdicts(CORPUS).filter((v) => v.verdict === 'valid' && v.family === 4);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const addr = () =>
    `${pick([10, 192, 172, 8, 127, 224, 255])}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}`;
  let simulated = 0;
  for (const v of valid.slice(0, 40)) {
    const text = readFileSync(join(CORPUS, v.file), 'utf8');
    const doc = parseDocument(text, { family: 4 });
    const { host } = inferHost(doc);
    const ifaces = (host.interfaces ?? []).map((i) => i.name);
    const packets: PacketSpec[] = [];
    for (let k = 0; k < 6; k++) {
      const proto = pick(['tcp', 'udp', 'icmp', 'gre', 'tcp']);
      packets.push({
        name: `p${k}`,
        in: r() < 0.2 || ifaces.length === 0 ? null : pick(ifaces),
        src: addr(),
        dst: addr(),
        proto,
        sport: 1 + Math.floor(r() * 65535),
        dport: pick([22, 53, 80, 443, 8080, 1 + Math.floor(r() * 65535)]),
        flags: proto === 'tcp' ? pick(['S', 'SA', 'A', 'FA', 'R', 'SF']) : undefined,
        type: proto === 'icmp' ? pick([0, 3, 8, 11]) : undefined,
        ttl: pick([1, 2, 64, 255]),
      });
    }
    for (const backend of ['nft', 'legacy'] as const) {
      let result: ReturnType<typeof simulate> | undefined;
      try {
        result = simulate({ doc, host, packets, backend });
      } catch (err) {
        assert.fail(`${v.file} (${backend}) threw: ${(err as Error).stack}\npackets: ${JSON.stringify(packets)}`);
      }
      assert.equal(result.packets.length, packets.length, `${v.file}: one result per packet`);
      for (const p of result.packets) assert.ok(p.disposition, `${v.file}: ${p.name} has a disposition`);
      simulated += packets.length;
    }
  }
  assert.ok(simulated >= 400);
});
