import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import type { CaseFacts } from './replay-history.ts';
import { freePort, startProcess } from './support.ts';

export const PG_DEFAULT = 'postgres://postgres@127.0.0.1:5432/test';
const pgUrl = () => process.env['PG_URL'] ?? PG_DEFAULT;

const COLUMNS = [
  'id',
  'grid',
  'community',
  'town',
  'district',
  'city',
  'category',
  'department',
  'reported_at',
  'rejected',
  'closed',
  'closed_on_time',
  'overdue',
  'reworked',
  'extended',
  'escalated',
  'handling_ms',
] as const;

function row(c: CaseFacts): unknown[] {
  return [
    c.id,
    c.grid,
    c.grid.slice(0, 12),
    c.grid.slice(0, 9),
    c.grid.slice(0, 6),
    `${c.grid.slice(0, 4)}00`,
    c.category,
    c.department,
    new Date(c.reportedAt).toISOString(),
    c.rejected,
    c.closed,
    c.closedOnTime,
    c.overdue,
    c.reworked,
    c.extended,
    c.escalated,
    c.handlingMs,
  ];
}

/** Loads the cases into a table of their own, one row each, indexed by every area level and report time; answers its size with the indexes, bytes. */
export async function loadPostgres(table: string, facts: readonly CaseFacts[]): Promise<number> {
  const client = new pg.Client({ connectionString: pgUrl() });
  await client.connect();
  try {
    await client.query(`CREATE TABLE ${table} (id uuid PRIMARY KEY, grid text, community text, town text, district text, city text,
      category text, department text, reported_at timestamptz, rejected bool, closed bool, closed_on_time bool, overdue bool,
      reworked bool, extended bool, escalated bool, handling_ms bigint)`);
    for (let i = 0; i < facts.length; i += 1_000) {
      const chunk = facts.slice(i, i + 1_000);
      const placeholders = chunk.map((_, k) => `(${COLUMNS.map((_c, j) => `$${k * COLUMNS.length + j + 1}`).join(', ')})`);
      await client.query(`INSERT INTO ${table} (${COLUMNS.join(', ')}) VALUES ${placeholders.join(',')}`, chunk.flatMap(row));
    }
    for (const level of ['city', 'district', 'town', 'community', 'grid']) {
      await client.query(`CREATE INDEX ON ${table} (${level}, reported_at)`);
    }
    await client.query(`ANALYZE ${table}`);
    const { rows } = await client.query<{ bytes: string }>('SELECT pg_total_relation_size($1) AS bytes', [table]);
    return Number(rows[0]?.bytes ?? Number.NaN);
  } finally {
    await client.end();
  }
}

export async function dropPostgres(table: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl() });
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS ${table}`);
  await client.end();
}

/** The same HTTP questions answered by GROUP BY over `table` (pg-server.ts), as a process of its own. */
export async function startPgServer(table: string): Promise<{ readonly url: string; readonly child: ChildProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = await startProcess('', { PORT: String(port), PG_TABLE: table }, `${url}/readyz`, 'bench/src/pg-server.ts');
  return { url, child };
}
