import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';

// Import rules (no-restricted-imports: a later block's setting replaces an earlier one's, so each block lists them all).
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

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'infra/kafka/lib/**', '.local/**', 'scripts/*.mjs'] },
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
      'no-restricted-imports': ['error', { patterns: [publicEntryOnly, kafkaClientSealed, alternativeClientBenchOnly] }],
    },
  },
  {
    // The one package that talks to the client library (and would talk to its successor).
    files: ['packages/kafka/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [publicEntryOnly] }] },
  },
  {
    // The benchmarks measure the alternative client beside kafkajs (which they reach through packages/kafka).
    files: ['bench/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [publicEntryOnly, kafkaClientSealed] }] },
  },
  {
    // The pure domain: no I/O, no clock, no infrastructure clients.
    files: ['packages/domain/src/**/*.ts', 'packages/contracts/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*', 'kafkajs', 'ioredis', 'fastify', 'pino'], message: 'domain code does no I/O' }] },
      ],
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
