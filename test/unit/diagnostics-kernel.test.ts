/**
 * The kernel judges the catalogue: every failing example of an `error` code must be refused by at
 * least one backend's iptables-restore, every failing example of a lesser severity must be
 * accepted by both (it is a mistake or a deprecation, not a refusal), and every passing example
 * must be accepted by both. Runs in throwaway network namespaces; skipped when not root.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allDiagnosticCodes } from '../../server/src/service/diagnostics/codes';
import { detectSaveFamily } from '../../server/src/service/parser/save';
import { kernelAvailable, restoreBoth } from '../helpers/netns';

const kernel = kernelAvailable();

/** Codes whose verdict depends on the environment rather than the file. */
const ENVIRONMENT_DEPENDENT: Record<string, string> = {
  'hostname-address': 'resolving a host name needs DNS, which the test machine may not have',
  'bad-set-flags': 'the examples need an ipset that does not exist in a fresh namespace',
};

for (const info of allDiagnosticCodes()) {
  const skip = !kernel.ok
    ? kernel.why
    : info.form === 'shell'
      ? 'script examples are not restore input'
      : (ENVIRONMENT_DEPENDENT[info.code] ?? false);
  test(`kernel agrees with the severity of ${info.code}`, { skip }, () => {
    const family = detectSaveFamily(info.passing);
    const pass = restoreBoth(info.passing, family);
    for (const o of pass) assert.ok(o.ok, `${o.backend} refuses the passing example of ${info.code}: ${o.message}`);
    const fail = restoreBoth(info.failing, detectSaveFamily(info.failing));
    const refused = fail.filter((o) => !o.ok);
    if (info.severity === 'error') {
      assert.ok(refused.length > 0, `both backends accept the failing example of error ${info.code}`);
    } else {
      assert.deepEqual(
        refused.map((o) => `${o.backend}: ${o.message}`),
        [],
        `${info.code} is a ${info.severity}, but a backend refuses its failing example`,
      );
    }
  });
}
