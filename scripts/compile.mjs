// Transpiles every TypeScript source (server, client, test, bench) to CommonJS under out/ with
// esbuild, file by file (no bundling, no type check: `npm run typecheck` does that). Fast, and one
// file's type errors never block running the others' tests.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const roots = ['server/src', 'client/src', 'test', 'bench'];

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    if (e === 'node_modules' || e.startsWith('.')) continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

export async function compileAll() {
  const entryPoints = roots.flatMap((r) => walk(r, []));
  await build({
    entryPoints,
    outdir: 'out',
    outbase: '.',
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
  return entryPoints.length;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = await compileAll();
  console.log(`compiled ${n} files to out/`);
}
