// Bundles the three shipped programs with esbuild (`npm run build`):
//   dist/client/extension.js   the VS Code extension (the `vscode` module stays external)
//   dist/server/server.js      the language server, started by the client over IPC
//   dist/cli/iptables-sim.js   the `iptables-sim` command line (executable, with a node shebang)
// `node scripts/build.mjs [client|server|cli ...] [--watch] [--minify]` builds only the named
// bundles; no name builds all three. Type checking is `npm run typecheck`'s job, not this one's.

import { chmodSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, context } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The bundles, by name. */
export const TARGETS = {
  client: { entry: 'client/src/extension.ts', outfile: 'dist/client/extension.js', external: ['vscode'] },
  server: { entry: 'server/src/lsp/main.ts', outfile: 'dist/server/server.js', external: [] },
  cli: {
    entry: 'server/src/cli/main.ts',
    outfile: 'dist/cli/iptables-sim.js',
    external: [],
    banner: '#!/usr/bin/env node',
    executable: true,
  },
};

function options(name, minify) {
  const t = TARGETS[name];
  const entry = join(root, t.entry);
  if (!existsSync(entry)) throw new Error(`build: entry point of "${name}" is missing: ${t.entry}`);
  return {
    entryPoints: [entry],
    outfile: join(root, t.outfile),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external: t.external,
    sourcemap: true,
    minify,
    banner: t.banner ? { js: t.banner } : undefined,
    logLevel: 'warning',
    // Keeps the bundles reproducible: no absolute paths of the build machine in them.
    sourceRoot: '',
    absWorkingDir: root,
  };
}

/** Builds the named bundles (all when `names` is empty). Throws on the first build error. */
export async function buildAll(names = [], { minify = false } = {}) {
  const selected = names.length ? names : Object.keys(TARGETS);
  for (const name of selected) {
    if (!TARGETS[name])
      throw new Error(`build: unknown target "${name}" (expected ${Object.keys(TARGETS).join(', ')})`);
  }
  for (const name of selected) {
    await build(options(name, minify));
    if (TARGETS[name].executable) chmodSync(join(root, TARGETS[name].outfile), 0o755);
  }
  return selected.map((n) => TARGETS[n].outfile);
}

async function watch(names) {
  const selected = names.length ? names : Object.keys(TARGETS);
  for (const name of selected) {
    const t = TARGETS[name];
    const onEnd = {
      name: 'chmod',
      setup(b) {
        b.onEnd((r) => {
          if (r.errors.length === 0 && t.executable) chmodSync(join(root, t.outfile), 0o755);
        });
      },
    };
    const ctx = await context({ ...options(name, false), plugins: [onEnd] });
    await ctx.watch();
  }
  console.log(`watching ${selected.join(', ')}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const names = args.filter((a) => !a.startsWith('--'));
  try {
    if (args.includes('--watch')) await watch(names);
    else {
      const outs = await buildAll(names, { minify: args.includes('--minify') });
      console.log(`built ${outs.join(', ')}`);
    }
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
