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

  it('reads an area tree file as CSV, JSON or GeoJSON; a bad one is answered 400 naming its row and column, nothing applied', async () => {
    const upload = async (method: 'POST' | 'PUT', url: string, type: string, body: string, version?: number) => {
      const res = await intake.app.inject({
        method,
        url,
        headers: { ...ADMIN, 'content-type': type, ...(version === undefined ? {} : { 'if-match': `"${version}"` }) },
        payload: body,
      });
      return { status: res.statusCode, body: res.json<Answer['body']>() };
    };
    const csvOf = (rows: readonly { code: string; name: string; level: string; parent: string | null }[], extra = '') =>
      ['code,name,level,parent,boundary', ...rows.map((a) => `${a.code},${a.name},${a.level},${a.parent ?? ''},`)].join('\n') + extra;
    const plain = tree.areas.map(({ code, name, level, parent }) => ({ code, name, level, parent }));
    // The tree in force, without boundaries: as CSV, every boundary changed; a new grid with a WKT boundary added.
    const csv = await upload(
      'POST',
      '/v1/admin/areas/preview',
      'text/csv',
      csvOf(plain) +
        `\n${NEW_GRID.code},${NEW_GRID.name},grid,${NEW_GRID.parent},"POLYGON ((112 21, 112.01 21, 112.01 21.01, 112 21.01, 112 21))"`,
    );
    expect(csv.status).toBe(200);
    expect(csv.body).toMatchObject({ areas: tree.areas.length + 1, diff: { added: [{ code: NEW_GRID.code }] } });
    const geojson = {
      type: 'FeatureCollection',
      // Boundaries left out (null) to stay under this test's 256 KiB limit.
      features: [...plain, NEW_GRID].map((properties): { type: string; properties: object; geometry: unknown } => ({
        type: 'Feature',
        properties,
        geometry: null,
      })),
    };
    for (const type of ['application/geo+json', 'application/json']) {
      const answer = await upload('POST', '/v1/admin/areas/preview', type, JSON.stringify(geojson));
      expect(answer.body).toMatchObject({ areas: tree.areas.length + 1, diff: { added: [{ code: NEW_GRID.code }] } });
    }

    // Overlapping codes: the second row names the first.
    const dup = await upload('POST', '/v1/admin/areas/preview', 'text/csv', csvOf([...plain, plain[3]!]));
    expect(dup).toMatchObject({ status: 400, body: { error: { code: 'CONFIG_INVALID' } } });
    expect(dup.body.error?.details?.['problems']).toEqual([
      {
        row: plain.length + 2,
        column: 'code',
        where: `line ${plain.length + 2}, column code`,
        message: `${plain[3]!.code} is listed twice (also at line 5, column code)`,
      },
    ]);
    expect(dup.body.error?.message).toBe(
      `line ${plain.length + 2}, column code: ${plain[3]!.code} is listed twice (also at line 5, column code)`,
    );
    // A missing parent.
    const orphan = { ...NEW_GRID, code: '440705001098001', parent: '440705001098' };
    const missing = await upload('POST', '/v1/admin/areas/preview', 'application/json', JSON.stringify({ areas: [...tree.areas, orphan] }));
    expect(missing).toMatchObject({ status: 400, body: { error: { code: 'CONFIG_INVALID' } } });
    expect(missing.body.error?.details?.['problems']).toEqual([
      expect.objectContaining({ row: tree.areas.length + 1, column: 'parent', message: 'parent 440705001098 is not in the file' }),
    ]);
    // A self-intersecting polygon (a bow tie), as a GeoJSON feature.
    const bowtie = {
      type: 'Polygon',
      coordinates: [
        [
          [112, 21],
          [112.01, 21.01],
          [112.01, 21],
          [112, 21.01],
          [112, 21],
        ],
      ],
    };
    geojson.features.at(-1)!.geometry = bowtie;
    const crossed = await upload('PUT', '/v1/admin/areas', 'application/geo+json', JSON.stringify(geojson), 0);
    expect(crossed).toMatchObject({ status: 400, body: { error: { code: 'CONFIG_INVALID' } } });
    expect(crossed.body.error?.details?.['problems']).toEqual([
      expect.objectContaining({
        row: tree.areas.length + 1,
        column: 'geometry',
        message: expect.stringMatching(/crosses itself/) as string,
      }),
    ]);
    // Neither a known content type nor ?format=.
    expect((await upload('POST', '/v1/admin/areas/preview', 'text/plain', csvOf(plain))).status).toBe(415);
    expect((await upload('POST', '/v1/admin/areas/preview?format=csv', 'text/plain', csvOf(plain))).status).toBe(200);
    expect(await configRecords()).toBe(0);
    expect((await send('GET', '/v1/admin/config', ADMIN)).body['version']).toBe(0);
  });

  it('answers a 50 MB area file 413 under the default limit, nothing applied', async () => {
    const big = await intakeHarness(infra, { admin: {} });
    try {
      // 50 MB of rows (名 is three bytes in UTF-8).
      const rows = ['code,name,level,parent'];
      for (let n = 0, bytes = 0; bytes <= 50 * 1024 * 1024; n++, bytes += 12_000 + 22) {
        rows.push(`${String(n).padStart(15, '9')},${'名'.repeat(4000)},grid,`);
      }
      const res = await big.app.inject({
        method: 'PUT',
        url: '/v1/admin/areas',
        headers: { ...ADMIN, 'content-type': 'text/csv', 'if-match': '"0"' },
        payload: rows.join('\n'),
      });
      expect(res.statusCode).toBe(413);
      expect(res.json()).toMatchObject({ error: { code: 'BODY_TOO_LARGE', message: `body: larger than ${50 * 1024 * 1024} bytes` } });
    } finally {
      await big.close();
    }
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

  it('applies a tree with a new grid: the grid is then found from a position inside it, without a restart', async () => {
    const before = await intake.app.inject({ method: 'GET', url: '/v1/grids/locate?lat=21.005&lng=112.005', headers: ADMIN });
    expect(before.statusCode).toBe(404);
    const square = {
      type: 'Polygon',
      coordinates: [
        [
          [112, 21],
          [112.01, 21],
          [112.01, 21.01],
          [112, 21.01],
          [112, 21],
        ],
      ],
    };
    const version = (await send('GET', '/v1/admin/config', ADMIN)).body['version'] as number;
    const put = await send('PUT', '/v1/admin/areas', ADMIN, { areas: [...tree.areas, { ...NEW_GRID, boundary: square }] }, version);
    expect(put).toMatchObject({ status: 200, body: { version: version + 1, summary: 'area tree imported: 1 added' } });
    const after = await intake.app.inject({ method: 'GET', url: '/v1/grids/locate?lat=21.005&lng=112.005', headers: ADMIN });
    expect(after.json()).toMatchObject({ code: NEW_GRID.code, name: NEW_GRID.name });
    // Back to the tree as it was, for the tests after this one.
    const back = await send('PUT', '/v1/admin/areas', ADMIN, tree, version + 1);
    expect(back.status).toBe(200);
    expect((await intake.app.inject({ method: 'GET', url: '/v1/grids/locate?lat=21.005&lng=112.005', headers: ADMIN })).statusCode).toBe(
      404,
    );
  });
});

function hours(normal: number) {
  return {
    normal: { unit: 'natural_hours', amount: normal },
    urgent: { unit: 'natural_hours', amount: 2 },
    very_urgent: { unit: 'natural_hours', amount: 1 },
  };
}
