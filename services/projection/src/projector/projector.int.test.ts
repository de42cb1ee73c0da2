import { randomUUID } from 'node:crypto';
import type { GridEvent } from '@gridgov/contracts';
import { EventSigner, generateEventSigningKey } from '@gridgov/auth';
import { DurableProducer, partitionOf, produceRaw } from '@gridgov/kafka';
import {
  createTestInfra,
  eventually,
  readTopic,
  signedEventRecords,
  testEventVerifier,
  type TestInfra,
  loadXinhuiAreas,
} from '@gridgov/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CounterStore, FIRST_GENERATION, ProjectionKeys } from './counter-store.ts';
import { ProjectionGenerations } from './generation.ts';
import { Projector } from './projector.ts';

const areas = loadXinhuiAreas();
const grid = areas.ofLevel('grid')[0]!.code;

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
    projector = new Projector({
      kafka: infra.kafka,
      generations,
      areas,
      topics: infra.topics,
      groupId: `${infra.topicPrefix}projection`,
      logger: infra.logger,
      partitionsConcurrently: 2,
      clock: () => new Date('2026-11-22T02:00:00Z'),
      eventVerifier: testEventVerifier,
    });
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
