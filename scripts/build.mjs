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
import { cpSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { guardNameHelper } from './bundle-names.mjs';
import { BUNDLE_OPTIONS } from './bundle-options.mjs';
import { cutToOwnCode, projectSource } from './source-maps.mjs';

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
  'services/projection/src/what-if-cli.ts': 'services/projection/dist/what-if-cli.js',
  'services/notifier/src/main.ts': 'services/notifier/dist/main.js',
  'services/console/src/main.ts': 'services/console/dist/main.js',
  'packages/kafka/src/cli/admin.ts': 'packages/kafka/dist/cli/admin.js',
  'packages/auth/src/cli/mint-token.ts': 'packages/auth/dist/cli/mint-token.js',
  'packages/redis/src/cli/stack-access.ts': 'packages/redis/dist/cli/stack-access.js',
  'packages/importer/src/cli.ts': 'packages/importer/dist/cli.js',
  'packages/importer/src/legacy-cli.ts': 'packages/importer/dist/legacy-cli.js',
  // The importer's signing threads (signing-pool.ts): a worker thread runs a module of its own.
  'packages/importer/src/sign-worker.ts': 'packages/importer/dist/sign-worker.js',
};

/**
 * npm packages that cannot be bundled, shipped beside the bundle instead (in its dist/node_modules, where node finds
 * them first): playwright-core reads its own package.json and files relative to its code at run time. It has no
 * dependencies of its own, so its folder alone is the whole of it. Bundle folder → packages (resolved from the
 * workspace package whose dependency they are).
 */
const SHIPPED = {
  'services/projection/dist': { from: 'services/projection', packages: ['playwright-core'] },
};

/**
 * npm packages bundled whole but reading files beside their own code at run time: their files are copied next to the
 * bundles that hold them (dist/<folder>), and their modules' `__dirname` (the bundle's own, in a bundle) is pointed at
 * that copy. @fastify/swagger-ui (the /docs pages, ADR 0027) reads its logo from index.js' folder and serves its
 * static/ from lib/routes.js' folder.
 */
const ASSETS = [
  {
    name: '@fastify/swagger-ui',
    folder: 'swagger-ui',
    copy: ['static'],
    modules: { 'index.js': '', 'lib/routes.js': '/lib' },
  },
];

/** The esbuild plugin that points those modules' `__dirname` at their copied files (a module not found fails the build). */
const assetsPlugin = {
  name: 'gridgov-assets',
  setup(pluginBuild) {
    for (const asset of ASSETS) {
      const escaped = asset.name.replace(/[/]/g, '[\\/]').replace(/\./g, '\\.');
      pluginBuild.onLoad({ filter: new RegExp(`${escaped}[\\/](index\\.js|lib[\\/]routes\\.js)$`) }, (loaded) => {
        const module = Object.keys(asset.modules).find((m) => loaded.path.replaceAll('\\', '/').endsWith(`${asset.name}/${m}`));
        if (module === undefined) return undefined;
        const source = readFileSync(loaded.path, 'utf8');
        if (!source.includes('__dirname'))
          throw new Error(`${asset.name}/${module} no longer reads __dirname: see ASSETS in scripts/build.mjs`);
        const dir = JSON.stringify(`/${asset.folder}${asset.modules[module]}`);
        return { contents: source.replaceAll('__dirname', `(__dirname + ${dir})`), loader: 'js' };
      });
    }
  },
};

if (args.has('--clean')) {
  // The bundles and their maps and licence notes; not the console's dist/static (Vite empties it when it builds).
  for (const bundle of Object.values(ENTRYPOINTS)) {
    for (const file of [bundle, `${bundle}.map`, `${bundle}.LEGAL.txt`]) rmSync(join(out, file), { force: true });
  }
  for (const dir of Object.keys(SHIPPED)) rmSync(join(out, dir, 'node_modules'), { recursive: true, force: true });
  for (const bundle of Object.values(ENTRYPOINTS)) {
    for (const asset of ASSETS) rmSync(join(out, dirname(bundle), asset.folder), { recursive: true, force: true });
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

const results = await Promise.all(
  Object.entries(ENTRYPOINTS).map(([source, bundle]) =>
    build({
      plugins: [assetsPlugin],
      metafile: true,
      entryPoints: [join(root, source)],
      outfile: join(out, bundle),
      ...BUNDLE_OPTIONS,
      banner: { js: banner },
      legalComments: 'linked',
      logLevel: 'warning',
      // Optional packages that our dependencies try and do without (pino-pretty: a dev-time log formatter).
      external: ['pino-pretty', ...Object.values(SHIPPED).flatMap((s) => s.packages)],
    }),
  ),
);
// Each bundle holding an ASSETS package gets its files, from the package the bundle was made with.
for (const [i, bundle] of Object.values(ENTRYPOINTS).entries()) {
  const inputs = Object.keys(results[i].metafile.inputs);
  for (const asset of ASSETS) {
    const input = inputs.find((p) => p.replaceAll('\\', '/').endsWith(`${asset.name}/index.js`));
    if (input === undefined) continue;
    const packageDir = dirname(resolve(root, input));
    for (const item of asset.copy) {
      cpSync(join(packageDir, item), join(out, dirname(bundle), asset.folder, item), { recursive: true, dereference: true });
    }
  }
}
for (const [dir, { from, packages }] of Object.entries(SHIPPED)) {
  const resolveFrom = createRequire(join(root, from, 'package.json'));
  for (const name of packages) {
    const folder = dirname(realpathSync(resolveFrom.resolve(`${name}/package.json`)));
    cpSync(folder, join(out, dir, 'node_modules', name), { recursive: true, dereference: true });
  }
}
// Each bundle's `__name` helper made to skip a name the function already has (scripts/bundle-names.mjs).
for (const bundle of Object.values(ENTRYPOINTS)) {
  const file = join(out, bundle);
  writeFileSync(file, guardNameHelper(readFileSync(file, 'utf8'), bundle));
}
// Each map cut to the project's own code: what `node --enable-source-maps` holds once it has formatted a stack trace
// (scripts/source-maps.mjs, ADR 0039).
const maps = { kept: 0, dropped: 0, bytesBefore: 0, bytesAfter: 0 };
for (const bundle of Object.values(ENTRYPOINTS)) {
  const file = join(out, `${bundle}.map`);
  const whole = readFileSync(file, 'utf8');
  const cut = cutToOwnCode(JSON.parse(whole), projectSource);
  const text = JSON.stringify(cut.map);
  writeFileSync(file, text);
  maps.kept += cut.kept;
  maps.dropped += cut.dropped;
  maps.bytesBefore += whole.length;
  maps.bytesAfter += text.length;
}
const bundled = performance.now() - started;
process.stdout.write(
  `build: ${Object.keys(ENTRYPOINTS).length} bundles in ${Math.round(bundled)} ms; their maps keep the project's own ` +
    `${maps.kept.toLocaleString('en-US')} of ${(maps.kept + maps.dropped).toLocaleString('en-US')} segments ` +
    `(${(maps.bytesBefore / 1e6).toFixed(1)} → ${(maps.bytesAfter / 1e6).toFixed(1)} MB)\n`,
);
for (const bundle of Object.values(ENTRYPOINTS)) process.stdout.write(`  ${relative(process.cwd(), join(out, bundle)) || '.'}\n`);

if (!args.has('--no-web')) {
  // Vite's own outDir (services/console/dist/static) unless the build goes elsewhere.
  const pages = join(out, 'services/console/dist/static');
  execFileSync('pnpm', ['--filter', '@gridgov/console', 'run', 'build', '--outDir', pages, '--emptyOutDir'], {
    cwd: root,
    stdio: 'inherit',
  });
}
