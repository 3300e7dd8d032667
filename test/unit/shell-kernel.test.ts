/**
 * Kernel-judged test of the script parser over corpus/scripts: every iptables command the parser
 * finds with fully known words is run for real (iptables-legacy / ip6tables-legacy, in script
 * order, in a throwaway network namespace per script), and every command the kernel accepts must
 * get no error diagnostic from us. Here-documents fed to iptables-restore are loaded with
 * iptables-legacy-restore the same way. Prints the figure: accepted / flagged with an error.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Invocation } from '../../server/src/service/parser/shell';
import { parseShell } from '../../server/src/service/parser/shell';
import { kernelAvailable, run, withNamespace } from '../helpers/netns';
import { CORPUS } from '../helpers/paths';

const SCRIPTS = join(CORPUS, 'scripts');

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

interface Outcome {
  inv: Invocation;
  rc: number;
  message: string;
}

/** Runs the invocations in order inside one fresh namespace; returns each exit status and message. */
function replay(invs: Invocation[]): Outcome[] {
  let script = '';
  invs.forEach((inv, k) => {
    const base = inv.family === 6 ? 'ip6tables-legacy' : 'iptables-legacy';
    if (inv.kind === 'iptables') {
      script += `${base} -w ${inv.argv.map((t) => shQuote(t.text)).join(' ')} </dev/null 2>&1\n`;
    } else {
      const delim = `__RESTORE_${k}__`;
      const flags = (inv.restoreArgs ?? []).map(shQuote).join(' ');
      script += `${base}-restore -w ${flags} 2>&1 <<'${delim}'\n${inv.input ?? ''}\n${delim}\n`;
    }
    script += `echo "@@RC $?"\n`;
  });
  return withNamespace((ns) => {
    const r = run('ip', ['netns', 'exec', ns, 'sh', '-s'], script, 300_000);
    const outcomes: Outcome[] = [];
    let message = '';
    for (const line of r.stdout.split('\n')) {
      const m = /^@@RC (\d+)$/.exec(line);
      if (m) {
        outcomes.push({ inv: invs[outcomes.length], rc: Number(m[1]), message: message.trim() });
        message = '';
      } else message += `${line}\n`;
    }
    return outcomes;
  }, 'ipts-sh');
}

function reasonOf(message: string): string {
  if (/host\/network .* not found|Host\/network/i.test(message)) return 'hostname (no DNS here)';
  if (/Set .* doesn't exist|ipset/i.test(message)) return 'ipset missing';
  if (/Couldn't load|No such file or directory|Extension .* revision .* not supported|unknown option/i.test(message))
    return 'extension/option not available';
  if (/No chain\/target\/match by that name|does not exist/i.test(message)) return 'missing chain/target';
  return 'rejected';
}

test('corpus scripts: commands the kernel accepts get no error diagnostic', (t) => {
  const k = kernelAvailable();
  if (!k.ok) {
    t.skip(`kernel part skipped: ${k.why}`);
    return;
  }
  let files: string[];
  try {
    files = readdirSync(SCRIPTS).sort();
  } catch {
    t.skip(`kernel part skipped: ${SCRIPTS} is not available`);
    return;
  }
  let found = 0;
  let unknownSkipped = 0;
  let accepted = 0;
  let rejected = 0;
  const flagged: string[] = [];
  const reasons = new Map<string, number>();
  for (const f of files) {
    const text = readFileSync(join(SCRIPTS, f), 'utf8');
    const doc = parseShell(text, { collectInvocations: true });
    const invs = doc.invocations ?? [];
    found += invs.length;
    const known = invs.filter((i) => i.known);
    unknownSkipped += invs.length - known.length;
    if (known.length === 0) continue;
    const outcomes = replay(known);
    assert.equal(outcomes.length, known.length, `${f}: every command ran`);
    for (const o of outcomes) {
      if (o.rc !== 0) {
        rejected++;
        const why = reasonOf(o.message);
        reasons.set(why, (reasons.get(why) ?? 0) + 1);
        continue;
      }
      accepted++;
      const errors = o.inv.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length) {
        const line = o.inv.span.line + 1;
        flagged.push(`${f}:${line}: ${errors.map((e) => `[${e.code}] ${e.message}`).join('; ')}`);
      }
    }
  }
  const summary =
    `corpus/scripts: ${found} invocations found, ${unknownSkipped} not replayed (words unknown), ` +
    `${accepted} accepted by the kernel, ${rejected} rejected (${[...reasons].map(([r, n]) => `${r}: ${n}`).join(', ')}); ` +
    `${flagged.length} accepted ones flagged with an error by us`;
  t.diagnostic(summary);
  console.log(summary);
  for (const l of flagged) console.log(`  flagged: ${l}`);
  assert.ok(accepted > 300, `expected a substantial number of accepted commands, got ${accepted}`);
  assert.deepEqual(flagged, [], 'commands accepted by the kernel must not get error diagnostics');
});
