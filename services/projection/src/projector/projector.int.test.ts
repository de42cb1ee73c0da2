import { randomUUID } from 'node:crypto';
import type { GridEvent } from '@gridgov/contracts';
import { EventSigner, generateEventSigningKey } from '@gridgov/auth';
import { DurableProducer, partitionOf, produceRaw } from '@gridgov/kafka';
import { createTestInfra, eventually, readTopic, signedEventRecords, type TestInfra, loadXinhuiAreas } from '@gridgov/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CounterStore, FIRST_GENERATION, ProjectionKeys } from './counter-store.ts';
import { ProjectionGenerations } from './generation.ts';
import type { Projector } from './projector.ts';
import { projectorOn } from './test-support.ts';

const areas = loadXinhuiAreas();
const grid = areas.ofLevel('grid')[0]!.code;
/** The projector's clock (it stamps dead letters and restored marks). */
const NOW = new Date('2026-11-22T02:00:00Z');

function reported(incidentId: string, reportedAt: string): GridEvent {
  return {
    type: 'IncidentReported',
    data: {
      reportId: `r-${incidentId}`,
      reporterId: 'staff-001',
      gridCode: grid,
      category: 'dispute',
      urgency: 'normal',
      description: '邻里噪音纠纷',
      location: { lat: 22.5, lng: 113.0 },
      occurredAt: reportedAt,
      reportedAt,
    },
    metadata: {
      eventId: `${incidentId}:1`,
      incidentId,
      version: 1,
      occurredAt: reportedAt,
      actor: { id: 'staff-001', role: 'grid_staff' },
    },
  };
}

describe('Projector on the real broker and Redis', () => {
  let infra: TestInfra;
  let projector: Projector;
  let producer: DurableProducer;
  let store: CounterStore;

  beforeEach(async () => {
    infra = await createTestInfra({ partitions: { events: 2 } });
    const generations = new ProjectionGenerations(infra.redis, new ProjectionKeys(infra.keyPrefix, FIRST_GENERATION), infra.logger);
    store = generations.store(FIRST_GENERATION);
    producer = new DurableProducer(infra.kafka);
    await producer.connect();
    projector = projectorOn(infra, generations, { partitionsConcurrently: 2, clock: () => NOW });
    await projector.start();
  });

  afterEach(async () => {
    await projector.stop();
    await producer.disconnect();
    await infra.cleanup();
  });

  it('counts a re-sent event once, sets a malformed record aside in the DLQ with its origin, and goes on', async () => {
    const a = randomUUID();
    const b = randomUUID();
    // Signed as the worker signs: a bad producer that holds the key is what the schema check is for.
    const send = (key: string, value: string) =>
      producer.send(infra.topics.events, signedEventRecords(infra.topics.events, 2, [{ key, value }]));
    await send(a, JSON.stringify(reported(a, '2026-11-20T03:00:00.000Z')));
    await send(a, JSON.stringify(reported(a, '2026-11-20T03:00:00.000Z'))); // outbox re-send
    await send(a, '{"type":"IncidentReported","data":{}}'); // a bad producer
    await send(b, JSON.stringify(reported(b, '2026-11-20T04:00:00.000Z')));

    const read = async () => (await store.read(2, '440705', 'd2026-11-20')).get('reported') ?? 0;
    expect(await eventually(read, (n) => n >= 2)).toBe(2);

    const dlq = await eventually(
      () => readTopic(infra.kafka, infra.topics.dlq),
      (records) => records.length >= 1,
    );
    const letters = dlq.map((r) => JSON.parse(r.value!) as Record<string, unknown>);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      topic: infra.topics.events,
      key: a,
      consumer: 'projection',
      value: '{"type":"IncidentReported","data":{}}',
    });
    expect(String(letters[0]!['reason'])).toMatch(/GridEvent/);
    expect(letters[0]!['offset']).toMatch(/^\d+$/);
    expect(await read()).toBe(2);
  });

  it('counts only events the worker signed where they stand: forged ones go to the DLQ, and the genuine next version still counts', async () => {
    const a = randomUUID();
    const signed = (key: string, event: GridEvent) => signedEventRecords(infra.topics.events, 2, [{ key, value: JSON.stringify(event) }]);
    await producer.send(infra.topics.events, signed(a, reported(a, '2026-11-20T03:00:00.000Z')));
    const read = async () => (await store.read(2, '440705', 'd2026-11-20')).get('reported') ?? 0;
    expect(await eventually(read, (n) => n >= 1)).toBe(1);

    const forged = randomUUID();
    const impostor = new EventSigner(generateEventSigningKey().privateKey);
    const forgedValue = JSON.stringify(reported(forged, '2026-11-20T05:00:00.000Z'));
    const genuineRecord = signed(a, reported(a, '2026-11-20T03:00:00.000Z'))[0]!;
    const home = partitionOf(a, 2);
    await produceRaw(infra.kafka, infra.topics.events, [
      { key: forged, value: forgedValue }, // written by hand, unsigned
      { key: forged, value: forgedValue, headers: impostor.headers(infra.topics.events, partitionOf(forged, 2), forged, forgedValue) },
      { ...genuineRecord, partition: 1 - home }, // a genuine event copied to the other partition
    ]);
    const letters = await eventually(
      async () => (await readTopic(infra.kafka, infra.topics.dlq)).map((r) => JSON.parse(r.value!) as Record<string, unknown>),
      (l) => l.length >= 3,
    );
    expect(letters.map((l) => l['reason'])).toEqual(
      expect.arrayContaining([
        'the event is not signed (no gridgov-signature header)',
        expect.stringMatching(/^the event is signed with key .*, which is not an event verification key$/),
        `the event's signature does not verify for ${infra.topics.events}/${1 - home} key ${a}`,
      ]),
    );
    expect(letters.every((l) => l['consumer'] === 'projection' && l['topic'] === infra.topics.events)).toBe(true);
    expect(await read()).toBe(1);
    expect(projector.totals.applied).toBe(1);
  });
});

describe('a batch larger than one apply script may write', () => {
  it('is applied in parts, each with its checkpoint: a failure between parts leaves Redis with the fold of a prefix of the log, and the rest counts once', async () => {
    const infra = await createTestInfra({ partitions: { events: 1 } });
    const producer = new DurableProducer(infra.kafka);
    let projector: Projector | undefined;
    try {
      // 200 cases on 200 days, written before the projector starts: they come as one batch of ~30 writes a case.
      const EVENTS = 200;
      const day = (i: number) => new Date(Date.UTC(2026, 0, 1, 3) + i * 86_400_000).toISOString();
      await producer.connect();
      const records = Array.from({ length: EVENTS }, (_, i) => {
        const id = randomUUID();
        return { key: id, value: JSON.stringify(reported(id, day(i))) };
      });
      await producer.send(infra.topics.events, signedEventRecords(infra.topics.events, 1, records));

      const generations = new ProjectionGenerations(infra.redis, new ProjectionKeys(infra.keyPrefix, FIRST_GENERATION), infra.logger);
      const store = generations.store(FIRST_GENERATION);
      const reportedAll = async () => (await store.read(1, '440705', 'all')).get('reported') ?? 0;
      const apply = store.apply.bind(store);
      const parts: { from: string; to: string; writes: number }[] = [];
      let atFailure: { checkpoint: string; reported: number } | undefined;
      vi.spyOn(store, 'apply').mockImplementation(async (partition, from, to, incidents, deltas) => {
        parts.push({ from, to, writes: incidents.size + deltas.size });
        if (parts.length === 3 && !atFailure) {
          atFailure = { checkpoint: await store.checkpoint(0), reported: await reportedAll() };
          throw new Error('Redis went away between two parts');
        }
        return apply(partition, from, to, incidents, deltas);
      });
      const LIMIT = 400;
      projector = projectorOn(infra, generations, { partitionsConcurrently: 1, applyWrites: LIMIT, clock: () => NOW });
      await projector.start();
      expect(await eventually(reportedAll, (n) => n >= EVENTS, 60_000)).toBe(EVENTS);

      // Two parts were applied before the failure: Redis held their cases, up to the second part's last offset.
      expect(atFailure).toEqual({ checkpoint: parts[1]!.to, reported: Number(parts[1]!.to) + 1 });
      // Every part wrote at most the bound; each began where the one before ended, the failed one again after it.
      expect(Math.max(...parts.map((p) => p.writes))).toBeLessThanOrEqual(LIMIT);
      const applied = parts.filter((_, i) => i !== 2);
      expect(applied.length).toBeGreaterThanOrEqual(4);
      applied.forEach((p, i) => expect(p.from).toBe(i === 0 ? '' : applied[i - 1]!.to));
      expect(applied.at(-1)!.to).toBe(String(EVENTS - 1));
      expect(await store.checkpoint(0)).toBe(String(EVENTS - 1));
      expect(projector.totals.applied).toBe(EVENTS);
      // Each case once in every window, the days too.
      expect((await store.read(1, grid, 'd2026-01-01')).get('reported')).toBe(1);
      expect((await store.read(1, '440705', 'm2026-03')).get('reported')).toBe(31);
    } finally {
      await projector?.stop();
      await producer.disconnect();
      await infra.cleanup();
    }
  });
});
