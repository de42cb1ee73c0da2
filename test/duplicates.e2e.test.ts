import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, createTestInfra, eventually, loadXinhuiAreas, startService, type RunningService, type TestInfra } from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, post } from './support/client.ts';

/**
 * Duplicates (重复上报, issue 21, ADR 0032) through the real services on a real broker and Redis: two grid staff report
 * the same overflowing bin minutes apart; the second is proposed as a duplicate and waits for a dispatcher, who merges
 * it. The department has one task, the figures count one case, and when it closes both reporters are told. An undone
 * merge gives back two cases and their figures; a merge that cannot be is refused at once (409).
 */
describe('duplicate reports merged', () => {
  const areas = loadXinhuiAreas();
  const grid = '440705001001001';
  // Inside the grid (its boundary is data, ADR 0025), the second report 11 m from the first.
  const HERE = { lat: 22.246, lng: 112.868 };
  const NEAR = { lat: 22.2461, lng: 112.868 };
  const STAFF_A = { sub: 'staff-dup-a', role: 'grid_staff' as const, areas: [grid] };
  const STAFF_B = { sub: 'staff-dup-b', role: 'grid_staff' as const, areas: [grid] };
  const DISPATCHER = { sub: 'dispatcher-dup', role: 'dispatcher' as const, areas: ['440705'] };
  const HANDLER = { sub: 'handler-dup', role: 'handler' as const, areas: ['440705'], department: 'sanitation' };
  const LEADER = { sub: 'leader-dup', role: 'leader' as const, areas: ['440705'] };

  let infra: TestInfra;
  const services: RunningService[] = [];
  let intake = '';
  let projection = '';
  let notifier = '';

  beforeAll(async () => {
    expect(areas.get(grid).level).toBe('grid');
    infra = await createTestInfra({ partitions: { commands: 2, events: 2 } });
    // The notifier's people: both reporters, each told in their inbox.
    const directory = join(tmpdir(), `${infra.id}-directory.json`);
    const person = (id: string) => ({ id, role: 'grid_staff', areas: [grid], channels: ['inbox'] });
    writeFileSync(directory, JSON.stringify({ people: [person(STAFF_A.sub), person(STAFF_B.sub)], webhooks: [] }));
    const env = { ...infra.env(), DIRECTORY_FILE: directory };
    services.push(
      ...(await Promise.all([
        startService('intake-api', env),
        startService('dispatch-worker', env),
        startService('projection', env),
        startService('notifier', env),
      ])),
    );
    const url = (s: RunningService | undefined) => s?.url ?? '';
    intake = url(services[0]);
    projection = url(services[2]);
    notifier = url(services[3]);
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await infra?.cleanup();
  });

  const report = (who: typeof STAFF_A, place: { lat: number; lng: number }, category = 'exposed_rubbish') =>
    post(`${intake}/v1/incidents`, bearer(who), {
      reportId: randomUUID(),
      gridCode: grid,
      category,
      urgency: 'normal',
      description: '垃圾桶满溢，垃圾散落路边（重复上报测试）',
      location: { ...place, address: '同德路 8 号' },
      occurredAt: new Date(Date.now() - 600_000).toISOString(),
    });
  const outcome = async (commandId: string, who: object) => {
    const answer = await call(`${intake}/v1/commands/${commandId}?waitMs=15000`, { headers: { ...who } });
    expect(answer.status).toBe(200);
    return answer.body as { status: string; events?: { type: string }[]; code?: string };
  };
  const view = async (id: string) =>
    (await call(`${intake}/v1/incidents/${id}`, { headers: bearer(DISPATCHER) })).body['incident'] as Record<string, unknown>;
  const figures = async () => {
    const answer = await call(`${projection}/v1/figures?area=${grid}&window=all&category=exposed_rubbish`, { headers: bearer(LEADER) });
    expect(answer.status).toBe(200);
    return answer.body['figures'] as Record<string, number | null>;
  };
  const departmentTasks = async () => {
    const answer = await call(`${intake}/v1/incidents?department=sanitation&queue=awaiting_sign_for`, { headers: bearer(HANDLER) });
    return (answer.body['items'] as { incidentId: string }[]).map((i) => i.incidentId);
  };
  const dispatcherNew = async () => {
    const answer = await call(`${intake}/v1/incidents?area=440705&queue=new`, { headers: bearer(DISPATCHER) });
    return answer.body['items'] as { incidentId: string; possibleDuplicateOf: string[] }[];
  };
  const merge = (id: string, into: string) => post(`${intake}/v1/incidents/${id}/merge`, bearer(DISPATCHER), { into });
  const unmerge = (id: string) => post(`${intake}/v1/incidents/${id}/unmerge`, bearer(DISPATCHER), {});

  it('proposes the second report, merges it, counts one case, tells both reporters on closure; an undone merge restores two', async () => {
    // 1. The first report: nothing open near it, routed to 环卫 at once.
    const first = await report(STAFF_A, HERE);
    expect(first.status).toBe(202);
    expect(first.body['possibleDuplicates']).toEqual([]);
    const a = first.body['incidentId'] as string;
    expect((await outcome(first.body['commandId'] as string, bearer(STAFF_A))).events?.map((e) => e.type)).toEqual([
      'IncidentReported',
      'IncidentDispatched',
    ]);

    // 2. Before sending, the second reporter's form asks: the open case is there, 11 m away.
    const asked = await eventually(
      () => call(`${intake}/v1/duplicates?category=exposed_rubbish&lat=${NEAR.lat}&lng=${NEAR.lng}`, { headers: bearer(STAFF_B) }),
      (r) => r.status === 200 && (r.body['candidates'] as unknown[]).length === 1,
    );
    expect(asked.body['candidates']).toEqual([
      expect.objectContaining({ incidentId: a, category: 'exposed_rubbish', gridCode: grid, status: 'dispatched' }),
    ]);
    // 0.0001° of latitude is 11.1 m; the GEO index keeps positions to well under a metre.
    expect((asked.body['candidates'] as { distanceMeters: number }[])[0]?.distanceMeters).toBeGreaterThanOrEqual(10);
    expect((asked.body['candidates'] as { distanceMeters: number }[])[0]?.distanceMeters).toBeLessThanOrEqual(12);
    // Another category at the same spot, or one without a duplicate rule, proposes nothing.
    const other = await call(`${intake}/v1/duplicates?category=dispute&lat=${NEAR.lat}&lng=${NEAR.lng}`, { headers: bearer(STAFF_B) });
    expect(other.body).toEqual({ candidates: [] });

    // 3. Sent anyway: proposed, not routed, waiting in 待派遣 with the proposal.
    const second = await report(STAFF_B, NEAR);
    expect(second.status).toBe(202);
    const b = second.body['incidentId'] as string;
    expect((second.body['possibleDuplicates'] as { incidentId: string }[]).map((c) => c.incidentId)).toEqual([a]);
    expect((await outcome(second.body['commandId'] as string, bearer(STAFF_B))).events?.map((e) => e.type)).toEqual(['IncidentReported']);
    await eventually(dispatcherNew, (items) => items.some((i) => i.incidentId === b));
    expect((await dispatcherNew()).find((i) => i.incidentId === b)?.possibleDuplicateOf).toEqual([a]);
    expect(await view(b)).toMatchObject({ status: 'reported', possibleDuplicateOf: [a], mergedDuplicates: [] });
    const twoCases = await eventually(figures, (f) => f['reported'] === 2);

    // 4. Merges that cannot be are refused at once: a case into itself, into another category.
    const dispute = await report(STAFF_A, { lat: 22.247, lng: 112.869 }, 'dispute');
    await outcome(dispute.body['commandId'] as string, bearer(STAFF_A));
    const c = dispute.body['incidentId'] as string;
    await eventually(
      () => view(c),
      (v) => v !== undefined,
    );
    for (const [id, into] of [
      [b, b],
      [b, c],
    ] as const) {
      const refused = await merge(id, into);
      expect(refused.status).toBe(409);
      expect(refused.body.error?.code).toBe('MERGE_REFUSED');
    }

    // 5. 合并: the second closes as a duplicate; the department has one task; the figures count one case.
    const merged = await merge(b, a);
    expect(merged.status).toBe(202);
    expect((await outcome(merged.body['commandId'] as string, bearer(DISPATCHER))).status).toBe('accepted');
    await eventually(
      () => view(a),
      (v) => (v['mergedDuplicates'] as string[]).includes(b),
    );
    expect(await view(b)).toMatchObject({ status: 'merged', mergedInto: a });
    expect(await departmentTasks()).toEqual([a]);
    expect((await dispatcherNew()).map((i) => i.incidentId)).not.toContain(b);
    const oneCase = await eventually(figures, (f) => f['reported'] === 1);
    expect(oneCase['dispatched']).toBe(1);
    // Merged already: refused.
    expect((await merge(b, a)).status).toBe(409);

    // 6. Undone: two cases again, the second back in 待派遣, the figures exactly as before the merge.
    const undone = await unmerge(b);
    expect(undone.status).toBe(202);
    expect((await outcome(undone.body['commandId'] as string, bearer(DISPATCHER))).status).toBe('accepted');
    await eventually(
      () => view(b),
      (v) => v['status'] === 'reported',
    );
    expect(await view(b)).not.toHaveProperty('mergedInto');
    await eventually(
      () => view(a),
      (v) => (v['mergedDuplicates'] as string[]).length === 0,
    );
    await eventually(dispatcherNew, (items) => items.some((i) => i.incidentId === b));
    expect(await eventually(figures, (f) => f['reported'] === 2)).toEqual(twoCases);
    // Not merged now: nothing to undo.
    expect((await unmerge(b)).status).toBe(409);

    // 7. Merged again, and the case handled and closed: both reporters are told.
    expect((await merge(b, a)).status).toBe(202);
    await eventually(
      () => view(b),
      (v) => v['status'] === 'merged',
    );
    await eventually(
      () => view(a),
      (v) => (v['mergedDuplicates'] as string[]).includes(b),
    );
    const act = async (id: string, path: string, who: Record<string, string>, body: object) => {
      const answer = await post(`${intake}/v1/incidents/${id}/${path}`, who, body);
      expect(answer.status).toBe(202);
      expect(await outcome(answer.body['commandId'] as string, who)).toMatchObject({ status: 'accepted' });
    };
    await act(a, 'accept', bearer(HANDLER), {});
    await act(a, 'resolve', bearer(HANDLER), { notes: '已清运，垃圾桶已更换' });
    await act(a, 'verify', bearer(STAFF_A), { passed: true });
    const closedFigures = await eventually(figures, (f) => f['closed'] === 1);
    expect(closedFigures['reported']).toBe(1);
    const told = async (who: typeof STAFF_A) =>
      ((await call(`${notifier}/v1/notifications`, { headers: bearer(who) })).body['items'] as { kind: string; incidentId: string }[]) ??
      [];
    for (const reporter of [STAFF_A, STAFF_B]) {
      const inbox = await eventually(
        () => told(reporter),
        (items) => items.some((i) => i.kind === 'closed'),
      );
      expect(inbox.filter((i) => i.kind === 'closed').map((i) => i.incidentId)).toEqual([a]);
    }
    // The survivor closed: the merge stands.
    const late = await unmerge(b);
    expect(late.status).toBe(409);
    expect(late.body.error?.code).toBe('MERGE_REFUSED');
  });
});
