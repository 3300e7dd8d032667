/**
 * Reads the shared corpus's `restore-verdicts.tsv`: what iptables-restore (nft and legacy) said
 * about each real ruleset. A record starts with `verdict<TAB>family<TAB>file<TAB>`; kernel
 * messages may contain newlines (and tabs), so any other line continues the previous record's
 * message.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Family } from '../../server/src/service/model';

export interface Verdict {
  verdict: 'valid' | 'invalid' | 'env';
  family: Family;
  /** Path relative to the corpus folder. */
  file: string;
  /** Both backends' messages (tab-separated columns kept as they are). */
  message: string;
}

export function parseVerdicts(tsv: string): Verdict[] {
  const out: Verdict[] = [];
  const lines = tsv.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const m = /^(valid|invalid|env)\t([46])\t([^\t]+)\t(.*)$/.exec(line);
    if (m) {
      out.push({ verdict: m[1] as Verdict['verdict'], family: Number(m[2]) as Family, file: m[3], message: m[4] });
    } else if (out.length > 0 && line.trim() !== '') out[out.length - 1].message += `\n${line}`;
  }
  return out;
}

/** The verdicts of the corpus at `corpusDir`. */
export function readVerdicts(corpusDir: string): Verdict[] {
  return parseVerdicts(readFileSync(join(corpusDir, 'restore-verdicts.tsv'), 'utf8'));
}
