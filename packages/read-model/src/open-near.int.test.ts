import { randomUUID } from 'node:crypto';
import { stampEvents, type Actor, type Command, type GridEvent } from '@gridgov/contracts';
import { decide, evolve, type Incident, type IncidentState } from '@gridgov/domain';
import { createTestInfra, type TestInfra } from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCasesNear, openNearKeys } from './open-near.ts';
import { context, grid } from './test-support.ts';
import { caseChange, ReadModelWriter } from './writer.ts';

const HERE = { lat: 22.5, lng: 113 };
const DISPATCHER: Actor = { id: 'dispatcher-1', role: 'dispatcher', areas: ['440705'] };
const HOUR = 3_600_000;

/** One case's life through the real decider: its events and state after each command, as the fold sees them. */
function life(category: string, place: { lat: number; lng: number }, at: number) {
  const incidentId = randomUUID();
  let state: IncidentState = null;
  const events: GridEvent[] = [];
  const steps: { before: IncidentState; after: Incident; events: GridEvent[] }[] = [];
  const give = (command: Command, when: number, actor: Actor = DISPATCHER) => {
    const envelope = { commandId: randomUUID(), incidentId, issuedAt: new Date(when).toISOString(), actor, command };
    const decision = decide(envelope, state, context, new Date(when));
    if (decision.kind !== 'accepted') throw new Error(`${command.type}: ${decision.rejection.code}`);
    const before = state;
    const stamped = stampEvents(decision.events, { incidentId, version: events.length });
    for (const e of stamped) state = evolve(state, e);
    events.push(...stamped);
    steps.push({ before, after: state!, events: stamped });
  };
  give(
    {
      type: 'ReportIncident',
      data: {
        reportId: `r-${incidentId}`,
        gridCode: grid,
        category,
        urgency: 'normal',
        description: '垃圾桶满溢，垃圾散落一地，影响通行，请尽快清运处理（测试用描述，超过八十个字符时只留前八十个字符）'.repeat(2),
        location: place,
        occurredAt: new Date(at).toISOString(),
      },
    },
    at,
    { id: 'staff-near', role: 'grid_staff', areas: [grid] },
  );
  return { incidentId, steps, events, give };
}

describe('the index of open cases near a place (real Redis)', () => {
  let infra: TestInfra;
  let writer: ReadModelWriter;
  const keys = () => openNearKeys(infra.keyPrefix);
  const near = (category = 'exposed_rubbish', since = Date.now() - 72 * HOUR) =>
    openCasesNear(infra.redis, keys(), { category, ...HERE, radiusMeters: 50, since });

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 1, events: 1 } });
    writer = new ReadModelWriter(infra.redis, infra.keyPrefix, 60);
  });
  afterAll(async () => {
    await infra?.cleanup();
  });

  it('holds an open case from its report, drops it when merged, holds it again when the merge is undone', async () => {
    const now = Date.now();
    const c = life('exposed_rubbish', { lat: 22.5003, lng: 113 }, now - HOUR);
    const write = (from: number) =>
      writer.writeCases(c.steps.slice(from).map((s) => caseChange(c.incidentId, s.before, s.after, s.events, context.areas)));
    await write(0);
    const found = await near();
    expect(found.map(({ summary: _s, ...n }) => n)).toEqual([{ incidentId: c.incidentId, distanceMeters: 33, reportedAt: now - HOUR }]);
    expect([...found[0]!.summary!]).toHaveLength(80);
    // Another category at the same place, and a window that ended before the report, find nothing.
    expect(await near('dirty_road')).toEqual([]);
    expect(await near('exposed_rubbish', now)).toEqual([]);

    c.give({ type: 'MergeIncident', data: { into: randomUUID() } }, now);
    await write(1);
    expect(await near()).toEqual([]);
    c.give({ type: 'UnmergeIncident', data: {} }, now + 1);
    await write(2);
    expect((await near()).map((n) => n.incidentId)).toEqual([c.incidentId]);
  });

  it('is rebuilt from the events alone: a fold of the whole log into an empty Redis gives the same index', async () => {
    const now = Date.now();
    const open = life('manhole_cover', { lat: 22.5001, lng: 113 }, now - HOUR);
    const closed = life('manhole_cover', { lat: 22.5002, lng: 113 }, now - HOUR);
    closed.give({ type: 'MergeIncident', data: { into: open.incidentId } }, now);
    for (const c of [open, closed])
      await writer.writeCases(c.steps.map((s) => caseChange(c.incidentId, s.before, s.after, s.events, context.areas)));
    const before = await openCasesNear(infra.redis, keys(), { category: 'manhole_cover', ...HERE, radiusMeters: 30, since: 0 });
    expect(before.map((n) => n.incidentId)).toEqual([open.incidentId]);
    // Redis lost it all; the read side folds each case's events again, from nothing.
    for (const k of [keys().places('manhole_cover'), keys().times('manhole_cover'), keys().summaries]) await infra.redis.del(k);
    for (const c of [open, closed]) {
      let state: IncidentState = null;
      for (const e of c.events) state = evolve(state, e);
      await writer.writeCases([caseChange(c.incidentId, null, state!, c.events, context.areas)]);
    }
    expect(await openCasesNear(infra.redis, keys(), { category: 'manhole_cover', ...HERE, radiusMeters: 30, since: 0 })).toEqual(before);
  });
});
