import { existsSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The project's ESLint configuration, its import rules only, over files that are not on disk (as packages/kafka's seal test). */
const eslint = new ESLint({
  cwd: repoRoot,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports' || ruleId === 'import-x/no-relative-packages',
});

async function importErrors(path: string, from: string): Promise<string[]> {
  const [result] = await eslint.lintText(`import * as probe from '${from}';\nexport const p = probe;\n`, {
    filePath: resolve(repoRoot, path),
  });
  if (!result) throw new Error(`ESLint gave no result for ${path}`);
  const fatal = result.messages.filter((m) => m.fatal);
  if (fatal.length > 0) throw new Error(`${path} did not parse: ${fatal.map((m) => m.message).join('; ')}`);
  return result.messages.map((m) => m.message);
}

/** The layering of docs/architecture.md ("Package layering"), as lint enforces it. */
describe('the boundaries between packages and services (lint)', () => {
  // ESLint loads its configuration and plugins on the first file: seconds on a busy machine, not a test's time.
  beforeAll(() => importErrors('packages/domain/src/probe.ts', '@gridgov/contracts'), 60_000);

  it.each([
    ['packages/contracts/src/probe.ts', '@gridgov/domain'],
    ['packages/domain/src/probe.ts', '@gridgov/kafka'],
    ['packages/domain/src/probe.ts', '@gridgov/redis'],
    ['packages/http/src/probe.ts', '@gridgov/domain'],
    ['packages/read-model/src/probe.ts', '@gridgov/http'],
    ['packages/testing/src/probe.ts', '@gridgov/redis'],
    ['services/intake-api/src/probe.ts', '@gridgov/projection'],
    ['services/projection/src/probe.ts', '@gridgov/intake-api'],
    ['services/dispatch-worker/src/probe.ts', '@gridgov/http'],
    ['services/intake-api/src/probe.ts', '@gridgov/testing'],
    ['services/console/src/probe.ts', '@gridgov/kafka'],
    ['services/notifier/src/probe.ts', '@gridgov/read-model'],
    ['services/notifier/src/probe.ts', '@gridgov/intake-api'],
    ['bench/src/probe.ts', '@gridgov/projection'],
  ])('%s may not import %s', async (path, from) => {
    expect(await importErrors(path, from)).toEqual([expect.stringMatching(/may import .*docs\/architecture\.md, package layering/)]);
  });

  it.each([
    ['packages/domain/src/probe.ts', '@gridgov/contracts'],
    ['packages/read-model/src/probe.ts', '@gridgov/domain'],
    ['services/projection/src/probe.ts', '@gridgov/read-model'],
    ['services/intake-api/src/probe.ts', '@gridgov/http'],
    ['services/notifier/src/probe.ts', '@gridgov/http'],
    ['services/notifier/src/probe.ts', '@gridgov/kafka'],
    ['test/probe.e2e.test.ts', '@gridgov/notifier'],
    ['services/intake-api/src/probe.int.test.ts', '@gridgov/testing'],
    ['packages/redis/src/probe.int.test.ts', '@gridgov/testing'],
    ['test/probe.e2e.test.ts', '@gridgov/projection'],
  ])('%s may import %s', async (path, from) => {
    expect(await importErrors(path, from)).toEqual([]);
  });

  it('keeps the domain and the contracts free of I/O', async () => {
    for (const from of ['node:fs', 'ioredis', 'fastify', 'pino']) {
      expect(await importErrors('packages/domain/src/probe.ts', from)).toEqual([expect.stringMatching(/domain code does no I\/O$/)]);
      expect(await importErrors('packages/contracts/src/probe.ts', from)).toEqual([expect.stringMatching(/domain code does no I\/O$/)]);
    }
  });

  it('refuses a relative path into another package, or a file behind its public entry', async () => {
    expect(await importErrors('services/intake-api/src/probe.ts', '../../projection/src/api/figures.ts')).toHaveLength(1);
    expect(await importErrors('services/intake-api/src/probe.ts', '../../../packages/domain/src/index.ts')).toHaveLength(1);
    expect(await importErrors('services/intake-api/src/probe.ts', '@gridgov/domain/src/index.ts')).toHaveLength(1);
    expect(await importErrors('services/intake-api/src/probe.ts', './routes/cases.ts')).toEqual([]);
  });

  it('covers every package and service: none may import a service', async () => {
    const folders = ['packages', 'services'].flatMap((top) =>
      readdirSync(resolve(repoRoot, top))
        .filter((name) => existsSync(resolve(repoRoot, top, name, 'package.json')))
        .map((name) => `${top}/${name}`),
    );
    expect(folders.length).toBeGreaterThan(10);
    for (const folder of folders) {
      const other = folder === 'services/projection' ? '@gridgov/intake-api' : '@gridgov/projection';
      expect([folder, await importErrors(`${folder}/src/probe.ts`, other)]).toEqual([folder, [expect.stringMatching(/may import/)]]);
    }
  });
});
