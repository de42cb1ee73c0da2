/**
 * `pnpm legacy-cases OUT.csv [--rows N] [--seed S]`: writes a seeded legacy export (legacy-file.ts) in the layout
 * data/import/szcg-legacy.mapping.json maps, with reports over 2025-01-01 .. 2026-10-31 in the grids of AREAS_FILE
 * (新会区 by default). For trying `pnpm import-cases` and for its benchmark.
 */
import { parseArgs } from 'node:util';
import { CommonConfig, parseConfig } from '@gridgov/config';
import { parseAreaTree } from '@gridgov/domain';
import { readJsonFile, runCliWhenMain } from '@gridgov/runtime';
import { z } from 'zod';
import { UsageError } from './errors.ts';
import { legacyLines, writeLines } from './legacy-file.ts';

async function cli(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { rows: { type: 'string', default: '100000' }, seed: { type: 'string', default: '2019' } },
  });
  const rows = Number(values.rows);
  const seed = Number(values.seed);
  if (positionals.length !== 1) throw new UsageError('usage: pnpm legacy-cases OUT.csv [--rows N] [--seed S]');
  if (!Number.isSafeInteger(rows) || rows < 0) throw new UsageError(`--rows: a count, got ${values.rows}`);
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed: an integer, got ${values.seed}`);
  const config = parseConfig(z.object({ AREAS_FILE: CommonConfig.shape.AREAS_FILE }));
  const areas = parseAreaTree(await readJsonFile(config.AREAS_FILE, 'AREAS_FILE'));
  const grids = areas.ofLevel('grid').map((g) => g.code);
  const from = Date.parse('2025-01-01T00:00:00+08:00');
  const to = Date.parse('2026-11-01T00:00:00+08:00');
  await writeLines(positionals[0]!, legacyLines({ rows, seed, grids, from, to }));
  process.stdout.write(`${positionals[0]}: ${rows.toLocaleString('en-US')} legacy cases (seed ${seed})\n`);
  return 0;
}

runCliWhenMain(import.meta.url, cli, { what: 'legacy-cases', usage: [UsageError] });
