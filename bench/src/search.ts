import autocannon from 'autocannon';
import { DEFAULT_CATEGORIES } from '@gridgov/domain';
import { caseChange, filterIndexKeys, readModelKeys, ReadModelWriter } from '@gridgov/read-model';
import { loadXinhuiAreas, SYNTHETIC_WORDS, syntheticCases } from '@gridgov/testing';
import { benchInfra, freePort, MiB, report, startProcess, stopProcess, tokenFor, type BenchInfra, type SuiteRows } from './support.ts';

const YEAR = 365 * 86_400_000;
const START = Date.parse('2026-01-01T00:00:00+08:00');
const RATE = 100;

/** Open loop at `RATE` requests/s (enough connections that a slow answer does not hold the rate back): the paths in turn, as a dispatcher of the district. */
async function load(url: string, seconds: number, token: string, paths: readonly string[]): Promise<autocannon.Result> {
  let n = 0;
  return autocannon({
    url,
    connections: 50,
    overallRate: RATE,
    duration: seconds,
    requests: [{ setupRequest: (req) => ({ ...req, path: paths[n++ % paths.length]!, headers: { authorization: `Bearer ${token}` } }) }],
  });
}

/** The memory of every key matching `pattern` (MEMORY USAGE summed over a SCAN). */
async function memoryOf(redis: BenchInfra['redis'], pattern: string): Promise<number> {
  let bytes = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 5000);
    cursor = next;
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.memory('USAGE', key);
    for (const [, used] of (await pipeline.exec()) ?? []) bytes += Number(used ?? 0);
  } while (cursor !== '0');
  return bytes;
}

/**
 * Search and filters (ADR 0015): `count` made-up cases over a year written through the read model's writer, then
 * GET /v1/incidents of the intake at 100 requests/s, a district's work list as it is and the same with filters and
 * text, each answer's latency p99; and what the indexes take in Redis.
 */
export async function searchBench(count: number, seconds: number): Promise<SuiteRows> {
  const infra = await benchInfra(1);
  try {
    const areas = loadXinhuiAreas();
    const district = areas.ofLevel('district')[0]!.code;
    const towns = areas.ofLevel('town').map((t) => t.code);
    const writer = new ReadModelWriter(infra.redis, infra.id, 60);
    const cases = syntheticCases({ count, seed: 100, areas, start: START, spanMs: YEAR });
    const began = performance.now();
    for (let i = 0; i < cases.length; i += 2_000) {
      const batch = cases.slice(i, i + 2_000);
      await writer.writeCases(batch.map((c) => caseChange(c.incidentId, null, c.reported, [c.report], areas)));
      await writer.writeCases(batch.filter((c) => c.later).map((c) => caseChange(c.incidentId, c.reported, c.later!, [], areas)));
    }
    const writeSeconds = (performance.now() - began) / 1000;
    const part = readModelKeys(infra.id).partition(0);
    await infra.redis.mset(part.eventsRestored, 'bench', part.outcomesRestored, 'bench');
    const indexBytes =
      (await memoryOf(infra.redis, `${infra.id}:idx:*`)) + (await memoryOf(infra.redis, filterIndexKeys(infra.id).searchText('*')));
    const listBytes = await memoryOf(infra.redis, `${infra.id}:cases:*`);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const intake = await startProcess('intake-api', { ...infra.env, PORT: String(port), LOG_LEVEL: 'warn' }, `${url}/readyz`);
    const token = tokenFor(infra, { role: 'dispatcher', areas: [district], sub: 'bench-dispatcher' });
    const queues = ['handling', 'new', 'overdue', 'escalated'];
    const listPaths = queues.map((q) => `/v1/incidents?area=${district}&queue=${q}&limit=50`);
    const words = SYNTHETIC_WORDS.filter((w) => [...w].length >= 2);
    const searchPaths = Array.from({ length: 200 }, (_, i) => {
      const params = new URLSearchParams({ area: district, queue: queues[i % queues.length]!, limit: '50' });
      params.set('q', words[i % words.length]!);
      if (i % 2 === 0) params.set('category', DEFAULT_CATEGORIES[i % DEFAULT_CATEGORIES.length]!.code);
      if (i % 3 === 0) params.set('subArea', towns[i % towns.length]!);
      if (i % 5 === 0) params.set('from', new Date(START + (i % 12) * 30 * 86_400_000).toISOString());
      return `/v1/incidents?${params.toString()}`;
    });
    const filterPaths = Array.from({ length: 200 }, (_, i) => {
      const params = new URLSearchParams({ area: district, queue: queues[i % queues.length]!, limit: '50' });
      params.set('category', DEFAULT_CATEGORIES[i % DEFAULT_CATEGORIES.length]!.code);
      if (i % 2 === 0) params.set('urgency', ['normal', 'urgent', 'very_urgent'][i % 3]!);
      if (i % 3 === 0) params.set('escalated', 'true');
      return `/v1/incidents?${params.toString()}`;
    });
    await load(url, 2, token, listPaths); // warm-up
    const list = await load(url, seconds, token, listPaths);
    const filtered = await load(url, seconds, token, filterPaths);
    const search = await load(url, seconds, token, searchPaths);
    await stopProcess(intake);
    const bad = [list, filtered, search].reduce((n, r) => n + r.non2xx + r.errors, 0);
    const row = (name: string, r: autocannon.Result) => ({
      name,
      value: r.latency.p99,
      unit: 'ms p99',
      note: `p50 ${r.latency.p50} ms, ${Math.round(r.requests.average)} req/s, ${r['2xx']} answered`,
    });
    report(
      'search',
      [
        { name: 'cases written (writer, indexes included)', value: count, unit: '', note: `${(count / writeSeconds).toFixed(0)} cases/s` },
        row('work list, no filter', list),
        row('work list, filters', filtered),
        row('work list, text search (and filters)', search),
        {
          name: 'filter and text indexes in Redis',
          value: Math.round(indexBytes / MiB),
          unit: 'MiB',
          note: `${Math.round(indexBytes / count)} B a case`,
        },
        { name: 'work lists in Redis', value: Math.round(listBytes / MiB), unit: 'MiB' },
      ],
      { count, seconds, rate: RATE },
    );
    if (bad > 0) throw new Error(`search: ${bad} answers not 2xx or errors`);
    const reference = { name: 'the same list without filters', value: list.latency.p99, unit: 'ms' };
    return [
      { figure: `search: list p99 at ${RATE} req/s over ${count.toLocaleString('en-US')} cases`, value: list.latency.p99, unit: 'ms' },
      { figure: `search: filtered list p99 at ${RATE} req/s`, value: filtered.latency.p99, unit: 'ms', reference },
      { figure: `search: text search p99 at ${RATE} req/s`, value: search.latency.p99, unit: 'ms', reference },
      { figure: 'search: filter and text indexes, bytes a case', value: Math.round(indexBytes / count), unit: 'B' },
    ];
  } finally {
    await infra.cleanup();
  }
}
