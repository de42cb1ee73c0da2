import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * The project's own ESLint configuration (eslint.config.js), its import rule only, over a file that is not on
 * disk: the virtual file is parsed without type information, which that rule does not need.
 */
const eslint = new ESLint({
  cwd: repoRoot,
  overrideConfig: { languageOptions: { parserOptions: { projectService: false, project: null } } },
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
});

async function importErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(repoRoot, path) });
  if (!result) throw new Error(`ESLint gave no result for ${path}`);
  const fatal = result.messages.filter((m) => m.fatal);
  if (fatal.length > 0) throw new Error(`${path} did not parse: ${fatal.map((m) => m.message).join('; ')}`);
  return result.messages.map((m) => `${m.ruleId ?? ''}: ${m.message}`);
}

describe('the Kafka client stays inside packages/kafka (lint)', () => {
  it('fails a service that imports kafkajs, for a value or only a type', async () => {
    const value = await importErrors(
      'services/dispatch-worker/src/seal-probe.ts',
      "import { Kafka } from 'kafkajs';\nexport const k = Kafka;\n",
    );
    expect(value).toEqual([expect.stringMatching(/^no-restricted-imports: .*only packages\/kafka imports kafkajs/)]);
    const type = await importErrors(
      'services/projection/src/seal-probe.ts',
      "import type { Consumer } from 'kafkajs';\nexport type C = Consumer;\n",
    );
    expect(type).toEqual([expect.stringMatching(/^no-restricted-imports: .*only packages\/kafka imports kafkajs/)]);
  });

  it('fails the test infrastructure, the end-to-end tests and the benchmarks that import kafkajs or its internals', async () => {
    for (const path of ['packages/testing/src/seal-probe.ts', 'test/seal-probe.e2e.test.ts', 'bench/src/seal-probe.ts']) {
      expect(
        await importErrors(path, "import { Partitioners } from 'kafkajs/src/producer/partitioners';\nexport const p = Partitioners;\n"),
      ).toHaveLength(1);
    }
  });

  it('lets packages/kafka import kafkajs, and everyone else @gridgov/kafka', async () => {
    expect(await importErrors('packages/kafka/src/seal-probe.ts', "import { Kafka } from 'kafkajs';\nexport const k = Kafka;\n")).toEqual(
      [],
    );
    expect(
      await importErrors(
        'services/projection/src/seal-probe.ts',
        "import { createKafka } from '@gridgov/kafka';\nexport const c = createKafka;\n",
      ),
    ).toEqual([]);
  });

  it('keeps the alternative client @platformatic/kafka to the benchmarks', async () => {
    const code = "import { Consumer } from '@platformatic/kafka';\nexport const c = Consumer;\n";
    expect(await importErrors('bench/src/seal-probe.ts', code)).toEqual([]);
    expect(await importErrors('services/intake-api/src/seal-probe.ts', code)).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*measured by bench\/ only/),
    ]);
  });
});
