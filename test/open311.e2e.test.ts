import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bearer,
  createTestInfra,
  eventually,
  loadXinhuiAreas,
  readTopic,
  startService,
  XINHUI_AREAS_FILE,
  type RunningService,
  type TestInfra,
} from '@gridgov/testing';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Open311, end to end (ADR 0028): a citizen's app POSTs GeoReport v2 requests, in JSON and form-encoded with an XML
 * answer, to the intake running as a process beside the worker and the projection on the real broker and Redis.
 * Each becomes a case in the dispatcher's 待派遣 list; one is accepted, handled and closed, one turned down; the
 * app reads them closed. The citizen's contact details appear in no public answer and in no log line.
 */
describe('Open311 GeoReport v2, end to end', () => {
  const areas = loadXinhuiAreas();
  const grid = areas.children(areas.children('440705001')[0]!.code)[0]!.code;
  const API_KEY = `o311-${randomBytes(16).toString('hex')}`;
  const EMAIL = 'li.citizen@example.org';
  const PHONE = '13912345678';
  const DISPATCHER = bearer({ sub: 'dispatcher-01', role: 'dispatcher', areas: ['440705'] });
  const HANDLER = bearer({ sub: 'handler-sanitation-01', role: 'handler', department: 'sanitation', areas: ['440705'] });
  const STAFF = bearer({ sub: 'staff-001', role: 'grid_staff', areas: [grid] });

  let infra: TestInfra;
  let services: RunningService[] = [];
  let intake: string;
  let dir: string;

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 2, events: 2 } });
    dir = mkdtempSync(join(tmpdir(), 'open311-'));
    const clientsFile = join(dir, 'clients.json');
    // The app's key is known to the intake by its SHA-256 only.
    writeFileSync(
      clientsFile,
      JSON.stringify({
        clients: [
          { id: 'citizen-app', name: '市民随手拍', keySha256: createHash('sha256').update(API_KEY).digest('hex'), requestsPerMinute: 100 },
        ],
      }),
    );
    const env = { ...infra.env(), AREAS_FILE: XINHUI_AREAS_FILE, OPEN311_CLIENTS_FILE: clientsFile };
    services = await Promise.all([startService('intake-api', env), startService('dispatch-worker', env), startService('projection', env)]);
    intake = `${services[0]!.url!}`;
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await infra?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const open311 = (path: string, init: RequestInit = {}) => fetch(`${intake}/open311/v2/${path}`, init);
  const postJson = (body: unknown) =>
    open311('requests.json', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const postForm = (fields: Record<string, string>) =>
    open311('requests.xml', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: new URLSearchParams(fields).toString(),
    });
  const xml = (text: string) => {
    expect(XMLValidator.validate(text)).toBe(true);
    return new XMLParser({ parseTagValue: false, isArray: (name) => ['request', 'service', 'error'].includes(name) }).parse(text) as Record<
      string,
      Record<string, Record<string, string>[]>
    >;
  };
  const command = (id: string, action: string, headers: Record<string, string>, body: unknown) =>
    fetch(`${intake}/v1/incidents/${id}/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const statusOf = async (id: string) => {
    const res = await open311(`requests/${id}.json`);
    return res.status === 200 ? ((await res.json()) as { status: string; status_notes: string }[])[0]! : undefined;
  };
  const viewOf = async (id: string) => {
    const res = await fetch(`${intake}/v1/incidents/${id}`, { headers: DISPATCHER });
    return res.status === 200 ? ((await res.json()) as { incident: { status: string; version: number } }).incident : undefined;
  };
  /** A command on the case, once the case shows the version before it (its view is folded by then). */
  const act = async (id: string, action: string, headers: Record<string, string>, body: unknown, status: string) => {
    const res = await command(id, action, headers, body);
    expect(res.status).toBe(202);
    await eventually(
      () => viewOf(id),
      (v) => v?.status === status,
    );
  };

  it('lists the catalog as services, in JSON and XML, and a service definition', async () => {
    const json = (await (await open311('services.json')).json()) as { service_code: string; metadata: boolean; type: string }[];
    expect(json.find((s) => s.service_code === 'exposed_rubbish')).toMatchObject({
      service_name: '暴露垃圾',
      metadata: false,
      type: 'realtime',
    });
    const res = await open311('services.xml');
    expect(res.headers.get('content-type')).toMatch(/^text\/xml; charset=utf-8/);
    const services = xml(await res.text())['services']!['service']!;
    expect(services.map((s) => s['service_code'])).toEqual(json.map((s) => s.service_code));
    const definition = (await (await open311('services/exposed_rubbish.json')).json()) as { attributes: { code: string }[] };
    expect(definition.attributes.map((a) => a.code)).toEqual(['urgency']);
    const unknown = await open311('services/potholes.xml');
    expect(unknown.status).toBe(404);
    expect(xml(await unknown.text())['errors']!['error']![0]).toEqual({
      code: '404',
      description: 'service_code: potholes is not a service of this jurisdiction',
    });
  });

  it('refuses a bad api_key with 403, and a request without service_code with 400, in the spec error format', async () => {
    const request = { service_code: 'exposed_rubbish', lat: 22.52, long: 113.03, description: '路边堆放生活垃圾' };
    const noKey = await postJson(request);
    expect(noKey.status).toBe(403);
    expect(await noKey.json()).toEqual([{ code: 403, description: "api_key: missing -- can't proceed with create_request" }]);
    const badKey = await postForm({ api_key: 'not-the-key', service_code: 'exposed_rubbish', lat: '22.52', long: '113.03' });
    expect(badKey.status).toBe(403);
    expect(xml(await badKey.text())['errors']!['error']![0]!['code']).toBe('403');
    const noService = await postJson({ ...request, service_code: undefined, api_key: API_KEY });
    expect(noService.status).toBe(400);
    expect(await noService.json()).toEqual([{ code: 400, description: 'service_code: required (GET services.json lists them)' }]);
    const unknownService = await postJson({ ...request, service_code: 'potholes', api_key: API_KEY });
    expect(unknownService.status).toBe(404);
    const badEmail = await postJson({ ...request, email: 'not an address', api_key: API_KEY });
    expect(badEmail.status).toBe(400);
    expect(((await badEmail.json()) as { description: string }[])[0]!.description).toMatch(/^body\.email: /);
  });

  it('a request in JSON and one form-encoded become cases in 待派遣; accepted, handled, closed; turned down: both closed', async () => {
    // JSON, answered in JSON.
    const fromJson = await postJson({
      api_key: API_KEY,
      service_code: 'exposed_rubbish',
      lat: 22.52,
      long: 113.03,
      address_string: '会城同德路 8 号',
      address_id: grid,
      email: EMAIL,
      phone: PHONE,
      first_name: '小明',
      last_name: '李',
      description: '路边堆放生活垃圾，已有异味',
      attribute: { urgency: 'urgent' },
    });
    expect(fromJson.status).toBe(201);
    const [created] = (await fromJson.json()) as { service_request_id: string; service_notice: string; account_id: null }[];
    expect(created).toMatchObject({ account_id: null });
    const first = created!.service_request_id;

    // Form-encoded as the spec sends it, answered in XML.
    const fromForm = await postForm({
      api_key: API_KEY,
      service_code: 'dirty_road',
      lat: '22.53',
      long: '113.04',
      address_id: grid,
      email: EMAIL,
      device_id: 'device-778899',
      description: '路面油污',
      'attribute[urgency]': 'normal',
    });
    expect(fromForm.status).toBe(201);
    expect(fromForm.headers.get('content-type')).toMatch(/^text\/xml/);
    const second = xml(await fromForm.text())['service_requests']!['request']![0]!['service_request_id']!;
    expect(second).toMatch(/^[0-9a-f-]{36}$/);

    // Both wait in the dispatcher's 待派遣 (new) list: a citizen's report is never routed at once.
    const waiting = await eventually(
      async () => {
        const res = await fetch(`${intake}/v1/incidents?area=440705&queue=new`, { headers: DISPATCHER });
        return ((await res.json()) as { items: { incidentId: string; status: string }[] }).items;
      },
      (items) => [first, second].every((id) => items.some((i) => i.incidentId === id)),
    );
    expect(waiting.filter((i) => [first, second].includes(i.incidentId)).map((i) => i.status)).toEqual(['reported', 'reported']);
    expect(await statusOf(first)).toMatchObject({ status: 'open', status_notes: '待受理: waiting for a dispatcher' });

    // The dispatcher, who may see the reporter, reads the citizen's contact; the public answer holds none of it.
    const detail = (await (await fetch(`${intake}/v1/incidents/${first}`, { headers: DISPATCHER })).json()) as {
      history: { type: string; data: Record<string, unknown> }[];
    };
    expect(detail.history[0]).toMatchObject({ type: 'IncidentReported', data: { contact: { email: EMAIL, phone: PHONE } } });

    // 受理: dispatched to 环卫; signed for, handled, checked on site by the grid's staff: 结案.
    await act(first, 'dispatch', DISPATCHER, { department: 'sanitation' }, 'dispatched');
    expect(await statusOf(first)).toMatchObject({ status: 'open', status_notes: '已受理: accepted and sent to 环境卫生所' });
    await act(first, 'accept', HANDLER, {}, 'accepted');
    await act(first, 'resolve', HANDLER, { notes: '已清运' }, 'resolved');
    await act(first, 'verify', STAFF, { passed: true, notes: '' }, 'closed');
    // 不予立案 of the second.
    await act(second, 'reject', DISPATCHER, { reason: '与已受理事件重复' }, 'rejected');

    const closed = await statusOf(first);
    expect(closed).toMatchObject({
      status: 'closed',
      status_notes: '已结案: handled and checked on site',
      agency_responsible: '环境卫生所',
    });
    expect(await statusOf(second)).toMatchObject({ status: 'closed', status_notes: '不予立案: 与已受理事件重复' });

    // The list, as the app asks for it: by status, by service, by ids, in XML too.
    const listed = (await (await open311('requests.json?status=closed')).json()) as { service_request_id: string; service_code: string }[];
    expect(listed.map((r) => r.service_request_id).sort()).toEqual([first, second].sort());
    const rubbish = (await (await open311('requests.json?service_code=exposed_rubbish')).json()) as { service_request_id: string }[];
    expect(rubbish.map((r) => r.service_request_id)).toEqual([first]);
    expect(await (await open311('requests.json?status=open')).json()).toEqual([]);
    const byIds = xml(await (await open311(`requests.xml?service_request_id=${first},${second}`)).text())['service_requests']!['request']!;
    expect(byIds.map((r) => r['status'])).toEqual(['closed', 'closed']);

    // Personal data: sealed on the kept log (ADR 0016), where the case's channel stays readable.
    const events = (await readTopic(infra.kafka, infra.topics.events)).map((r) => r.value ?? '').join('\n');
    expect(events).toContain('"channel":{"via":"open311","client":"citizen-app"}');
    for (const secret of [EMAIL, PHONE, '小明', 'device-778899']) expect(events).not.toContain(secret);
    // In no public answer, in no log line of the intake.
    const publicText = JSON.stringify([listed, closed, byIds]);
    for (const secret of [EMAIL, PHONE, '小明', 'device-778899', API_KEY]) {
      expect(publicText).not.toContain(secret);
      expect(services[0]!.output()).not.toContain(secret);
    }
  });

  it('takes a confidential lead (举报人保护) to the dispatchers and never shows it to the public', async () => {
    const res = await postJson({
      api_key: API_KEY,
      service_code: 'gang_crime_lead',
      lat: 22.52,
      long: 113.03,
      address_id: grid,
      description: '有人在此收保护费',
    });
    expect(res.status).toBe(201);
    const id = ((await res.json()) as { service_request_id: string }[])[0]!.service_request_id;
    await eventually(
      () => viewOf(id),
      (v) => v?.status === 'reported',
    );
    expect((await open311(`requests/${id}.json`)).status).toBe(404);
    const all = await (await open311(`requests.json?service_request_id=${id}`)).text();
    expect(all).toBe('[]');
    expect(await (await open311('requests.json?service_code=gang_crime_lead')).text()).toBe('[]');
  });

  it('answers an unknown request 404 and a request id that is not one 404, in XML when asked', async () => {
    const res = await open311('requests/0b6c1c56-9a2f-4b07-8d6e-7b0f6a3d9e11.xml');
    expect(res.status).toBe(404);
    expect(xml(await res.text())['errors']!['error']![0]!['code']).toBe('404');
    expect((await open311('requests/nothing.json')).status).toBe(404);
    const span = await open311('requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z');
    expect(span.status).toBe(400);
    expect(await span.json()).toEqual([{ code: 400, description: 'start_date, end_date: may not span more than 90 days' }]);
  });
});
