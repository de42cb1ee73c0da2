import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GridEvent } from '@gridgov/contracts';
import {
  Catalog,
  type CountedFigure,
  CountedFigures,
  parseLocalDate,
  spelledCounterField,
  type WindowKind,
  windowId,
  windowsOf,
} from '@gridgov/domain';
import { DurableProducer, partitionOf, topicWatermarks } from '@gridgov/kafka';
import {
  bearer,
  createTestInfra,
  eventually,
  readTopic,
  signedEventRecords,
  testEventVerifier,
  testTokenVerifier,
  type TestInfra,
  loadXinhuiAreas,
} from '@gridgov/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProjectionApp } from '../api/app.ts';
import { StreamSlots } from '@gridgov/redis';
import { KafkaBulletinLog } from './bulletin-log.ts';
import type { Figures, FiguresAnswer } from '@gridgov/projection-api';
import { BulletinStore } from '../api/bulletin.ts';
import { FIRST_GENERATION, ProjectionKeys } from './counter-store.ts';
import { FiguresChangeFeed, FiguresChangePublisher } from '../api/figures-changes.ts';
import { figuresFrom } from '../api/figures.ts';
import { CurrentCounters, ProjectionGenerations } from './generation.ts';
import { Progress } from '@gridgov/runtime';
import { Projector } from './projector.ts';
import { rebuildProjection, type RebuildReport, summary } from './rebuild.ts';
import { DEFAULT_WEIGHTS } from '../api/weights.ts';

const areas = loadXinhuiAreas();
const PARTITIONS = 3;
const NOW = new Date('2026-11-22T02:00:00Z');
const STAFF = { id: 'staff-001', role: 'grid_staff' } as const;
const HANDLER = { id: 'handler-01', role: 'handler' } as const;
const ROUTING = { id: 'routing', role: 'system' } as const;
const DUE = '2026-12-31T00:00:00.000Z';
const CATEGORIES = ['dispute', 'exposed_rubbish', 'fire_safety'] as const;
const DEPARTMENT: Record<string, string> = { dispute: 'justice', exposed_rubbish: 'sanitation', fire_safety: 'sanitation' };

// Grids of three towns: the towns, the district and one grid are queried.
const towns = areas.ofLevel('town').slice(0, 3);
const gridsOf = (town: string) => areas.ofLevel('grid').filter((g) => areas.isWithin(g.code, town));
const grids = towns.flatMap((t) => gridsOf(t.code).slice(0, 3)).map((g) => g.code);

/** A seeded generator: the same events on every run. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
}
const rand = random(20_261_122);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

/** One incident's whole life, consecutive versions, as the worker would write it. */
function lifecycle(): GridEvent[] {
  const incidentId = randomUUID();
  const category = pick(CATEGORIES);
  const reportedAt = new Date(Date.UTC(2026, 8, 1) + Math.floor(rand() * 80 * 24) * 3_600_000).toISOString();
  const events: GridEvent[] = [];
  const metadata = (actor: GridEvent['metadata']['actor']) => {
    const version = events.length + 1;
    return { eventId: `${incidentId}:${version}`, incidentId, version, occurredAt: reportedAt, actor };
  };
  events.push({
    type: 'IncidentReported',
    data: {
      reportId: `r-${incidentId}`,
      reporterId: STAFF.id,
      gridCode: pick(grids),
      category,
      urgency: 'normal',
      description: '重建测试',
      location: { lat: 22.5, lng: 113.0 },
      occurredAt: reportedAt,
      reportedAt,
    },
    metadata: metadata(STAFF),
  });
  if (rand() < 0.1) {
    events.push({
      type: 'IncidentRejected',
      data: { reason: '不属于受理范围' },
      metadata: metadata({ id: 'dispatcher-1', role: 'dispatcher' }),
    });
    return events;
  }
  events.push({
    type: 'IncidentDispatched',
    data: {
      department: DEPARTMENT[category]!,
      by: 'routing',
      signForDue: DUE,
      handlingDue: DUE,
      measures: { sign_for: 'working', handling: 'working' },
    },
    metadata: metadata(ROUTING),
  });
  if (rand() < 0.25) return events;
  const resolved = (): GridEvent => ({
    type: 'IncidentResolved',
    data: {
      notes: '已处置',
      handlingMs: 3_600_000 * (1 + Math.floor(rand() * 8)),
      verificationDue: DUE,
      measures: { verification: 'working' },
    },
    metadata: metadata(HANDLER),
  });
  events.push(resolved());
  if (rand() < 0.25) {
    events.push({
      type: 'IncidentReworkRequested',
      data: { notes: '核查未通过', reworkCount: 1, handlingDue: DUE, measures: { handling: 'working' } },
      metadata: metadata(STAFF),
    });
    events.push(resolved());
  }
  if (rand() < 0.85) {
    const last = events[events.length - 1]!;
    const handlingMs = last.type === 'IncidentResolved' ? last.data.handlingMs : 0;
    events.push({ type: 'IncidentClosed', data: { onTime: rand() < 0.7, handlingMs }, metadata: metadata(STAFF) });
  }
  return events;
}

/** Several incidents' events interleaved, each incident's in version order. */
function interleave(lives: readonly (readonly GridEvent[])[]): GridEvent[] {
  const out: GridEvent[] = [];
  for (let v = 0; lives.some((l) => l.length > v); v++) {
    for (const l of lives) {
      const event = l[v];
      if (event) out.push(event);
    }
  }
  return out;
}

/** Re-sends `count` of `events` (an outbox re-send), each somewhere after its original. */
function withDuplicates(events: readonly GridEvent[], count: number): GridEvent[] {
  const out = [...events];
  for (let i = 0; i < count; i++) {
    const from = Math.floor(rand() * events.length);
    const original = out.indexOf(events[from]!);
    out.splice(original + 1 + Math.floor(rand() * (out.length - original)), 0, events[from]!);
  }
  return out;
}

// Phase 1, before the rebuild: 80 incidents, each cut somewhere in its life; 25 re-sends.
const phase1Lives = Array.from({ length: 80 }, lifecycle);
const cuts = phase1Lives.map((l) => 1 + Math.floor(rand() * l.length));
const phase1 = withDuplicates(interleave(phase1Lives.map((l, i) => l.slice(0, cuts[i]))), 25);
// While the rebuild runs: the rest of those lives and 30 new incidents; 15 re-sends.
const during = withDuplicates(interleave([...phase1Lives.map((l, i) => l.slice(cuts[i])), ...Array.from({ length: 30 }, lifecycle)]), 15);
// Between the rebuild's last target and its switch: applied by the live projector to generation 1 only.
const meanwhile = withDuplicates(interleave(Array.from({ length: 8 }, lifecycle)), 5);
// After the switch.
const after = withDuplicates(interleave(Array.from({ length: 12 }, lifecycle)), 5);
/**
 * Folded into a generation left as a version before the coded fields left it (ADR 0047): some on every partition, since
 * a partition's first apply is what writes its layout (12 random ids missed one of 3 partitions about once in 40 runs).
 */
const uncoded = withDuplicates(interleave(lifecyclesOnEveryPartition(12)), 5);
const MALFORMED = '{"type":"IncidentReported","data":{}}';

/** At least `count` lifecycles, and more until each partition holds one. */
function lifecyclesOnEveryPartition(count: number): GridEvent[][] {
  const lifecycles = Array.from({ length: count }, lifecycle);
  const partitionsOf = () => new Set(lifecycles.map((events) => partitionOf(events[0]!.metadata.incidentId, PARTITIONS)));
  while (partitionsOf().size < PARTITIONS) lifecycles.push(lifecycle());
  return lifecycles;
}

interface Known {
  readonly grid: string;
  readonly category: string;
  readonly reportedAt: string;
  department: string | null;
  rejected: boolean;
  dispatched: boolean;
  closed: boolean;
  onTime: boolean;
  reworked: boolean;
  handlingMs: number;
}

/** The expectation, computed without the projection: what each incident sent so far amounts to. */
function expected(sent: readonly GridEvent[], area: string, window: string, scope: { category?: string; department?: string } = {}) {
  const incidents = new Map<string, Known>();
  const seen = new Set<string>();
  for (const e of sent) {
    if (seen.has(e.metadata.eventId)) continue;
    seen.add(e.metadata.eventId);
    const id = e.metadata.incidentId;
    if (e.type === 'IncidentReported') {
      incidents.set(id, {
        grid: e.data.gridCode,
        category: e.data.category,
        reportedAt: e.data.reportedAt,
        department: null,
        rejected: false,
        dispatched: false,
        closed: false,
        onTime: false,
        reworked: false,
        handlingMs: 0,
      });
      continue;
    }
    const i = incidents.get(id);
    if (!i) continue; // reported before the events looked at
    if (e.type === 'IncidentRejected') i.rejected = true;
    if (e.type === 'IncidentDispatched') Object.assign(i, { dispatched: true, department: e.data.department });
    if (e.type === 'IncidentReworkRequested') i.reworked = true;
    if (e.type === 'IncidentClosed') Object.assign(i, { closed: true, onTime: e.data.onTime, handlingMs: e.data.handlingMs });
  }
  const counts = Object.fromEntries(CountedFigures.map((f) => [f, 0])) as Record<CountedFigure, number>;
  for (const i of incidents.values()) {
    if (!areas.lineage(i.grid).includes(area) || !windowsOf(i.reportedAt).includes(window)) continue;
    if (scope.category && i.category !== scope.category) continue;
    if (scope.department && i.department !== scope.department) continue;
    counts.reported++;
    if (i.rejected) counts.rejected++;
    if (i.dispatched) counts.dispatched++;
    if (i.closed) counts.closed++;
    if (i.closed && i.onTime) counts.closedOnTime++;
    if (i.reworked) counts.reworked++;
    if (i.closed) counts.handlingMsClosed += i.handlingMs;
  }
  return counts;
}

/** The queries compared: areas of every level, several windows, a category and a department. */
const QUERIES: { area: string; window: WindowKind; at: string; category?: string; department?: string }[] = [
  { area: '440705', window: 'all', at: '2026-11-22' },
  { area: '440705', window: 'month', at: '2026-09-15' },
  { area: '440705', window: 'month', at: '2026-10-15' },
  { area: '440705', window: 'quarter', at: '2026-10-01' },
  { area: '440705', window: 'year', at: '2026-01-01' },
  { area: '440705', window: 'month', at: '2026-10-15', category: 'dispute' },
  { area: '440705', window: 'all', at: '2026-11-22', department: 'sanitation' },
  ...towns.flatMap((t) => [
    { area: t.code, window: 'all' as const, at: '2026-11-22' },
    { area: t.code, window: 'month' as const, at: '2026-11-05' },
  ]),
  { area: grids[0]!, window: 'all', at: '2026-11-22' },
  { area: areas.get(grids[0]!).parent!, window: 'week', at: '2026-10-14' },
];

const figuresOfCounts = (c: Record<CountedFigure, number>): Figures => figuresFrom(c);

describe('rebuild of the projection into a new generation, on the real broker and Redis', () => {
  let infra: TestInfra;
  let producer: DurableProducer;
  let keys: ProjectionKeys;
  /** The live instance: its projector follows the generation. */
  let live: ProjectionGenerations;
  let projector: Projector;
  /** Another instance's view of the generation: its app answers queries. */
  let other: ProjectionGenerations;
  let feed: FiguresChangeFeed;
  let app: FastifyInstance;
  const sent: GridEvent[] = [];

  const send = async (events: readonly GridEvent[]) => {
    await producer.send(
      infra.topics.events,
      signedEventRecords(
        infra.topics.events,
        PARTITIONS,
        events.map((e) => ({ key: e.metadata.incidentId, value: JSON.stringify(e) })),
      ),
    );
    sent.push(...events);
  };

  /** What every rebuild here is given: this deployment's broker, Redis, topics and group, the test's clock. */
  const rebuildOptions = () => ({
    kafka: infra.kafka,
    redis: infra.redis,
    keyPrefix: infra.keyPrefix,
    topics: infra.topics,
    areas,
    groupId: `${infra.topicPrefix}projection`,
    logger: infra.logger,
    eventVerifier: testEventVerifier,
    clock: () => NOW,
  });

  const highWatermarks = async () => (await topicWatermarks(infra.kafka, infra.topics.events)).map((o) => o.high);

  /** Every event on the topic is folded into `generation`. */
  const settled = (generation: number) =>
    eventually(
      async () => {
        const [highs, checkpoints] = await Promise.all([
          highWatermarks(),
          live.store(generation).checkpoints([...Array(PARTITIONS).keys()]),
        ]);
        return highs.every((h, p) => h === 0n || (checkpoints[p] !== '' && BigInt(checkpoints[p]!) + 1n === h));
      },
      (done) => done,
    );

  const figures = async (q: (typeof QUERIES)[number]) => {
    const scope = `${q.category ? `&category=${q.category}` : ''}${q.department ? `&department=${q.department}` : ''}`;
    const res = await app.inject({
      method: 'GET',
      headers: bearer({ role: 'leader', areas: ['440700'] }),
      url: `/v1/figures?area=${q.area}&window=${q.window}&at=${q.at}${scope}`,
    });
    expect(res.statusCode).toBe(200);
    return res.json<FiguresAnswer>().figures;
  };
  const windowOf = (q: (typeof QUERIES)[number]) => windowId(q.window, parseLocalDate(q.at)!);
  const scopeOf = (q: (typeof QUERIES)[number]) => ({
    ...(q.category ? { category: q.category } : {}),
    ...(q.department ? { department: q.department } : {}),
  });

  /** The app's answers and one generation's raw counters equal the expectation over what was sent. */
  const expectFiguresOfSent = async (generation: number) => {
    for (const q of QUERIES) {
      const want = expected(sent, q.area, windowOf(q), scopeOf(q));
      expect({ q, figures: await figures(q) }).toEqual({ q, figures: figuresOfCounts(want) });
      if (q.category || q.department) continue;
      const raw = Object.fromEntries(
        [...(await live.store(generation).read(PARTITIONS, q.area, windowOf(q)))].filter(([f, n]) => !f.includes('|') && n !== 0),
      );
      expect({ q, raw }).toEqual({ q, raw: Object.fromEntries(Object.entries(want).filter(([, n]) => n !== 0)) });
    }
  };

  /** Every key matching a SCAN pattern. */
  const scan = async (pattern: string) => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, page] = await infra.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...page);
    } while (cursor !== '0');
    return found;
  };

  /**
   * Every key of a generation with its value, named without the generation. A coded partition numbers its catalog ids
   * in the order it first counted them (ADR 0047), which a replay need not repeat: counter fields are given with their
   * ids back, and the `ids` hashes are left out.
   */
  const dump = async (generation: number) => {
    const found = await scan(keys.at(generation).generationPattern());
    const idsOf = new Map<string, Map<string, string>>();
    for (const key of found.filter((k) => k.endsWith(':ids'))) {
      const byNumber = new Map(Object.entries(await infra.redis.hgetall(key)).map(([id, n]) => [n, id]));
      idsOf.set(key.slice(0, -':ids'.length), byNumber);
    }
    const out: Record<string, unknown> = {};
    for (const key of found.sort()) {
      // The marks that a partition is whole hold the instant they were set: that they are all there is checked apart.
      if (key.endsWith(':restored') || key.endsWith(':ids')) continue;
      const name = key.replace(`:g${generation}:`, ':g*:');
      if ((await infra.redis.type(key)) !== 'hash') {
        out[name] = await infra.redis.get(key);
        continue;
      }
      const hash = await infra.redis.hgetall(key);
      const ids = key.includes(':c:') ? idsOf.get(key.slice(0, key.indexOf(':c:'))) : undefined;
      out[name] = ids
        ? Object.fromEntries(
            Object.entries(hash).map(([field, n]) => [
              field
                .split('|')
                .map((part, i) => (i === 0 || part === '' ? part : (ids.get(part) ?? `?${part}`)))
                .join('|'),
              n,
            ]),
          )
        : hash;
    }
    return out;
  };

  const liveProjector = (onApplied?: (partition: number, events: number) => void) =>
    new Projector({
      kafka: infra.kafka,
      generations: live,
      areas,
      topics: infra.topics,
      groupId: `${infra.topicPrefix}projection`,
      logger: infra.logger,
      partitionsConcurrently: PARTITIONS,
      clock: () => NOW,
      eventVerifier: testEventVerifier,
      ...(onApplied ? { onApplied } : {}),
    });

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { events: PARTITIONS } });
    keys = new ProjectionKeys(infra.keyPrefix, FIRST_GENERATION);
    producer = new DurableProducer(infra.kafka);
    await producer.connect();
    live = new ProjectionGenerations(infra.redis, keys, infra.logger);
    await live.start(infra.redis.duplicate(), 1_000);
    const publisher = new FiguresChangePublisher(infra.redis, keys.figuresChanged(), infra.logger);
    projector = liveProjector((partition, events) => publisher.applied(partition, events));
    await projector.start();
    other = new ProjectionGenerations(infra.redis, keys, infra.logger);
    await other.start(infra.redis.duplicate(), 1_000);
    feed = new FiguresChangeFeed(infra.redis.duplicate(), keys.figuresChanged(), infra.logger);
    await feed.start();
    app = buildProjectionApp({
      logger: infra.logger,
      store: new CurrentCounters(other),
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
    });
  });

  afterAll(async () => {
    await app?.close();
    await feed?.close();
    await projector?.stop();
    await live?.close();
    await other?.close();
    await producer?.disconnect();
    await infra?.cleanup();
  });

  let first: RebuildReport;

  it('replays into generation 2 while events keep coming, switches, and the live projector goes on there: nothing lost, nothing twice', async () => {
    expect(phase1.length + during.length + meanwhile.length + after.length).toBeGreaterThan(400);
    for (let i = 0; i < phase1.length; i += 100) await send(phase1.slice(i, i + 100));
    await producer.send(infra.topics.events, [{ key: randomUUID(), value: MALFORMED }]);
    await settled(1);
    expect(live.current()).toBe(1);
    await expectFiguresOfSent(1);
    const before = await Promise.all(QUERIES.map(figures));

    // Events keep coming while the rebuild replays...
    let producing = true;
    let sentDuring = 0;
    const background = (async () => {
      for (; sentDuring < during.length && producing; sentDuring += 10) {
        await send(during.slice(sentDuring, sentDuring + 10));
        await sleep(15);
      }
    })();
    let output = '';
    first = await rebuildProjection({
      ...rebuildOptions(),
      pollMs: 20,
      progress: new Progress({ isTTY: false, write: (s: string) => (output += s) }, { label: 'rebuild', unit: 'events' }),
      // ...and some arrive after its last target, before the switch: only generation 1 gets them
      // from the live projector, which must then read them again into generation 2.
      beforeSwitch: async () => {
        producing = false;
        await background;
        await send(meanwhile);
        await settled(1);
      },
    });

    expect(first).toMatchObject({ generation: 2, previous: 1, gaps: 0, deadLetters: 1, dropped: null });
    expect(first.duplicates).toBeGreaterThan(0);
    expect(first.events).toBe(first.applied + first.duplicates + first.gaps + first.deadLetters);
    expect(first.incidents).toBeGreaterThanOrEqual(phase1Lives.length);
    expect(await infra.redis.get(keys.currentGeneration())).toBe('2');
    expect(output).toMatch(/^rebuild: [\d,]+\/[\d,]+ events · [\d,]+ events\/s/m);
    expect(summary(first)).toMatch(/generation 2 is current \(was 1\)/);

    // Every instance follows (pub/sub); the live projector re-positions at once, no new event
    // needed, and reads what generation 2 lacks.
    await eventually(
      () => Promise.resolve(other.current()),
      (g) => g === 2,
    );
    await settled(2);
    await expectFiguresOfSent(2);

    // After the switch: only generation 2 moves, and the app reads it.
    await send(during.slice(sentDuring));
    await send(after);
    await settled(2);
    await expectFiguresOfSent(2);
    const district = QUERIES[0]!;
    const old = await live.store(1).read(PARTITIONS, district.area, windowOf(district));
    expect(old.get('reported')).toBeLessThan(expected(sent, district.area, windowOf(district)).reported);
    // The figures before the rebuild plus what came after it.
    const later = sent.slice(phase1.length);
    QUERIES.forEach((q, i) => {
      if (q.department) return; // a department counts a case from its dispatch, which may come later
      const added = figuresOfCounts(expected(later, q.area, windowOf(q), scopeOf(q)));
      const all = figuresOfCounts(expected(sent, q.area, windowOf(q), scopeOf(q)));
      // Incidents that began before and went on after count once, in the final figures.
      expect({ q, reported: all.reported }).toEqual({ q, reported: before[i]!.reported + added.reported });
    });

    // The replaced generation stays (no --drop-old); the DLQ holds the malformed record once.
    expect(Object.keys(await dump(1)).length).toBeGreaterThan(0);
    expect(await live.store(1).checkpoints([0, 1, 2])).not.toContain('');
    expect(await readTopic(infra.kafka, infra.topics.dlq)).toHaveLength(1);
  });

  it('a rebuild from scratch gives exactly the live counters; --drop-old deletes the replaced generation', async () => {
    await settled(2);
    const liveKeys = await dump(2);
    const report = await rebuildProjection({
      ...rebuildOptions(),
      dropOld: true,
      graceMs: 300,
    });
    const unique = new Set(sent.map((e) => e.metadata.eventId)).size;
    expect(report).toMatchObject({
      generation: 3,
      previous: 2,
      rounds: 1,
      events: sent.length + 1,
      applied: unique,
      duplicates: sent.length - unique,
      deadLetters: 1,
      gaps: 0,
      incidents: new Set(sent.map((e) => e.metadata.incidentId)).size,
    });
    // Every key of the replaced generation: its counters, incidents, checkpoints and layouts, and each partition's mark
    // and catalog ids.
    expect(report.dropped).toBe(Object.keys(liveKeys).length + 2 * PARTITIONS);
    expect(await dump(2)).toEqual({});
    // Counters, incidents and checkpoints: key for key, field for field.
    expect(await dump(3)).toEqual(liveKeys);
    // Marked whole by the rebuild at its switch, so queries read it at once.
    expect(await live.store(3).allRestored(PARTITIONS)).toBe(true);
    await eventually(
      () => Promise.resolve(other.current()),
      (g) => g === 3,
    );
    await expectFiguresOfSent(3);
    console.info(`rebuild throughput: first ${summary(first)}\nsecond ${summary(report)}`);
  });

  it('a projector started after a switch it did not see reads from the checkpoints, not from its committed offsets', async () => {
    await projector.stop();
    // Switched by hand while no projector ran, to a generation that holds nothing yet (as right
    // after upgrading to generations): the group's committed offsets are at the end of the topic.
    await infra.redis.set(keys.currentGeneration(), '9');
    expect(await live.read()).toBe(9); // as a restarted instance reads it at start: no change to follow
    projector = liveProjector();
    await projector.start();
    await settled(9);
    await eventually(
      () => Promise.resolve(other.current()),
      (g) => g === 9,
    );
    await expectFiguresOfSent(9);
  });

  it('goes on with a generation whose fields are spelled out (folded before the codes), and a rebuild codes it', async () => {
    await settled(9);
    await projector.stop();
    const nine = keys.at(9);
    // Generation 9 as a version before ADR 0047 would have left it: the figures and catalog ids spelled out in every
    // field, no layout and no ids keys.
    for (let p = 0; p < PARTITIONS; p++) {
      const idOf = new Map(Object.entries(await infra.redis.hgetall(nine.catalogIds(p))).map(([id, n]) => [n, id]));
      for (const key of await scan(nine.counters(p, '*', '*'))) {
        const hash = await infra.redis.hgetall(key);
        const spelled = Object.entries(hash).map(([field, n]) => {
          const [code, ...ids] = field.split('|');
          return [spelledCounterField([code, ...ids.map((id) => (id === '' ? '' : idOf.get(id)!))].join('|')), n] as const;
        });
        await infra.redis.multi().del(key).hset(key, Object.fromEntries(spelled)).exec();
      }
      await infra.redis.del(nine.layout(p), nine.catalogIds(p));
    }
    const fields = async () => (await Promise.all((await scan(nine.counters(0, '*', '*'))).map((k) => infra.redis.hkeys(k)))).flat();
    expect(await fields()).toContain('closedOnTime');

    // Read as it is, and folded into as it is.
    projector = liveProjector();
    await projector.start();
    await send(uncoded);
    await settled(9);
    expect(await Promise.all([...Array(PARTITIONS).keys()].map((p) => infra.redis.get(nine.layout(p))))).toEqual(
      Array.from({ length: PARTITIONS }, () => 'spelled'),
    );
    for (const field of await fields()) expect(field).toMatch(/^[a-zA-Z]{2,}(\|(c|d|cd)\|[^|]+(\|[^|]+)?)?$/);
    await expectFiguresOfSent(9);

    // A rebuild writes the next generation coded.
    await rebuildProjection(rebuildOptions());
    await eventually(
      () => Promise.resolve(other.current()),
      (g) => g === 10,
    );
    expect(await Promise.all([...Array(PARTITIONS).keys()].map((p) => infra.redis.get(keys.at(10).layout(p))))).toEqual(
      Array.from({ length: PARTITIONS }, () => 'coded'),
    );
    await expectFiguresOfSent(10);
  });
});
