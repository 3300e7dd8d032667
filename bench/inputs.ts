/**
 * The benchmark's inputs: generated kube-proxy rulesets (written under .tmp/bench/, git-ignored)
 * and the largest real rulesets of the shared corpus, read in place (never copied). The corpus's
 * restore verdicts say which real files iptables-restore accepts (only those are timed against it).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { generateKubeRuleset, type KubeProbe } from './generate';

export interface BenchInput {
  /** Short name for the table (`kube-10k`, `corpus:research/…`). */
  name: string;
  kind: 'generated' | 'corpus';
  path: string;
  /** Address family for iptables-restore. */
  family: 4 | 6;
  /** Service count of generated inputs. */
  services?: number;
  /** Rules the generator wrote (generated inputs). */
  generatedRules?: number;
  /** 0-based line to edit. */
  editLine?: number;
  probe?: KubeProbe;
  /** Whether iptables-restore accepts the file (corpus: from restore-verdicts.tsv). */
  restoreValid?: boolean;
  /** Whether the file is iptables-save text (restore timing applies) rather than a shell script. */
  saveForm: boolean;
}

function sizeLabel(services: number): string {
  return services % 1000 === 0 ? `${services / 1000}k` : String(services);
}

/** Writes (or reuses, when identical) the generated ruleset for `services` under `dir`. */
export function generatedInput(dir: string, services: number): BenchInput {
  mkdirSync(dir, { recursive: true });
  const g = generateKubeRuleset({ services });
  const path = join(dir, `kube-proxy-${sizeLabel(services)}.rules`);
  let same = false;
  if (existsSync(path) && statSync(path).size === Buffer.byteLength(g.text))
    same = readFileSync(path, 'utf8') === g.text;
  if (!same) writeFileSync(path, g.text);
  return {
    name: `kube-${sizeLabel(services)}`,
    kind: 'generated',
    path,
    family: 4,
    services,
    generatedRules: g.rules.total,
    editLine: g.middleDnatLine - 1,
    probe: g.probe,
    saveForm: true,
  };
}

function walk(dir: string, out: string[]): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

/** restore-verdicts.tsv: file → verdict (`valid`/`invalid`...) and family. */
function readVerdicts(corpus: string): Map<string, { verdict: string; family: 4 | 6 }> {
  const map = new Map<string, { verdict: string; family: 4 | 6 }>();
  const p = join(corpus, 'restore-verdicts.tsv');
  if (!existsSync(p)) return map;
  for (const line of readFileSync(p, 'utf8').split('\n').slice(1)) {
    const [verdict, family, file] = line.split('\t');
    if (file) map.set(file, { verdict, family: family === '6' ? 6 : 4 });
  }
  return map;
}

const SAVE_FILE = /\.(?:ip6?tables-save|rules|v[46]|iptables)$/;
const SCRIPT_FILE = /\.sh$/;

/**
 * The `saveCount` largest iptables-save files and the `scriptCount` largest shell scripts of the
 * corpus (listings, logs and tool outputs are not rulesets and are skipped).
 */
export function corpusInputs(corpus: string, saveCount: number, scriptCount: number): BenchInput[] {
  if (!existsSync(corpus)) return [];
  const verdicts = readVerdicts(corpus);
  const files = walk(corpus, [])
    .map((p) => ({ p, rel: relative(corpus, p), size: statSync(p).size }))
    .filter((f) => !f.rel.startsWith('listings/') && !f.rel.startsWith('logs/'))
    .sort((a, b) => b.size - a.size);
  const out: BenchInput[] = [];
  const pick = (re: RegExp, n: number, saveForm: boolean): void => {
    for (const f of files.filter((x) => re.test(x.rel)).slice(0, n)) {
      const v = verdicts.get(f.rel);
      const family: 4 | 6 = v?.family ?? (/ip6tables|\.v6$/.test(f.rel) ? 6 : 4);
      out.push({
        name: `corpus:${f.rel}`,
        kind: 'corpus',
        path: f.p,
        family,
        restoreValid: v ? v.verdict === 'valid' : undefined,
        saveForm,
      });
    }
  };
  pick(SAVE_FILE, saveCount, true);
  pick(SCRIPT_FILE, scriptCount, false);
  return out;
}
