import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateEventSigningKey } from '@gridgov/auth';
import { legacyLines, writeLines } from '@gridgov/importer';
import { loadXinhuiAreas } from '@gridgov/testing';
import { benchInfra, MiB, nodeArgs, repoRoot, report, type Figure, type SuiteRows } from './support.ts';

interface Run {
  readonly rows: number;
  readonly bytes: number;
  readonly rate: number;
  readonly peakRss: number;
}

/** Runs `pnpm import-cases` (the CLI itself, a process of its own) and reads its summary: rows/s and its peak RSS. */
function importOnce(file: string, env: Record<string, string>): Promise<{ rate: number; peakRss: number; imported: number }> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [...nodeArgs('packages/importer/src/cli.ts'), file, '--mapping', 'data/import/szcg-legacy.mapping.json'],
      { cwd: repoRoot, env: { ...process.env, ...env, LOG_LEVEL: 'warn' }, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`import-cases failed: ${err.message}\n${stderr.slice(-2000)}`));
        const rate = Number(/\(([\d,]+) rows\/s\)/.exec(stdout)?.[1]?.replaceAll(',', '') ?? Number.NaN);
        const peakRss = Number(/peak RSS\s+([\d.]+) MiB/.exec(stdout)?.[1] ?? Number.NaN) * MiB;
        const imported = Number(/imported\s+([\d,]+)\n/.exec(stdout)?.[1]?.replaceAll(',', '') ?? Number.NaN);
        resolve({ rate, peakRss, imported });
      },
    ),
  );
}

/**
 * Import: rows/s of `pnpm import-cases` from a seeded legacy CSV into grid.events (12 partitions, acks=all, each event
 * signed), and its peak RSS at two file sizes: a streaming import holds the same memory whatever the file's size.
 */
export async function importBench(sizes: readonly number[]): Promise<SuiteRows> {
  const infra = await benchInfra(12);
  const dir = mkdtempSync(join(tmpdir(), 'import-bench-'));
  try {
    const importer = generateEventSigningKey();
    const grids = loadXinhuiAreas()
      .ofLevel('grid')
      .map((g) => g.code);
    const from = Date.parse('2025-01-01T00:00:00+08:00');
    const to = Date.parse('2026-11-01T00:00:00+08:00');
    const runs: Run[] = [];
    for (const rows of sizes) {
      const file = join(dir, `legacy-${rows}.csv`);
      await writeLines(file, legacyLines({ rows, seed: rows, grids, from, to }));
      const env = { ...infra.env, TOPIC_PREFIX: `${infra.id}.`, IMPORT_SIGNING_KEY: importer.privateKey };
      const run = await importOnce(file, env);
      if (run.imported !== rows) throw new Error(`import-cases imported ${run.imported} of ${rows} rows`);
      runs.push({ rows, bytes: statSync(file).size, rate: run.rate, peakRss: run.peakRss });
    }
    const figures: Figure[] = runs.flatMap((r) => [
      {
        name: `rows/s, ${r.rows.toLocaleString('en-US')} rows`,
        value: Math.round(r.rate),
        unit: '/s',
        note: `${(r.bytes / MiB).toFixed(0)} MiB CSV, goal ≥ 20,000`,
      },
      { name: `peak RSS, ${r.rows.toLocaleString('en-US')} rows`, value: r.peakRss / MiB, unit: 'MiB' },
    ]);
    report('import', figures, { sizes, partitions: 12 });
    const small = runs[0]!;
    return runs.flatMap((r) => [
      { figure: `import: rows/s, ${r.rows.toLocaleString('en-US')} rows (goal ≥ 20,000)`, value: Math.round(r.rate), unit: '/s' },
      {
        figure: `import: peak RSS, ${r.rows.toLocaleString('en-US')} rows`,
        value: r.peakRss / MiB,
        unit: 'MiB',
        ...(r === small
          ? {}
          : { reference: { name: `peak RSS at ${small.rows.toLocaleString('en-US')} rows`, value: small.peakRss / MiB, unit: 'MiB' } }),
      },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await infra.cleanup();
  }
}
