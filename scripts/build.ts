import { bundleWorkflowCode } from '@temporalio/worker';
import { build, type Plugin } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { workflowsPath } from '../src/temporal/worker';

/**
 * `npm run build [-- --outdir DIR]`: the production output, in DIR (default dist/).
 * - `descope-sync.js`: the CLI in one ES module, node_modules left as imports (installed by `npm ci --omit=dev`).
 * - `workflows.js`: the Temporal workflow bundle, prebuilt, so that a production worker never bundles at start.
 * - `healthcheck.js`: the image's HEALTHCHECK (scripts/healthcheck.js).
 * The local emulator and the server builders (src/emulator, src/servers) stay out: the commands that need them
 * (`dev`, `emulator`, `servers`) import them lazily, and in this build those imports answer with a usage error.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
/** Development-only code. `servers/cache.ts` (where the demo records itself) and the emulator's flag help stay. */
const devOnly = /[\\/]src[\\/](emulator|servers)([\\/]|$)/;
const allowed = new Set(['src/servers/cache.ts', 'src/emulator/cliFlags.ts']);

/** Thrown when a development-only command runs from the production build; main.ts exits 2 on a UsageError. */
const notInProduction = `
const command = process.argv[2] ?? 'this command';
const error = new Error(\`\${command} is not part of the production build (it needs the local emulator or the server builders); run it from a checkout: npm ci && node bin/descope-sync.js \${command}\`);
error.name = 'UsageError';
throw error;
`;

/** Development-only modules: a lazy import gets the stub above; a static import fails the build. */
const excludeDevOnly: Plugin = {
  name: 'exclude-dev-only',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const path = resolve(args.resolveDir, args.path);
      const file = relative(root, path).replaceAll('\\', '/');
      if (!devOnly.test(path) || allowed.has(file) || allowed.has(`${file}.ts`)) return;
      if (args.kind !== 'dynamic-import')
        return { errors: [{ text: `${relative(root, args.importer)} imports ${file} statically: make it lazy` }] };
      return { path: file, namespace: 'dev-only' };
    });
    b.onLoad({ filter: /.*/, namespace: 'dev-only' }, () => ({ contents: notInProduction, loader: 'js' }));
  },
};

export async function buildProduction(outdir: string): Promise<Record<'cliMs' | 'workflowMs', number>> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const started = Date.now();
  await build({
    entryPoints: [join(root, 'src/cli/main.ts')],
    outfile: join(outdir, 'descope-sync.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    sourcesContent: false,
    plugins: [excludeDevOnly],
    logLevel: 'warning',
    banner: { js: '#!/usr/bin/env node' },
  });
  const bundled = Date.now();
  const { code } = await bundleWorkflowCode({ workflowsPath });
  writeFileSync(join(outdir, 'workflows.js'), code);
  copyFileSync(join(root, 'scripts/healthcheck.js'), join(outdir, 'healthcheck.js'));
  return { cliMs: bundled - started, workflowMs: Date.now() - bundled };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { outdir: { type: 'string', default: join(root, 'dist') } } });
  const times = await buildProduction(resolve(values.outdir));
  const size = (file: string) => `${Math.round(statSync(join(values.outdir, file)).size / 1024)} KiB`;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(`built ${values.outdir}:`);
  console.log(`  descope-sync.js ${size('descope-sync.js')} (esbuild, ${seconds(times.cliMs)})`);
  console.log(`  workflows.js ${size('workflows.js')} (bundleWorkflowCode, ${seconds(times.workflowMs)})`);
}
