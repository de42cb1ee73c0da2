import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import {
  bearer,
  createTestInfra,
  eventually,
  startService,
  type RunningService,
  type TestInfra,
  loadAreas,
  LUAN_AREAS_FILE,
  slowUpload,
  XINHUI_AREAS_FILE,
} from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The districts the pipeline runs on: the built-in 新会区 and the 六安-like 金安区, each from its areas file alone. */
const DISTRICTS = [
  { name: '新会区', file: XINHUI_AREAS_FILE, city: '440700', district: '440705', town: '440705001', otherTown: '沙堆镇' },
  { name: '金安区 (六安-like)', file: LUAN_AREAS_FILE, city: '341500', district: '341502', town: '341502001', otherTown: '毛坦厂镇' },
];

/** A point inside a grid: the mean of its boundary's positions (the generated grids are convex). */
function insideGrid(areas: ReturnType<typeof loadAreas>, code: string): { lat: number; lng: number } {
  const boundary = areas.get(code).boundary;
  if (boundary?.type !== 'Polygon') throw new Error(`grid ${code} has no polygon boundary`);
  const ring = boundary.coordinates[0]!.slice(0, -1);
  return { lat: ring.reduce((s, p) => s + p[1], 0) / ring.length, lng: ring.reduce((s, p) => s + p[0], 0) / ring.length };
}

/**
 * The walking skeleton, end to end: the three services run as separate processes against the
 * real broker and Redis; reports go in over HTTP and come back out as figures. Once per district.
 */
describe.each(DISTRICTS)('report → dispatch → counted → queried, in $name', (D) => {
  const areas = loadAreas(D.file);
  // Three grids: two in the first street (one of them twice), one in another town.
  const huicheng = areas.children(D.town)[0]!;
  const gridA = areas.children(huicheng.code)[0]!.code;
  const gridB = areas.children(huicheng.code)[1]!.code;
  const shadui = areas.ofLevel('town').find((t) => t.name === D.otherTown)!;
  const gridC = areas.children(areas.children(shadui.code)[0]!.code)[0]!.code;

  let infra: TestInfra;
  let services: RunningService[] = [];
  let intake: string;
  let projection: string;

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 3, events: 3 } });
    // Short request timeouts, to see a slow upload cut in seconds (every request of these tests is sent at once).
    const env = { ...infra.env(), AREAS_FILE: D.file, HTTP_REQUEST_TIMEOUT_MS: '2000', HTTP_HEADERS_TIMEOUT_MS: '2000' };
    services = await Promise.all([startService('intake-api', env), startService('dispatch-worker', env), startService('projection', env)]);
    intake = services[0]!.url!;
    projection = services[2]!.url!;
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await infra?.cleanup();
  });

  /** Grid staff holding the three grids of these tests; a leader of the city; a dispatcher of 新会区. */
  const staff = (sub: string) => bearer({ sub, role: 'grid_staff', areas: [gridA, gridB, gridC] });
  const CITY_LEADER = bearer({ sub: 'leader-jiangmen', role: 'leader', areas: [D.city] });
  const DISPATCHER = bearer({ sub: 'dispatcher-01', role: 'dispatcher', areas: [D.district] });

  /**
   * Each report about 65 m from the others inside its grid: apart enough not to be proposed as duplicates of each
   * other (ADR 0032), the same place for a retry of the same report id.
   */
  const spots = new Map<string, number>();
  const apart = (p: { lat: number; lng: number }, reportId: string) => {
    if (!spots.has(reportId)) spots.set(reportId, spots.size);
    const n = spots.get(reportId)!;
    return { lat: p.lat + (n % 8) * 0.0006, lng: p.lng + Math.floor(n / 8) * 0.0006 };
  };

  const report = (gridCode: string, reportId: string, category = 'exposed_rubbish', userId = 'staff-001') =>
    fetch(`${intake}/v1/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...staff(userId) },
      body: JSON.stringify({
        reportId,
        gridCode,
        category,
        urgency: 'normal',
        description: '路边堆放生活垃圾',
        location: { ...apart(insideGrid(areas, areas.has(gridCode) ? gridCode : gridA), reportId), address: '同德路 1 号' },
        occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
      }),
    });

  /** 上报数, 派遣数 and 立案数 of an area (the rest of the figures need the later lifecycle steps). */
  const figures = async (
    area: string,
    window = 'day',
    extra = '',
  ): Promise<{ reported: number; dispatched: number; registered: number }> => {
    const res = await fetch(`${projection}/v1/figures?area=${area}&window=${window}${extra}`, { headers: CITY_LEADER });
    if (!res.ok) throw new Error(`figures ${res.status}: ${await res.text()}`);
    const { reported, dispatched, registered } = (
      (await res.json()) as { figures: { reported: number; dispatched: number; registered: number } }
    ).figures;
    return { reported, dispatched, registered };
  };

  it('counts every accepted report once, at every level above its grid', async () => {
    const sent = [
      { grid: gridA, id: randomUUID() },
      { grid: gridA, id: randomUUID() },
      { grid: gridB, id: randomUUID(), category: 'dispute' },
      { grid: gridC, id: randomUUID() },
    ];
    const answers = await Promise.all(sent.map((s) => report(s.grid, s.id, s.category)));
    const bodies = (await Promise.all(answers.map((a) => a.json()))) as { commandId: string; incidentId: string }[];
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202]);
    expect(new Set(bodies.map((b) => b.incidentId)).size).toBe(4);

    // The phone retries the first report: same incident, same command, counted once.
    const retry = await report(sent[0]!.grid, sent[0]!.id);
    expect(retry.status).toBe(202);
    expect(await retry.json()).toMatchObject({ incidentId: bodies[0]!.incidentId, commandId: bodies[0]!.commandId });

    // Each command's outcome is readable: accepted, with the events it produced.
    const outcome = await fetch(`${intake}/v1/commands/${bodies[2]!.commandId}?waitMs=10000`, { headers: staff('staff-001') });
    expect(outcome.status).toBe(200);
    expect(await outcome.json()).toMatchObject({
      status: 'accepted',
      incidentId: bodies[2]!.incidentId,
      events: [
        { type: 'IncidentReported', version: 1 },
        { type: 'IncidentDispatched', version: 2 },
      ],
    });

    const district = await eventually(
      () => figures(D.district),
      (f) => f.reported >= 4 && f.dispatched >= 4,
    );
    expect(district).toEqual({ reported: 4, dispatched: 4, registered: 4 });
    expect(await figures(D.city, 'month')).toEqual({ reported: 4, dispatched: 4, registered: 4 });
    expect(await figures(D.town, 'all')).toEqual({ reported: 3, dispatched: 3, registered: 3 });
    expect(await figures(shadui.code, 'year')).toEqual({ reported: 1, dispatched: 1, registered: 1 });
    expect(await figures(gridA, 'week')).toEqual({ reported: 2, dispatched: 2, registered: 2 });
    expect(await figures(gridB)).toEqual({ reported: 1, dispatched: 1, registered: 1 });
    expect(await figures(D.district, 'day', '&category=dispute')).toEqual({ reported: 1, dispatched: 1, registered: 1 });
    expect(await figures(D.district, 'day', '&department=sanitation')).toEqual({ reported: 3, dispatched: 3, registered: 3 });

    // The phone's "use my position": the intake places a position inside gridA in gridA, from the file's boundaries.
    const here = insideGrid(areas, gridA);
    const located = await fetch(`${intake}/v1/grids/locate?lat=${here.lat}&lng=${here.lng}`, { headers: staff('staff-001') });
    expect(await located.json()).toMatchObject({ code: gridA, path: [{ code: D.city }, { code: D.district }, { code: D.town }, {}, {}] });
  });

  it('answers bad input with 4xx naming the problem, and counts nothing for it', async () => {
    const badGrid = await report(`${D.district}999999999`, randomUUID());
    expect(badGrid.status).toBe(400);
    expect(await badGrid.json()).toMatchObject({ error: { code: 'UNKNOWN_GRID' } });

    const badBody = await fetch(`${intake}/v1/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...staff('staff-001') },
      body: JSON.stringify({ reportId: 'short', gridCode: gridA }),
    });
    expect(badBody.status).toBe(400);
    const error = ((await badBody.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toMatch(/^body\.reportId/);

    const badArea = await fetch(`${projection}/v1/figures?area=${D.city.slice(0, 4)}99&window=day`, { headers: CITY_LEADER });
    expect(badArea.status).toBe(404);
    const badWindow = await fetch(`${projection}/v1/figures?area=${D.district}&window=fortnight`, { headers: CITY_LEADER });
    expect(badWindow.status).toBe(400);
    expect(((await badWindow.json()) as { error: { message: string } }).error.message).toMatch(/^query\.window/);

    // No token, or a town's leader asking about the district: nothing is answered.
    const anonymous = await fetch(`${projection}/v1/figures?area=${D.district}&window=day`);
    expect(anonymous.status).toBe(401);
    const townLeader = bearer({ sub: 'leader-huicheng', role: 'leader', areas: [D.town] });
    const above = await fetch(`${projection}/v1/figures?area=${D.district}&window=day`, { headers: townLeader });
    expect(above.status).toBe(403);
    expect(((await above.json()) as { error: { code: string } }).error.code).toBe('OUT_OF_JURISDICTION');
    expect((await fetch(`${projection}/v1/figures?area=${D.town}&window=day`, { headers: townLeader })).status).toBe(200);
  });

  it('carries a case through its lifecycle over HTTP and counts it closed', async () => {
    const send = (incidentId: string, action: string, body: unknown, headers: Record<string, string>) =>
      fetch(`${intake}/v1/incidents/${incidentId}/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const command = async (incidentId: string, action: string, body: unknown, headers: Record<string, string>) => {
      const res = await send(incidentId, action, body, headers);
      expect(res.status).toBe(202);
      const { commandId } = (await res.json()) as { commandId: string };
      const outcome = await fetch(`${intake}/v1/commands/${commandId}?waitMs=10000`, { headers });
      return (await outcome.json()) as { status: string; code?: string; events?: { type: string }[] };
    };
    const handler = bearer({ sub: 'h-sanitation-1', role: 'handler', department: 'sanitation', areas: [D.district] });
    const otherHandler = bearer({ sub: 'h-police-1', role: 'handler', department: 'public_security', areas: [D.district] });
    const verifier = bearer({ sub: 'staff-009', role: 'grid_staff', areas: [gridC] });

    const res = await report(gridC, randomUUID(), 'exposed_rubbish', 'staff-009');
    const { incidentId, commandId } = (await res.json()) as { incidentId: string; commandId: string };
    await fetch(`${intake}/v1/commands/${commandId}?waitMs=10000`, { headers: staff('staff-009') });

    // The work lists follow the case: with the department in the lists of its grid and every area above it.
    const listed = async (query: string, headers: Record<string, string>) => {
      const page = await fetch(`${intake}/v1/incidents?${query}`, { headers });
      expect(page.status).toBe(200);
      return ((await page.json()) as { items: { incidentId: string; status: string }[] }).items.map((i) => i.incidentId);
    };
    for (const area of [gridC, shadui.code, D.district])
      expect(await listed(`area=${area}&queue=handling`, DISPATCHER)).toContain(incidentId);
    expect(await listed(`area=${gridC}&queue=verifying`, DISPATCHER)).not.toContain(incidentId);
    expect(await listed('mine=true', staff('staff-009'))).toContain(incidentId);

    // Another department cannot sign for it (refused at the edge: nothing goes to Kafka; a case it may not see is one
    // that does not exist for it); the one it was routed to can.
    const refused = await send(incidentId, 'accept', {}, otherHandler);
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('UNKNOWN_INCIDENT');
    expect(await command(incidentId, 'accept', {}, handler)).toMatchObject({ status: 'accepted', events: [{ type: 'IncidentAccepted' }] });
    // 处置后: the handler's photo, uploaded (POST /v1/photos, into the S3 server) and named in the resolution.
    const jpeg = readFileSync(new URL('../services/intake-api/src/photos/fixtures/python.jpg', import.meta.url));
    const uploaded = await fetch(`${intake}/v1/photos`, {
      method: 'POST',
      headers: { ...handler, 'content-type': 'image/jpeg' },
      body: jpeg,
    });
    expect(uploaded.status).toBe(201);
    const { photo } = (await uploaded.json()) as { photo: { key: string; sha256: string } };
    expect(
      await command(incidentId, 'resolve', { notes: '已清运', photos: [{ key: photo.key, sha256: photo.sha256 }] }, handler),
    ).toMatchObject({
      status: 'accepted',
    });
    expect(await listed(`area=${shadui.code}&queue=verifying`, DISPATCHER)).toContain(incidentId);
    expect(await listed(`area=${shadui.code}&queue=handling`, DISPATCHER)).not.toContain(incidentId);
    expect(await command(incidentId, 'verify', { passed: true }, verifier)).toMatchObject({
      status: 'accepted',
      events: [{ type: 'IncidentClosed' }],
    });

    // Closed: on no work list any more, still among the reporter's own.
    for (const queue of ['handling', 'verifying', 'new', 'overdue'])
      expect(await listed(`area=${D.district}&queue=${queue}`, DISPATCHER)).not.toContain(incidentId);
    expect(await listed('mine=true', staff('staff-009'))).toContain(incidentId);

    const view = await fetch(`${intake}/v1/incidents/${incidentId}`, { headers: DISPATCHER });
    expect(view.status).toBe(200);
    const body = (await view.json()) as {
      incident: { status: string; department: string };
      history: { type: string; actor: { id: string } }[];
      photos: unknown[];
    };
    expect(body.incident).toMatchObject({ status: 'closed', department: 'sanitation' });
    // The case lists the after-photo, and its bytes come back to whoever may read the case.
    expect(body.photos).toEqual([
      { key: photo.key, sha256: photo.sha256, contentType: 'image/jpeg', stage: 'resolution', at: expect.any(String) as unknown },
    ]);
    const fetched = await fetch(`${intake}/v1/incidents/${incidentId}/photos/${photo.key}`, { headers: verifier });
    expect(fetched.status).toBe(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(jpeg)).toBe(true);
    expect(body.history.map((h) => h.type)).toEqual([
      'IncidentReported',
      'IncidentDispatched',
      'IncidentAccepted',
      'IncidentResolved',
      'IncidentClosed',
    ]);
    expect(body.history[2]!.actor.id).toBe('h-sanitation-1');

    const town = await eventually(
      async () =>
        (
          (await (await fetch(`${projection}/v1/figures?area=${shadui.code}&window=day`, { headers: CITY_LEADER })).json()) as {
            figures: Record<string, number | null>;
          }
        ).figures,
      (f) => f['closed'] === 1,
    );
    expect(town).toMatchObject({
      reported: 2,
      registered: 2,
      closed: 1,
      closureRate: 0.5,
      closedOnTime: 1,
      onTimeClosureRate: 0.5,
      overdue: 0,
    });
  });

  it('keeps the reporter of a confidential lead from everyone but the dispatchers of its area, in views, figures and logs', async () => {
    const whistle = 'whistle-0042';
    const reportId = `lead-${randomUUID()}`;
    const res = await report(gridA, reportId, 'gang_crime_lead', whistle);
    expect(res.status).toBe(202);
    const { incidentId, commandId } = (await res.json()) as { incidentId: string; commandId: string };
    const outcome = await fetch(`${intake}/v1/commands/${commandId}?waitMs=10000`, { headers: staff(whistle) });
    expect(await outcome.json()).toMatchObject({ status: 'accepted' });

    const read = async (headers: Record<string, string>, suffix = '') => {
      const answer = await fetch(`${intake}/v1/incidents/${incidentId}${suffix}`, { headers });
      return { status: answer.status, text: await answer.text() };
    };
    const dispatcher = await read(DISPATCHER);
    expect(dispatcher.status).toBe(200);
    expect(dispatcher.text).toContain(whistle);
    const police = bearer({ sub: 'h-police-1', role: 'handler', department: 'public_security', areas: [D.district] });
    const leader = bearer({ sub: 'leader-huicheng', role: 'leader', areas: [D.town] });
    for (const [headers, suffix] of [
      [police, ''],
      [leader, ''],
      [leader, '/audit'],
    ] as const) {
      const seen = await read(headers, suffix);
      expect(seen.status).toBe(200);
      expect(seen.text).not.toContain(whistle);
      expect(seen.text).not.toContain(reportId);
    }
    const figures = await fetch(`${projection}/v1/figures?area=${gridA}&window=day&category=gang_crime_lead`, { headers: CITY_LEADER });
    expect(await figures.text()).not.toContain(whistle);
    for (const service of services) {
      // The intake and the worker log the case (the projection logs no case), never its reporter.
      if (service.name !== 'projection') expect(service.output()).toContain(incidentId);
      expect(service.output()).not.toContain(whistle);
      expect(service.output()).not.toContain(reportId);
    }
  });

  it('cuts a slow upload on every server, on an authenticated route and on one that does not exist (issue 20, finding 5)', async () => {
    // 2 s for a whole request (HTTP_REQUEST_TIMEOUT_MS); this client would take 20 s to send its 80 bytes.
    const port = (url: string) => Number(new URL(url).port);
    const worker = services[1]!.url!;
    const uploads = [
      { port: port(intake), path: '/v1/incidents', headers: staff('staff-001') },
      { port: port(intake), path: '/v1/nothing-here', headers: {} },
      { port: port(projection), path: '/v1/bulletins/2026-10', headers: CITY_LEADER },
      { port: port(projection), path: '/v1/nothing-here', headers: {} },
      { port: port(worker), path: '/readyz', headers: {} },
      { port: port(worker), path: '/v1/nothing-here', headers: {} },
    ];
    const results = await Promise.all(uploads.map((u) => slowUpload({ ...u, bodyBytes: 80, everyMs: 250 })));
    for (const [i, result] of results.entries()) {
      expect({ ...uploads[i], cut: result.cut }).toEqual({ ...uploads[i], cut: true });
      expect(result.bytesSent).toBeLessThan(80);
    }
  }, 60_000);

  it('takes a reportId typed in NFC and in NFD as one report, counted once (issue 20, finding 10)', async () => {
    const category = 'dirty_road';
    const before = await figures(gridB, 'day', `&category=${category}`);
    const nfc = `café-${randomUUID().slice(0, 8)}`.normalize('NFC');
    const [first, second] = [await report(gridB, nfc, category), await report(gridB, nfc.normalize('NFD'), category)];
    expect([first.status, second.status]).toEqual([202, 202]);
    const [a, b] = (await Promise.all([first.json(), second.json()])) as { incidentId: string; commandId: string }[];
    expect(b).toEqual(a);
    const after = await eventually(
      () => figures(gridB, 'day', `&category=${category}`),
      (f) => f.reported > before.reported,
    );
    expect(after.reported).toBe(before.reported + 1);
  });

  it('shuts every service down cleanly on SIGTERM', async () => {
    const codes = await Promise.all(services.map((s) => s.stop('SIGTERM')));
    expect(codes).toEqual([0, 0, 0]);
    for (const s of services) expect(s.output()).toContain('"msg":"stopped"');
  });
});
