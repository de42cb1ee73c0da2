import { randomUUID } from 'node:crypto';
import { EventVerifier } from '@gridgov/auth';
import type { GridEvent } from '@gridgov/contracts';
import { DurableProducer, partitionOf } from '@gridgov/kafka';
import { createTestInfra, eventually, loadXinhuiAreas, signedEventRecords, TEST_EVENT_VERIFY_KEY, type TestInfra } from '@gridgov/testing';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CaseViewProjector } from './case-views/projector.ts';
import { CaseViewStore } from './case-views/store.ts';
import { FIRST_GENERATION, ProjectionKeys } from './counter-store.ts';
import { FoldConsumer } from './fold-consumer.ts';
import { ProjectionGenerations } from './generation.ts';
import { Projector } from './projector.ts';
import { nextOffset } from './restore-watch.ts';

const areas = loadXinhuiAreas();
const grids = areas
  .ofLevel('grid')
  .slice(0, 4)
  .map((g) => g.code);
const PARTITIONS = 2;
const CASES = 24;

function reported(incidentId: string, i: number): GridEvent {
  const at = `2026-11-20T0${i % 10}:00:00.000Z`;
  return {
    type: 'IncidentReported',
    data: {
      reportId: `r-${incidentId}`,
      reporterId: 'staff-001',
      gridCode: grids[i % grids.length]!,
      category: i % 3 === 0 ? 'dispute' : 'dirty_road',
      urgency: 'normal',
      description: '邻里噪音纠纷',
      location: { lat: 22.5, lng: 113.0 },
      occurredAt: at,
      reportedAt: at,
    },
    metadata: { eventId: `${incidentId}:1`, incidentId, version: 1, occurredAt: at, actor: { id: 'staff-001', role: 'grid_staff' } },
  };
}

/**
 * Redis losing the counters' generation at once, as a restart without persistence loses it: every key in one script.
 * (dropGeneration deletes a SCAN's keys in steps; a restore watch marking a partition whole between two steps left a
 * CI run's mark standing over a checkpoint deleted after it.)
 */
async function loseGeneration(infra: TestInfra, keys: ProjectionKeys): Promise<number> {
  const lua = "local n = 0 for _, k in ipairs(redis.call('KEYS', ARGV[1])) do n = n + redis.call('UNLINK', k) end return n";
  return (await infra.redis.eval(lua, 0, keys.generationPattern())) as number;
}

/** Every key of the read side (views, histories, lists, indexes, its states and checkpoints), with its value. */
async function readSide(infra: TestInfra): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const keys = (await infra.redis.keys(`${infra.keyPrefix}:*`)).filter((k) => !k.includes(':g1:') && !k.endsWith(':restored'));
  for (const key of keys.sort()) {
    const type = await infra.redis.type(key);
    if (type === 'string') out[key] = await infra.redis.get(key);
    else if (type === 'hash') out[key] = await infra.redis.hgetall(key);
    else if (type === 'zset') out[key] = await infra.redis.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'set') out[key] = (await infra.redis.smembers(key)).sort();
    else out[key] = `(${type})`;
  }
  return out;
}

describe('one consumer feeding the counters and the read side (real broker and Redis)', () => {
  let infra: TestInfra;
  let consumer: FoldConsumer;
  let counters: Projector;
  let views: CaseViewProjector;
  const verifier = new EventVerifier([TEST_EVENT_VERIFY_KEY]);

  beforeEach(async () => {
    infra = await createTestInfra({ partitions: { events: PARTITIONS, outcomes: PARTITIONS } });
  });

  afterEach(async () => {
    await consumer.stop();
    await counters.stop();
    await views.stop();
    await infra.cleanup();
  });

  it('verifies and decodes each record once for both folds, and a fold that lost its state folds again alone', async () => {
    // The folds' log, kept to be shown if a wait fails (it showed a CI run's partition marked whole over a wipe).
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const logged = async <T>(wait: Promise<T>): Promise<T> => {
      try {
        return await wait;
      } catch (err) {
        throw new Error(`${(err as Error).message}\nthe folds' log:\n${lines.slice(-60).join('')}`, { cause: err });
      }
    };
    const generations = new ProjectionGenerations(infra.redis, new ProjectionKeys(infra.keyPrefix, FIRST_GENERATION), logger);
    const store = new CaseViewStore(infra.redis, infra.keyPrefix, 3600);
    consumer = new FoldConsumer({
      kafka: infra.kafka,
      groupId: `${infra.topicPrefix}projection`,
      logger,
      partitionsConcurrently: PARTITIONS,
      fetchBytesPerPartition: 1024 * 1024,
    });
    const common = {
      kafka: infra.kafka,
      consumer,
      areas,
      topics: infra.topics,
      logger,
      eventVerifier: verifier,
      watchMs: 200,
    };
    counters = new Projector({ ...common, generations, clock: () => new Date() });
    views = new CaseViewProjector({ ...common, store });
    const checked = vi.spyOn(verifier, 'problem');

    const producer = new DurableProducer(infra.kafka);
    await producer.connect();
    const ids = Array.from({ length: CASES }, () => randomUUID());
    for (const [i, id] of ids.entries()) {
      await producer.send(
        infra.topics.events,
        signedEventRecords(infra.topics.events, PARTITIONS, [{ key: id, value: JSON.stringify(reported(id, i)) }]),
      );
    }
    await producer.disconnect();

    await counters.start();
    await views.start();
    await consumer.start();
    await consumer.whenAssigned();

    const counted = async () => (await generations.store(FIRST_GENERATION).read(PARTITIONS, '440705', 'all')).get('reported') ?? 0;
    const viewed = async () => {
      const positions = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => store.position(p, 'events')));
      const ends = Array.from({ length: PARTITIONS }, (_, p) => BigInt(ids.filter((id) => partitionOf(id, PARTITIONS) === p).length));
      return positions.every((x, p) => x.restored && nextOffset(x.checkpoint) >= ends[p]!);
    };
    expect(await logged(eventually(counted, (n) => n >= CASES))).toBe(CASES);
    expect(await logged(eventually(viewed, (done) => done))).toBe(true);
    // Both folds took every record, each verified once: the second fold was handed the first one's event.
    expect(checked).toHaveBeenCalledTimes(CASES);
    const before = await readSide(infra);
    expect(Object.keys(before).filter((k) => k.includes(':incident:'))).toHaveLength(CASES);

    // Redis lost the counters (their whole generation, its restored marks too): the counters' restore watch seeks its
    // partitions back to the start of the log, for the shared consumer. The counters fold everything again, once; the
    // read side skips what it holds, and nothing of it changes.
    expect(await loseGeneration(infra, new ProjectionKeys(infra.keyPrefix, FIRST_GENERATION))).toBeGreaterThan(0);
    expect(await counted()).toBe(0);
    expect(await logged(eventually(counted, (n) => n >= CASES))).toBe(CASES);
    await logged(
      eventually(
        () => generations.store(FIRST_GENERATION).allRestored(PARTITIONS),
        (whole) => whole,
      ),
    );
    expect(await counted()).toBe(CASES);
    expect(await readSide(infra)).toEqual(before);
    // Each record read again was verified again, once, for the counters alone.
    expect(checked).toHaveBeenCalledTimes(2 * CASES);
  });
});
