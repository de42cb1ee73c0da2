import { randomUUID } from 'node:crypto';
import type { GridEvent } from '@gridgov/contracts';
import { Catalog } from '@gridgov/domain';
import { DurableProducer } from '@gridgov/kafka';
import {
  bearer,
  createTestInfra,
  eventually,
  readTopic,
  signedEventRecords,
  testTokenVerifier,
  type TestInfra,
  loadXinhuiAreas,
} from '@gridgov/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProjectionApp } from './app.ts';
import { StreamSlots } from '@gridgov/redis';
import { KafkaBulletinLog } from '../projector/bulletin-log.ts';
import type { FiguresAnswer, RankingAnswer, TrendAnswer } from '@gridgov/projection-api';
import { BulletinStore } from './bulletin.ts';
import { type CounterStore, FIRST_GENERATION, ProjectionKeys } from '../projector/counter-store.ts';
import { FiguresChangeFeed, FiguresChangePublisher } from './figures-changes.ts';
import { ProjectionGenerations } from '../projector/generation.ts';
import type { Projector } from '../projector/projector.ts';
import { projectorOn } from '../projector/test-support.ts';
import { DEFAULT_WEIGHTS } from './weights.ts';
import { KeptAnswers } from './kept-answers.ts';

const areas = loadXinhuiAreas();
const town = (name: string) => areas.ofLevel('town').find((t) => t.name === name)!;
const firstGrid = (townCode: string) => areas.children(areas.children(townCode)[0]!.code)[0]!.code;
const huicheng = town('会城街道');
const dazhe = town('大泽镇');
const shadui = town('沙堆镇');

// 10:00 on Sunday 22 November 2026 in Shanghai: October is over, November is not.
const NOW = new Date('2026-11-22T02:00:00Z');
const PARTITIONS = 2;

const STAFF = { id: 'staff-001', role: 'grid_staff' } as const;
/** The city's leader: may read every area of these tests. */
const CITY_LEADER = bearer({ role: 'leader', areas: ['440700'], sub: 'leader-jiangmen' });
const HANDLER = { id: 'handler-01', role: 'handler' } as const;
const DUE = '2026-12-31T00:00:00.000Z';

/** One incident's events with consecutive versions, as the worker would write them. */
function incident(gridCode: string, reportedAt: string, category = 'dispute') {
  const incidentId = randomUUID();
  const events: GridEvent[] = [];
  const metadata = (actor: GridEvent['metadata']['actor']) => {
    const version = events.length + 1;
    return { eventId: `${incidentId}:${version}`, incidentId, version, occurredAt: reportedAt, actor };
  };
  const steps = {
    events,
    dispatched: (department = category === 'dispute' ? 'justice' : 'sanitation') => {
      events.push({
        type: 'IncidentDispatched',
        data: { department, by: 'routing', signForDue: DUE, handlingDue: DUE, measures: { sign_for: 'working', handling: 'working' } },
        metadata: metadata({ id: 'routing', role: 'system' }),
      });
      return steps;
    },
    resolved: () => {
      events.push({
        type: 'IncidentResolved',
        data: { notes: '已处置', handlingMs: 3_600_000, verificationDue: DUE, measures: { verification: 'working' } },
        metadata: metadata(HANDLER),
      });
      return steps;
    },
    reworked: () => {
      events.push({
        type: 'IncidentReworkRequested',
        data: { notes: '核查未通过', reworkCount: 1, handlingDue: DUE, measures: { handling: 'working' } },
        metadata: metadata(STAFF),
      });
      return steps;
    },
    closed: (onTime: boolean) => {
      events.push({ type: 'IncidentClosed', data: { onTime, handlingMs: 3_600_000 }, metadata: metadata(STAFF) });
      return steps;
    },
    rejected: () => {
      events.push({
        type: 'IncidentRejected',
        data: { reason: '不属于受理范围' },
        metadata: metadata({ id: 'dispatcher-1', role: 'dispatcher' }),
      });
      return steps;
    },
  };
  events.push({
    type: 'IncidentReported',
    data: {
      reportId: `r-${incidentId}`,
      reporterId: STAFF.id,
      gridCode,
      category,
      urgency: 'normal',
      description: '测试事件',
      location: { lat: 22.5, lng: 113.0 },
      occurredAt: reportedAt,
      reportedAt,
    },
    metadata: metadata(STAFF),
  });
  return steps;
}

/**
 * October 2026, three towns (rates over registered cases; score = 0.4 结案率 + 0.4 按期结案率 + 0.2 (1 − 返工率)):
 * - 会城街道: 4 registered, 3 closed, 2 on time, 1 reworked → 0.4 × 0.75 + 0.4 × 0.5 + 0.2 × 0.75 = 0.65
 * - 大泽镇:   2 registered, 2 closed, 2 on time, 0 reworked → 1
 * - 沙堆镇:   3 reported, 1 rejected: 2 registered, 1 closed on time, 1 reworked → 0.2 + 0.2 + 0.1 = 0.5
 * The eight other towns have nothing: score null, last.
 */
const A = firstGrid(huicheng.code);
const B = firstGrid(dazhe.code);
const C = firstGrid(shadui.code);
const october = [
  incident(A, '2026-10-03T02:00:00Z').dispatched().resolved().closed(true),
  incident(A, '2026-10-03T03:00:00Z').dispatched().resolved().reworked().resolved().closed(false),
  incident(A, '2026-10-10T02:00:00Z').dispatched().resolved().closed(true),
  // 17:00 UTC on 30 September is 01:00 on 1 October in Shanghai: an October case, still open.
  incident(A, '2026-09-30T17:00:00Z').dispatched(),
  incident(B, '2026-10-05T02:00:00Z').dispatched().resolved().closed(true),
  incident(B, '2026-10-20T02:00:00Z', 'exposed_rubbish').dispatched().resolved().closed(true),
  incident(C, '2026-10-10T03:00:00Z').rejected(),
  incident(C, '2026-10-12T02:00:00Z').dispatched().resolved().closed(true),
  incident(C, '2026-10-12T03:00:00Z').dispatched().resolved().reworked().resolved(),
];

interface Running {
  readonly app: FastifyInstance;
  readonly feed: FiguresChangeFeed;
}

describe('rankings, trends, bulletins, live figures and the API document, on the real broker and Redis', () => {
  let infra: TestInfra;
  let producer: DurableProducer;
  let projector: Projector;
  let keys: ProjectionKeys;
  let store: CounterStore;
  let main: Running;

  /** A projection instance: its own app and its own subscriber connection. */
  async function instance(answers?: KeptAnswers): Promise<Running> {
    const feed = new FiguresChangeFeed(infra.redis.duplicate(), keys.figuresChanged(), infra.logger);
    await feed.start();
    const app = buildProjectionApp({
      logger: infra.logger,
      store,
      bulletins: new BulletinStore(infra.redis, keys, new KafkaBulletinLog(infra.kafka, infra.topics.bulletins, infra.logger)),
      changes: feed,
      areas,
      catalog: new Catalog(),
      partitions: PARTITIONS,
      clock: () => NOW,
      ready: () => Promise.resolve(true),
      rankingWeights: DEFAULT_WEIGHTS,
      stream: { minIntervalMs: 50, slots: new StreamSlots(infra.redis, infra.keyPrefix, { perUser: 10, leaseMs: 60_000 }, infra.logger) },
      edge: { authenticate: testTokenVerifier().authenticate },
      ...(answers ? { answers } : {}),
    });
    return { app, feed };
  }

  const send = (events: readonly GridEvent[]) =>
    producer.send(
      infra.topics.events,
      signedEventRecords(
        infra.topics.events,
        PARTITIONS,
        events.map((e) => ({ key: e.metadata.incidentId, value: JSON.stringify(e) })),
      ),
    );

  /** Summed counters of an area's window, straight from the store. */
  const counters = async (area: string, window: string) => Object.fromEntries(await store.read(PARTITIONS, area, window));

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { events: PARTITIONS } });
    keys = new ProjectionKeys(infra.keyPrefix, FIRST_GENERATION);
    const generations = new ProjectionGenerations(infra.redis, keys, infra.logger);
    store = generations.store(FIRST_GENERATION);
    producer = new DurableProducer(infra.kafka);
    await producer.connect();
    const publisher = new FiguresChangePublisher(infra.redis, keys.figuresChanged(), infra.logger);
    projector = projectorOn(infra, generations, {
      partitionsConcurrently: PARTITIONS,
      clock: () => NOW,
      onApplied: (partition, events) => publisher.applied(partition, events),
    });
    await projector.start();
    main = await instance();
    await send(october.flatMap((i) => i.events));
    // Every incident's last event is counted: the lot is applied.
    await eventually(
      () => counters('440705', 'm2026-10'),
      (c) => c['reported'] === 9 && c['rejected'] === 1 && c['dispatched'] === 8 && c['closed'] === 6 && c['reworked'] === 2,
    );
  });

  afterAll(async () => {
    await main?.app.close();
    await main?.feed.close();
    await projector?.stop();
    await producer?.disconnect();
    await infra?.cleanup();
  });

  const get = async <T>(url: string) => {
    const res = await main.app.inject({ headers: CITY_LEADER, method: 'GET', url });
    return { status: res.statusCode, body: res.json<T>() };
  };

  describe('GET /v1/rankings', () => {
    it('ranks the towns with figures by composite score, lists the others apart as 无数据, and marks the bottom N 末位', async () => {
      const { status, body } = await get<RankingAnswer>('/v1/rankings?area=440705&window=month&at=2026-10-15&bottom=2');
      expect(status).toBe(200);
      expect(body.window).toEqual({ kind: 'month', id: 'm2026-10' });
      expect(body.weights).toEqual(DEFAULT_WEIGHTS);
      expect(body.rows).toHaveLength(3);
      const top = body.rows;
      expect(top.map((r) => [r.area.name, r.rank, r.bottom])).toEqual([
        ['大泽镇', 1, false],
        ['会城街道', 2, true],
        ['沙堆镇', 3, true],
      ]);
      expect(top[0]!.score).toBeCloseTo(1, 12);
      expect(top[1]!.score).toBeCloseTo(0.65, 12);
      expect(top[2]!.score).toBeCloseTo(0.5, 12);
      expect(top[1]!.figures).toMatchObject({ registered: 4, closed: 3, closedOnTime: 2, closureRate: 0.75, reworkRate: 0.25 });
      expect(top[2]!.figures).toMatchObject({ reported: 3, registered: 2, closed: 1, onTimeClosureRate: 0.5 });
      expect(body.noData).toHaveLength(8);
      for (const row of body.noData) expect(row.figures).toMatchObject({ registered: 0 });
      expect(body.noData.map((r) => r.area.code)).toEqual([...body.noData.map((r) => r.area.code)].sort()); // by code
    });

    it('marks none of three ranked with the default 3, and takes weights from the query', async () => {
      const { body } = await get<RankingAnswer>('/v1/rankings?area=440705&at=2026-10-01&weights=0.5,0.3,0.2');
      expect(body.window.id).toBe('m2026-10'); // month is the default window
      expect(body.weights).toEqual({ closure: 0.5, onTime: 0.3, rework: 0.2 });
      expect(body.bottom).toBe(3);
      // Three ranked, fewer than 3 + 1: no 末位.
      expect(body.rows.map((r) => [r.area.name, r.bottom])).toEqual([
        ['大泽镇', false],
        ['会城街道', false],
        ['沙堆镇', false],
      ]);
      // 会城街道: 0.5 × 0.75 + 0.3 × 0.5 + 0.2 × 0.75; 沙堆镇: 0.5 × 0.5 + 0.3 × 0.5 + 0.2 × 0.5
      expect(body.rows[1]!.score).toBeCloseTo(0.675, 12);
      expect(body.rows[2]!.score).toBeCloseTo(0.5, 12);
    });

    it('ranks within one department', async () => {
      const { body } = await get<RankingAnswer>('/v1/rankings?area=440705&at=2026-10-01&department=sanitation');
      expect(body.scope).toEqual({ category: null, department: 'sanitation' });
      // One town with figures: first, alone, and not 末位; the ten others are 无数据.
      expect(body.rows.map((r) => [r.rank, r.area.name, r.score, r.bottom])).toEqual([[1, '大泽镇', 1, false]]);
      expect(body.noData).toHaveLength(10);
    });
  });

  describe('GET /v1/figures over a range of dates and for a category and a department together', () => {
    // Another town, around a new year: nothing else of these tests reports there, then.
    const other = areas.children('440705').find((t) => ![huicheng.code, dazhe.code, shadui.code].includes(t.code))!;
    const D = firstGrid(other.code);
    const winter = [
      incident(D, '2025-12-30T02:00:00Z').dispatched('justice').resolved().closed(true), // 2025-12-30
      // 16:30 UTC on 31 December is 00:30 on 1 January 2026 in Shanghai.
      incident(D, '2025-12-31T16:30:00Z', 'exposed_rubbish').dispatched('sanitation').resolved().closed(false),
      incident(D, '2026-01-15T02:00:00Z', 'exposed_rubbish').dispatched('sanitation'),
      incident(D, '2026-01-31T16:00:00Z', 'exposed_rubbish').dispatched('justice'), // 2026-02-01, local
      incident(D, '2026-02-03T02:00:00Z').rejected(),
    ];
    const figuresOf = async (query: string) => {
      const { status, body } = await get<FiguresAnswer>(`/v1/figures?area=${other.code}&${query}`);
      expect(status, query).toBe(200);
      return body;
    };

    beforeAll(async () => {
      await send(winter.flatMap((i) => i.events));
      await eventually(
        () => counters(other.code, 'all'),
        (c) => c['reported'] === 5 && c['rejected'] === 1 && c['closed'] === 2,
      );
    });

    it('sums a range across a year boundary from its days and whole months, and names it', async () => {
      const body = await figuresOf('from=2025-12-30&to=2026-02-01');
      expect(body.window).toEqual({ kind: 'range', id: 'r2025-12-30..2026-02-01', from: '2025-12-30', to: '2026-02-01' });
      expect(body.figures).toMatchObject({
        reported: 4,
        registered: 4,
        closed: 2,
        closedOnTime: 1,
        closureRate: 0.5,
        onTimeClosureRate: 0.25,
      });
      // Its ends count by local date: 31 December 2025 (UTC) is 1 January in Shanghai.
      expect((await figuresOf('from=2025-12-31&to=2026-01-31')).figures).toMatchObject({ reported: 2, closed: 1 });
      expect((await figuresOf('from=2026-01-01&to=2026-01-01')).figures).toMatchObject({ reported: 1, closed: 1, closedOnTime: 0 });
      // A whole month as a range is the month window; a whole year is the year window.
      const month = await figuresOf('window=month&at=2026-01-20');
      expect((await figuresOf('from=2026-01-01&to=2026-01-31')).figures).toEqual(month.figures);
      expect((await figuresOf('from=2026-01-01&to=2026-12-31')).figures).toEqual((await figuresOf('window=year&at=2026-06-01')).figures);
      // A range equals the sum of its days.
      const trend = await get<TrendAnswer>(`/v1/trends?area=${other.code}&figure=reported&from=2025-12-01&to=2026-02-28`);
      const sum = trend.body.series.reduce((n, p) => n + (p.value ?? 0), 0);
      expect((await figuresOf('from=2025-12-01&to=2026-02-28')).figures.reported).toBe(sum);
      expect(sum).toBe(5);
    });

    it('answers a category and a department together, from their own counters', async () => {
      const range = 'from=2025-12-01&to=2026-02-28';
      const rubbish = await figuresOf(`${range}&category=exposed_rubbish&department=sanitation`);
      expect(rubbish.scope).toEqual({ category: 'exposed_rubbish', department: 'sanitation' });
      expect(rubbish.figures).toMatchObject({ reported: 2, registered: 2, closed: 1, closedOnTime: 0, closureRate: 0.5 });
      expect((await figuresOf(`${range}&category=exposed_rubbish&department=justice`)).figures).toMatchObject({ reported: 1, closed: 0 });
      expect((await figuresOf(`${range}&category=dispute&department=justice`)).figures).toMatchObject({ reported: 1, closedOnTime: 1 });
      expect((await figuresOf(`${range}&category=dispute&department=sanitation`)).figures).toMatchObject({
        reported: 0,
        closureRate: null,
      });
      // Each alone, for comparison: the category has three, the department two.
      expect((await figuresOf(`${range}&category=exposed_rubbish`)).figures.reported).toBe(3);
      expect((await figuresOf(`${range}&department=sanitation`)).figures.reported).toBe(2);
      // In a window too, and in a trend.
      expect((await figuresOf('window=month&at=2026-01-01&category=exposed_rubbish&department=sanitation')).figures.reported).toBe(2);
      const trend = await get<TrendAnswer>(
        `/v1/trends?area=${other.code}&figure=reported&from=2026-01-01&to=2026-01-02&category=exposed_rubbish&department=sanitation`,
      );
      expect(trend.body.series.map((p) => p.value)).toEqual([1, 0]);
    });

    it('ranks over a range, with the same 末位 rule', async () => {
      const { status, body } = await get<RankingAnswer>('/v1/rankings?area=440705&from=2025-12-01&to=2026-02-28');
      expect(status).toBe(200);
      expect(body.window).toMatchObject({ kind: 'range', from: '2025-12-01', to: '2026-02-28' });
      expect(body.rows.map((r) => [r.area.code, r.rank, r.bottom])).toEqual([[other.code, 1, false]]);
      expect(body.noData).toHaveLength(10);
    });
  });

  describe('GET /v1/trends', () => {
    it('gives one value per local day of report time', async () => {
      const { status, body } = await get<TrendAnswer>('/v1/trends?area=440705&figure=reported&from=2026-09-30&to=2026-10-13');
      expect(status).toBe(200);
      expect(body.series).toHaveLength(14);
      const nonZero = Object.fromEntries(body.series.filter((p) => p.value !== 0).map((p) => [p.date, p.value]));
      expect(nonZero).toEqual({ '2026-10-01': 1, '2026-10-03': 2, '2026-10-05': 1, '2026-10-10': 2, '2026-10-12': 2 });
      expect(body.series[0]).toEqual({ date: '2026-09-30', value: 0 });
    });

    it('gives rates, null on a day with nothing registered, for a town and for one category', async () => {
      const rates = await get<TrendAnswer>(`/v1/trends?area=${huicheng.code}&figure=closureRate&from=2026-10-01&to=2026-10-03`);
      expect(rates.body.series.map((p) => p.value)).toEqual([0, null, 1]);
      const rubbish = await get<TrendAnswer>('/v1/trends?area=440705&figure=closed&from=2026-10-19&to=2026-10-21&category=exposed_rubbish');
      expect(rubbish.body.series).toEqual([
        { date: '2026-10-19', value: 0 },
        { date: '2026-10-20', value: 1 },
        { date: '2026-10-21', value: 0 },
      ]);
    });
  });

  describe('月通报 /v1/bulletins/:month', () => {
    it('freezes a finished month once: the second freeze and later events change nothing', async () => {
      const post = (month: string) =>
        main.app.inject({ headers: CITY_LEADER, method: 'POST', url: `/v1/bulletins/${month}`, payload: { area: '440705' } });

      const first = await post('2026-10');
      expect(first.statusCode).toBe(201);
      const frozen = first.json<{ created: boolean; bulletin: { frozenAt: string; ranking: RankingAnswer } }>();
      expect(frozen.created).toBe(true);
      expect(frozen.bulletin.frozenAt).toBe(NOW.toISOString());
      expect(frozen.bulletin.ranking.window.id).toBe('m2026-10');
      // The bulletin follows the 末位 rule: three ranked and 3 to mark, so none; the eight others are 无数据.
      expect(frozen.bulletin.ranking.rows.map((r) => [r.area.name, r.bottom])).toEqual([
        ['大泽镇', false],
        ['会城街道', false],
        ['沙堆镇', false],
      ]);
      expect(frozen.bulletin.ranking.noData).toHaveLength(8);

      // A phone back online: a late October case of 大泽镇, closed late. The live ranking moves...
      await send(incident(B, '2026-10-25T02:00:00Z').dispatched().resolved().closed(false).events);
      const live = await eventually(
        () => get<RankingAnswer>('/v1/rankings?area=440705&at=2026-10-01'),
        (r) => r.body.rows[0]!.figures.registered === 3,
      );
      expect(live.body.rows[0]!.score).toBeCloseTo(0.4 + 0.4 * (2 / 3) + 0.2, 12);

      // ...the bulletin does not.
      const second = await post('2026-10');
      expect(second.statusCode).toBe(200);
      expect(second.json()).toEqual({ created: false, bulletin: frozen.bulletin });
      const read = await get('/v1/bulletins/2026-10?area=440705');
      expect(read).toEqual({ status: 200, body: frozen.bulletin });

      // The bulletin is a fact on grid.bulletins: Redis that lost it (here its key and the restored mark) reads it back
      // before answering, and a freeze after that still finds the first one.
      const on = (await readTopic(infra.kafka, infra.topics.bulletins)).filter((r) => r.key === '440705:2026-10');
      expect(on.map((r) => JSON.parse(r.value!) as unknown)).toEqual([frozen.bulletin]);
      await infra.redis.del(keys.bulletin('440705', '2026-10'), keys.bulletinsRestored());
      expect(await get('/v1/bulletins/2026-10?area=440705')).toEqual({ status: 200, body: frozen.bulletin });
      await infra.redis.del(keys.bulletin('440705', '2026-10'), keys.bulletinsRestored());
      expect((await post('2026-10')).json()).toEqual({ created: false, bulletin: frozen.bulletin });
    });

    it('refuses a month that has not ended in Asia/Shanghai, saying when it can be frozen', async () => {
      const res = await main.app.inject({
        headers: CITY_LEADER,
        method: 'POST',
        url: '/v1/bulletins/2026-11',
        payload: { area: '440705' },
      });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({
        error: {
          code: 'MONTH_NOT_OVER',
          message: 'params.month: 2026-11 has not ended in Asia/Shanghai; it can be frozen from 2026-12-01T00:00:00+08:00',
        },
      });
      expect(await get('/v1/bulletins/2026-11?area=440705')).toMatchObject({ status: 404 });
    });

    it('answers 404 for a month never frozen', async () => {
      const { status, body } = await get<{ error: { code: string; message: string } }>('/v1/bulletins/2026-09?area=440705');
      expect(status).toBe(404);
      expect(body.error.code).toBe('NO_BULLETIN');
      expect(body.error.message).toMatch(/^params\.month: /);
    });
  });

  describe('GET /v1/streams/figures', () => {
    it('sends the figures at once and again when an applied event changes them, on every instance, and cleans up', async () => {
      const one = await instance();
      const two = await instance();
      const [urlOne, urlTwo] = await Promise.all([
        one.app.listen({ host: '127.0.0.1', port: 0 }),
        two.app.listen({ host: '127.0.0.1', port: 0 }),
      ]);
      const district = await openStream(`${urlOne}/v1/streams/figures?area=440705&window=day`);
      const sandui = await openStream(`${urlTwo}/v1/streams/figures?area=${shadui.code}&window=day&category=fire_safety`);
      let oneClosed = false;
      try {
        const first = await district.next();
        expect(first).toMatchObject({ area: { code: '440705' }, window: { kind: 'day', id: 'd2026-11-22' } });
        expect(first.figures.reported).toBe(0);
        expect((await sandui.next()).figures.reported).toBe(0);

        await send(incident(C, '2026-11-22T01:00:00Z', 'fire_safety').events);
        expect((await district.next()).figures.reported).toBe(1);
        const update = await sandui.next();
        expect(update).toMatchObject({ scope: { category: 'fire_safety', department: null }, figures: { reported: 1 } });

        // The client goes away: its subscription goes with it.
        expect(two.feed.listenerCount).toBe(1);
        sandui.close();
        await eventually(
          () => Promise.resolve(two.feed.listenerCount),
          (n) => n === 0,
        );

        // Closing the app ends the streams still open.
        oneClosed = true;
        await one.app.close();
        expect(await district.ended()).toBe(true);
        expect(one.feed.listenerCount).toBe(0);
      } finally {
        district.close();
        sandui.close();
        await Promise.all([oneClosed ? undefined : one.app.close(), two.app.close()]);
        await Promise.all([one.feed.close(), two.feed.close()]);
      }
    });
  });

  describe('GET /openapi.json', () => {
    it('documents every route, with parameters from the zod schemas', async () => {
      const { status, body } = await get<{
        openapi: string;
        paths: Record<
          string,
          Record<string, { parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[] }>
        >;
        components: { schemas: Record<string, unknown> };
      }>('/openapi.json');
      expect(status).toBe(200);
      expect(body.openapi).toBe('3.1.0');
      expect(Object.keys(body.paths).sort()).toEqual(
        [
          '/healthz',
          '/openapi.json',
          '/readyz',
          '/v1/bulletins/{month}',
          '/v1/bulletins/{month}/document.html',
          '/v1/bulletins/{month}/document.pdf',
          '/v1/figures',
          '/v1/figures.csv',
          '/v1/figures.xlsx',
          '/v1/rankings',
          '/v1/rankings.csv',
          '/v1/rankings.xlsx',
          '/v1/streams/figures',
          '/v1/trends',
          '/v1/trends.csv',
          '/v1/trends.xlsx',
          '/v1/what-if',
          '/v1/what-if/policy',
          '/v1/what-if/{runId}',
        ].sort(),
      );
      expect(Object.keys(body.paths['/v1/bulletins/{month}']!).sort()).toEqual(['get', 'post']);
      const rankings = body.paths['/v1/rankings']!['get']!.parameters!;
      expect(rankings.find((p) => p.name === 'area')).toMatchObject({ in: 'query', required: true, schema: { type: 'string' } });
      expect(rankings.find((p) => p.name === 'bottom')).toMatchObject({ required: false, schema: { type: 'integer', default: 3 } });
      expect(rankings.map((p) => p.name)).toContain('weights');
      const figure = body.paths['/v1/trends']!['get']!.parameters!.find((p) => p.name === 'figure')!;
      expect(figure.schema['enum']).toContain('onTimeClosureRate');
      expect(body.paths['/v1/bulletins/{month}']!['post']!.parameters).toEqual([
        expect.objectContaining({ name: 'month', in: 'path', required: true }),
      ]);
      expect(Object.keys(body.components.schemas)).toEqual(expect.arrayContaining(['Figures', 'Ranking', 'Trend', 'Bulletin', 'Error']));
    });
  });

  describe('who may read what', () => {
    const as = (claims: Parameters<typeof bearer>[0]) => bearer(claims);
    const status = async (url: string, headers: Record<string, string>, method: 'GET' | 'POST' = 'GET') => {
      const res = await main.app.inject({ method, url, headers, ...(method === 'POST' ? { payload: { area: huicheng.code } } : {}) });
      return { status: res.statusCode, code: res.statusCode >= 400 ? res.json<{ error: { code: string } }>().error.code : undefined };
    };
    const routes = (area: string) => [
      `/v1/figures?area=${area}&window=month&at=2026-10-15`,
      `/v1/rankings?area=${area}&window=month&at=2026-10-15`,
      `/v1/trends?area=${area}&figure=reported&from=2026-10-01&to=2026-10-31`,
      `/v1/bulletins/2026-09?area=${area}`,
      `/v1/streams/figures?area=${area}&window=day`,
    ];

    it('lets a town’s leader read that town and below, never the neighbouring town nor the district', async () => {
      const leader = as({ role: 'leader', areas: [huicheng.code], sub: 'leader-huicheng' });
      for (const url of routes(dazhe.code).concat(routes('440705'))) {
        expect({ url, ...(await status(url, leader)) }).toEqual({ url, status: 403, code: 'OUT_OF_JURISDICTION' });
      }
      expect(await status(routes(huicheng.code)[0]!, leader)).toEqual({ status: 200, code: undefined });
      expect(await status(`/v1/figures?area=${A}&window=all`, leader)).toEqual({ status: 200, code: undefined });
    });

    it('lets dispatchers and admins read their subtree, never grid staff or handlers; bulletins are frozen by leaders and admins', async () => {
      const dispatcher = as({ role: 'dispatcher', areas: ['440705'] });
      expect((await status(routes(dazhe.code)[0]!, dispatcher)).status).toBe(200);
      expect((await status(routes(dazhe.code)[0]!, as({ role: 'admin', areas: ['440700'] }))).status).toBe(200);
      expect(await status('/v1/bulletins/2026-09', dispatcher, 'POST')).toEqual({ status: 403, code: 'FORBIDDEN_ROLE' });
      for (const claims of [
        { role: 'grid_staff', areas: [A] },
        { role: 'handler', areas: ['440705'], department: 'sanitation' },
      ] as const) {
        expect(await status(routes(huicheng.code)[0]!, as(claims))).toEqual({ status: 403, code: 'FORBIDDEN_ROLE' });
      }
      const anonymous = await main.app.inject({ method: 'GET', url: routes(huicheng.code)[0]! });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json<{ error: { message: string } }>().error.message).toBe(
        'headers.authorization: a bearer token is required (Authorization: Bearer <token>)',
      );
      // The API document and the probes need no token.
      expect((await main.app.inject({ method: 'GET', url: '/openapi.json' })).statusCode).toBe(200);
    });
  });

  describe('bad input', () => {
    const error = async (url: string, method: 'GET' | 'POST' = 'GET', payload?: object) => {
      const res = await main.app.inject({ headers: CITY_LEADER, method, url, ...(payload ? { payload } : {}) });
      return { status: res.statusCode, ...res.json<{ error: { code: string; message: string } }>().error };
    };

    it('answers 404 for an unknown area and 400 naming the field otherwise', async () => {
      expect(await error('/v1/rankings?area=440799')).toMatchObject({
        status: 404,
        code: 'UNKNOWN_AREA',
        message: 'query.area: no area 440799',
      });
      expect(await error('/v1/trends?area=440799001&figure=reported&from=2026-10-01&to=2026-10-02')).toMatchObject({ status: 404 });
      expect(await error('/v1/bulletins/2026-10?area=440799')).toMatchObject({ status: 404, code: 'UNKNOWN_AREA' });

      const bad: [string, string, ('GET' | 'POST')?, object?][] = [
        ['/v1/rankings?area=440705&window=fortnight', 'query.window'],
        ['/v1/rankings?area=440705&at=2026-02-30', 'query.at'],
        ['/v1/rankings?area=440705&weights=0.5,0.5,0.5', 'query.weights: weights must sum to 1'],
        ['/v1/rankings?area=440705&weights=heavy', 'query.weights'],
        ['/v1/rankings?area=440705&bottom=-1', 'query.bottom'],
        [`/v1/rankings?area=${C}`, 'query.area'], // a grid has no children to rank
        ['/v1/rankings?area=440705&category=nope', 'query.category'],
        ['/v1/trends?area=440705&figure=happiness&from=2026-10-01&to=2026-10-02', 'query.figure'],
        ['/v1/trends?area=440705&figure=closed&from=2026/10/01&to=2026-10-02', 'query.from'],
        ['/v1/trends?area=440705&figure=closed&from=2025-01-01&to=2026-01-02', 'query.to: at most 366 days'],
        ['/v1/trends?area=440705&figure=closed&from=2026-10-02&to=2026-10-01', 'query.to'],
        ['/v1/streams/figures?area=440705&window=hour', 'query.window'],
        ['/v1/figures?area=4407', 'query.area'],
        ['/v1/figures?area=440705&from=2026-10-01', 'query.to: give to with from'],
        ['/v1/figures?area=440705&to=2026-10-01', 'query.from: give from with to'],
        ['/v1/figures?area=440705&window=day&from=2026-10-01&to=2026-10-02', 'query.window: give window or from/to, not both'],
        ['/v1/figures?area=440705&at=2026-10-01&from=2026-10-01&to=2026-10-02', 'query.at'],
        ['/v1/figures?area=440705&from=2026-10-02&to=2026-10-01', 'query.to: 2026-10-01 is before from 2026-10-02'],
        ['/v1/figures?area=440705&from=2023-01-01&to=2026-10-01', 'query.to: at most 1096 days'],
        ['/v1/figures?area=440705&from=2026-02-30&to=2026-10-01', 'query.from'],
        ['/v1/rankings?area=440705&from=2026-10-02&to=2026-10-01', 'query.to'],
        ['/v1/bulletins/2026-13', 'params.month', 'POST', { area: '440705' }],
        ['/v1/bulletins/2026-10', 'body.area', 'POST', {}],
        ['/v1/bulletins/2026-10', 'query.area'],
      ];
      for (const [url, field, method, payload] of bad) {
        const answer = await error(url, method, payload);
        // The message starts with the field at fault.
        expect({ url, status: answer.status, start: answer.message.slice(0, field.length) }).toEqual({ url, status: 400, start: field });
      }
      // A full year, leap day included, is allowed; three years of figures too.
      expect((await get('/v1/trends?area=440705&figure=closed&from=2028-01-01&to=2028-12-31')).status).toBe(200);
      expect((await get('/v1/figures?area=440705&from=2026-01-01&to=2028-12-31')).status).toBe(200);
    });
  });

  // Last: it writes August's events, and takes a partition's restored mark away for a moment.
  describe('whole answers kept while nothing moved (ADR 0046)', () => {
    it('sends a kept answer byte for byte as made, and makes it afresh once a batch, the configuration or a restore moves', async () => {
      let configVersion = 1;
      const answers = new KeptAnswers(1024 * 1024, async () => {
        const counters = await store.versionNow(PARTITIONS);
        return counters === undefined ? undefined : `${configVersion} ${counters}`;
      });
      const kept = await instance(answers);
      const ask = async (app: FastifyInstance, url: string) => {
        const res = await app.inject({ headers: CITY_LEADER, method: 'GET', url });
        return { status: res.statusCode, type: res.headers['content-type'], body: res.body };
      };
      const ranking = '/v1/rankings?area=440705&window=month&at=2026-08-15&bottom=1';
      const figures = `/v1/figures?area=${dazhe.code}&window=month&at=2026-08-15`;
      try {
        // Both partitions are marked whole once the projector caught up: only then is anything kept.
        await eventually(
          () => store.versionNow(PARTITIONS),
          (v) => v !== undefined,
        );
        for (const url of [ranking, figures, `${ranking}&weights=0.5,0.3,0.2`]) {
          const made = await ask(main.app, url);
          expect(made.status).toBe(200);
          expect(await ask(kept.app, url)).toEqual(made);
          expect(await ask(kept.app, url)).toEqual(made); // the kept one
        }
        expect(answers.counts).toEqual({ hits: 3, joined: 0, misses: 3 });

        // A batch moves a partition: the next answer is made from it, and kept in turn.
        await send(incident(B, '2026-08-03T02:00:00Z').dispatched().resolved().closed(true).events);
        await eventually(
          async () => JSON.parse((await ask(kept.app, figures)).body) as FiguresAnswer,
          (a) => a.figures.closed === 1,
        );
        const afterBatch = await ask(kept.app, ranking);
        expect(afterBatch).toEqual(await ask(main.app, ranking));
        expect((JSON.parse(afterBatch.body) as RankingAnswer).rows.map((r) => r.area.name)).toEqual(['大泽镇']);
        let { hits, misses } = answers.counts;
        const { joined } = answers.counts;
        expect(await ask(kept.app, ranking)).toEqual(afterBatch);
        expect(answers.counts).toEqual({ hits: hits + 1, joined, misses });

        // Another batch, then a page's worth of leaders asking the same at once: the answer is made once, every one of
        // them gets it byte for byte as made (the ones that came while it was made waited for it), and it is kept.
        const before = await store.versionNow(PARTITIONS);
        await send(incident(B, '2026-08-04T02:00:00Z').dispatched().events);
        await eventually(
          () => store.versionNow(PARTITIONS),
          (v) => v !== undefined && v !== before,
        );
        ({ hits, misses } = answers.counts);
        const together = await Promise.all(Array.from({ length: 8 }, () => ask(kept.app, ranking)));
        const madeNow = await ask(main.app, ranking);
        expect(together).toEqual(Array.from({ length: 8 }, () => madeNow));
        const now = answers.counts;
        expect(now.misses).toBe(misses + 1);
        expect(now.hits + now.joined).toBe(hits + joined + 7);
        ({ hits, misses } = answers.counts);
        const joinedSince = answers.counts.joined;

        // The configuration changed (area names, the catalog): made afresh though no partition moved.
        configVersion++;
        expect(await ask(kept.app, ranking)).toEqual(madeNow);
        expect(answers.counts).toEqual({ hits, joined: joinedSince, misses: misses + 1 });

        // A partition not marked whole (Redis lost it, being folded again): every answer made afresh, none kept.
        ({ hits, misses } = answers.counts);
        const mark = await infra.redis.get(keys.restored(0));
        await infra.redis.del(keys.restored(0));
        try {
          expect(await ask(kept.app, ranking)).toEqual(madeNow);
          expect(await ask(kept.app, ranking)).toEqual(madeNow);
          expect(answers.counts).toEqual({ hits, joined: joinedSince, misses: misses + 2 });
        } finally {
          await infra.redis.set(keys.restored(0), mark!);
        }
      } finally {
        await kept.app.close();
        await kept.feed.close();
      }
    });
  });
});

/** A server-sent events client over fetch: `next()` resolves with the next `figures` event's data. */
async function openStream(url: string) {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal, headers: { accept: 'text/event-stream', ...CITY_LEADER } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let done = false;

  /** The next whole event block, or undefined at the end of the stream. */
  async function block(): Promise<string | undefined> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const text = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        return text;
      }
      if (done) return undefined;
      const chunk = await reader.read().catch(() => ({ done: true, value: undefined }));
      if (chunk.done) done = true;
      else buffer += chunk.value;
    }
  }

  /** Fails instead of hanging when nothing arrives (a safety net, not a timed assertion). */
  const within = <T>(promise: Promise<T>, ms = 20_000) =>
    Promise.race([
      promise,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no event from ${url} in ${ms} ms`)), ms).unref()),
    ]);

  return {
    next: () =>
      within(
        (async (): Promise<FiguresAnswer> => {
          for (;;) {
            const text = await block();
            if (text === undefined) throw new Error('the stream ended');
            const lines = text.split('\n');
            if (!lines.includes('event: figures')) continue; // retry: and keep-alive comments
            const data = lines.find((l) => l.startsWith('data: '))!;
            return JSON.parse(data.slice('data: '.length)) as FiguresAnswer;
          }
        })(),
      ),
    /** Resolves true once the server has ended the stream. */
    ended: () =>
      within(
        (async () => {
          while ((await block()) !== undefined);
          return true;
        })(),
      ),
    close: () => abort.abort(),
  };
}
