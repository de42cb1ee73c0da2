// `pnpm build`: the compiled build the container image runs (ADR 0029). Each entrypoint (a service's main, the
// operators' CLIs) is bundled by esbuild into one JavaScript file with everything it
// imports: the workspace packages (which export TypeScript sources) and the npm packages alike, so the runtime needs
// node and no node_modules. The console's web pages are built by Vite (`--no-web` leaves them out).
//
// Each bundle is written three folders below the repository root (services/<name>/dist/main.js), the depth of the
// sources it comes from (services/<name>/src/main.ts, packages/<name>/src/x.ts): a file found relative to the code
// (data/areas/xinhui.json, data/calendars/…, the console's dist/static) is found from the bundle too.
//
// `--out <dir>` writes the same layout under another folder (the tests build there, leaving the checkout's own
// services/console/dist/static to the browser tests that serve it meanwhile).
//
//   node scripts/build.mjs [--no-web] [--clean] [--out <dir>]
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: node scripts/build.mjs [--no-web] [--clean] [--out <dir>]';
const argv = process.argv.slice(2);
const args = new Set();
let out = root;
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  if (arg === '--out' && argv[i + 1] && !argv[i + 1].startsWith('--')) out = resolve(argv[++i]);
  else if (arg === '--no-web' || arg === '--clean') args.add(arg);
  else {
    process.stderr.write(`build: ${arg === '--out' ? '--out needs a folder' : `unknown argument ${arg}`}\n${USAGE}\n`);
    process.exit(2);
  }
}

/** Entrypoint (source) → bundle, both relative to the root. The image's CMD and HEALTHCHECK name these bundles. */
const ENTRYPOINTS = {
  'services/intake-api/src/main.ts': 'services/intake-api/dist/main.js',
  'services/intake-api/src/open311/cli/add-client.ts': 'services/intake-api/dist/open311/cli/add-client.js',
  'services/dispatch-worker/src/main.ts': 'services/dispatch-worker/dist/main.js',
  'services/dispatch-worker/src/restore-cli.ts': 'services/dispatch-worker/dist/restore-cli.js',
  'services/projection/src/main.ts': 'services/projection/dist/main.js',
  'services/projection/src/rebuild-cli.ts': 'services/projection/dist/rebuild-cli.js',
  'services/projection/src/restore-cli.ts': 'services/projection/dist/restore-cli.js',
  'services/notifier/src/main.ts': 'services/notifier/dist/main.js',
  'services/console/src/main.ts': 'services/console/dist/main.js',
  'packages/kafka/src/cli/admin.ts': 'packages/kafka/dist/cli/admin.js',
  'packages/auth/src/cli/mint-token.ts': 'packages/auth/dist/cli/mint-token.js',
  'packages/redis/src/cli/stack-access.ts': 'packages/redis/dist/cli/stack-access.js',
};

if (args.has('--clean')) {
  // The bundles and their maps and licence notes; not the console's dist/static (Vite empties it when it builds).
  for (const bundle of Object.values(ENTRYPOINTS)) {
    for (const file of [bundle, `${bundle}.map`, `${bundle}.LEGAL.txt`]) rmSync(join(out, file), { force: true });
  }
}

const started = performance.now();
// CommonJS packages inside an ES module bundle call require() and read __dirname: both given back, per bundle.
const banner = [
  "import { createRequire as __gridgovCreateRequire } from 'node:module';",
  "import { dirname as __gridgovDirname } from 'node:path';",
  "import { fileURLToPath as __gridgovFileURLToPath } from 'node:url';",
  'const require = __gridgovCreateRequire(import.meta.url);',
  'const __filename = __gridgovFileURLToPath(import.meta.url);',
  'const __dirname = __gridgovDirname(__filename);',
].join('\n');

await Promise.all(
  Object.entries(ENTRYPOINTS).map(([source, bundle]) =>
    build({
      entryPoints: [join(root, source)],
      outfile: join(out, bundle),
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'esm',
      banner: { js: banner },
      sourcemap: 'linked',
      // Names kept: errors are logged with their class names (err.name, `instanceof` across modules is unchanged).
      keepNames: true,
      legalComments: 'linked',
      logLevel: 'warning',
      // Optional packages that our dependencies try and do without (pino-pretty: a dev-time log formatter).
      external: ['pino-pretty'],
    }),
  ),
);
const bundled = performance.now() - started;
process.stdout.write(`build: ${Object.keys(ENTRYPOINTS).length} bundles in ${Math.round(bundled)} ms\n`);
for (const bundle of Object.values(ENTRYPOINTS)) process.stdout.write(`  ${relative(process.cwd(), join(out, bundle)) || '.'}\n`);

if (!args.has('--no-web')) {
  // Vite's own outDir (services/console/dist/static) unless the build goes elsewhere.
  const pages = join(out, 'services/console/dist/static');
  execFileSync('pnpm', ['--filter', '@gridgov/console', 'run', 'build', '--outDir', pages, '--emptyOutDir'], {
    cwd: root,
    stdio: 'inherit',
  });
}
