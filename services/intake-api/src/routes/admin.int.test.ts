import { readTopic } from '@gridgov/kafka';
import { bearer, createTestInfra, XINHUI_AREAS_FILE, type TestInfra } from '@gridgov/testing';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRID, intakeHarness, seedCase, type IntakeHarness } from '../test-harness.ts';

const ADMIN = bearer({ sub: 'admin-city', role: 'admin', areas: ['440700'] });
const TOWN_ADMIN = bearer({ sub: 'admin-huicheng', role: 'admin', areas: ['440705001'] });
const LEADER = bearer({ sub: 'leader-city', role: 'leader', areas: ['440700'] });
const tree = JSON.parse(readFileSync(XINHUI_AREAS_FILE, 'utf8')) as {
  areas: { code: string; name: string; level: string; parent: string | null }[];
};
const NEW_GRID = { code: '440705001001099', name: '同德社区第99网格', level: 'grid', parent: '440705001001' };
const DAZE_GRID = tree.areas.find((a) => a.level === 'grid' && !a.code.startsWith('440705001'));

interface Answer {
  status: number;
  etag: string | undefined;
  body: { error?: { code: string; message: string; details?: Record<string, unknown> } } & Record<string, unknown>;
}

describe('intake-api admin routes: configuration as versioned data (real Kafka and Redis)', () => {
  let infra: TestInfra;
  let intake: IntakeHarness;

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 1, events: 1 } });
    intake = await intakeHarness(infra, { admin: { importMaxBytes: 256 * 1024 } });
  });
  afterAll(async () => {
    await intake?.close();
    await infra?.cleanup();
  });

  const send = async (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    auth: Record<string, string>,
    payload?: unknown,
    version?: number,
  ): Promise<Answer> => {
    const res = await intake.app.inject({
      method,
      url,
      headers: {
        ...auth,
        ...(version === undefined ? {} : { 'if-match': `"${version}"` }),
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
    });
    return { status: res.statusCode, etag: res.headers.etag, body: res.json() };
  };
  const configRecords = async () => (await readTopic(infra.kafka, infra.topics.config)).length;

  it('is for admins only, and deployment-wide settings for an admin of the whole tree', async () => {
    expect((await send('GET', '/v1/admin/config', LEADER)).body.error).toMatchObject({ code: 'FORBIDDEN_ROLE' });
    const config = await send('GET', '/v1/admin/config', TOWN_ADMIN);
    expect(config).toMatchObject({ status: 200, etag: '"0"', body: { version: 0 } });
    const policy = config.body['policy'];
    expect((await send('PUT', '/v1/admin/policy', TOWN_ADMIN, policy, 0)).body.error).toMatchObject({ code: 'OUT_OF_JURISDICTION' });
    // A town's admin may add a grid in the town, not in another.
    const elsewhere = { areas: tree.areas.map((a) => (a.code === DAZE_GRID?.code ? { ...a, name: '改名' } : a)) };
    expect((await send('POST', '/v1/admin/areas/preview', TOWN_ADMIN, elsewhere)).body.error).toMatchObject({
      code: 'OUT_OF_JURISDICTION',
    });
    expect((await send('POST', '/v1/admin/areas/preview', TOWN_ADMIN, { areas: [...tree.areas, NEW_GRID] })).body).toMatchObject({
      summary: '1 added',
    });
    expect(await configRecords()).toBe(0);
  });

  it('answers bad input 4xx naming the row and the field, and writes nothing', async () => {
    const dup = await send('POST', '/v1/admin/areas/preview', ADMIN, { areas: [...tree.areas, tree.areas[3]] });
    expect(dup.status).toBe(400);
    expect(dup.body.error).toMatchObject({
      code: 'CONFIG_INVALID',
      message: `areas.${tree.areas.length}.code: duplicate area code ${tree.areas[3]!.code} (as row 3)`,
    });
    const level = await send('POST', '/v1/admin/areas/preview', ADMIN, { areas: [...tree.areas, { ...NEW_GRID, level: 'community' }] });
    expect(level.body.error?.message).toBe(
      `areas.${tree.areas.length}.level: ${NEW_GRID.code} (community) cannot sit under 440705001001 (community)`,
    );
    const shape = await send('POST', '/v1/admin/areas/preview', ADMIN, { areas: [{ ...NEW_GRID, code: 'x' }] });
    expect(shape.body.error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/^areas\.0\.code: /) as string });
    const category = await send(
      'PUT',
      '/v1/admin/categories/noise',
      ADMIN,
      { name: '噪音', defaultDepartment: 'nobody', handling: hours(3) },
      0,
    );
    expect(category.body.error).toMatchObject({
      code: 'CONFIG_INVALID',
      message: 'categories.11.defaultDepartment: unknown department nobody',
    });
    const negative = await send(
      'PUT',
      '/v1/admin/categories/noise',
      ADMIN,
      { name: '噪音', defaultDepartment: 'sanitation', handling: hours(-1) },
      0,
    );
    expect(negative.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: 'body.handling.normal.amount: a duration is more than 0',
    });
    const rule = await send(
      'PUT',
      '/v1/admin/routing',
      ADMIN,
      { rules: [{ area: '440705', category: 'nothing', department: 'housing' }] },
      0,
    );
    expect(rule.body.error).toMatchObject({ code: 'CONFIG_INVALID', message: 'rules.0.category: unknown category nothing' });
    const hoursBad = await send(
      'PUT',
      '/v1/admin/calendar',
      ADMIN,
      { officeHours: [{ start: '12:00', end: '08:00' }], holidays: { timezone: 'Asia/Shanghai', years: {} } },
      0,
    );
    expect(hoursBad.body.error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/^officeHours\.0: /) as string });
    const big = await send('PUT', '/v1/admin/areas', ADMIN, JSON.stringify({ areas: tree.areas, pad: 'x'.repeat(300 * 1024) }), 0);
    expect(big).toMatchObject({
      status: 413,
      body: { error: { code: 'BODY_TOO_LARGE', message: `body: larger than ${256 * 1024} bytes` } },
    });
    expect(await configRecords()).toBe(0);
  });

  it('needs the version the change is made on, and refuses a stale one', async () => {
    const category = { name: '噪音扰民', defaultDepartment: 'sanitation', handling: hours(3) };
    expect((await send('PUT', '/v1/admin/categories/noise', ADMIN, category)).status).toBe(428);
    expect(await send('PUT', '/v1/admin/categories/noise', ADMIN, category, 0)).toMatchObject({
      status: 200,
      etag: '"1"',
      body: { version: 1 },
    });
    const stale = await send('PUT', '/v1/admin/categories/noise', ADMIN, { ...category, name: '噪声' }, 0);
    expect(stale).toMatchObject({
      status: 409,
      body: { error: { code: 'CONFIG_VERSION_CONFLICT', details: { expected: 0, current: 1 } } },
    });
    expect((await send('GET', '/v1/admin/config/versions', ADMIN)).body).toMatchObject({
      version: 1,
      versions: [
        { version: 1, kind: 'catalog', by: { id: 'admin-city', role: 'admin' }, summary: 'category added: noise 噪音扰民' },
        { version: 0, kind: null },
      ],
    });
    // The catalog the reports are checked against is the new one, at once.
    const catalog = await intake.app.inject({ method: 'GET', url: '/v1/catalog', headers: LEADER });
    expect(catalog.json<{ categories: { code: string }[] }>().categories.map((c) => c.code)).toContain('noise');
    expect(await configRecords()).toBe(1);
  });

  it('refuses to remove an area that has cases', async () => {
    await seedCase(infra, { gridCode: GRID });
    const without = { areas: tree.areas.filter((a) => a.code !== GRID) };
    const preview = await send('POST', '/v1/admin/areas/preview', ADMIN, without);
    expect(preview.body).toMatchObject({ summary: '1 removed', blockedByCases: [{ code: GRID, cases: 1 }] });
    const put = await send('PUT', '/v1/admin/areas', ADMIN, without, 1);
    expect(put).toMatchObject({ status: 409, body: { error: { code: 'AREA_HAS_CASES', details: { areas: [{ code: GRID, cases: 1 }] } } } });
    expect(await configRecords()).toBe(1);
  });
});

function hours(normal: number) {
  return {
    normal: { unit: 'natural_hours', amount: normal },
    urgent: { unit: 'natural_hours', amount: 2 },
    very_urgent: { unit: 'natural_hours', amount: 1 },
  };
}
