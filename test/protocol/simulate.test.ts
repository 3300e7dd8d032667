/**
 * Protocol tests of the `iptables/simulate` request on the built server: packets through the
 * cached parse of an open document (the bundled libvirt-style NAT example), the backend setting
 * and its per-request override, an inferred host, and errors for bad requests that leave the
 * server answering.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ErrorCodes, ResponseError } from 'vscode-languageserver-protocol/node';
import { type SimulateParams, SimulateRequest } from '../../server/src/lsp/protocol';
import type { HostSpec, PacketSpec } from '../../server/src/service/simulator/types';
import { REPO_ROOT } from '../helpers/paths';
import { LspTestClient } from './lspClient';

const RULES = readFileSync(join(REPO_ROOT, 'examples', 'libvirt-nat.rules'), 'utf8');
const HOST = JSON.parse(readFileSync(join(REPO_ROOT, 'examples', 'libvirt-nat.host.json'), 'utf8')) as HostSpec;
const URI = 'file:///work/examples/libvirt-nat.rules';

const VM_TO_WEB: PacketSpec = {
  name: 'vm-to-web',
  in: 'virbr0',
  src: '192.168.122.10',
  dst: '93.184.216.34',
  proto: 'tcp',
  sport: 40000,
  dport: 443,
  flags: 'S',
};

let client: LspTestClient;

before(async () => {
  ({ client } = await LspTestClient.start({ settings: { validate: { enable: true, delay: 20 }, backend: 'nft' } }));
  await client.open(URI, 'iptables', RULES);
});

after(async () => {
  await client?.stop();
});

function simulate(params: SimulateParams) {
  return client.connection.sendRequest(SimulateRequest, params);
}

test('a VM opening a connection to the outside is forwarded and masqueraded behind eth0', async () => {
  const r = await simulate({ uri: URI, host: HOST, packets: [VM_TO_WEB] });
  assert.equal(r.version, 1);
  assert.equal(r.backend, 'nft');
  assert.deepEqual(r.errors, []);
  const p = r.packets[0];
  assert.equal(p.disposition, 'forwarded', p.summary);
  assert.deepEqual(p.path, ['PREROUTING', 'FORWARD', 'POSTROUTING']);
  const accepted = p.trace.find((t) => t.chain === 'LIBVIRT_FWO' && t.verdict === 'ACCEPT');
  assert.ok(accepted, JSON.stringify(p.trace));
  assert.equal(p.egress.length, 1);
  assert.equal(p.egress[0].iface, 'eth0');
  assert.equal(p.egress[0].src, '203.0.113.2');
  assert.equal(p.egress[0].dst, '93.184.216.34');
});

test('a new connection from the outside to a VM is rejected, and the reply of an allowed one passes', async () => {
  const r = await simulate({
    uri: URI,
    host: HOST,
    packets: [
      {
        name: 'probe',
        in: 'eth0',
        src: '198.51.100.7',
        dst: '192.168.122.10',
        proto: 'tcp',
        sport: 5555,
        dport: 22,
        flags: 'S',
      },
      VM_TO_WEB,
      { name: 'web-reply', reply_to: 'vm-to-web' },
    ],
  });
  const [probe, , reply] = r.packets;
  assert.equal(probe.disposition, 'rejected', probe.summary);
  assert.ok(probe.trace.some((t) => t.chain === 'LIBVIRT_FWI' && t.kind === 'rule'));
  assert.equal(reply.disposition, 'forwarded', reply.summary);
  assert.equal(reply.egress[0]?.iface, 'virbr0');
  assert.equal(reply.egress[0]?.dst, '192.168.122.10');
});

test('the backend comes from the settings unless the request names one', async () => {
  const fromRequest = await simulate({ uri: URI, host: HOST, packets: [VM_TO_WEB], backend: 'legacy' });
  assert.equal(fromRequest.backend, 'legacy');
  await client.changeSettings({ validate: { enable: true, delay: 20 }, backend: 'legacy' });
  const fromSettings = await simulate({ uri: URI, host: HOST, packets: [VM_TO_WEB] });
  assert.equal(fromSettings.backend, 'legacy');
  await client.changeSettings({ validate: { enable: true, delay: 20 }, backend: 'nft' });
});

test('without a host one is inferred from the ruleset and the guesses are listed', async () => {
  const r = await simulate({ uri: URI, packets: [VM_TO_WEB] });
  assert.ok(
    r.host.interfaces?.some((i) => i.name === 'virbr0'),
    JSON.stringify(r.host),
  );
  assert.ok(r.hostNotes.length > 0);
  assert.equal(r.packets.length, 1);
});

test('the simulation follows the current version of the document', async () => {
  // Make LIBVIRT_FWO drop instead of accept: replace the first "-j ACCEPT" of that chain.
  const lines = RULES.split('\n');
  const line = lines.findIndex((l) => l.startsWith('-A LIBVIRT_FWO -s 192.168.122.0/24'));
  const col = lines[line].indexOf('ACCEPT');
  await client.change(URI, 2, [
    { range: { start: { line, character: col }, end: { line, character: col + 'ACCEPT'.length } }, text: 'DROP' },
  ]);
  const r = await simulate({ uri: URI, host: HOST, packets: [VM_TO_WEB] });
  assert.equal(r.version, 2);
  assert.equal(r.packets[0].disposition, 'dropped', r.packets[0].summary);
});

test('bad requests get InvalidParams errors and the server keeps answering', async () => {
  const expectInvalid = async (params: unknown, pattern: RegExp) => {
    await assert.rejects(
      client.connection.sendRequest(SimulateRequest, params as SimulateParams),
      (e: unknown) => e instanceof ResponseError && e.code === ErrorCodes.InvalidParams && pattern.test(e.message),
    );
  };
  await expectInvalid({ uri: 'file:///not/open.rules', packets: [VM_TO_WEB] }, /not open/);
  await expectInvalid({ uri: URI, packets: [] }, /packets/);
  await expectInvalid({ uri: URI, packets: [VM_TO_WEB], backend: 'bpf' }, /backend/);
  await expectInvalid(null, /object/);
  const r = await simulate({ uri: URI, host: HOST, packets: [VM_TO_WEB] });
  assert.equal(r.packets.length, 1);
});
