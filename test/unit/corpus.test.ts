/**
 * Corpus agreement: the linter against what iptables-restore (nft and legacy) said about each
 * real ruleset in the shared corpus (`restore-verdicts.tsv`). A `valid` file must get no error, an
 * `invalid` one an error on a line the kernel names (or, when the kernel names a COMMIT line,
 * i.e. it refused the table as a whole, an error inside that table), an `env` file (refused only
 * for reasons outside the file) no error. Every file of the corpus, whatever it is (scripts,
 * logs, listings), must parse and analyse without throwing, with catalogued codes only.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import { isKnownCode } from '../../server/src/service/diagnostics/codes';
import { documentDiagnostics, lintText, parseDocument } from '../../server/src/service/document';
import type { Diagnostic } from '../../server/src/service/model';
import { linesNamed } from '../helpers/netns';
import { CORPUS } from '../helpers/paths';
import { parseVerdicts } from '../helpers/verdicts';

const TSV = join(CORPUS, 'restore-verdicts.tsv');
const available = existsSync(TSV);
const verdicts = available ? parseVerdicts(readFileSync(TSV, 'utf8')) : [];

const tally = {
  valid: { clean: 0, total: 0 },
  invalid: { caught: 0, total: 0 },
  env: { clean: 0, total: 0 },
};
const misses: string[] = [];

function errorsOf(ds: Diagnostic[]): Diagnostic[] {
  return ds.filter((d) => d.severity === 'error');
}

function describe(ds: Diagnostic[]): string {
  return ds
    .slice(0, 8)
    .map((d) => `${d.span.line + 1}: ${d.code} ${d.message}`)
    .join('\n  ');
}

/** 1-based lines of the table block that the COMMIT on `commitLine` closes. */
function tableBlock(lines: string[], commitLine: number): [number, number] | undefined {
  if (!/^COMMIT\s*$/.test(lines[commitLine - 1] ?? '')) return undefined;
  let start = commitLine - 1;
  while (start > 0 && !lines[start - 1].startsWith('*')) start--;
  return [start, commitLine];
}

test('the verdict table parses (multi-line messages are folded into their record)', { skip: !available }, () => {
  assert.ok(verdicts.length >= 90, `only ${verdicts.length} verdicts`);
  for (const v of verdicts) assert.ok(existsSync(join(CORPUS, v.file)), `${v.file} is missing`);
  const broken = verdicts.find((v) => v.file === 'research/pastebin-2hux32dS.iptables-save');
  if (broken) assert.deepEqual(linesNamed(broken.message), [2]);
});

for (const v of verdicts) {
  test(`${v.verdict}: ${v.file}`, () => {
    const text = readFileSync(join(CORPUS, v.file), 'utf8');
    const { diagnostics } = lintText(text, { languageId: 'iptables', fileName: v.file, family: v.family });
    const errors = errorsOf(diagnostics);
    if (v.verdict === 'invalid') {
      tally.invalid.total++;
      const named = linesNamed(v.message);
      const lines = text.split('\n');
      const hit = errors.some((d) =>
        named.some((n) => {
          if (d.span.line + 1 === n) return true;
          const block = tableBlock(lines, n);
          return block !== undefined && d.span.line + 1 >= block[0] && d.span.line + 1 <= block[1];
        }),
      );
      if (hit) tally.invalid.caught++;
      else misses.push(`invalid ${v.file}: kernel names line(s) ${named.join(', ')}`);
      assert.ok(
        hit,
        `kernel refused line(s) ${named.join(', ')} (${v.message.replace(/\s+/g, ' ').slice(0, 200)}); errors found:\n  ${describe(errors)}`,
      );
      return;
    }
    const bucket = v.verdict === 'valid' ? tally.valid : tally.env;
    bucket.total++;
    if (errors.length === 0) bucket.clean++;
    else
      misses.push(
        `${v.verdict} ${v.file}: ${errors.length} error(s), first: line ${errors[0].span.line + 1} ${errors[0].code}`,
      );
    assert.deepEqual(errors.length, 0, `the kernel accepts this file, but:\n  ${describe(errors)}`);
  });
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

test('every corpus file parses and analyses without throwing, with catalogued codes', { skip: !available }, () => {
  const unknown = new Set<string>();
  let files = 0;
  for (const p of walk(CORPUS)) {
    const text = readFileSync(p, 'utf8');
    for (const languageId of [undefined, 'iptables', 'shellscript']) {
      const doc = parseDocument(text, { languageId, fileName: p });
      for (const d of documentDiagnostics(doc, text)) {
        if (!isKnownCode(d.code)) unknown.add(`${d.code} (${relative(CORPUS, p)})`);
        assert.ok(d.span.line >= 0 && d.span.line < Math.max(1, doc.lineCount) + 1, `${p}: span out of the document`);
      }
    }
    files++;
  }
  assert.ok(files > 100);
  assert.deepEqual([...unknown], [], 'codes emitted but not catalogued');
});

after(() => {
  if (!available) return;
  const v = tally.valid;
  const i = tally.invalid;
  const e = tally.env;
  console.log(
    `corpus agreement: ${v.clean}/${v.total} valid clean, ${i.caught}/${i.total} invalid caught, ${e.clean}/${e.total} env without error`,
  );
  if (misses.length) console.log(`  disagreements:\n  ${misses.join('\n  ')}`);
});
