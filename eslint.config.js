import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';

// Import rules (no-restricted-imports: a later block's setting replaces an earlier one's, so each folder's block below is
// built whole by importRules).
const publicEntryOnly = { group: ['@gridgov/*/src/*', '@gridgov/*/*'], message: 'import a package by its public entry' };
// The Kafka client library stays behind packages/kafka (ADR 0012): switching clients touches one package.
const kafkaClientSealed = {
  group: ['kafkajs', 'kafkajs/*'],
  message: 'reach Kafka through @gridgov/kafka: only packages/kafka imports kafkajs (ADR 0012)',
};
const alternativeClientBenchOnly = {
  group: ['@platformatic/kafka', '@platformatic/kafka/*'],
  message: 'reach Kafka through @gridgov/kafka: @platformatic/kafka is measured by bench/ only (ADR 0012)',
};
const noIo = { group: ['node:*', 'kafkajs', 'ioredis', 'fastify', 'pino'], message: 'domain code does no I/O' };

/**
 * Which workspace packages each folder may import (docs/architecture.md, "Package layering"): packages build on
 * packages below them, services on packages and never on each other, test/ on anything, bench/ on packages. A package's
 * tests may also import @gridgov/testing.
 */
const SERVICE_PACKAGES = [
  'auth',
  'contracts',
  'domain',
  'config',
  'config-data',
  'runtime',
  'kafka',
  'redis',
  'read-model',
  'crypto',
  'telemetry',
];
const PACKAGES = [
  'auth',
  'config',
  'config-data',
  'contracts',
  'crypto',
  'domain',
  'geo',
  'http',
  'importer',
  'kafka',
  'projection-api',
  'read-model',
  'redis',
  'runtime',
  'simulator',
  'telemetry',
  'testing',
  'what-if',
];
const SERVICES = ['intake-api', 'projection', 'dispatch-worker', 'console', 'notifier'];
/** @type {Record<string, string[]>} */
export const ALLOWED_IMPORTS = {
  'packages/contracts': [],
  'packages/config': [],
  'packages/runtime': [],
  'packages/telemetry': [],
  'packages/domain': ['contracts'],
  'packages/geo': ['contracts', 'domain'],
  'packages/auth': ['config', 'contracts'],
  'packages/http': ['contracts', 'runtime', 'telemetry'],
  'packages/kafka': ['contracts'],
  'packages/redis': ['contracts'],
  'packages/read-model': ['contracts', 'domain', 'redis'],
  'packages/crypto': ['contracts', 'kafka', 'redis'],
  'packages/config-data': ['contracts', 'domain', 'kafka', 'runtime'],
  'packages/projection-api': ['domain'],
  'packages/simulator': ['contracts', 'domain', 'runtime'],
  'packages/testing': ['kafka', 'contracts', 'domain', 'auth'],
  'packages/importer': ['auth', 'config', 'config-data', 'contracts', 'domain', 'kafka', 'runtime'],
  'packages/what-if': ['auth', 'config-data', 'contracts', 'domain', 'kafka', 'runtime'],
  'services/intake-api': [...SERVICE_PACKAGES, 'http', 'geo'],
  'services/projection': [...SERVICE_PACKAGES, 'http', 'projection-api', 'what-if'],
  'services/dispatch-worker': SERVICE_PACKAGES,
  'services/console': ['config', 'runtime', 'domain', 'contracts', 'read-model', 'projection-api'],
  'services/notifier': [...SERVICE_PACKAGES.filter((p) => p !== 'read-model'), 'http'],
  bench: PACKAGES,
  test: [...PACKAGES, ...SERVICES],
};

/**
 * Every import rule of one folder's files (`tests`: its tests and test helpers, which may use @gridgov/testing).
 * @param {string} folder
 * @param {{ tests?: boolean }} [options]
 */
function importRules(folder, { tests = false } = {}) {
  const allowed = new Set(ALLOWED_IMPORTS[folder] ?? []);
  if (tests) allowed.add('testing');
  const own = folder.split('/')[1] ?? folder;
  const boundary = {
    // A Set: packages/testing's own tests add the package itself once.
    group: ['@gridgov/*', ...[...new Set([...allowed, own])].map((name) => `!@gridgov/${name}`)],
    message: `${folder} may import ${allowed.size > 0 ? [...allowed].map((n) => `@gridgov/${n}`).join(', ') : 'no workspace package'} (docs/architecture.md, package layering)`,
  };
  const patterns = [publicEntryOnly, boundary];
  if (folder !== 'packages/kafka') patterns.push(kafkaClientSealed);
  if (folder !== 'bench') patterns.push(alternativeClientBenchOnly);
  if ((folder === 'packages/domain' || folder === 'packages/contracts' || folder === 'packages/geo') && !tests) patterns.push(noIo);
  return { 'no-restricted-imports': ['error', { patterns }] };
}

const TEST_FILES = ['**/*.test.ts', '**/*.test.tsx', '**/test-harness.ts', '**/test-support.ts'];
const folderBlocks = Object.keys(ALLOWED_IMPORTS).flatMap((folder) => [
  { files: [`${folder}/**/*.{ts,tsx}`], ignores: TEST_FILES, rules: importRules(folder) },
  { files: TEST_FILES.map((t) => `${folder}/${t}`), rules: importRules(folder, { tests: true }) },
]);

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'infra/kafka/lib/**', 'infra/s3/lib/**', '.local/**', 'scripts/*.mjs'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.ts', '*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      // Another workspace package is imported by its name (@gridgov/x), never by a relative path into its files.
      'import-x/no-relative-packages': 'error',
      'no-restricted-imports': ['error', { patterns: [publicEntryOnly, kafkaClientSealed, alternativeClientBenchOnly] }],
    },
  },
  // Each folder's imports: the layering, the sealed Kafka client (packages/kafka alone imports kafkajs; bench/ alone
  // @platformatic/kafka), and no I/O in the domain and the contracts.
  ...folderBlocks,
  {
    // The pure domain: no clock either.
    files: ['packages/domain/src/**/*.ts', 'packages/contracts/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'time enters as a value' },
        { selector: 'NewExpression[callee.name="Date"][arguments.length=0]', message: 'time enters as a value' },
      ],
    },
  },
  {
    // The console's browser code (React): the rules of hooks, and effects that name what they depend on.
    files: ['services/console/web/src/**/*.{ts,tsx}'],
    // Its types are `export =`, which the default project of this file (no esModuleInterop) cannot type as a default import.
    // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    // It imports no file of ours (no cycle to find), and the legacy resolver of import-x trips over vite's own files.
    files: ['services/console/vite.config.ts'],
    rules: { 'import-x/no-cycle': 'off' },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
);
