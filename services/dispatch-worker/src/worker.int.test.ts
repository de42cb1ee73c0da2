import { randomUUID } from 'node:crypto';
import type { CommandEnvelope, GridEvent } from '@gridgov/contracts';
import { DurableProducer } from '@gridgov/kafka';
import { createTestInfra, defaultDecisionContext, eventually, readTopic, type TestInfra } from '@gridgov/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PartitionStore } from './partition-store.ts';
import { DispatchWorker } from './worker.ts';

const context = defaultDecisionContext();
const { areas } = context;
const grid = areas.ofLevel('grid')[10]!.code;

// Monday 23 November 2026, 09:00 in Shanghai: a working day.
const MONDAY_9AM = Date.parse('2026-11-23T01:00:00.000Z');

describe('DispatchWorker on the real broker and Redis', () => {
  let infra: TestInfra;
  let producer: DurableProducer;
  let now: number;
  const workers: DispatchWorker[] = [];

  const newWorker = async () => {
    const worker = new DispatchWorker({
      kafka: infra.kafka,
      redis: infra.redis,
      logger: infra.logger,
      topics: infra.topics,
      groupId: `${infra.topicPrefix}dispatch-worker`,
      keyPrefix: infra.keyPrefix,
      context,
      partitionsConcurrently: 2,
      outcomeTtlSeconds: 3600,
      // A long poll: the test fires timers itself, at instants it chooses.
      timerPollMs: 60_000,
      clock: () => Promise.resolve(new Date(now)),
    });
    await worker.start();
    workers.push(worker);
    await eventually(
      () => Promise.resolve(worker.ownedPartitions.length),
      (n) => n > 0,
    );
    return worker;
  };

  const report = (incidentId: string): CommandEnvelope => ({
    commandId: randomUUID(),
    incidentId,
    issuedAt: new Date(now).toISOString(),
    actor: { id: 'staff-007', role: 'grid_staff' },
    command: {
      type: 'ReportIncident',
      data: {
        reportId: `r-${incidentId}`,
        gridCode: grid,
        category: 'dirty_road',
        urgency: 'normal',
        description: '道路不洁',
        location: { lat: 22.5, lng: 113.0 },
        occurredAt: new Date(now).toISOString(),
      },
    },
  });

  const eventsOf = async (incidentId: string): Promise<GridEvent[]> =>
    (await readTopic(infra.kafka, infra.topics.events)).filter((r) => r.key === incidentId).map((r) => JSON.parse(r.value!) as GridEvent);

  beforeEach(async () => {
    now = MONDAY_9AM;
    infra = await createTestInfra({ partitions: { commands: 2, events: 2 } });
    producer = new DurableProducer(infra.kafka);
    await producer.connect();
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await producer.disconnect();
    await infra.cleanup();
  });

  it('fires a deadline that fell due while no worker ran, once, as soon as a worker owns the partition', async () => {
    const id = randomUUID();
    const first = await newWorker();
    await producer.send(infra.topics.commands, [{ key: id, value: JSON.stringify(report(id)) }]);
    await eventually(
      () => eventsOf(id),
      (e) => e.length >= 2,
    );
    await first.stop();
    workers.splice(workers.indexOf(first), 1);

    // 道路不洁 is due in 5 working hours; sign-for in 2. The next morning both have long passed.
    now = Date.parse('2026-11-24T02:00:00.000Z');
    const second = await newWorker();
    expect(await second.fireDueTimers()).toBeGreaterThan(0);
    expect(await second.fireDueTimers()).toBe(0);

    const events = await eventually(
      () => eventsOf(id),
      (e) => e.some((x) => x.type === 'IncidentEscalated'),
    );
    const kinds = events
      .filter((e) => e.metadata.version > 2)
      .map(
        (e) =>
          `${e.type}:${'stage' in e.data ? e.data.stage : ''}:${'fraction' in e.data ? e.data.fraction : ''}${'level' in e.data ? e.data.level : ''}`,
      );
    expect(kinds).toEqual([
      'DeadlineWarned:sign_for:0.5',
      'DeadlineWarned:sign_for:0.8',
      'DeadlineMissed:sign_for:',
      'DeadlineWarned:handling:0.5',
      'DeadlineWarned:handling:0.8',
      'DeadlineMissed:handling:',
      'IncidentEscalated::1',
    ]);
    // Each version once: no event was produced twice.
    expect(new Set(events.map((e) => e.metadata.version)).size).toBe(events.length);
    const escalation = events.find((e) => e.type === 'IncidentEscalated');
    expect(escalation?.data).toMatchObject({ level: 1, area: grid.slice(0, 12), manual: false });
  });

  it('a worker that lost its partitions cannot write: its fenced batch changes nothing', async () => {
    const worker = await newWorker();
    const partition = worker.ownedPartitions[0]!;
    const zombie = new PartitionStore(infra.redis, infra.keyPrefix, partition);
    const staleEpoch = Number(await infra.redis.get(zombie.keys.epoch)) - 1;
    const before = await zombie.checkpoint();
    await expect(
      zombie.apply({ epoch: staleEpoch, fromCheckpoint: before, toCheckpoint: '999', states: new Map(), timers: new Map(), outbox: [] }),
    ).rejects.toMatchObject({ code: 'FENCED' });
    expect(await zombie.checkpoint()).toBe(before);
  });
});
