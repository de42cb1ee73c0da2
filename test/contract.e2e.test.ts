import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestInfra,
  loadXinhuiAreas,
  startService,
  testToken,
  XINHUI_AREAS_FILE,
  type RunningService,
  type TestInfra,
  type TestTokenClaims,
} from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportBody } from './support/client.ts';
import { ContractClient, openApiProblems } from './support/contract.ts';

/**
 * One set of schemas (issue 18 §2, ADR 0027): intake-api, the projection and the notifier run as they do in
 * production, each route is called for real (a report with its photo through to the handler's inbox, every command,
 * every list and figure), and every answer is judged by the OpenAPI document the service publishes. The documents
 * validate as OpenAPI 3.1, every documented operation is called, and each service serves its /docs page.
 */
const GRID = '440705001001001';
const DISTRICT = '440705';
const STAFF: TestTokenClaims = { sub: 'staff-001', role: 'grid_staff', areas: [GRID] };
const DISPATCHER: TestTokenClaims = { sub: 'dispatcher-01', role: 'dispatcher', areas: [DISTRICT] };
const HANDLER: TestTokenClaims = { sub: 'handler-sanitation-01', role: 'handler', department: 'sanitation', areas: [DISTRICT] };
const LEADER: TestTokenClaims = { sub: 'leader-district', role: 'leader', areas: [DISTRICT] };
const ADMIN: TestTokenClaims = { sub: 'admin-01', role: 'admin', areas: [DISTRICT] };
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const as = (claims: TestTokenClaims) => ({ authorization: `Bearer ${testToken(claims)}` });
const JPEG = readFileSync(new URL('../services/intake-api/src/photos/fixtures/python.jpg', import.meta.url));
/** The key of the Open311 client app the intake knows (by its SHA-256, in OPEN311_CLIENTS_FILE). */
const OPEN311_KEY = `o311-${randomBytes(16).toString('hex')}`;

/** What a route answers once the pipeline has caught up: asked again until `done` says so (bounded). */
async function until<T>(ask: () => Promise<T>, done: (answer: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const answer = await ask();
    if (done(answer)) return answer;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within 30 s`);
}

describe('every answer of the three APIs is what their OpenAPI documents say', () => {
  let infra: TestInfra | undefined;
  const services: RunningService[] = [];
  let intake: ContractClient;
  let projection: ContractClient;
  let notifier: ContractClient;
  let dir: string | undefined;

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 1, events: 1 } });
    dir = mkdtempSync(join(tmpdir(), 'contract-'));
    const clientsFile = join(dir, 'open311-clients.json');
    const keySha256 = createHash('sha256').update(OPEN311_KEY).digest('hex');
    writeFileSync(clientsFile, JSON.stringify({ clients: [{ id: 'contract-app', name: 'Contract', keySha256, requestsPerMinute: 100 }] }));
    const env = { ...infra.env(), AREAS_FILE: XINHUI_AREAS_FILE, OPEN311_CLIENTS_FILE: clientsFile };
    services.push(
      ...(await Promise.all((['intake-api', 'dispatch-worker', 'projection', 'notifier'] as const).map((name) => startService(name, env)))),
    );
    const [i, , p, n] = services;
    [intake, projection, notifier] = await Promise.all([
      ContractClient.of('intake-api', i!.url!),
      ContractClient.of('projection', p!.url!),
      ContractClient.of('notifier', n!.url!),
    ]);
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await infra?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('publishes documents that are valid OpenAPI 3.1, and a /docs page, on each service', async () => {
    for (const client of [intake, projection, notifier]) {
      expect(client.document['openapi']).toBe('3.1.0');
      expect(await openApiProblems(client.document), client.service).toEqual([]);
      const page = await fetch(`${client.baseUrl}/docs`);
      expect(page.status, client.service).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain('swagger-ui');
    }
  });

  // p2: the admin routes (configuration as versioned data, ADR 0024) and the geo routes (ADR 0025), each called here;
  // the coverage check of the next test counts them.
  it('answers the admin and geo routes as documented', async () => {
    const ROOT_ADMIN: TestTokenClaims = { sub: 'admin-root', role: 'admin', areas: ['440700'] };
    const admin = as(ROOT_ADMIN);
    const areas = loadXinhuiAreas();
    const ring = (areas.get(GRID).boundary as { coordinates: number[][][] }).coordinates[0]!.slice(0, -1);
    const [lng, lat] = [0, 1].map((i) => ring.reduce((sum, p) => sum + p[i]!, 0) / ring.length);
    const located = await intake.call('GET', `/v1/grids/locate?lat=${lat}&lng=${lng}`, { headers: as(STAFF) });
    expect(located.json).toMatchObject({ code: GRID });
    expect((await intake.call('GET', '/v1/grids/locate?lat=0&lng=0', { headers: as(STAFF) })).status).toBe(404);
    expect((await intake.call('GET', '/v1/grids/locate?lat=95&lng=0', { headers: as(STAFF) })).status).toBe(400);
    const towns = await intake.call('GET', `/v1/areas/${DISTRICT}/boundaries`, { headers: as(LEADER) });
    expect(towns).toMatchObject({ status: 200, contentType: 'application/geo+json' });
    expect((await intake.call('GET', `/v1/areas/${DISTRICT}/boundaries?level=city`, { headers: as(LEADER) })).status).toBe(400);
    expect((await intake.call('GET', '/v1/areas/999999/boundaries', { headers: as(LEADER) })).status).toBe(404);

    const config = await intake.call('GET', '/v1/admin/config', { headers: admin });
    expect(config.status).toBe(200);
    const doc = config.json as { version: number; catalog: unknown; routing: unknown; calendar: unknown; policy: unknown };
    const tree = (await intake.call('GET', '/v1/admin/config/areas', { headers: admin })).json;
    expect((await intake.call('GET', '/v1/admin/config/versions', { headers: admin })).status).toBe(200);
    expect((await intake.call('GET', '/v1/admin/audit?limit=0', { headers: admin })).status).toBe(400);
    expect((await intake.call('POST', '/v1/admin/areas/preview', { headers: admin, body: tree })).json).toMatchObject({
      summary: 'no change',
    });
    expect((await intake.call('POST', '/v1/admin/areas/preview', { headers: admin, body: { areas: [] } })).status).toBe(400);
    const plain = { ...admin, 'content-type': 'text/plain' };
    expect((await intake.call('POST', '/v1/admin/areas/preview', { headers: plain, body: 'code' })).status).toBe(415);
    let version = doc.version;
    const change = async (method: string, path: string, body?: unknown) => {
      const answer = await intake.call(method, path, {
        headers: { ...admin, 'if-match': `"${version}"` },
        ...(body === undefined ? {} : { body }),
      });
      expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(200);
      version += 1;
    };
    await change('PUT', '/v1/admin/areas', tree);
    const hours = (amount: number) => ({ unit: 'natural_hours', amount });
    await change('PUT', '/v1/admin/departments/noise_office', { name: '噪声办' });
    await change('PUT', '/v1/admin/categories/noise', {
      name: '噪音扰民',
      defaultDepartment: 'noise_office',
      handling: { normal: hours(7), urgent: hours(4), very_urgent: hours(2) },
    });
    await change('DELETE', '/v1/admin/categories/noise');
    await change('DELETE', '/v1/admin/departments/noise_office');
    await change('PUT', '/v1/admin/routing', doc.routing);
    await change('PUT', '/v1/admin/calendar', doc.calendar);
    await change('PUT', '/v1/admin/policy', doc.policy);
    expect((await intake.call('PUT', '/v1/admin/policy', { headers: admin, body: doc.policy })).status).toBe(428);
    const stale = await intake.call('PUT', '/v1/admin/routing', { headers: { ...admin, 'if-match': '"0"' }, body: doc.routing });
    expect(stale.status).toBe(409);
    const audit = await intake.call('GET', '/v1/admin/audit', { headers: admin });
    expect((audit.json as { entries: unknown[] }).entries).toHaveLength(version - doc.version);
    expect(intake.problems).toEqual([]);
  });

  it('answers every documented route as documented, from a report through to the inbox', async () => {
    // The probes and the documents.
    for (const client of [intake, projection, notifier]) {
      for (const path of ['/healthz', '/readyz', '/openapi.json']) expect((await client.call('GET', path)).status).toBe(200);
    }

    // The directory of the intake.
    expect((await intake.call('GET', '/v1/me', { headers: as(STAFF) })).status).toBe(200);
    expect((await intake.call('GET', '/v1/catalog', { headers: as(STAFF) })).status).toBe(200);
    expect((await intake.call('GET', `/v1/areas/${DISTRICT}`, { headers: as(STAFF) })).status).toBe(200);
    expect((await intake.call('GET', '/v1/me')).status).toBe(401);
    expect((await intake.call('GET', '/v1/areas/123')).status).toBe(401);
    expect((await intake.call('GET', '/v1/areas/123', { headers: as(STAFF) })).status).toBe(400);
    expect((await intake.call('GET', '/v1/areas/999999', { headers: as(STAFF) })).status).toBe(404);

    // A report with a photo, and its outcome.
    const uploaded = await intake.call('POST', '/v1/photos', { headers: { ...as(STAFF), 'content-type': 'image/jpeg' }, body: JPEG });
    expect(uploaded.status).toBe(201);
    const { photo } = uploaded.json as { photo: { key: string; sha256: string } };
    const report = { ...reportBody(`contract-${randomUUID()}`, GRID), photos: [{ key: photo.key, sha256: photo.sha256 }] };
    const reported = await intake.call('POST', '/v1/incidents', { headers: as(STAFF), body: report });
    expect(reported.status).toBe(202);
    const { commandId, incidentId } = reported.json as { commandId: string; incidentId: string };
    expect((await intake.call('POST', '/v1/incidents', { headers: as(STAFF), body: { ...report, gridCode: 'x' } })).status).toBe(400);
    const outcome = await until(
      () => intake.call('GET', `/v1/commands/${commandId}?waitMs=2000`, { headers: as(STAFF) }),
      (a) => a.status === 200,
      'the outcome of the report',
    );
    expect(outcome.json).toMatchObject({ status: 'accepted' });
    expect((await intake.call('GET', `/v1/commands/${randomUUID()}`, { headers: as(STAFF) })).status).toBe(202);

    // The case, its photo, its audit trail, the lists and their counts.
    const detail = await until(
      () => intake.call('GET', `/v1/incidents/${incidentId}`, { headers: as(DISPATCHER) }),
      (a) => a.status === 200 && (a.json as { incident: { status: string } }).incident.status === 'dispatched',
      'the case, dispatched by its route',
    );
    expect(detail.json).toMatchObject({ incident: { department: 'sanitation' }, photos: [{ key: photo.key }] });
    const image = await intake.call('GET', `/v1/incidents/${incidentId}/photos/${photo.key}`, { headers: as(DISPATCHER) });
    expect([image.status, image.contentType]).toEqual([200, 'image/jpeg']);
    expect((await intake.call('GET', `/v1/incidents/${randomUUID()}`, { headers: as(DISPATCHER) })).status).toBe(404);
    expect((await intake.call('GET', `/v1/incidents/${incidentId}/audit`, { headers: as(DISPATCHER) })).status).toBe(200);
    const lists = [
      [DISPATCHER, `/v1/incidents?area=${DISTRICT}&queue=new`],
      [DISPATCHER, `/v1/incidents?area=${DISTRICT}&queue=overdue&sort=deadline&limit=5`],
      [STAFF, '/v1/incidents?mine=true'],
      [HANDLER, '/v1/incidents?department=sanitation&queue=awaiting_sign_for'],
      [DISPATCHER, `/v1/incidents/counts?area=${DISTRICT}`],
      [HANDLER, `/v1/incidents/counts?area=${DISTRICT}&department=sanitation`],
    ] as const;
    for (const [who, path] of lists) expect((await intake.call('GET', path, { headers: as(who) })).status, path).toBe(200);
    const awaiting = await intake.call('GET', '/v1/incidents?department=sanitation&queue=awaiting_sign_for', { headers: as(HANDLER) });
    expect((awaiting.json as { items: { incidentId: string }[] }).items.map((i) => i.incidentId)).toContain(incidentId);
    expect((await intake.call('GET', '/v1/incidents?queue=nope', { headers: as(DISPATCHER) })).status).toBe(400);

    // Duplicates (ADR 0032): the same problem reported again at its place is proposed, merged, and the merge undone.
    const place = report.location;
    const near = await intake.call('GET', `/v1/duplicates?category=exposed_rubbish&lat=${place.lat}&lng=${place.lng}`, {
      headers: as(STAFF),
    });
    expect(near.status).toBe(200);
    expect((await intake.call('GET', '/v1/duplicates?category=exposed_rubbish&lat=x', { headers: as(STAFF) })).status).toBe(400);
    const again = await intake.call('POST', '/v1/incidents', {
      headers: as(STAFF),
      body: { ...reportBody(`contract-${randomUUID()}`, GRID), location: place },
    });
    expect(again.status).toBe(202);
    expect((again.json as { possibleDuplicates: { incidentId: string }[] }).possibleDuplicates.map((c) => c.incidentId)).toEqual([
      incidentId,
    ]);
    const duplicate = (again.json as { incidentId: string }).incidentId;
    await until(
      () => intake.call('GET', `/v1/incidents/${duplicate}`, { headers: as(DISPATCHER) }),
      (a) => a.status === 200,
      'the duplicate case',
    );
    const toItself = await intake.call('POST', `/v1/incidents/${duplicate}/merge`, { headers: as(DISPATCHER), body: { into: duplicate } });
    expect(toItself.status).toBe(409);
    expect((await intake.call('POST', `/v1/incidents/${duplicate}/merge`, { headers: as(DISPATCHER), body: {} })).status).toBe(400);
    const merged = await intake.call('POST', `/v1/incidents/${duplicate}/merge`, { headers: as(DISPATCHER), body: { into: incidentId } });
    expect(merged.status).toBe(202);
    await until(
      () => intake.call('GET', `/v1/incidents/${duplicate}`, { headers: as(DISPATCHER) }),
      (a) => (a.json as { incident: { status: string } }).incident.status === 'merged',
      'the duplicate, merged',
    );
    expect((await intake.call('POST', `/v1/incidents/${duplicate}/unmerge`, { headers: as(DISPATCHER), body: {} })).status).toBe(202);

    // Every command on a case, by the role that gives it: each taken for decision (202) or refused as documented.
    const reason = { reason: '合同测试' };
    const commands: [string, TestTokenClaims, unknown][] = [
      ['accept', HANDLER, {}],
      ['extension-requests', HANDLER, { unit: 'working_days', amount: 1, ...reason }],
      ['extension-requests/approve', DISPATCHER, {}],
      ['extension-requests/deny', DISPATCHER, reason],
      ['suspend', DISPATCHER, reason],
      ['resume', DISPATCHER, {}],
      ['escalate', DISPATCHER, reason],
      ['reassign', DISPATCHER, { department: 'sanitation', ...reason }],
      ['dispatch', DISPATCHER, { department: 'sanitation' }],
      ['return', HANDLER, reason],
      ['reject', DISPATCHER, reason],
      ['resolve', HANDLER, { notes: '已清理' }],
      ['verify', STAFF, { passed: true }],
      ['erase', ADMIN, reason],
    ];
    for (const [action, who, body] of commands) {
      const answer = await intake.call('POST', `/v1/incidents/${incidentId}/${action}`, {
        headers: { ...as(who), 'idempotency-key': `contract-${action}` },
        body,
      });
      expect([202, 403], `${action}: ${answer.text}`).toContain(answer.status);
    }
    expect((await intake.call('POST', `/v1/incidents/${incidentId}/reject`, { headers: as(DISPATCHER), body: {} })).status).toBe(400);
    expect((await intake.call('POST', `/v1/incidents/${incidentId}/reject`, { headers: as(STAFF), body: reason })).status).toBe(403);

    // The projection: figures, rankings, trends, a bulletin and the live figures.
    const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
    await until(
      () => projection.call('GET', `/v1/figures?area=${DISTRICT}`, { headers: as(LEADER) }),
      (a) => a.status === 200 && (a.json as { figures: { reported: number } }).figures.reported >= 1,
      'the report in the figures',
    );
    const reads = [
      `/v1/figures?area=${DISTRICT}&window=month&category=exposed_rubbish`,
      `/v1/figures?area=${DISTRICT}&from=${day(60)}&to=${day(1)}`,
      `/v1/rankings?area=${DISTRICT}&bottom=1`,
      `/v1/trends?area=${DISTRICT}&figure=closureRate&from=${day(30)}&to=${day(1)}`,
    ];
    for (const path of reads) expect((await projection.call('GET', path, { headers: as(LEADER) })).status, path).toBe(200);
    expect((await projection.call('GET', '/v1/figures?area=nope', { headers: as(LEADER) })).status).toBe(400);
    expect((await projection.call('GET', '/v1/figures?area=999999', { headers: as(LEADER) })).status).toBe(404);
    const frozen = await projection.call('POST', '/v1/bulletins/2025-01', { headers: as(LEADER), body: { area: DISTRICT } });
    expect(frozen.status).toBe(201);
    expect((await projection.call('POST', '/v1/bulletins/2025-01', { headers: as(LEADER), body: { area: DISTRICT } })).status).toBe(200);
    expect((await projection.call('POST', '/v1/bulletins/2999-01', { headers: as(LEADER), body: { area: DISTRICT } })).status).toBe(409);
    expect((await projection.call('GET', `/v1/bulletins/2025-01?area=${DISTRICT}`, { headers: as(LEADER) })).status).toBe(200);
    expect((await projection.call('GET', `/v1/bulletins/2025-02?area=${DISTRICT}`, { headers: as(LEADER) })).status).toBe(404);
    expect(await projection.firstEvent(`/v1/streams/figures?area=${DISTRICT}`, as(LEADER), 'figures', 'FiguresAnswer')).toMatchObject({
      area: { code: DISTRICT },
    });

    // The projection's files: exports of the same reads, and the bulletin frozen above as a page and a PDF.
    const files: [string, string][] = [
      [`/v1/figures.csv?area=${DISTRICT}&window=month`, 'text/csv'],
      [`/v1/figures.xlsx?area=${DISTRICT}`, XLSX],
      [`/v1/rankings.csv?area=${DISTRICT}&bottom=1`, 'text/csv'],
      [`/v1/rankings.xlsx?area=${DISTRICT}`, XLSX],
      [`/v1/trends.csv?area=${DISTRICT}&figure=reported&from=${day(30)}&to=${day(1)}`, 'text/csv'],
      [`/v1/trends.xlsx?area=${DISTRICT}&figure=closureRate&from=${day(30)}&to=${day(1)}`, XLSX],
      [`/v1/bulletins/2025-01/document.html?area=${DISTRICT}`, 'text/html'],
      [`/v1/bulletins/2025-01/document.pdf?area=${DISTRICT}`, 'application/pdf'],
    ];
    for (const [path, type] of files) {
      const file = await projection.call('GET', path, { headers: as(LEADER) });
      expect([file.status, file.contentType], path).toEqual([200, type]);
    }
    expect((await projection.call('GET', '/v1/figures.csv?area=nope', { headers: as(LEADER) })).status).toBe(400);
    expect((await projection.call('GET', '/v1/rankings.xlsx?area=999999', { headers: as(LEADER) })).status).toBe(404);
    expect((await projection.call('GET', '/v1/trends.csv', { headers: as(LEADER) })).status).toBe(400);
    expect((await projection.call('GET', `/v1/bulletins/2025-02/document.html?area=${DISTRICT}`, { headers: as(LEADER) })).status).toBe(
      404,
    );
    expect((await projection.call('GET', `/v1/bulletins/2025-02/document.pdf?area=${DISTRICT}`, { headers: as(LEADER) })).status).toBe(404);
    expect((await projection.call('GET', '/v1/bulletins/2025-1/document.pdf?area=440705', { headers: as(LEADER) })).status).toBe(400);

    // Open311 (GeoReport v2): the services, a request in JSON and one form-encoded, their status; errors in the spec's
    // format, JSON or XML by the path's suffix.
    for (const format of ['json', 'xml'] as const) {
      const type = format === 'json' ? 'application/json' : 'text/xml';
      const list = await intake.call('GET', `/open311/v2/services.${format}`);
      expect([list.status, list.contentType]).toEqual([200, type]);
      const definition = await intake.call('GET', `/open311/v2/services/exposed_rubbish.${format}?jurisdiction_id=jiangmen`);
      expect([definition.status, definition.contentType]).toEqual([200, type]);
      const unknown = await intake.call('GET', `/open311/v2/services/potholes.${format}`);
      expect([unknown.status, unknown.contentType]).toEqual([404, type]);
    }
    expect((await intake.call('GET', `/open311/v2/services/${'x'.repeat(81)}.json`)).json).toEqual([
      { code: 400, description: expect.stringMatching(/^params\.service_code: /) as string },
    ]);
    const citizen = { service_code: 'exposed_rubbish', lat: 22.52, long: 113.03, address_id: GRID, description: '路边堆放生活垃圾' };
    const fromJson = await intake.call('POST', '/open311/v2/requests.json', { body: { ...citizen, api_key: OPEN311_KEY } });
    expect(fromJson.status, fromJson.text).toBe(201);
    const requestId = (fromJson.json as { service_request_id: string }[])[0]!.service_request_id;
    const form = new URLSearchParams({
      api_key: OPEN311_KEY,
      service_code: 'dirty_road',
      lat: '22.53',
      long: '113.04',
      'attribute[urgency]': 'urgent',
    });
    const fromForm = await intake.call('POST', '/open311/v2/requests.xml', { body: form });
    expect([fromForm.status, fromForm.contentType]).toEqual([201, 'text/xml']);
    expect((await intake.call('POST', '/open311/v2/requests.json', { body: citizen })).status).toBe(403);
    const badEmail = await intake.call('POST', '/open311/v2/requests.xml', { body: { ...citizen, api_key: OPEN311_KEY, email: 'x' } });
    expect([badEmail.status, badEmail.text]).toEqual([400, expect.stringContaining('<description>body.email: ') as string]);
    expect(
      (await intake.call('POST', '/open311/v2/requests.json', { body: { ...citizen, service_code: 'potholes', api_key: OPEN311_KEY } }))
        .status,
    ).toBe(404);
    await until(
      () => intake.call('GET', `/open311/v2/requests/${requestId}.json`),
      (a) => a.status === 200,
      'the Open311 request, read back',
    );
    expect((await intake.call('GET', `/open311/v2/requests/${requestId}.xml`)).status).toBe(200);
    expect((await intake.call('GET', `/open311/v2/requests/${randomUUID()}.xml`)).status).toBe(404);
    const listed = await intake.call('GET', `/open311/v2/requests.json?service_request_id=${requestId}`);
    expect((listed.json as { service_request_id: string }[]).map((r) => r.service_request_id)).toEqual([requestId]);
    expect((await intake.call('GET', '/open311/v2/requests.xml?status=open,closed')).status).toBe(200);
    expect((await intake.call('GET', '/open311/v2/requests.json?start_date=yesterday')).status).toBe(400);

    // The notifier: the handler's inbox holds the dispatch; the directory, for admins.
    const inbox = await until(
      () => notifier.call('GET', '/v1/notifications?limit=5', { headers: as(HANDLER) }),
      (a) => a.status === 200 && (a.json as { items: { incidentId: string }[] }).items.some((i) => i.incidentId === incidentId),
      "the dispatch in the handler's inbox",
    );
    expect((inbox.json as { unread: number }).unread).toBeGreaterThan(0);
    expect(await notifier.firstEvent('/v1/notifications/stream', as(HANDLER), 'unread', 'UnreadCount')).toMatchObject({
      unread: expect.any(Number) as number,
    });
    expect((await notifier.call('POST', '/v1/notifications/read', { headers: as(HANDLER), body: { all: true } })).json).toEqual({
      unread: 0,
    });
    expect((await notifier.call('POST', '/v1/notifications/read', { headers: as(HANDLER), body: { none: 1 } })).status).toBe(400);
    const directory = await notifier.call('GET', '/v1/directory', { headers: as(ADMIN) });
    expect(directory.status).toBe(200);
    expect((await notifier.call('PUT', '/v1/directory', { headers: as(ADMIN), body: directory.json })).status).toBe(200);
    expect((await notifier.call('GET', '/v1/directory', { headers: as(HANDLER) })).status).toBe(403);

    // Every answer as documented, and every documented operation called.
    const clients = [intake, projection, notifier];
    expect(clients.flatMap((c) => c.problems)).toEqual([]);
    expect(
      clients.flatMap((c) =>
        c
          .operations()
          .filter((op) => !c.covered.has(op))
          .map((op) => `${c.service} ${op}`),
      ),
    ).toEqual([]);
  });
});
