import { fastify } from 'fastify';
import pg from 'pg';

/**
 * What a conventional 数字城管 system does: the figures as GROUP BY queries over an incidents
 * table, behind the same HTTP questions. Run as its own process by the projection benchmark.
 */
const table = process.env['PG_TABLE'] ?? 'bench_incidents';
if (!/^[a-z0-9_]+$/.test(table)) throw new Error('PG_TABLE is lower-case letters, digits and _');
const pool = new pg.Pool({ connectionString: process.env['PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test', max: 8 });
const LEVELS = { 6: 'district', 9: 'town', 12: 'community', 15: 'grid' } as const;

const FIGURES = `count(*)::int AS reported, count(*) FILTER (WHERE rejected)::int AS rejected, count(*) FILTER (WHERE closed)::int AS closed,
  count(*) FILTER (WHERE closed_on_time)::int AS closed_on_time, count(*) FILTER (WHERE overdue)::int AS overdue,
  count(*) FILTER (WHERE reworked)::int AS reworked, count(*) FILTER (WHERE extended)::int AS extended,
  count(*) FILTER (WHERE escalated)::int AS escalated, coalesce(sum(handling_ms) FILTER (WHERE closed), 0)::bigint AS handling_ms`;

/** The calendar month holding `at`, in Asia/Shanghai. */
function month(at: string): [string, string] {
  const [y, m] = at.split('-').map(Number) as [number, number];
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return [`${y}-${String(m).padStart(2, '0')}-01T00:00:00+08:00`, `${next}-01T00:00:00+08:00`];
}

function column(area: string): string {
  if (area.endsWith('00') && area.length === 6) return 'city';
  const level = LEVELS[area.length as keyof typeof LEVELS];
  if (!level) throw new Error(`bad area ${area}`);
  return level;
}

const app = fastify({ logger: false });
app.get<{ Querystring: { area: string; at: string } }>('/v1/figures', async (request) => {
  const [from, to] = month(request.query.at);
  const { rows } = await pool.query<Record<string, number>>(
    `SELECT ${FIGURES} FROM ${table} WHERE ${column(request.query.area)} = $1 AND reported_at >= $2 AND reported_at < $3`,
    [request.query.area, from, to],
  );
  return { figures: rows[0] };
});
app.get<{ Querystring: { area: string; at: string } }>('/v1/rankings', async (request) => {
  const [from, to] = month(request.query.at);
  const parent = column(request.query.area);
  const child = { city: 'district', district: 'town', town: 'community', community: 'grid', grid: 'grid' }[parent];
  const { rows } = await pool.query(
    `SELECT ${child} AS area, ${FIGURES} FROM ${table} WHERE ${parent} = $1 AND reported_at >= $2 AND reported_at < $3 GROUP BY ${child}`,
    [request.query.area, from, to],
  );
  const scored = rows.map(
    (r: { reported: number; rejected: number; closed: number; closed_on_time: number; reworked: number; area: string }) => {
      const registered = r.reported - r.rejected;
      const score = registered > 0 ? (0.4 * r.closed + 0.4 * r.closed_on_time + 0.2 * (registered - r.reworked)) / registered : null;
      return { area: r.area, score };
    },
  );
  return { rows: scored.sort((a, b) => (b.score ?? -1) - (a.score ?? -1)) };
});
app.get('/readyz', async () => {
  await pool.query('SELECT 1');
  return { status: 'ready' };
});
await app.listen({ host: '127.0.0.1', port: Number(process.env['PORT'] ?? 0) });
