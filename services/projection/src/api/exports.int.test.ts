import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GridEvent } from '@gridgov/contracts';
import { Catalog } from '@gridgov/domain';
import { DurableProducer } from '@gridgov/kafka';
import type { FiguresAnswer, RankingAnswer, TrendAnswer } from '@gridgov/projection-api';
import {
  bearer,
  createTestInfra,
  eventually,
  loadXinhuiAreas,
  readTopic,
  signedEventRecords,
  testTokenVerifier,
  type TestInfra,
} from '@gridgov/testing';
import { StreamSlots } from '@gridgov/redis';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaBulletinLog } from '../projector/bulletin-log.ts';
import { type CounterStore, FIRST_GENERATION, ProjectionKeys } from '../projector/counter-store.ts';
import { ProjectionGenerations } from '../projector/generation.ts';
import type { Projector } from '../projector/projector.ts';
import { projectorOn } from '../projector/test-support.ts';
import { buildProjectionApp } from './app.ts';
import { type Bulletin, BulletinStore } from './bulletin.ts';
import { BulletinFreezer } from './bulletin-freezer.ts';
import { FiguresChangeFeed } from './figures-changes.ts';
import { ChromiumPdfPrinter } from './pdf-printer.ts';
import { DEFAULT_WEIGHTS } from './weights.ts';

const areas = loadXinhuiAreas();
const DISTRICT = '440705';
const towns = areas.children(DISTRICT);
const gridOf = (townCode: string) => areas.children(areas.children(townCode)[0]!.code)[0]!.code;
const PARTITIONS = 2;
const DUE = '2026-12-31T00:00:00.000Z';
/** Where the browser tests keep their screenshots: the PDF's page 1 as PNG goes beside them. */
const ARTIFACTS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../test-artifacts/console');

const CITY_LEADER = bearer({ role: 'leader', areas: ['440700'], sub: 'leader-jiangmen' });
/** A town's leader: may read their town, not the district above nor the town next door. */
const TOWN_LEADER = bearer({ role: 'leader', areas: [towns[0]!.code], sub: 'leader-town' });

/** One case's events as the worker writes them: reported, then dispatched, resolved, closed (on time or late) or reworked. */
function kase(grid: string, reportedAt: string, end: 'open' | 'onTime' | 'late' | 'reworked' | 'rejected') {
  const incidentId = randomUUID();
  const events: GridEvent[] = [];
  const meta = (actor: GridEvent['metadata']['actor']) => ({
    eventId: `${incidentId}:${events.length + 1}`,
    incidentId,
    version: events.length + 1,
    occurredAt: reportedAt,
    actor,
  });
  const staff = { id: 'staff-001', role: 'grid_staff' } as const;
  events.push({
    type: 'IncidentReported',
    data: {
      reportId: `r-${incidentId}`,
      reporterId: staff.id,
      gridCode: grid,
      category: 'dispute',
      urgency: 'normal',
      description: '测试',
      location: { lat: 22.5, lng: 113 },
      occurredAt: reportedAt,
      reportedAt,
    },
    metadata: meta(staff),
  });
  if (end === 'rejected') {
    events.push({
      type: 'IncidentRejected',
      data: { reason: '不属于受理范围' },
      metadata: meta({ id: 'dispatcher-1', role: 'dispatcher' }),
    });
    return events;
  }
  events.push({
    type: 'IncidentDispatched',
    data: {
      department: 'justice',
      by: 'routing',
      signForDue: DUE,
      handlingDue: DUE,
      measures: { sign_for: 'working', handling: 'working' },
    },
    metadata: meta({ id: 'routing', role: 'system' }),
  });
  if (end === 'open') return events;
  const resolved = () =>
    events.push({
      type: 'IncidentResolved',
      data: { notes: '已处置', handlingMs: 3_600_000, verificationDue: DUE, measures: { verification: 'working' } },
      metadata: meta({ id: 'handler-01', role: 'handler' }),
    });
  resolved();
  if (end === 'reworked') {
    events.push({
      type: 'IncidentReworkRequested',
      data: { notes: '核查未通过', reworkCount: 1, handlingDue: DUE, measures: { handling: 'working' } },
      metadata: meta(staff),
    });
    resolved();
  }
  events.push({ type: 'IncidentClosed', data: { onTime: end !== 'late', handlingMs: 3_600_000 }, metadata: meta(staff) });
  return events;
}

/**
 * November 2026 in five towns, so that a ranking has 末位 (five ranked, bottom 3 … the lowest marked): each town's
 * cases close on time, late, reworked or stay open in its own mix, so that every town scores differently.
 */
const mixes: readonly (readonly Parameters<typeof kase>[2][])[] = [
  ['onTime', 'onTime', 'onTime', 'onTime'],
  ['onTime', 'onTime', 'late', 'open'],
  ['onTime', 'late', 'reworked', 'open', 'rejected'],
  ['late', 'open', 'open'],
  ['reworked', 'open', 'open', 'open'],
];
const november = mixes.flatMap((mix, t) =>
  mix.map((end, i) => kase(gridOf(towns[t]!.code), `2026-11-${String(3 + i * 5).padStart(2, '0')}T02:00:00Z`, end)),
);

describe('exports, the bulletin schedule and the bulletin document, on the real broker and Redis', () => {
  let infra: TestInfra;
  let producer: DurableProducer;
  let projector: Projector;
  let keys: ProjectionKeys;
  let store: CounterStore;
  let app: FastifyInstance;
  let feed: FiguresChangeFeed;
  /** The deployment's clock: the test moves it. 10:00 on 22 November 2026 in Shanghai. */
  let now = new Date('2026-11-22T02:00:00Z');
  let bulletins: BulletinStore;

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { events: PARTITIONS } });
    keys = new ProjectionKeys(infra.keyPrefix, FIRST_GENERATION);
    const generations = new ProjectionGenerations(infra.redis, keys, infra.logger);
    store = generations.store(FIRST_GENERATION);
    producer = new DurableProducer(infra.kafka);
    await producer.connect();
    projector = projectorOn(infra, generations, { partitionsConcurrently: PARTITIONS, clock: () => now });
    await projector.start();
    feed = new FiguresChangeFeed(infra.redis.duplicate(), keys.figuresChanged(), infra.logger);
    await feed.start();
    bulletins = new BulletinStore(infra.redis, keys, new KafkaBulletinLog(infra.kafka, infra.topics.bulletins, infra.logger));
    app = buildProjectionApp({
      logger: infra.logger,
      store,
      bulletins,
      changes: feed,
      areas,
      catalog: new Catalog(),
      partitions: PARTITIONS,
      clock: () => now,
      ready: () => Promise.resolve(true),
      rankingWeights: DEFAULT_WEIGHTS,
      stream: { minIntervalMs: 50, slots: new StreamSlots(infra.redis, infra.keyPrefix, { perUser: 10, leaseMs: 60_000 }, infra.logger) },
      edge: { authenticate: testTokenVerifier().authenticate },
      pdf: new ChromiumPdfPrinter('/usr/bin/chromium', infra.logger),
    });
    const events = november.flat();
    await producer.send(
      infra.topics.events,
      signedEventRecords(
        infra.topics.events,
        PARTITIONS,
        events.map((e) => ({ key: e.metadata.incidentId, value: JSON.stringify(e) })),
      ),
    );
    await eventually(
      async () => Object.fromEntries(await store.read(PARTITIONS, DISTRICT, 'm2026-11')),
      (c) => c['reported'] === 20 && c['closed'] === 12 && c['rejected'] === 1,
    );
  });

  afterAll(async () => {
    await app?.close();
    await feed?.close();
    await projector?.stop();
    await producer?.disconnect();
    await infra?.cleanup();
  });

  const get = (url: string, headers = CITY_LEADER) => app.inject({ method: 'GET', url, headers });

  describe('CSV and XLSX exports', () => {
    const QUERY = `area=${DISTRICT}&window=month&at=2026-11-15&bottom=2`;

    /** The export's sheet as rows of cell values, and the row of codes under the Chinese headers. */
    async function xlsxRows(body: Buffer) {
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(body as unknown as ArrayBuffer);
      const sheet = workbook.worksheets[0]!;
      const rows: unknown[][] = [];
      sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
      return { sheet, rows, about: workbook.getWorksheet('说明')! };
    }

    /** The CSV's records (no quoted line breaks in these), BOM removed. */
    const csvRows = (text: string) =>
      text
        .replace(/^\uFEFF/, '')
        .trimEnd()
        .split('\r\n')
        .map((line) => line.split(','));

    it('gives the rankings as XLSX holding the numbers of /v1/rankings, as numbers, rates shown as percentages', async () => {
      const json = (await get(`/v1/rankings?${QUERY}`)).json<RankingAnswer>();
      expect(json.rows.length).toBe(5);
      expect(json.rows.filter((r) => r.bottom)).toHaveLength(2);
      const res = await get(`/v1/rankings.xlsx?${QUERY}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      expect(res.headers['content-disposition']).toContain(`filename="rankings_${DISTRICT}_m2026-11.xlsx"`);
      const { sheet, rows, about } = await xlsxRows(res.rawPayload);
      const [headers, codes, ...data] = rows;
      expect(headers).toContain('结案率');
      expect(headers).toContain('名次');
      const col = (code: string) => (codes as string[]).indexOf(code);
      expect(data).toHaveLength(json.rows.length + json.noData.length);
      json.rows.forEach((r, i) => {
        const row = data[i]!;
        expect(row[col('rank')]).toBe(r.rank);
        expect(row[col('area.code')]).toBe(r.area.code);
        expect(row[col('area.name')]).toBe(r.area.name);
        expect(row[col('score')]).toBe(r.score);
        expect(row[col('bottom')]).toBe(r.bottom ? '末位' : '');
        for (const f of ['reported', 'registered', 'closed', 'closureRate', 'onTimeClosureRate', 'reworkRate', 'overdue'] as const) {
          expect(row[col(f)] ?? null, `${r.area.name} ${f}`).toBe(r.figures[f]);
        }
      });
      expect(data[json.rows.length]![col('bottom')]).toBe('无数据');
      expect(sheet.getColumn(col('closureRate') + 1).numFmt).toBe('0.00%');
      expect(about.getCell('B2').value).toContain(DISTRICT);
    });

    it('gives the figures as XLSX and CSV holding the numbers of /v1/figures', async () => {
      const json = (await get(`/v1/figures?${QUERY.replace('&bottom=2', '')}`)).json<FiguresAnswer>();
      const xlsx = await get(`/v1/figures.xlsx?${QUERY.replace('&bottom=2', '')}`);
      const { rows } = await xlsxRows(xlsx.rawPayload);
      const codes = rows[1] as string[];
      for (const [f, v] of Object.entries(json.figures)) expect(rows[2]![codes.indexOf(f)] ?? null, f).toBe(v);

      const csv = await get(`/v1/figures.csv?${QUERY.replace('&bottom=2', '')}`);
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(csv.headers['content-disposition']).toContain('.csv"');
      expect(csv.body.startsWith('\uFEFF')).toBe(true);
      const [cnHeaders, csvCodes, values] = csvRows(csv.body);
      expect(cnHeaders).toContain('上报数');
      const at = (code: string) => values![csvCodes!.indexOf(code)]!;
      expect(Number(at('reported'))).toBe(json.figures.reported);
      expect(Number(at('registered'))).toBe(json.figures.registered);
      expect(at('closureRate')).toBe(`${(json.figures.closureRate! * 100).toFixed(2)}%`);
    });

    it('gives a trend as CSV, one row per day', async () => {
      const q = `area=${DISTRICT}&figure=reported&from=2026-11-01&to=2026-11-30`;
      const json = (await get(`/v1/trends?${q}`)).json<TrendAnswer>();
      const [, codes, ...days] = csvRows((await get(`/v1/trends.csv?${q}`)).body);
      expect(codes).toEqual(['date', 'reported']);
      expect(days.map(([d, v]) => ({ date: d, value: Number(v) }))).toEqual(json.series);
    });

    it('refuses what the JSON refuses: another town, the district above, a bad query', async () => {
      const mine = towns[0]!.code;
      const other = towns[1]!.code;
      expect((await get(`/v1/figures.csv?area=${mine}`, TOWN_LEADER)).statusCode).toBe(200);
      for (const url of [
        `/v1/figures.csv?area=${other}`,
        `/v1/rankings.xlsx?area=${DISTRICT}`,
        `/v1/trends.xlsx?area=${other}&figure=reported&from=2026-11-01&to=2026-11-02`,
      ]) {
        const json = await get(url.replace(/\.(csv|xlsx)/, ''), TOWN_LEADER);
        const res = await get(url, TOWN_LEADER);
        expect(res.statusCode, url).toBe(403);
        expect(res.json<{ error: { code: string } }>().error.code).toBe(json.json<{ error: { code: string } }>().error.code);
      }
      expect((await app.inject({ method: 'GET', url: `/v1/figures.xlsx?area=${mine}` })).statusCode).toBe(401);
      const bad = await get('/v1/rankings.csv?area=440705&window=fortnight');
      expect(bad.statusCode).toBe(400);
      expect(bad.json<{ error: { message: string } }>().error.message).toContain('query.window');
    });
  });

  describe('月通报 frozen by the schedule, and as a document', () => {
    const AT = { day: 1, hour: 9, minute: 0 };
    const freezer = () =>
      new BulletinFreezer({
        store,
        areas,
        partitions: PARTITIONS,
        bulletins,
        rankingWeights: DEFAULT_WEIGHTS,
        at: AT,
        clock: () => Promise.resolve(now),
        logger: infra.logger,
      });
    const records = async () => (await readTopic(infra.kafka, infra.topics.bulletins)).filter((r) => (r.key ?? '').endsWith(':2026-11'));

    it('freezes November at 09:00 on 1 December in Shanghai, once, for every area with children, keeping one frozen by hand', async () => {
      // A town's leader froze their town by hand first (the month is over): the schedule keeps it.
      now = new Date('2026-12-01T00:10:00Z');
      const byHand = await app.inject({
        method: 'POST',
        url: '/v1/bulletins/2026-11',
        headers: CITY_LEADER,
        payload: { area: towns[0]!.code },
      });
      expect(byHand.statusCode).toBe(201);

      // 08:59 in Shanghai: not yet.
      now = new Date('2026-12-01T00:59:00Z');
      const [one, two] = [freezer(), freezer()];
      expect(await one.freezeDue()).toEqual({ month: '2026-10', frozen: expect.any(Number) as number });
      expect((await get(`/v1/bulletins/2026-11?area=${DISTRICT}`)).statusCode).toBe(404);

      // 09:00: two instances at once; each area's bulletin is frozen by one of them, and written to the log once.
      now = new Date('2026-12-01T01:00:00Z');
      const [a, b] = await Promise.all([one.freezeDue(), two.freezeDue()]);
      const rankable = [...areas.all()].filter((area) => areas.children(area.code).length > 0).length;
      expect(a.month).toBe('2026-11');
      expect(a.frozen + b.frozen).toBe(rankable - 1);
      const district = (await get(`/v1/bulletins/2026-11?area=${DISTRICT}`)).json<Bulletin>();
      expect(district.frozenBy).toBe('schedule');
      expect(district.frozenAt).toBe(now.toISOString());
      expect(district.ranking.rows.map((r) => r.area.code)).toEqual(
        (await get(`/v1/rankings?area=${DISTRICT}&window=month&at=2026-11-01&bottom=3`)).json<RankingAnswer>().rows.map((r) => r.area.code),
      );
      expect((await get(`/v1/bulletins/2026-11?area=${towns[0]!.code}`)).json<Bulletin>().frozenBy).toBe('leader-jiangmen');
      const logged = await eventually(records, (r) => r.length >= rankable);
      expect(new Set(logged.map((r) => r.key)).size).toBe(logged.length);
      expect(logged).toHaveLength(rankable);
      // Checked again later: nothing more.
      now = new Date('2026-12-15T01:00:00Z');
      expect((await freezer().freezeDue()).frozen).toBe(0);
      expect(await records()).toHaveLength(rankable);
    });

    it('prints the district bulletin as a PDF holding its ranking, its 末位 and each town’s figures, kept as PNG', async () => {
      const bulletin = (await get(`/v1/bulletins/2026-11?area=${DISTRICT}`)).json<Bulletin>();
      const bottoms = bulletin.ranking.rows.filter((r) => r.bottom);
      expect(bottoms.length).toBeGreaterThan(0);

      const html = await get(`/v1/bulletins/2026-11/document.html?area=${DISTRICT}`);
      expect(html.statusCode).toBe(200);
      expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(html.body).toContain('<svg');
      expect(html.body).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);

      const res = await get(`/v1/bulletins/2026-11/document.pdf?area=${DISTRICT}`);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.headers['content-disposition']).toContain(`bulletin_${DISTRICT}_2026-11.pdf`);
      const dir = mkdtempSync(join(tmpdir(), 'bulletin-'));
      const pdf = join(dir, 'bulletin.pdf');
      writeFileSync(pdf, res.rawPayload);
      const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
      expect(text).toContain('新会区2026年11月网格化服务管理月通报');
      expect(text).toContain(`本月末位：${bottoms.map((r) => r.area.name).join('、')}`);
      for (const label of ['上报数', '立案数', '结案率', '按期结案率', '返工率', '超期数']) expect(text).toContain(label);
      for (const row of bulletin.ranking.rows) {
        const f = row.figures;
        const line = text.split('\n').find((l) => l.includes(row.area.name) && l.includes(row.score.toFixed(4)));
        expect(line, row.area.name).toBeDefined();
        const cells = [
          String(f.reported),
          String(f.registered),
          `${(f.closureRate! * 100).toFixed(1)}%`,
          `${(f.onTimeClosureRate! * 100).toFixed(1)}%`,
        ];
        expect(line!.split(/\s+/)).toEqual(expect.arrayContaining(cells));
      }
      mkdirSync(ARTIFACTS, { recursive: true });
      execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', pdf, join(ARTIFACTS, 'bulletin-2026-11')]);
      const png = readFileSync(join(ARTIFACTS, 'bulletin-2026-11.png'));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
    });

    it('refuses the document of an area the caller may not read, and of a month not frozen', async () => {
      expect((await get(`/v1/bulletins/2026-11/document.pdf?area=${towns[1]!.code}`, TOWN_LEADER)).statusCode).toBe(403);
      expect((await get(`/v1/bulletins/2026-09/document.html?area=${DISTRICT}`)).statusCode).toBe(404);
    });
  });
});
