import { randomUUID } from 'node:crypto';
import { stampEvents, type Actor, type Command, type DecidedEvent, type GridEvent } from '@gridgov/contracts';
import { decide, DEPARTMENT_QUEUES, evolve, tick, type Incident, type IncidentState } from '@gridgov/domain';
import { caseChange, readModelKeys, ReadModelWriter } from '@gridgov/read-model';
import { bearer, createTestInfra, type TestInfra } from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTORS, areas, context, DAZE, GRID, HUICHENG, intakeHarness, type IntakeHarness } from '../test-harness.ts';

type Person = Omit<Parameters<typeof bearer>[0], 'sub'> & { readonly id: string };
const as = (actor: Person) => bearer({ sub: actor.id, ...actor });

interface Page {
  items: { incidentId: string; status: string; department: string | null }[];
  nextCursor: string | null;
  error?: { code: string; message: string };
}

/** A sanitation handler of 大泽镇 only, and a dispatcher holding two towns. */
const DAZE_HANDLER = { id: 'handler-sanitation-daze', role: 'handler', department: 'sanitation', areas: [DAZE.code] } as const;
const TWO_TOWNS = { id: 'dispatcher-two', role: 'dispatcher', areas: [HUICHENG.code, DAZE.code] } as const;

/** One step of a case's life: a command by someone, or the timers firing at an instant. */
type Step = { readonly by: Actor; readonly command: Command } | { readonly tickAt: (s: Incident) => number };

/**
 * Handlers' work lists (GET /v1/incidents?department=&queue=, GET /v1/incidents/counts?department=): every case is
 * driven through the real decider and timers, and each change written by the read model's writer as the read side's
 * projector writes it, so the lists are the ones the projection keeps.
 */
describe("a department's work lists (real Redis)", () => {
  let infra: TestInfra;
  let intake: IntakeHarness;
  let writer: ReadModelWriter;
  let reportedAt = Date.now() - 86_400_000;
  const get = async (url: string, actor: Person) => {
    const res = await intake.app.inject({ method: 'GET', url, headers: as(actor) });
    return { status: res.statusCode, body: res.json<Page>() };
  };

  /** A case reported in `gridCode` (routed by the rules: rubbish goes to sanitation), then taken through `steps`. */
  async function drive(steps: readonly Step[], gridCode = GRID): Promise<{ incidentId: string; state: Incident }> {
    const incidentId = randomUUID();
    let state: IncidentState = null;
    // Each case reported a second after the one before: the lists' order (report time) is the order of driving.
    let now = (reportedAt += 1_000);
    const apply = async (decided: readonly DecidedEvent[], commandId?: string) => {
      const events: GridEvent[] = stampEvents(decided, { incidentId, version: state?.version ?? 0, ...(commandId ? { commandId } : {}) });
      const before = state;
      for (const e of events) state = evolve(state, e);
      await writer.writeCases([caseChange(incidentId, before, state!, events, areas)]);
    };
    const command = async (by: Actor, cmd: Command) => {
      const commandId = randomUUID();
      const envelope = { commandId, incidentId, issuedAt: new Date(now).toISOString(), actor: by, command: cmd };
      const decision = decide(envelope, state, context, new Date(now));
      if (decision.kind !== 'accepted') throw new Error(`${cmd.type}: ${decision.rejection.code} ${decision.rejection.message}`);
      await apply(decision.events, commandId);
    };
    await command(ACTORS.staff.areas[0] === gridCode ? ACTORS.staff : { id: 'staff-daze', role: 'grid_staff', areas: [gridCode] }, {
      type: 'ReportIncident',
      data: {
        reportId: `r-${incidentId}`,
        gridCode,
        category: 'exposed_rubbish',
        urgency: 'normal',
        description: '路边堆放生活垃圾',
        location: { lat: 22.5, lng: 113.0 },
        occurredAt: new Date(now).toISOString(),
      },
    });
    for (const step of steps) {
      if ('tickAt' in step) {
        now = step.tickAt(state!);
        await apply(tick(state, context, new Date(now)));
      } else await command(step.by, step.command);
    }
    return { incidentId, state: state! };
  }

  const handler = ACTORS.handler;
  const accept: Step = { by: handler, command: { type: 'AcceptIncident', data: {} } };
  const resolve: Step = { by: handler, command: { type: 'ResolveIncident', data: { notes: '已清理' } } };
  const rework: Step = { by: ACTORS.staff, command: { type: 'VerifyIncident', data: { passed: false, notes: '未清理干净' } } };
  const extension: Step = {
    by: handler,
    command: { type: 'RequestExtension', data: { unit: 'working_days', amount: 2, reason: '需调用大型机械' } },
  };
  /** The handling deadline: just before it (every warning sent), or just after (missed). */
  const handlingDue = (s: Incident) => s.clocks.find((c) => c.stage === 'handling')!.due;
  const warned: Step = { tickAt: (s) => handlingDue(s) - 1 };
  const overdue: Step = { tickAt: (s) => handlingDue(s) + 1 };

  const cases: Record<string, string[]> = {};
  const list = async (queue: string, actor: Person, extra = '') => {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: Page } = await get(
        `/v1/incidents?department=sanitation&queue=${queue}&limit=2${extra}${cursor ? `&cursor=${cursor}` : ''}`,
        actor,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      for (const item of res.body.items) expect(item.department).toBe('sanitation');
      ids.push(...res.body.items.map((i) => i.incidentId));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    return { ids, pages };
  };

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 1, events: 1 } });
    intake = await intakeHarness(infra);
    writer = new ReadModelWriter(infra.redis, infra.keyPrefix, 3600);
    const plan: Record<string, Step[]> = {
      awaiting: [],
      handling: [accept],
      warned: [accept, warned],
      overdue: [accept, overdue],
      rework: [accept, resolve, rework],
      extension: [accept, extension],
      resolved: [accept, resolve],
    };
    for (const [name, steps] of Object.entries(plan)) {
      cases[name] = [];
      // Five of each: lists of more than two pages at limit=2.
      for (let i = 0; i < 5; i++) cases[name].push((await drive(steps)).incidentId);
    }
    // Sanitation's cases in 大泽镇: on 大泽镇's lists, not 会城街道's.
    cases.daze = [(await drive([], areas.children(areas.children(DAZE.code)[0]!.code)[0]!.code)).incidentId];
  });
  afterAll(async () => {
    await intake?.close();
    await infra?.cleanup();
  });

  it('puts each case on the queues it is in, pages each queue two at a time with every case once, oldest first', async () => {
    const { awaiting, handling, warned, overdue, rework, extension } = cases;
    const expected: Record<(typeof DEPARTMENT_QUEUES)[number], string[]> = {
      // 大泽镇's case too: the handler holds the whole district.
      awaiting_sign_for: [...awaiting!, ...cases.daze!],
      // Signed for: every case of the department being handled, whatever else it is on.
      handling: [...handling!, ...warned!, ...overdue!, ...rework!, ...extension!],
      warned: warned!,
      overdue: overdue!,
      rework: rework!,
      extension_requested: extension!,
    };
    for (const queue of DEPARTMENT_QUEUES) {
      const { ids, pages } = await list(queue, ACTORS.handler);
      expect(ids, queue).toEqual(expected[queue]);
      expect(new Set(ids).size).toBe(ids.length);
      expect(pages, queue).toBe(Math.ceil(expected[queue].length / 2));
    }
    // A case handed back (反馈 given, waiting for 核查) is on none of them.
    for (const queue of DEPARTMENT_QUEUES) expect((await list(queue, ACTORS.handler)).ids).not.toContain(cases.resolved![0]);
  });

  it('counts every queue exactly, as the lists hold, for the area asked and each above', async () => {
    const res = await intake.app.inject({ method: 'GET', url: '/v1/incidents/counts?department=sanitation', headers: as(ACTORS.handler) });
    expect(res.statusCode).toBe(200);
    const district = res.json<{ area: string; department: string; counts: Record<string, number> }>();
    expect(district).toEqual({
      area: '440705',
      department: 'sanitation',
      counts: { awaiting_sign_for: 6, handling: 25, warned: 5, overdue: 5, rework: 5, extension_requested: 5 },
    });
    const town = await intake.app.inject({
      method: 'GET',
      url: `/v1/incidents/counts?department=sanitation&area=${HUICHENG.code}`,
      headers: as(ACTORS.leader),
    });
    expect(town.json<{ counts: Record<string, number> }>().counts.awaiting_sign_for).toBe(5);
    for (const area of areas.lineage(GRID).filter((a) => areas.isWithin(a, '440705')))
      for (const queue of DEPARTMENT_QUEUES)
        expect(await infra.redis.zcard(readModelKeys(infra.keyPrefix).departmentQueue(area, 'sanitation', queue))).toBe(
          (await get(`/v1/incidents?department=sanitation&queue=${queue}&subArea=${area}&limit=200`, ACTORS.dispatcher)).body.items.length,
        );
  });

  it('moves a reassigned case to the new department and a signed-for case out of 待签收', async () => {
    const { incidentId } = await drive([
      { by: ACTORS.dispatcher, command: { type: 'ReassignIncident', data: { department: 'public_security', reason: '涉及治安' } } },
    ]);
    expect((await list('awaiting_sign_for', ACTORS.handler)).ids).not.toContain(incidentId);
    const police = await get('/v1/incidents?department=public_security&queue=awaiting_sign_for', ACTORS.police);
    expect(police.body.items.map((i) => i.incidentId)).toEqual([incidentId]);
  });

  it("shows a handler only their own department's cases in their own areas; dispatchers and leaders any department's in theirs", async () => {
    // Another department's handler: refused sanitation's list, and their own holds none of sanitation's cases.
    const other = await get('/v1/incidents?department=sanitation&queue=handling', ACTORS.police);
    expect(other.status).toBe(403);
    expect(other.body.error?.code).toBe('NOT_ASSIGNED');
    const counts = await intake.app.inject({
      method: 'GET',
      url: '/v1/incidents/counts?department=sanitation',
      headers: as(ACTORS.police),
    });
    expect(counts.statusCode).toBe(403);
    const own = await get('/v1/incidents?department=public_security&queue=handling', ACTORS.police);
    expect(own.body.items).toEqual([]);
    // Sanitation in another town: only that town's case, and 会城街道's list is out of their reach.
    expect((await list('awaiting_sign_for', DAZE_HANDLER)).ids).toEqual(cases.daze);
    const outside = await get(`/v1/incidents?department=sanitation&queue=handling&subArea=${HUICHENG.code}`, DAZE_HANDLER);
    expect(outside.body.error?.code).toBe('OUT_OF_JURISDICTION');
    // Dispatchers and leaders of the area read any department's list there; grid staff and admins none.
    expect((await list('rework', ACTORS.leader)).ids).toEqual(cases.rework);
    expect((await list('rework', ACTORS.dispatcher)).ids).toEqual(cases.rework);
    expect((await list('rework', ACTORS.dazeLeader)).ids).toEqual([]);
    expect((await get('/v1/incidents?department=sanitation&queue=rework', ACTORS.staff)).body.error?.code).toBe('FORBIDDEN_ROLE');
  });

  it('answers a bad question about a department list with 4xx naming it', async () => {
    const bad: [string, Person, number, string][] = [
      ['/v1/incidents?department=sanitation&queue=new', ACTORS.handler, 400, 'VALIDATION_FAILED'],
      ['/v1/incidents?department=sanitation&queue=lost', ACTORS.handler, 400, 'VALIDATION_FAILED'],
      ['/v1/incidents?department=sanitation', ACTORS.handler, 400, 'VALIDATION_FAILED'],
      ['/v1/incidents?department=sanitation&queue=handling&sort=deadline', ACTORS.handler, 400, 'VALIDATION_FAILED'],
      ['/v1/incidents?department=sanitation&queue=handling&cursor=bm9wZQ', ACTORS.handler, 400, 'BAD_CURSOR'],
      ['/v1/incidents?department=sanitation&queue=handling&subArea=440799', ACTORS.handler, 404, 'AREA_NOT_FOUND'],
      [`/v1/incidents?area=${HUICHENG.code}&queue=awaiting_sign_for`, ACTORS.dispatcher, 400, 'VALIDATION_FAILED'],
      // Two towns held: which one must be said.
      ['/v1/incidents?department=sanitation&queue=handling', TWO_TOWNS, 400, 'VALIDATION_FAILED'],
      ['/v1/incidents/counts?department=sanitation', TWO_TOWNS, 400, 'VALIDATION_FAILED'],
      ['/v1/incidents/counts?department=sanitation&area=440799', ACTORS.dispatcher, 404, 'AREA_NOT_FOUND'],
    ];
    for (const [url, actor, status, code] of bad) {
      const res = await get(url, actor);
      expect({ url, status: res.status, code: res.body.error?.code }).toEqual({ url, status, code });
    }
    expect((await get(`/v1/incidents?department=sanitation&queue=handling&subArea=${HUICHENG.code}`, TWO_TOWNS)).status).toBe(200);
  });
});
