import { CASE_QUEUES, caseQueues } from '@gridgov/domain';
import { readModelKeys, SORT_KEYS, sortScores, type IncidentView } from '@gridgov/read-model';
import { bearer, createTestInfra, type TestInfra } from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACTORS,
  areas,
  DAZE,
  encryption,
  GRID,
  HUICHENG,
  intakeHarness,
  OTHER_GRID,
  seedCase,
  type IntakeHarness,
} from '../test-harness.ts';

/** Whoever signs in: one of the harness's actors, or one of a test's own. */
type Person = Omit<Parameters<typeof bearer>[0], 'sub'> & { readonly id: string };
const as = (actor: Person) => bearer({ sub: actor.id, ...actor });

interface Page {
  items: { incidentId: string; status: string; reporterId: string | null }[];
  nextCursor: string | null;
}

describe('intake-api work lists and own reports (GET /v1/incidents, real Redis)', () => {
  let infra: TestInfra;
  let intake: IntakeHarness;
  const get = async (url: string, actor: Person) => {
    const res = await intake.app.inject({ method: 'GET', url, headers: as(actor) });
    return { status: res.statusCode, body: res.json<Page & { error?: { code: string; message: string } }>() };
  };
  /** Puts a seeded case on a list the way the dispatch worker does: in its grid and every area above it. */
  const enlist = async (incidentId: string, queue: string, score: number) => {
    for (const area of areas.lineage(GRID))
      await infra.redis.zadd(readModelKeys(infra.keyPrefix).caseQueue(area, queue), score, incidentId);
  };

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 1, events: 1 } });
    intake = await intakeHarness(infra);
  });
  afterAll(async () => {
    await intake?.close();
    await infra?.cleanup();
  });

  it('pages through a list oldest first, each case once, resuming inside ties on report time', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const { incidentId } = await seedCase(infra);
      ids.push(incidentId);
      // Three share one report time: a page boundary falls inside the tie.
      await enlist(incidentId, 'handling', i < 3 ? 1_000 : 1_000 + i);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const { status, body }: { status: number; body: Page } = await get(
        `/v1/incidents?area=${HUICHENG.code}&queue=handling&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        ACTORS.dispatcher,
      );
      expect(status).toBe(200);
      seen.push(...body.items.map((i) => i.incidentId));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    const tie = [...ids.slice(0, 3)].sort();
    expect(seen).toEqual([...tie, ...ids.slice(3)]);
    // The grid's own list and the district's hold the same cases.
    expect((await get(`/v1/incidents?area=${GRID}&queue=handling&limit=200`, ACTORS.dispatcher)).body.items).toHaveLength(7);
  });

  it('shows a case only while its view still puts it on the list, and never one without a view', async () => {
    const { incidentId } = await seedCase(infra);
    await enlist(incidentId, 'verifying', 5_000);
    await enlist('00000000-0000-4000-8000-000000000001', 'verifying', 5_001);
    const { body } = await get(`/v1/incidents?area=${HUICHENG.code}&queue=verifying`, ACTORS.dispatcher);
    // The seeded case is with its department (handling), not waiting for 核查; the other has no view at all.
    expect(body.items).toEqual([]);
  });

  it('leaves out a case whose stored view fails its schema, and answers the rest of the list', async () => {
    const { incidentId: good } = await seedCase(infra);
    const { incidentId: bad } = await seedCase(infra);
    await enlist(good, 'suspended', 40_000);
    await enlist(bad, 'suspended', 40_001);
    const view = readModelKeys(infra.keyPrefix).view(bad);
    const stored = JSON.parse((await infra.redis.get(view))!) as Record<string, unknown>;
    await infra.redis.set(view, JSON.stringify({ ...stored, status: 'lost', suspended: true }));
    await infra.redis.set(readModelKeys(infra.keyPrefix).view(good), JSON.stringify({ ...stored, incidentId: good, suspended: true }));
    const res = await get(`/v1/incidents?area=${HUICHENG.code}&queue=suspended`, ACTORS.dispatcher);
    expect(res.status).toBe(200);
    expect(res.body.items.map((i) => i.incidentId)).toEqual([good]);
    // Read alone, the damaged case is an error naming it, not a view taken on trust.
    const one = await intake.app.inject({ method: 'GET', url: `/v1/incidents/${bad}`, headers: as(ACTORS.dispatcher) });
    expect(one.statusCode).toBe(500);
  });

  it('lets dispatchers and leaders list their own areas only; other roles none', async () => {
    const url = `/v1/incidents?area=${HUICHENG.code}&queue=handling`;
    expect((await get(url, ACTORS.leader)).status).toBe(200);
    expect((await get(url, ACTORS.dazeLeader)).body.error).toMatchObject({ code: 'OUT_OF_JURISDICTION' });
    expect((await get(url, ACTORS.dazeDispatcher)).status).toBe(403);
    expect((await get(url, ACTORS.staff)).body.error).toMatchObject({ code: 'FORBIDDEN_ROLE' });
    expect((await get(url, ACTORS.handler)).body.error).toMatchObject({ code: 'FORBIDDEN_ROLE' });
    expect((await get(`/v1/incidents?area=${DAZE.code}&queue=handling`, ACTORS.dazeLeader)).status).toBe(200);
  });

  it('answers a bad question with 4xx naming it', async () => {
    const cases: [string, number, string][] = [
      [`/v1/incidents?area=${HUICHENG.code}&queue=lost`, 400, 'VALIDATION_FAILED'],
      [`/v1/incidents?area=${HUICHENG.code}`, 400, 'VALIDATION_FAILED'],
      [`/v1/incidents?area=${HUICHENG.code}&queue=new&mine=true`, 400, 'VALIDATION_FAILED'],
      [`/v1/incidents?area=44070&queue=new`, 400, 'VALIDATION_FAILED'],
      [`/v1/incidents?area=440799&queue=new`, 404, 'AREA_NOT_FOUND'],
      [`/v1/incidents?area=${HUICHENG.code}&queue=new&limit=201`, 400, 'VALIDATION_FAILED'],
      [`/v1/incidents?area=${HUICHENG.code}&queue=new&cursor=bm9wZQ`, 400, 'BAD_CURSOR'],
      [`/v1/incidents?area=${HUICHENG.code}&queue=new&q=${encodeURIComponent('垃')}`, 400, 'VALIDATION_FAILED'],
      [`/v1/incidents?area=${HUICHENG.code}&queue=new&subArea=${OTHER_GRID}`, 400, 'VALIDATION_FAILED'],
      [`/v1/incidents?area=${HUICHENG.code}&queue=new&subArea=440799`, 404, 'AREA_NOT_FOUND'],
      [`/v1/incidents?area=${HUICHENG.code}&queue=new&urgency=soon`, 400, 'VALIDATION_FAILED'],
      [`/v1/incidents?area=${HUICHENG.code}&queue=new&from=2026-11-20T00:00:00Z&to=2026-11-01T00:00:00Z`, 400, 'VALIDATION_FAILED'],
    ];
    for (const [url, status, code] of cases) {
      const res = await get(url, ACTORS.dispatcher);
      expect({ url, status: res.status, code: res.body.error?.code }).toEqual({ url, status, code });
    }
  });

  it('counts every queue of an area by its list: exact as cases join, for the area and every area above', async () => {
    type Counts = { area: string; counts: Record<string, number> };
    const counts = async (area: string) => {
      const res = await intake.app.inject({ method: 'GET', url: `/v1/incidents/counts?area=${area}`, headers: as(ACTORS.dispatcher) });
      expect(res.statusCode).toBe(200);
      return res.json<Counts>();
    };
    const before = await counts(GRID);
    expect(Object.keys(before.counts).sort()).toEqual([...CASE_QUEUES].sort());
    const seeded = await Promise.all([1, 2, 3].map(() => seedCase(infra)));
    const views = await Promise.all(
      seeded.map(
        async ({ incidentId }) => JSON.parse((await infra.redis.get(readModelKeys(infra.keyPrefix).view(incidentId)))!) as IncidentView,
      ),
    );
    const after = await counts(GRID);
    for (const queue of CASE_QUEUES) {
      const joined = views.filter((v) => caseQueues(v).includes(queue)).length;
      expect(after.counts[queue], queue).toBe(before.counts[queue]! + joined);
      for (const area of [GRID, HUICHENG.code])
        expect((await counts(area)).counts[queue]).toBe(await infra.redis.zcard(readModelKeys(infra.keyPrefix).caseQueue(area, queue)));
    }
    expect(after).toMatchObject({ area: GRID });
    const other = await intake.app.inject({
      method: 'GET',
      url: `/v1/incidents/counts?area=${HUICHENG.code}`,
      headers: as(ACTORS.dazeDispatcher),
    });
    expect(other.json()).toMatchObject({ error: { code: 'OUT_OF_JURISDICTION' } });
    const staff = await intake.app.inject({ method: 'GET', url: `/v1/incidents/counts?area=${GRID}`, headers: as(ACTORS.staff) });
    expect(staff.json()).toMatchObject({ error: { code: 'FORBIDDEN_ROLE' } });
    expect(
      (await intake.app.inject({ method: 'GET', url: '/v1/incidents/counts?area=440799', headers: as(ACTORS.dispatcher) })).statusCode,
    ).toBe(404);
    expect((await intake.app.inject({ method: 'GET', url: '/v1/incidents/counts', headers: as(ACTORS.dispatcher) })).statusCode).toBe(400);
  });

  it('pages a work list by deadline and by escalation level from their indexes; a cursor stays with its order', async () => {
    const seeded = await Promise.all([1, 2, 3, 4, 5].map(() => seedCase(infra)));
    const ids = new Set(seeded.map((s) => s.incidentId));
    const view = JSON.parse((await infra.redis.get(readModelKeys(infra.keyPrefix).view(seeded[0]!.incidentId)))!) as IncidentView;
    const queue = caseQueues(view)[0]!;
    for (const sort of SORT_KEYS) {
      const seen: IncidentView[] = [];
      let cursor: string | null = null;
      do {
        const res: { status: number; body: Page } = await get(
          `/v1/incidents?area=${GRID}&queue=${queue}&sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
          ACTORS.dispatcher,
        );
        expect(res.status).toBe(200);
        seen.push(...(res.body.items as unknown as IncidentView[]));
        cursor = res.body.nextCursor;
      } while (cursor);
      // Earlier tests put cases on lists with made-up scores: the order is checked on this test's own cases.
      const order = seen.filter((v) => ids.has(v.incidentId)).map((v) => [sortScores(v)[sort], v.incidentId] as const);
      const sorted = [...order].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
      expect(order, sort).toEqual(sorted);
      expect(new Set(seen.map((v) => v.incidentId)).size).toBe(seen.length);
      expect(seen.filter((v) => ids.has(v.incidentId))).toHaveLength(5);
    }
    const first = await get(`/v1/incidents?area=${GRID}&queue=${queue}&sort=deadline&limit=1`, ACTORS.dispatcher);
    const wrong = await get(`/v1/incidents?area=${GRID}&queue=${queue}&sort=escalation&cursor=${first.body.nextCursor}`, ACTORS.dispatcher);
    expect(wrong.body.error).toMatchObject({ code: 'BAD_CURSOR' });
    expect((await get(`/v1/incidents?area=${GRID}&queue=${queue}&cursor=${first.body.nextCursor}`, ACTORS.dispatcher)).status).toBe(400);
    expect((await get(`/v1/incidents?area=${GRID}&queue=${queue}&sort=soon`, ACTORS.dispatcher)).status).toBe(400);
    expect((await get('/v1/incidents?mine=true&sort=deadline', ACTORS.staff)).status).toBe(400);
  });

  it('lists a person’s own reports newest first, and only theirs', async () => {
    // A reporter of this test only: the writer puts every seeded case on its reporter's list.
    const reporter = { ...ACTORS.staff, id: 'staff-mine' };
    // Kept under the reporter's pseudonym (ADR 0016), as the read side's writer keeps it.
    const reportedBy = readModelKeys(infra.keyPrefix).reportedBy(encryption.pseudonyms.person(reporter.id));
    const mine: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { incidentId } = await seedCase(infra, { reporter });
      mine.push(incidentId);
      // Distinct report times (cases seeded within one millisecond would tie).
      await infra.redis.zadd(reportedBy, 10_000 + i, incidentId);
    }
    expect(await infra.redis.zcard(reportedBy)).toBe(3);
    const { incidentId: theirs } = await seedCase(infra, { reporter: ACTORS.otherStaff, gridCode: OTHER_GRID });
    // Even a list naming someone else's case shows only the caller's own.
    await infra.redis.zadd(reportedBy, 20_000, theirs);
    const first = await get('/v1/incidents?mine=true&limit=2', reporter);
    expect(first.status).toBe(200);
    const second = await get(`/v1/incidents?mine=true&limit=2&cursor=${first.body.nextCursor}`, reporter);
    const shown = [...first.body.items, ...second.body.items];
    expect(shown.map((i) => i.incidentId)).toEqual([...mine].reverse());
    expect(shown.every((i) => i.reporterId === reporter.id)).toBe(true);
    expect((await get('/v1/incidents?mine=true', ACTORS.otherStaff)).body.items.map((i) => i.incidentId)).toEqual([theirs]);
  });

  it('filters a list and one’s own reports by category, area and text; never finds a confidential lead by its text', async () => {
    const reporter = { ...ACTORS.staff, id: 'staff-filters' };
    const { incidentId: rubbish } = await seedCase(infra, { reporter, description: '路边堆放生活垃圾', address: '同德路12号' });
    const { incidentId: cover } = await seedCase(infra, { reporter, category: 'manhole_cover', description: '井盖缺失' });
    const { incidentId: lead } = await seedCase(infra, { reporter, category: 'gang_crime_lead', description: '同德路有人收保护费，垃圾' });
    const ids = async (url: string, actor: Person = reporter) => {
      const res = await get(url, actor);
      expect(res.status).toBe(200);
      return res.body.items.map((i) => i.incidentId);
    };
    const q = (text: string) => encodeURIComponent(text);
    expect(await ids(`/v1/incidents?mine=true&q=${q('垃圾')}`)).toEqual([rubbish]);
    expect(await ids(`/v1/incidents?mine=true&q=${q('同德路 生活')}`)).toEqual([rubbish]);
    expect(await ids(`/v1/incidents?mine=true&q=${q('保护费')}`)).toEqual([]);
    expect(await ids(`/v1/incidents?mine=true&category=manhole_cover`)).toEqual([cover]);
    expect(await ids(`/v1/incidents?mine=true&category=gang_crime_lead`)).toEqual([lead]);
    expect(await ids(`/v1/incidents?mine=true&subArea=${OTHER_GRID}`)).toEqual([]);
    expect((await ids(`/v1/incidents?mine=true&subArea=${GRID}`)).sort()).toEqual([rubbish, cover, lead].sort());
    expect(await ids(`/v1/incidents?mine=true&q=${q('井盖')}&from=2020-01-01T00:00:00Z&to=2020-12-31T00:00:00Z`)).toEqual([]);
    // On a work list the same filters hold, for a dispatcher of the area; the grid as a sub-area.
    const view = JSON.parse((await infra.redis.get(readModelKeys(infra.keyPrefix).view(cover)))!) as { status: string };
    const queue = view.status === 'reported' ? 'new' : 'handling';
    const list = `/v1/incidents?area=${HUICHENG.code}&queue=${queue}&limit=200&subArea=${GRID}`;
    expect(await ids(`${list}&q=${q('井盖缺失')}`, ACTORS.dispatcher)).toEqual([cover]);
    expect(await ids(`${list}&q=${q('井盖')}&category=exposed_rubbish`, ACTORS.dispatcher)).toEqual([]);
  });

  it('hides the reporter of a confidential lead from a leader reading the list, not from the area’s dispatcher', async () => {
    const { incidentId } = await seedCase(infra, { category: 'gang_crime_lead' });
    const view = JSON.parse((await infra.redis.get(readModelKeys(infra.keyPrefix).view(incidentId)))!) as { status: string };
    await enlist(incidentId, view.status === 'reported' ? 'new' : 'handling', 30_000);
    const queue = view.status === 'reported' ? 'new' : 'handling';
    const byLeader = (await get(`/v1/incidents?area=${HUICHENG.code}&queue=${queue}&limit=200`, ACTORS.leader)).body.items;
    const byDispatcher = (await get(`/v1/incidents?area=${HUICHENG.code}&queue=${queue}&limit=200`, ACTORS.dispatcher)).body.items;
    expect(byLeader.find((i) => i.incidentId === incidentId)).toMatchObject({ reporterId: null });
    expect(byDispatcher.find((i) => i.incidentId === incidentId)).toMatchObject({ reporterId: ACTORS.staff.id });
  });
});

describe('intake-api directory (GET /v1/me, GET /v1/areas/:code)', () => {
  let infra: TestInfra;
  let intake: IntakeHarness;
  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 1, events: 1 } });
    intake = await intakeHarness(infra);
  });
  afterAll(async () => {
    await intake?.close();
    await infra?.cleanup();
  });

  it('tells the caller who they are, with the names of their areas', async () => {
    const res = await intake.app.inject({ method: 'GET', url: '/v1/me', headers: as(ACTORS.handler) });
    expect(res.json()).toEqual({
      actor: {
        id: ACTORS.handler.id,
        role: 'handler',
        department: 'sanitation',
        areas: [{ code: '440705', name: '新会区', level: 'district' }],
      },
    });
    expect((await intake.app.inject({ method: 'GET', url: '/v1/me' })).statusCode).toBe(401);
  });

  it('lists the catalog: categories (with their department) and departments, by code and name', async () => {
    const res = await intake.app.inject({ method: 'GET', url: '/v1/catalog', headers: as(ACTORS.dispatcher) });
    const body = res.json<{
      categories: { code: string; defaultDepartment: string; confidential: boolean }[];
      departments: { code: string }[];
    }>();
    const departments = new Set(body.departments.map((d) => d.code));
    expect(body.categories.length).toBeGreaterThan(0);
    expect(body.categories.every((c) => departments.has(c.defaultDepartment))).toBe(true);
    expect(body.categories.find((c) => c.code === 'gang_crime_lead')).toMatchObject({ confidential: true });
    expect((await intake.app.inject({ method: 'GET', url: '/v1/catalog' })).statusCode).toBe(401);
  });

  it('walks the area tree: the path from the top and the children', async () => {
    const res = await intake.app.inject({ method: 'GET', url: `/v1/areas/${HUICHENG.code}`, headers: as(ACTORS.staff) });
    const body = res.json<{ path: { code: string; level: string }[]; children: { level: string }[]; name: string }>();
    expect(body.name).toBe('会城街道');
    expect(body.path.map((p) => p.level)).toEqual(['city', 'district', 'town']);
    expect(body.children.length).toBe(areas.children(HUICHENG.code).length);
    expect(body.children.every((c) => c.level === 'community')).toBe(true);
    const grid = (await intake.app.inject({ method: 'GET', url: `/v1/areas/${GRID}`, headers: as(ACTORS.staff) })).json<{
      children: unknown[];
    }>();
    expect(grid.children).toEqual([]);
    const missing = await intake.app.inject({ method: 'GET', url: '/v1/areas/440799', headers: as(ACTORS.staff) });
    expect(missing.statusCode).toBe(404);
    expect((await intake.app.inject({ method: 'GET', url: '/v1/areas/abc', headers: as(ACTORS.staff) })).statusCode).toBe(400);
  });
});
