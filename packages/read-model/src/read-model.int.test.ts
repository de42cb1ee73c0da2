import { randomUUID } from 'node:crypto';
import type { CommandOutcome } from '@gridgov/contracts';
import { createTestInfra, type TestInfra } from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidReadModelRecord } from './errors.ts';
import { readModelKeys } from './keys.ts';
import { ReadModelReader } from './reader.ts';
import { grid, reportedCase } from './test-support.ts';
import { ReadModelWriter } from './writer.ts';

describe('the read model: one writer, one reader (real Redis)', () => {
  let infra: TestInfra;
  let writer: ReadModelWriter;
  let reader: ReadModelReader;
  const told: object[] = [];

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 1, events: 1 } });
    writer = new ReadModelWriter(infra.redis, infra.keyPrefix, 60);
    reader = new ReadModelReader(infra.redis, infra.keyPrefix, { error: (context) => told.push(context) });
  });
  afterAll(async () => {
    await infra?.cleanup();
  });

  it('reads back what the writer wrote: the view, the history, the lists', async () => {
    const { incidentId, change } = reportedCase('staff-rw');
    await writer.writeCases([change]);
    // Written twice (a batch folded again): the same.
    await writer.writeCases([change]);
    expect(await reader.view(incidentId)).toEqual(change.view);
    expect(await reader.history(incidentId)).toEqual(change.history);
    const entry = { incidentId, reportedAt: change.score };
    expect(await reader.listPage({ reporterId: 'staff-rw' }, 10, true, undefined)).toEqual([entry]);
    for (const queue of change.add) expect(await reader.listPage({ area: grid, queue }, 10, false, undefined)).toEqual([entry]);
    expect(await reader.view(randomUUID())).toBeUndefined();
    expect(await reader.history(randomUUID())).toEqual([]);
  });

  it('pages a list after a cursor, ties on report time in id order', async () => {
    const cases = [reportedCase('staff-pages'), reportedCase('staff-pages'), reportedCase('staff-pages')];
    await writer.writeCases(cases.map(({ change }) => ({ ...change, score: 1_000 })));
    const ids = cases.map((c) => c.incidentId).sort();
    const list = { reporterId: 'staff-pages' };
    const first = await reader.listPage(list, 2, false, undefined);
    expect(first.map((e) => e.incidentId)).toEqual(ids);
    const rest = await reader.listPage(list, 2, false, first[1]);
    expect(rest.map((e) => e.incidentId)).toEqual([ids[2]]);
  });

  it('stores an outcome without its position, and reads it back validated', async () => {
    const outcome: CommandOutcome = {
      status: 'accepted',
      commandId: randomUUID(),
      incidentId: randomUUID(),
      decidedAt: new Date().toISOString(),
      actorId: 'staff-001',
      events: [{ type: 'IncidentReported', version: 1 }],
      position: { partition: 0, offset: '41' },
    };
    await writer.writeOutcomes([outcome]);
    const { position: _position, ...stored } = outcome;
    expect(await reader.outcome(outcome.commandId)).toEqual(stored);
    expect(await infra.redis.ttl(readModelKeys(infra.keyPrefix).outcome(outcome.commandId))).toBeGreaterThan(0);
  });

  it('refuses a damaged record: an error naming it when read alone, left out and logged in a list', async () => {
    const good = reportedCase();
    const bad = reportedCase();
    await writer.writeCases([good.change, bad.change]);
    const keys = readModelKeys(infra.keyPrefix);
    await infra.redis.set(keys.view(bad.incidentId), JSON.stringify({ ...bad.change.view, version: 'two' }));
    const err = await reader.view(bad.incidentId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidReadModelRecord);
    expect(err).toMatchObject({ id: bad.incidentId, key: keys.view(bad.incidentId) });
    expect(await reader.views([good.incidentId, bad.incidentId, randomUUID()])).toEqual([good.change.view, null, null]);
    expect(told).toEqual([expect.objectContaining({ incidentId: bad.incidentId })]);
    await infra.redis.hset(keys.history(good.incidentId), '7', 'not json');
    await expect(reader.history(good.incidentId)).rejects.toThrow(/not JSON/);
  });
});
