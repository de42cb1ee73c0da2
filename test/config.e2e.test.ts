import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { clockKey } from '@gridgov/redis';
import {
  bearer,
  createTestInfra,
  eventually,
  readTopic,
  startService,
  XINHUI_AREAS_FILE,
  type RunningService,
  type TestInfra,
} from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distinctPlace } from './support/client.ts';

/**
 * Configuration as versioned data (ADR 0024), end to end: the services run as processes against the real broker and
 * Redis; an admin adds a grid, a category with its deadlines and a routing rule, and changes a category's deadline,
 * through the intake's admin API. With no restart, reports are then routed and timed by the new rules, while a case
 * decided before keeps its deadline — also in a dispatch worker started afresh on a wiped Redis.
 */
describe('an admin changes the rules live', () => {
  // Monday 30 November 2026, 10:00 in Asia/Shanghai: working time.
  const T0 = Date.parse('2026-11-30T02:00:00.000Z');
  const HOUR = 3_600_000;
  const baseTree = JSON.parse(readFileSync(XINHUI_AREAS_FILE, 'utf8')) as {
    areas: { code: string; name: string; level: string; parent: string | null }[];
  };
  const OLD_GRID = '440705001001001';
  const NEW_GRID = '440705001001099';
  const newTree = { areas: [...baseTree.areas, { code: NEW_GRID, name: '同德社区第99网格', level: 'grid', parent: '440705001001' }] };

  const ADMIN = bearer({ sub: 'admin-jiangmen', role: 'admin', areas: ['440700'] });
  const TOWN_ADMIN = bearer({ sub: 'admin-huicheng', role: 'admin', areas: ['440705001'] });
  const DISPATCHER = bearer({ sub: 'dispatcher-xinhui', role: 'dispatcher', areas: ['440705'] });
  const STAFF = bearer({ sub: 'staff-config', role: 'grid_staff', areas: [OLD_GRID, NEW_GRID] });

  let infra: TestInfra;
  let env: Record<string, string>;
  let services: RunningService[] = [];
  let intake: string;

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 2, events: 2 } });
    await infra.redis.set(clockKey(infra.keyPrefix), String(T0));
    env = {
      ...infra.env(),
      AREAS_FILE: XINHUI_AREAS_FILE,
      CLOCK_SOURCE: 'redis',
      TIMER_POLL_MS: '100',
      ADMIN_IMPORT_MAX_BYTES: String(1024 * 1024),
    };
    services = await Promise.all([startService('intake-api', env), startService('dispatch-worker', env), startService('projection', env)]);
    intake = services[0]!.url!;
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await infra?.cleanup();
  });

  const call = async (method: string, path: string, auth: Record<string, string>, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${intake}${path}`, {
      method,
      headers: { ...auth, ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, etag: res.headers.get('etag'), json: (await res.json()) as Record<string, unknown> };
  };
  const admin = (method: string, path: string, body: unknown, version: number, auth = ADMIN) =>
    call(method, path, auth, body, { 'if-match': `"${version}"` });

  /** Reports a case and waits for its view: department and deadlines as the worker decided them. */
  const report = async (gridCode: string, category: string) => {
    const res = await call('POST', '/v1/incidents', STAFF, {
      reportId: randomUUID(),
      gridCode,
      category,
      urgency: 'normal',
      description: '夜间施工噪音',
      location: { ...distinctPlace(), address: '会城同德路' },
      occurredAt: new Date(T0 - HOUR).toISOString(),
    });
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    const { incidentId, commandId } = res.json as { incidentId: string; commandId: string };
    const outcome = await call('GET', `/v1/commands/${commandId}?waitMs=15000`, STAFF);
    expect(outcome.json).toMatchObject({ status: 'accepted' });
    return { incidentId, view: await caseView(incidentId) };
  };
  const caseView = (incidentId: string) =>
    eventually(
      async () => (await call('GET', `/v1/incidents/${incidentId}`, DISPATCHER)).json as { incident?: CaseView },
      (r) => r.incident?.department !== undefined && r.incident.department !== null,
    ).then((r) => r.incident!);
  const handlingDue = (view: CaseView) => view.deadlines.find((d) => d.stage === 'handling')!;

  let caseBefore: { incidentId: string; view: CaseView };

  it('applies each change as the next version, refuses a stale or bad one, and a grid with cases stays', async () => {
    // A case decided under version 0: 暴露垃圾 is handled within one working day.
    caseBefore = await report(OLD_GRID, 'exposed_rubbish');
    expect(caseBefore.view.department).toBe('sanitation');

    const config = await call('GET', '/v1/admin/config', ADMIN);
    expect(config.status).toBe(200);
    expect(config.etag).toBe('"0"');
    expect(config.json).toMatchObject({ version: 0, areas: { count: baseTree.areas.length } });

    // Not for other roles; not outside the admin's areas.
    expect((await call('GET', '/v1/admin/config', DISPATCHER)).json).toMatchObject({ error: { code: 'FORBIDDEN_ROLE' } });
    expect((await admin('PUT', '/v1/admin/policy', (config.json as { policy: unknown }).policy, 0, TOWN_ADMIN)).json).toMatchObject({
      error: { code: 'OUT_OF_JURISDICTION' },
    });

    // The tree: previewed (nothing written), then applied.
    const preview = await call('POST', '/v1/admin/areas/preview', ADMIN, newTree);
    expect(preview.json).toMatchObject({ version: 0, summary: '1 added', diff: { added: [{ code: NEW_GRID }], removed: [] } });
    expect((await call('GET', '/v1/admin/config', ADMIN)).etag).toBe('"0"');
    const areas = await admin('PUT', '/v1/admin/areas', newTree, 0);
    expect(areas.status, JSON.stringify(areas.json)).toBe(200);
    expect(areas).toMatchObject({ etag: '"1"', json: { version: 1, summary: 'area tree imported: 1 added' } });

    // Bad input: 4xx naming the row and the field, nothing applied.
    const orphan = { areas: [...newTree.areas, { code: '440705001999001', name: '孤儿网格', level: 'grid', parent: '440705001999' }] };
    const bad = await admin('PUT', '/v1/admin/areas', orphan, 1);
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({
      error: {
        code: 'CONFIG_INVALID',
        message: `areas[${newTree.areas.length}].parent: parent 440705001999 is not in the file`,
      },
    });
    const badCategory = await admin(
      'PUT',
      '/v1/admin/categories/noise',
      { name: '噪音扰民', defaultDepartment: 'sanitation', handling: {} },
      1,
    );
    expect(badCategory.status).toBe(400);
    expect((badCategory.json as { error: { message: string } }).error.message).toMatch(/^body\.handling\.normal/);
    const tooBig = await call('PUT', '/v1/admin/areas', ADMIN, JSON.stringify({ areas: newTree.areas, pad: 'x'.repeat(1_200_000) }), {
      'if-match': '"1"',
    });
    expect(tooBig.status).toBe(413);
    expect(tooBig.json).toMatchObject({ error: { code: 'BODY_TOO_LARGE', message: `body: larger than ${1024 * 1024} bytes` } });
    // A grid with a case cannot be removed.
    const without = { areas: newTree.areas.filter((a) => a.code !== OLD_GRID) };
    const removed = await admin('PUT', '/v1/admin/areas', without, 1);
    expect(removed.status).toBe(409);
    expect(removed.json).toMatchObject({ error: { code: 'AREA_HAS_CASES', details: { areas: [{ code: OLD_GRID, cases: 1 }] } } });

    // A new category with its deadlines, a shorter deadline for an old one, a routing rule for the new grid.
    const noise = { name: '噪音扰民', defaultDepartment: 'sanitation', confidential: false, handling: hours(7, 4, 2) };
    expect(await admin('PUT', '/v1/admin/categories/noise', noise, 1)).toMatchObject({ status: 200, etag: '"2"' });
    const rubbish = {
      name: '暴露垃圾',
      defaultDepartment: 'sanitation',
      confidential: false,
      handling: { ...hours(1, 1, 1), normal: { unit: 'natural_minutes', amount: 30 } },
    };
    expect(await admin('PUT', '/v1/admin/categories/exposed_rubbish', rubbish, 2)).toMatchObject({ status: 200, etag: '"3"' });
    const rules = { rules: [{ area: NEW_GRID, category: 'noise', department: 'housing', note: '新网格的噪音归住建' }] };
    expect(await admin('PUT', '/v1/admin/routing', rules, 3)).toMatchObject({ status: 200, etag: '"4"' });

    // A second admin working from version 3 is told, not overwritten.
    const stale = await admin('PUT', '/v1/admin/routing', { rules: [] }, 3);
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({ error: { code: 'CONFIG_VERSION_CONFLICT', details: { expected: 3, current: 4 } } });
    expect((await call('PUT', '/v1/admin/routing', ADMIN, { rules: [] })).json).toMatchObject({ error: { code: 'VERSION_REQUIRED' } });

    // The audit: who, when, before and after, newest first.
    const audit = await call('GET', '/v1/admin/audit', ADMIN);
    const entries = (audit.json as { entries: AuditLine[] }).entries;
    expect(entries.map((e) => [e.version, e.kind, e.by.id])).toEqual([
      [4, 'routing', 'admin-jiangmen'],
      [3, 'catalog', 'admin-jiangmen'],
      [2, 'catalog', 'admin-jiangmen'],
      [1, 'areas', 'admin-jiangmen'],
    ]);
    expect(entries[0]).toMatchObject({ before: { rules: [] }, after: rules });
    expect(entries[3]).toMatchObject({ diff: { added: [{ code: NEW_GRID }] } });
    expect(entries[3]!.at).toBe(new Date(T0).toISOString());
  });

  it('routes and times a report in the new grid by the new rules, with no restart; the earlier case keeps its deadline', async () => {
    const noise = await report(NEW_GRID, 'noise');
    expect(noise.view.department).toBe('housing');
    expect(handlingDue(noise.view).due).toBe(new Date(T0 + 7 * HOUR).toISOString());
    const rubbish = await report(OLD_GRID, 'exposed_rubbish');
    expect(handlingDue(rubbish.view).due).toBe(new Date(T0 + 30 * 60_000).toISOString());
    expect(handlingDue(await caseView(caseBefore.incidentId)).due).toBe(handlingDue(caseBefore.view).due);

    // The projection counts it in the new grid and every area above (its tree followed the change too).
    const LEADER = bearer({ sub: 'leader-jiangmen', role: 'leader', areas: ['440700'] });
    const figures = await eventually(
      async () => {
        const res = await fetch(`${services[2]!.url!}/v1/figures?area=${NEW_GRID}&window=all`, { headers: LEADER });
        return { status: res.status, body: (await res.json()) as { figures?: { reported: number } } };
      },
      (r) => r.status === 200 && (r.body.figures?.reported ?? 0) >= 1,
    );
    expect(figures.body.figures?.reported).toBe(1);

    // The events say under which version each step was decided.
    const events = (await readTopic(infra.kafka, infra.topics.events)).map((r) => JSON.parse(r.value!) as LoggedEvent);
    const versions = (id: string) => events.filter((e) => e.metadata.incidentId === id).map((e) => [e.type, e.metadata.configVersion]);
    expect(versions(caseBefore.incidentId)).toEqual([
      ['IncidentReported', 0],
      ['IncidentDispatched', 0],
    ]);
    expect(versions(noise.incidentId)).toEqual([
      ['IncidentReported', 4],
      ['IncidentDispatched', 4],
    ]);
  });

  it('a worker started afresh on a wiped Redis decides by the configuration on grid.config, and re-times nothing', async () => {
    const worker = services.findIndex((s) => s.name === 'dispatch-worker');
    await services[worker]!.stop('SIGTERM');
    // Everything the worker kept in Redis goes: its cases' states and timers come back from grid.events.
    const keys = await infra.redis.keys(`${infra.keyPrefix}:{w*`);
    expect(keys.length).toBeGreaterThan(0);
    await infra.redis.del(...keys);
    services[worker] = await startService('dispatch-worker', env);

    const noise = await report(NEW_GRID, 'noise');
    expect(noise.view.department).toBe('housing');
    expect(handlingDue(noise.view).due).toBe(new Date(T0 + 7 * HOUR).toISOString());

    // An hour later the 30-minute case is overdue; the case of version 0 is not: its day was not cut to 30 minutes.
    const shortCase = await report(OLD_GRID, 'exposed_rubbish');
    await infra.redis.set(clockKey(infra.keyPrefix), String(T0 + HOUR));
    const overdue = await eventually(
      () => caseView(shortCase.incidentId),
      (v) => handlingDue(v).overdue,
    );
    expect(handlingDue(overdue).due).toBe(new Date(T0 + 30 * 60_000).toISOString());
    const before = await caseView(caseBefore.incidentId);
    expect(handlingDue(before)).toEqual({ ...handlingDue(caseBefore.view), overdue: false });
  });
});

interface CaseView {
  readonly department: string | null;
  readonly deadlines: { stage: string; due: string; overdue: boolean }[];
}
interface AuditLine {
  readonly version: number;
  readonly kind: string;
  readonly at: string;
  readonly by: { id: string; role: string };
}
interface LoggedEvent {
  readonly type: string;
  readonly metadata: { incidentId: string; configVersion?: number };
}

function hours(normal: number, urgent: number, veryUrgent: number) {
  return {
    normal: { unit: 'natural_hours', amount: normal },
    urgent: { unit: 'natural_hours', amount: urgent },
    very_urgent: { unit: 'natural_hours', amount: veryUrgent },
  };
}
