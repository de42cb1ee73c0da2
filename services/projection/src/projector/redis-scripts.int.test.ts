import { randomUUID } from 'node:crypto';
import { CountedFigures, CounterChanges, counterField, spelledCounterField, storedPartsOf } from '@gridgov/domain';
import fc from 'fast-check';
import { CheckpointConflict, GenerationMoved, type Redis, redisReady } from '@gridgov/redis';
import { sharedInfra, testLogger } from '@gridgov/testing';
import { Redis as IORedis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CounterStore, FIELDS_PER_CALL, FIRST_GENERATION, FoldedDeltas, ProjectionKeys } from './counter-store.ts';
import { CounterReadCache } from './counter-cache.ts';
import { dropGeneration, ProjectionGenerations } from './generation.ts';
import { RebuildLock, RebuildRefused } from './rebuild.ts';

const logger = testLogger();
let redis: Redis;
beforeAll(async () => {
  redis = new IORedis(sharedInfra().redisUrl);
  await redisReady(redis);
});
const prefixes: string[] = [];
afterAll(async () => {
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis.disconnect();
});

/** A deployment's keys of its own in the shared Redis. */
function freshKeys(): ProjectionKeys {
  const prefix = `t${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  return new ProjectionKeys(prefix, FIRST_GENERATION);
}

describe("the counters' batch script (real Redis)", () => {
  const deltas = () => {
    const folded = new FoldedDeltas();
    folded.add(new CounterChanges(['440705'], ['all'], ['reported'], [1]));
    return folded;
  };

  it('applies a batch from the checkpoint it was folded from, and refuses one from another with CheckpointConflict, writing nothing', async () => {
    const keys = freshKeys();
    const store = new CounterStore(redis, keys);
    await store.apply(2, '', '7', new Map(), deltas());
    expect(await store.checkpoint(2)).toBe('7');

    // A second instance folded the same batch from the old checkpoint: refused, counted once.
    const refused = store.apply(2, '', '7', new Map(), deltas());
    await expect(refused).rejects.toBeInstanceOf(CheckpointConflict);
    await expect(refused).rejects.toMatchObject({
      code: 'CHECKPOINT_CONFLICT',
      reply: 'GRIDGOV_CHECKPOINT_CONFLICT',
      message: expect.stringContaining(keys.checkpoint(2)) as unknown,
    });
    expect(await store.checkpoint(2)).toBe('7');
    expect(await store.read(3, '440705', 'all')).toEqual(new Map([['reported', 1]]));
  });

  it('adds each delta to the field it names, in hashes of more fields than one call names, exactly past 2^32, and drops a field back at 0', async () => {
    const keys = freshKeys();
    const store = new CounterStore(redis, keys);
    const many = Array.from({ length: FIELDS_PER_CALL * 2 + 7 }, (_, i) => `f${i}`);
    const first = new FoldedDeltas();
    first.add(
      new CounterChanges(
        ['440705', '440705001'],
        ['all', 'm2026-11'],
        many,
        many.map((_, i) => i + 1),
      ),
    );
    await store.apply(0, '', '0', new Map(), first);
    // Counted before, by HINCRBY as older releases did: the script adds to it.
    await redis.hset(keys.counters(0, '440705', 'all'), 'big', String(2 ** 40));
    const second = new FoldedDeltas();
    second.add(new CounterChanges(['440705'], ['all'], ['f0', `f${many.length - 1}`, 'big', 'new'], [-1, 10, 3, -2]));
    await store.apply(0, '0', '1', new Map(), second);

    const all = await store.read(1, '440705', 'all');
    // f0 came back to 0: gone from the hash, as every field that nets to 0 within a batch is never written.
    expect(all.size).toBe(many.length + 1);
    expect(all.has('f0')).toBe(false);
    expect(all.get('f1')).toBe(2);
    expect(all.get(`f${FIELDS_PER_CALL}`)).toBe(FIELDS_PER_CALL + 1);
    expect(all.get(`f${many.length - 1}`)).toBe(many.length + 10);
    expect(all.get('big')).toBe(2 ** 40 + 3);
    expect(all.get('new')).toBe(-2);
    expect(await redis.hget(keys.counters(0, '440705', 'all'), 'big')).toBe('1099511627779');
    expect(await store.read(1, '440705001', 'm2026-11')).toEqual(new Map(many.map((f, i) => [f, i + 1])));

    // Every field of a hash back at 0: the hash is gone, and reads as nothing counted.
    const undo = new FoldedDeltas();
    undo.add(
      new CounterChanges(
        ['440705001'],
        ['m2026-11'],
        many,
        many.map((_, i) => -(i + 1)),
      ),
    );
    const netZero = new FoldedDeltas();
    netZero.add(new CounterChanges(['440705002'], ['all'], ['reported'], [1]));
    netZero.add(new CounterChanges(['440705002'], ['all'], ['reported'], [-1]));
    await store.apply(0, '1', '2', new Map(), undo);
    await store.apply(0, '2', '3', new Map(), netZero);
    expect(await redis.exists(keys.counters(0, '440705001', 'm2026-11'), keys.counters(0, '440705002', 'all'))).toBe(0);
    expect(await store.read(1, '440705001', 'm2026-11')).toEqual(new Map());
  });

  it("writes each hash its own deltas when a batch's hashes share some lists of fields and differ in others by one amount or field", async () => {
    const keys = freshKeys();
    const store = new CounterStore(redis, keys);
    const deltas = new FoldedDeltas();
    // Two cases in one grid's lineage and a third beside it: the street and district hashes sum them, the grids do not.
    deltas.add(new CounterChanges(['440705', '440705001', '440705001001'], ['all', 'm2026-11'], ['r', 'r|dispute'], [1, 1]));
    deltas.add(new CounterChanges(['440705', '440705001'], ['all'], ['r', 'r|dispute'], [1, 1]));
    deltas.add(new CounterChanges(['440705002'], ['all', 'm2026-11'], ['r', 'r|fire'], [1, 1]));
    await store.apply(0, '', '0', new Map(), deltas);
    const at = (area: string, window: string) => store.read(1, area, window);
    // Read back as the queries name the figures (`reported|c|dispute`).
    const counted = (...pairs: [string, number][]) => new Map(pairs.map(([field, n]) => [spelledCounterField(field), n]));
    expect(await at('440705', 'all')).toEqual(counted(['r', 2], ['r|dispute', 2]));
    expect(await at('440705001', 'all')).toEqual(counted(['r', 2], ['r|dispute', 2]));
    expect(await at('440705', 'm2026-11')).toEqual(counted(['r', 1], ['r|dispute', 1]));
    expect(await at('440705001001', 'all')).toEqual(counted(['r', 1], ['r|dispute', 1]));
    expect(await at('440705001001', 'm2026-11')).toEqual(counted(['r', 1], ['r|dispute', 1]));
    expect(await at('440705002', 'all')).toEqual(counted(['r', 1], ['r|fire', 1]));
    expect(await at('440705002', 'm2026-11')).toEqual(counted(['r', 1], ['r|fire', 1]));
  });

  it('refuses to add to a field that holds no integer', async () => {
    const keys = freshKeys();
    const store = new CounterStore(redis, keys);
    await redis.hset(keys.counters(0, '440705', 'all'), 'reported', 'x');
    await expect(store.apply(0, '', '0', new Map(), deltas())).rejects.toThrow(/GRIDGOV_NOT_A_COUNTER/);
  });
});

describe("the counters' read script (real Redis)", () => {
  it('sums the named fields of each hash over every partition, a week from its seven days, an absent field or hash as nothing', async () => {
    const keys = freshKeys();
    const store = new CounterStore(redis, keys);
    // Partition 0 and 2 hold the town's Monday and Sunday of ISO week 2026-W23 (1–7 June); partition 1 holds nothing.
    await redis.hset(keys.counters(0, '440705001', 'd2026-06-01'), { reported: '3', closed: '2', 'closed|c|dispute': '1' });
    await redis.hset(keys.counters(2, '440705001', 'd2026-06-07'), { reported: '4', overdue: '1' });
    await redis.hset(keys.counters(2, '440705001', 'd2026-06-08'), { reported: '100' }); // the next week: not summed
    await redis.hset(keys.counters(1, '440705002', 'm2026-06'), { reported: '7', closed: '7' });
    await redis.hset(keys.counters(2, '440705002', 'm2026-06'), { reported: '5', handlingMsClosed: '9007199254740000' });

    const fields = ['reported', 'closed', 'overdue', 'handlingMsClosed'];
    const [week, month, none] = await store.readMany(
      3,
      [
        { area: '440705001', window: 'w2026-W23' },
        { area: '440705002', window: 'm2026-06' },
        { area: '440705003', window: 'm2026-06' },
      ],
      fields,
    );
    expect(week).toEqual(
      new Map([
        ['reported', 7],
        ['closed', 2],
        ['overdue', 1],
      ]),
    );
    expect(month).toEqual(
      new Map([
        ['reported', 12],
        ['closed', 7],
        ['handlingMsClosed', 9007199254740000],
      ]),
    );
    expect(none).toEqual(new Map());
    // A field not asked for is not read, and the same hashes read one by one agree.
    expect(await store.readMany(3, [{ area: '440705001', window: 'w2026-W23' }], ['closed|c|dispute'])).toEqual([
      new Map([['closed|c|dispute', 1]]),
    ]);
  });

  it('names a counter that holds no number instead of summing it', async () => {
    const keys = freshKeys();
    const store = new CounterStore(redis, keys);
    await redis.hset(keys.counters(1, '440705', 'all'), 'reported', 'x');
    await expect(store.readMany(2, [{ area: '440705', window: 'all' }], ['reported'])).rejects.toThrow(/counter reported holds "x"/);
  });
});

describe('counter fields by layout: coded, or spelled out where a partition was folded before (ADR 0047, real Redis)', () => {
  const scopes = [{}, { category: 'dispute' }, { department: 'justice' }, { category: 'exposed_rubbish', department: 'sanitation' }];
  const coded = scopes.flatMap((scope) => CountedFigures.map((figure) => counterField(figure, scope)));
  const batch = (by: number) => {
    const folded = new FoldedDeltas();
    folded.add(
      new CounterChanges(
        ['440705', '440705001'],
        ['d2026-06-01', 'all'],
        coded,
        coded.map(() => by),
      ),
    );
    return folded;
  };
  const hashes = [
    { area: '440705', window: 'w2026-W23' },
    { area: '440705001', window: 'all' },
  ];

  /** The field as a coded partition stores it: each catalog id by its number in the partition's `ids` hash. */
  const numberedBy = (ids: Record<string, string>) => (field: string) =>
    field
      .split('|')
      .map((part, i) => (i === 0 || part === '' ? part : ids[part]))
      .join('|');

  it("writes a new partition's fields coded, its catalog ids numbered, and marks it so", async () => {
    const keys = freshKeys();
    const store = new CounterStore(redis, keys);
    await store.apply(0, '', '1', new Map(), batch(2));
    expect(await redis.get(keys.layout(0))).toBe('coded');
    const ids = await redis.hgetall(keys.catalogIds(0));
    expect(Object.keys(ids).sort()).toEqual(['dispute', 'exposed_rubbish', 'justice', 'sanitation']);
    expect(Object.values(ids).sort()).toEqual(['1', '2', '3', '4']);
    const stored = await redis.hgetall(keys.counters(0, '440705', 'all'));
    expect(Object.keys(stored).sort()).toEqual(coded.map(numberedBy(ids)).sort());
    expect(await store.readMany(1, hashes, coded)).toEqual(hashes.map(() => new Map(coded.map((f) => [f, 2]))));
    // A later batch with a new id numbers it next, and keeps the others' numbers.
    const more = new FoldedDeltas();
    more.add(new CounterChanges(['440705'], ['all'], [counterField('closed', { category: 'noise', department: 'justice' })], [1]));
    await store.apply(0, '1', '2', new Map(), more);
    expect(await redis.hgetall(keys.catalogIds(0))).toEqual({ ...ids, noise: '5' });
    expect(await redis.hget(keys.counters(0, '440705', 'all'), `c|5|${ids.justice}`)).toBe('1');
    // An id never counted in the partition is asked as nothing there.
    const never = [counterField('closed', { category: 'never_counted' }), counterField('closed', { department: 'nobody' })];
    expect(await store.readMany(1, hashes, never)).toEqual(hashes.map(() => new Map()));
    // An operator's look names them in full.
    expect((await store.read(1, '440705', 'all')).get('closedOnTime|cd|exposed_rubbish|sanitation')).toBe(2);
  });

  it('goes on in the spelled-out fields of a partition folded before, and sums it with coded partitions', async () => {
    const keys = freshKeys();
    const store = new CounterStore(redis, keys);
    // Partition 0 as a version before the codes left it: a checkpoint, spelled-out fields, no layout.
    const spelled = coded.map((f) => spelledCounterField(f));
    for (const area of ['440705', '440705001'])
      for (const window of ['d2026-06-01', 'all'])
        await redis.hset(keys.counters(0, area, window), Object.fromEntries(spelled.map((f) => [f, '5'])));
    await redis.set(keys.checkpoint(0), 'old');
    expect(await store.layouts(2)).toEqual(['spelled', 'empty']);
    // It is read as it is before anything is folded into it.
    expect(await store.readMany(1, hashes, coded)).toEqual(hashes.map(() => new Map(coded.map((f) => [f, 5]))));

    await store.apply(0, 'old', 'new', new Map(), batch(3));
    await store.apply(1, '', '1', new Map(), batch(4));
    expect(await redis.get(keys.layout(0))).toBe('spelled');
    expect(await redis.get(keys.layout(1))).toBe('coded');
    expect(await store.layouts(2)).toEqual(['spelled', 'coded']);
    // Added to the fields it held, none coded beside them.
    expect(Object.keys(await redis.hgetall(keys.counters(0, '440705', 'all'))).sort()).toEqual([...spelled].sort());
    expect(await store.readMany(2, hashes, coded)).toEqual(hashes.map(() => new Map(coded.map((f) => [f, 12]))));
    expect(await store.read(2, '440705001', 'all')).toEqual(new Map(spelled.map((f) => [f, 12])));
    // A field back at 0 goes in a spelled-out partition too.
    await store.apply(0, 'new', 'newer', new Map(), batch(-8));
    expect(await redis.hlen(keys.counters(0, '440705', 'all'))).toBe(0);
  });

  it('starts coded again once Redis lost a spelled-out partition', async () => {
    const keys = freshKeys();
    const store = new CounterStore(redis, keys);
    await redis.set(keys.checkpoint(0), 'old');
    await store.apply(0, 'old', 'new', new Map(), batch(1));
    expect(await redis.get(keys.layout(0))).toBe('spelled');
    await redis.del(keys.checkpoint(0), keys.layout(0), keys.counters(0, '440705', 'all'), keys.counters(0, '440705', 'd2026-06-01'));
    await redis.del(keys.counters(0, '440705001', 'all'), keys.counters(0, '440705001', 'd2026-06-01'));
    await store.apply(0, '', '1', new Map(), batch(1));
    expect(await redis.get(keys.layout(0))).toBe('coded');
    const ids = await redis.hgetall(keys.catalogIds(0));
    expect(Object.keys(await redis.hgetall(keys.counters(0, '440705', 'all'))).sort()).toEqual(coded.map(numberedBy(ids)).sort());
    expect(await store.readMany(1, hashes, coded)).toEqual(hashes.map(() => new Map(coded.map((f) => [f, 1]))));
  });
});

/**
 * The partitions' versions are read with one MGET on a single Redis, and one a partition on a Redis Cluster (a
 * cross-slot MGET is refused there): the cluster's way is taken here by a connection that says it is one.
 */
const ways = [
  { way: 'one MGET, a single Redis', cluster: false },
  { way: 'one MGET a partition, as on a Redis Cluster', cluster: true },
];
describe.each(ways)("the counters' read cache (real Redis, $way)", ({ cluster }) => {
  let connection: Redis;
  beforeAll(async () => {
    connection = redis.duplicate();
    connection.isCluster = cluster;
    await redisReady(connection);
  });
  afterAll(() => connection.disconnect());

  /** A batch adding `by` reports (and `by` closures) to the town and to its district, this month. */
  const batch = (by: number) => {
    const folded = new FoldedDeltas();
    folded.add(new CounterChanges(['440705', '440705001'], ['m2026-06'], ['reported', 'closed'], [by, by]));
    return folded;
  };
  const question = [
    { area: '440705', window: 'm2026-06' },
    { area: '440705001', window: 'm2026-06' },
  ] as const;
  const fields = ['reported', 'closed'];
  const sums = (n: number) => [
    new Map([
      ['reported', n],
      ['closed', n],
    ]),
    new Map([
      ['reported', n],
      ['closed', n],
    ]),
  ];

  it('answers what Redis holds after every batch, reading again only the partitions that moved', async () => {
    const keys = freshKeys();
    const cache = new CounterReadCache(1024 * 1024);
    const store = new CounterStore(connection, keys, cache);
    for (const p of [0, 1, 2]) {
      await store.apply(p, '', '5', new Map(), batch(p + 1));
      expect(await store.markRestored(p, '5', new Date(Date.UTC(2026, 5, 1)))).toBe(true);
    }
    expect(await store.readMany(3, question, fields)).toEqual(sums(6));
    expect(cache.counts).toEqual({ hits: 0, misses: 3 });
    expect(await store.readMany(3, question, fields)).toEqual(sums(6));
    expect(cache.counts).toEqual({ hits: 3, misses: 3 });

    // A batch on partition 1: its part is read again, the two others are not.
    await store.apply(1, '5', '9', new Map(), batch(10));
    expect(await store.readMany(3, question, fields)).toEqual(sums(16));
    expect(cache.counts).toEqual({ hits: 5, misses: 4 });
    // Another question (another scope's fields) is its own.
    expect(await store.readMany(3, question, ['reported'])).toEqual(sums(16).map((m) => new Map([['reported', m.get('reported')]])));
    expect(cache.counts).toEqual({ hits: 5, misses: 7 });
  });

  it('answers a range and the same days asked one by one each their own sums, whichever was asked first', async () => {
    const keys = freshKeys();
    const store = new CounterStore(connection, keys, new CounterReadCache(1024 * 1024));
    const uncached = new CounterStore(connection, keys);
    // A leader's page asks the week as a range (its figures) and as its seven days (its trend): the same stored hashes.
    for (const p of [0, 1]) {
      const folded = new FoldedDeltas();
      for (let day = 1; day <= 7; day++) folded.add(new CounterChanges(['440705001'], [`d2026-06-0${day}`], ['reported'], [day * (p + 1)]));
      await store.apply(p, '', '5', new Map(), folded);
      await store.markRestored(p, '5', new Date(Date.UTC(2026, 5, 1)));
    }
    const range = [{ area: '440705001', window: 'r2026-06-01..2026-06-07' }];
    const days = Array.from({ length: 7 }, (_, i) => ({ area: '440705001', window: `d2026-06-0${i + 1}` }));
    const expected = { range: [new Map([['reported', 84]])], days: days.map((_, i) => new Map([['reported', 3 * (i + 1)]])) };
    expect(await uncached.readMany(2, range, ['reported'])).toEqual(expected.range);
    expect(await uncached.readMany(2, days, ['reported'])).toEqual(expected.days);
    for (const order of [
      ['range', 'days'],
      ['days', 'range'],
      ['range', 'days'],
    ] as const) {
      for (const asked of order) expect(await store.readMany(2, asked === 'range' ? range : days, ['reported'])).toEqual(expected[asked]);
    }
  });

  it('answers any sequence of batches and questions as the counters without the cache would (property)', async () => {
    const areas = ['440705', '440705001', '440705002'];
    const fieldNames = ['reported', 'closed', 'reported|c|dispute'];
    // Late May to early July: days, the months and weeks they fall in, and ranges across the months' ends.
    const days = Array.from({ length: 40 }, (_, i) => new Date(Date.UTC(2026, 4, 27 + i)).toISOString().slice(0, 10));
    const dayId = (d: string) => `d${d}`;
    const monthId = (d: string) => `m${d.slice(0, 7)}`;
    const change = fc.record({
      areas: fc.subarray(areas, { minLength: 1 }),
      day: fc.constantFrom(...days),
      field: fc.constantFrom(...fieldNames),
      by: fc.integer({ min: -2, max: 5 }),
    });
    const range = fc
      .tuple(fc.integer({ min: 0, max: days.length - 1 }), fc.integer({ min: 0, max: 35 }))
      .map(([from, span]) => `r${days[from]}..${days[Math.min(days.length - 1, from + span)]}`);
    const window = fc.oneof(
      fc.constantFrom(...days.map(dayId)),
      fc.constantFrom('m2026-05', 'm2026-06', 'm2026-07', 'w2026-W22', 'w2026-W23', 'w2026-W26', 'q2026-Q2', 'y2026', 'all'),
      range,
    );
    const question = fc.record({
      hashes: fc.array(fc.record({ area: fc.constantFrom(...areas), window }), { minLength: 1, maxLength: 4 }),
      // Asked too as the stored hashes it is summed from, one by one (a trend beside a range asks the range's days),
      // that first or after it.
      daysFirst: fc.boolean(),
      fields: fc.subarray(fieldNames, { minLength: 1 }),
    });
    const step = fc.oneof(
      fc.record({ apply: fc.array(change, { minLength: 1, maxLength: 6 }), partition: fc.integer({ min: 0, max: 1 }) }),
      question.map((ask) => ({ ask })),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const keys = freshKeys();
        const store = new CounterStore(connection, keys, new CounterReadCache(1024 * 1024));
        const uncached = new CounterStore(connection, keys);
        const checkpoints = [0, 0];
        for (const p of [0, 1]) {
          await store.apply(p, '', '0', new Map(), new FoldedDeltas());
          await store.markRestored(p, '0', new Date(Date.UTC(2026, 5, 1)));
        }
        for (const s of steps) {
          if ('apply' in s) {
            const folded = new FoldedDeltas();
            for (const c of s.apply) folded.add(new CounterChanges(c.areas, [dayId(c.day), monthId(c.day), 'all'], [c.field], [c.by]));
            const from = String(checkpoints[s.partition]!++);
            await store.apply(s.partition, from, String(checkpoints[s.partition]), new Map(), folded);
            continue;
          }
          const days = s.ask.hashes.flatMap(({ area, window }) => storedPartsOf(window).map((w) => ({ area, window: w })));
          for (const hashes of s.ask.daysFirst ? [days, s.ask.hashes] : [s.ask.hashes, days])
            expect(await store.readMany(2, hashes, s.ask.fields)).toEqual(await uncached.readMany(2, hashes, s.ask.fields));
        }
      }),
      { numRuns: 60, seed: 19 },
    );
  });

  it('shares one versions read among the questions of the same moment, and never one sent before a question came', async () => {
    const keys = freshKeys();
    const cache = new CounterReadCache(1024 * 1024);
    const store = new CounterStore(connection, keys, cache);
    for (const p of [0, 1]) {
      await store.apply(p, '', '5', new Map(), batch(1));
      await store.markRestored(p, '5', new Date(Date.UTC(2026, 5, 1)));
    }
    expect(await store.readMany(2, question, fields)).toEqual(sums(2));
    // The versions' read: one MGET on a single Redis, one a partition on a cluster.
    const reads = vi.spyOn(connection, 'mget');
    try {
      const answers = await Promise.all([1, 2, 3, 4].map(() => store.readMany(2, question, fields)));
      expect(answers).toEqual([1, 2, 3, 4].map(() => sums(2)));
      expect(reads).toHaveBeenCalledTimes(cluster ? 2 : 1);
      expect(cache.counts).toEqual({ hits: 8, misses: 2 });

      // A question asked while an earlier one's read is on its way, after a batch: it sees the batch.
      const earlier = store.readMany(2, question, fields);
      await store.apply(0, '5', '6', new Map(), batch(5));
      expect(await store.readMany(2, question, fields)).toEqual(sums(7));
      // The earlier one was concurrent with the batch: either answer is a state Redis held while it was asked.
      expect([sums(2), sums(7)]).toContainEqual(await earlier);
    } finally {
      reads.mockRestore();
    }
  });

  it('never answers from before Redis lost the counters, nor keeps a partition being folded again', async () => {
    const keys = freshKeys();
    const cache = new CounterReadCache(1024 * 1024);
    const store = new CounterStore(connection, keys, cache);
    await store.apply(0, '', '5', new Map(), batch(3));
    await store.markRestored(0, '5', new Date(Date.UTC(2026, 5, 1)));
    expect(await store.readMany(1, question, fields)).toEqual(sums(3));

    // Redis lost the partition; folded again to the same checkpoint, with other counters (say the areas changed since).
    await dropGeneration(connection, keys);
    await store.apply(0, '', '5', new Map(), batch(4));
    expect(await store.readMany(1, question, fields)).toEqual(sums(4));
    expect(await store.readMany(1, question, fields)).toEqual(sums(4));
    expect(cache.counts).toEqual({ hits: 0, misses: 3 });
    // Marked whole again (at another moment): kept from then on.
    await store.markRestored(0, '5', new Date(Date.UTC(2026, 5, 2)));
    expect(await store.readMany(1, question, fields)).toEqual(sums(4));
    expect(await store.readMany(1, question, fields)).toEqual(sums(4));
    expect(cache.counts).toEqual({ hits: 1, misses: 4 });
  });
});

describe('the generation switch (real Redis)', () => {
  it('switches from the generation the pointer names (absent = the first), and refuses with GenerationMoved otherwise', async () => {
    const keys = freshKeys();
    const generations = new ProjectionGenerations(redis, keys, logger);
    await generations.switchTo(FIRST_GENERATION, 2);
    expect(await generations.read()).toBe(2);

    // Another rebuild switched meanwhile: a switch that started from 1 must not undo it.
    const moved = generations.switchTo(FIRST_GENERATION, 3);
    await expect(moved).rejects.toBeInstanceOf(GenerationMoved);
    await expect(moved).rejects.toMatchObject({ code: 'GENERATION_MOVED', reply: 'GRIDGOV_GENERATION_MOVED' });
    await expect(moved).rejects.toThrow('generation is 2, not 1');
    expect(await redis.get(keys.currentGeneration())).toBe('2');
    await generations.close();
  });
});

describe('the rebuild lock (real Redis)', () => {
  it('is held by one rebuild at a time, and released by it', async () => {
    const key = freshKeys().rebuildLock();
    const lock = await RebuildLock.acquire(redis, key, logger);
    await expect(RebuildLock.acquire(redis, key, logger)).rejects.toBeInstanceOf(RebuildRefused);
    await lock.release();
    expect(await redis.exists(key)).toBe(0);
    const next = await RebuildLock.acquire(redis, key, logger);
    await next.release();
  });

  it('renews its own lock to the full TTL', async () => {
    const key = freshKeys().rebuildLock();
    const lock = await RebuildLock.acquire(redis, key, logger, 60_000);
    try {
      await redis.pexpire(key, 1_000);
      expect(await lock.renew()).toBe(true);
      expect(await redis.pttl(key)).toBeGreaterThan(50_000);
      expect(() => lock.assertHeld()).not.toThrow();
    } finally {
      await lock.release();
    }
  });

  it('notices a lost lock, and neither renews nor releases the lock another rebuild took after it expired', async () => {
    const key = freshKeys().rebuildLock();
    const lock = await RebuildLock.acquire(redis, key, logger, 60_000);
    // It expired (Redis unreachable for longer than the TTL) and another rebuild took it.
    await redis.del(key);
    const other = await RebuildLock.acquire(redis, key, logger, 60_000);
    const othersToken = await redis.get(key);
    await redis.pexpire(key, 5_000);

    expect(await lock.renew()).toBe(false);
    expect(await redis.pttl(key)).toBeLessThanOrEqual(5_000);
    expect(() => lock.assertHeld()).toThrow(RebuildRefused);
    expect(() => lock.assertHeld()).toThrow('the rebuild lock expired');

    await lock.release();
    expect(await redis.get(key)).toBe(othersToken);
    await other.release();
    expect(await redis.exists(key)).toBe(0);
  });
});
