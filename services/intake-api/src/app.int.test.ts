import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { envelopeSignatureProblem } from '@gridgov/auth';
import type { CommandEnvelope } from '@gridgov/contracts';
import { readModelKeys } from '@gridgov/read-model';
import { bearer, createTestInfra, TEST_COMMAND_SIGNING_KEY, testToken, type TestInfra } from '@gridgov/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTORS, GRID, intakeHarness, OTHER_GRID, seedCase, type IntakeHarness } from './test-harness.ts';

const as = (actor: (typeof ACTORS)[keyof typeof ACTORS]) => bearer({ sub: actor.id, ...actor });

const reportBody = (over: Record<string, unknown> = {}) => ({
  reportId: `r-${randomUUID()}`,
  gridCode: GRID,
  category: 'exposed_rubbish',
  urgency: 'normal',
  description: '路边堆放生活垃圾',
  location: { lat: 22.52, lng: 113.03 },
  occurredAt: new Date(Date.now() - 60_000).toISOString(),
  ...over,
});

interface ErrorBody {
  error: { code: string; message: string; requestId: string };
}

describe('intake-api: who may do what, where (real Kafka and Redis)', () => {
  let infra: TestInfra;
  let intake: IntakeHarness;
  const lines: string[] = [];

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 1, events: 1 } });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    intake = await intakeHarness(infra, { logger: pino({ level: 'info' }, sink), corsOrigins: ['https://dashboard.example.gov.cn'] });
  });

  afterAll(async () => {
    await intake?.close();
    await infra?.cleanup();
  });

  const post = (url: string, headers: Record<string, string>, payload: unknown = {}) =>
    intake.app.inject({ method: 'POST', url, headers, payload: payload as Record<string, unknown> });
  const get = (url: string, headers: Record<string, string> = {}) => intake.app.inject({ method: 'GET', url, headers });

  it('answers 401 naming the problem for a missing, malformed, forged or expired token, and produces nothing', async () => {
    const before = intake.sent();
    const expired = testToken({ role: 'grid_staff', areas: [GRID], ttlSeconds: 60 }, Date.now() - 3_600_000);
    const forged = testToken({ role: 'grid_staff', areas: [GRID] }).replace(/.{4}$/, 'AAAA');
    for (const [authorization, message] of [
      [undefined, /a bearer token is required/],
      ['Token abc', /expected "Bearer <token>"/],
      ['Bearer abc.def', /not a JWT/],
      [`Bearer ${forged}`, /signature does not verify/],
      [`Bearer ${expired}`, /the token expired at/],
    ] as const) {
      const res = await post('/v1/incidents', authorization ? { authorization } : {}, reportBody());
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
      expect(res.json<ErrorBody>().error).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(message) as string });
    }
    expect(intake.sent()).toBe(before);
  });

  it('takes a report only from grid staff, only in their own grids; the command is signed and carries the actor’s areas', async () => {
    const before = intake.sent();
    const other = await post('/v1/incidents', as(ACTORS.staff), reportBody({ gridCode: OTHER_GRID }));
    expect(other.statusCode).toBe(403);
    expect(other.json<ErrorBody>().error).toMatchObject({
      code: 'OUT_OF_JURISDICTION',
      message: expect.stringContaining(OTHER_GRID) as string,
    });
    const dispatcher = await post('/v1/incidents', as(ACTORS.dispatcher), reportBody());
    expect(dispatcher.json<ErrorBody>().error).toMatchObject({
      code: 'FORBIDDEN_ROLE',
      message: 'ReportIncident is not for the dispatcher role (dispatcher-01)',
    });
    expect(intake.sent()).toBe(before);

    const res = await post('/v1/incidents', as(ACTORS.staff), reportBody());
    expect(res.statusCode).toBe(202);
    expect(intake.sent()).toBe(before + 1);
    const produced = JSON.parse(intake.records.at(-1)!.value) as CommandEnvelope;
    expect(produced.actor).toEqual({ id: 'staff-001', role: 'grid_staff', areas: [GRID] });
    expect(
      envelopeSignatureProblem(produced, [TEST_COMMAND_SIGNING_KEY], { topic: infra.topics.commands, key: produced.incidentId }),
    ).toBeUndefined();
    // Signed now, by the wall clock (the intake's domain clock may be moved): the worker times it (ADR 0019).
    expect(Math.abs(Date.parse(produced.signedAt!) - Date.now())).toBeLessThan(60_000);
  });

  it('checks a command on a known case against its grid and department at the edge', async () => {
    const { incidentId } = await seedCase(infra);
    const before = intake.sent();
    // Those who may not see the case hear that there is none (404); those whose role may not do it at all, 403.
    const refused = [
      [ACTORS.dazeDispatcher, 'escalate', { reason: '督办' }, 404, 'UNKNOWN_INCIDENT'],
      [ACTORS.police, 'accept', {}, 404, 'UNKNOWN_INCIDENT'],
      [ACTORS.otherStaff, 'verify', { passed: true }, 404, 'UNKNOWN_INCIDENT'],
      [ACTORS.leader, 'escalate', { reason: '督办' }, 403, 'FORBIDDEN_ROLE'],
      [ACTORS.admin, 'dispatch', { department: 'sanitation' }, 403, 'FORBIDDEN_ROLE'],
    ] as const;
    for (const [actor, action, body, status, code] of refused) {
      const res = await post(`/v1/incidents/${incidentId}/${action}`, as(actor), body);
      expect({ action, status: res.statusCode, code: res.json<ErrorBody>().error.code }).toEqual({ action, status, code });
    }
    expect(intake.sent()).toBe(before);
    expect((await post(`/v1/incidents/${incidentId}/accept`, as(ACTORS.handler))).statusCode).toBe(202);
    expect((await post(`/v1/incidents/${incidentId}/escalate`, as(ACTORS.dispatcher), { reason: '督办' })).statusCode).toBe(202);
    expect(intake.sent()).toBe(before + 2);
  });

  it('shows a case to those who may read it; the reporter of a confidential lead only to the dispatchers of its area', async () => {
    const whistle = { id: 'whistle-0042', role: 'grid_staff' as const, areas: [GRID] };
    const { incidentId } = await seedCase(infra, { category: 'gang_crime_lead', reporter: whistle });
    const read = async (actor: (typeof ACTORS)[keyof typeof ACTORS] | typeof whistle) => {
      const res = await get(`/v1/incidents/${incidentId}`, bearer({ sub: actor.id, ...actor }));
      return {
        status: res.statusCode,
        text: res.body,
        body: res.json<{ incident: { reporterId: string | null }; error?: { code: string } }>(),
      };
    };
    const dispatcher = await read(ACTORS.dispatcher);
    expect(dispatcher.status).toBe(200);
    expect(dispatcher.body.incident.reporterId).toBe('whistle-0042');
    expect(dispatcher.text).toContain(`seed-${incidentId}`);
    // Routed to public security: its handlers may read the case, never its reporter.
    const police = await read(ACTORS.police);
    expect(police.status).toBe(200);
    expect(police.body.incident.reporterId).toBeNull();
    expect(police.text).not.toContain('whistle-0042');
    expect(police.text).not.toContain(`seed-${incidentId}`);
    const leader = await read(ACTORS.leader);
    expect(leader.status).toBe(200);
    expect(leader.text).not.toContain('whistle-0042');
    expect((await read(whistle)).body.incident.reporterId).toBe('whistle-0042');

    // Whoever may not see the case hears that there is none.
    expect((await read(ACTORS.handler)).body.error?.code).toBe('UNKNOWN_INCIDENT');
    expect((await read(ACTORS.dazeLeader)).body.error?.code).toBe('UNKNOWN_INCIDENT');
    expect((await read(ACTORS.staff)).body.error?.code).toBe('UNKNOWN_INCIDENT');
    expect((await read(ACTORS.admin)).body.error?.code).toBe('FORBIDDEN_ROLE');
  });

  it('lists who did what, when, for dispatchers and leaders of the area (GET /v1/incidents/:id/audit)', async () => {
    const { incidentId, events } = await seedCase(infra);
    const res = await get(`/v1/incidents/${incidentId}/audit`, as(ACTORS.leader));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      incidentId,
      entries: events.map((e) => ({
        version: e.metadata.version,
        at: e.metadata.occurredAt,
        type: e.type,
        actor: e.metadata.actor,
        commandId: e.metadata.commandId,
      })),
    });
    expect(res.json<{ entries: { actor: { id: string } }[] }>().entries[0]!.actor.id).toBe('staff-001');
    for (const actor of [ACTORS.handler, ACTORS.staff]) {
      expect((await get(`/v1/incidents/${incidentId}/audit`, as(actor))).json<ErrorBody>().error.code).toBe('FORBIDDEN_ROLE');
    }
    expect((await get(`/v1/incidents/${incidentId}/audit`, as(ACTORS.dazeLeader))).statusCode).toBe(404);
    expect((await get(`/v1/incidents/${randomUUID()}/audit`, as(ACTORS.leader))).statusCode).toBe(404);

    const { incidentId: lead } = await seedCase(infra, { category: 'gang_crime_lead' });
    const audit = await get(`/v1/incidents/${lead}/audit`, as(ACTORS.leader));
    expect(audit.body).not.toContain('staff-001');
    expect((await get(`/v1/incidents/${lead}/audit`, as(ACTORS.dispatcher))).body).toContain('staff-001');
  });

  it('shows a command’s outcome to whoever gave it only', async () => {
    const commandId = randomUUID();
    await infra.redis.set(
      readModelKeys(infra.keyPrefix).outcome(commandId),
      JSON.stringify({
        status: 'rejected',
        commandId,
        incidentId: randomUUID(),
        decidedAt: new Date().toISOString(),
        actorId: 'dispatcher-01',
        code: 'INVALID_TRANSITION',
        message: 'no',
      }),
    );
    expect((await get(`/v1/commands/${commandId}`, as(ACTORS.dispatcher))).statusCode).toBe(200);
    // Someone else's command is answered as one not decided yet, word for word.
    const other = await get(`/v1/commands/${commandId}`, as(ACTORS.dazeDispatcher));
    expect({ status: other.statusCode, body: other.json<unknown>() }).toEqual({ status: 202, body: { commandId, status: 'pending' } });
  });

  describe('a case the caller may not see is answered as one that does not exist (issue 20, finding 8)', () => {
    /** The answer with the case id put as <id> and the request id left out: what an outsider can compare. */
    const answer = (res: { statusCode: number; json: <T>() => T }, id: string) => {
      const { error } = res.json<ErrorBody>();
      return { status: res.statusCode, code: error.code, message: error.message.replaceAll(id, '<id>') };
    };
    const UNKNOWN = { status: 404, code: 'UNKNOWN_INCIDENT', message: 'params.id: no incident <id>' };

    it('reads, audits and commands of outsiders get the 404 of an id no case has, naming nothing of the case, and produce nothing', async () => {
      // Routed to public security: the sanitation handler may not see it.
      const { incidentId } = await seedCase(infra, { category: 'gang_crime_lead', address: '同德路' });
      const nobody = randomUUID();
      const before = intake.sent();
      const tries = [
        ['GET', '', ACTORS.dazeDispatcher, undefined],
        ['GET', '', ACTORS.handler, undefined],
        ['GET', '', ACTORS.dazeLeader, undefined],
        ['GET', '', ACTORS.otherStaff, undefined],
        ['GET', '/audit', ACTORS.dazeLeader, undefined],
        ['GET', '/audit', ACTORS.dazeDispatcher, undefined],
        ['POST', '/escalate', ACTORS.dazeDispatcher, { reason: '督办' }],
        ['POST', '/accept', ACTORS.handler, {}],
        ['POST', '/resolve', ACTORS.handler, { notes: '已处置' }],
      ] as const;
      for (const [method, suffix, actor, body] of tries) {
        const at = async (id: string) =>
          method === 'GET' ? get(`/v1/incidents/${id}${suffix}`, as(actor)) : post(`/v1/incidents/${id}${suffix}`, as(actor), body);
        const [hidden, missing] = [await at(incidentId), await at(nobody)];
        expect({ who: actor.id, suffix, ...answer(hidden, incidentId) }).toEqual({ who: actor.id, suffix, ...UNKNOWN });
        expect(answer(missing, nobody)).toEqual(UNKNOWN);
        for (const detail of [GRID, 'public_security', 'staff-001', 'gang_crime_lead', '同德路']) expect(hidden.body).not.toContain(detail);
      }
      expect(intake.sent()).toBe(before);
    });

    it('lets a command on a case the read side does not show go on to the decider while the read side is being restored', async () => {
      const nobody = randomUUID();
      const before = intake.sent();
      expect(answer(await post(`/v1/incidents/${nobody}/escalate`, as(ACTORS.dispatcher), { reason: '督办' }), nobody)).toEqual(UNKNOWN);
      expect(intake.sent()).toBe(before);
      // Redis lost the read side (its restored marks are gone): the case may well exist; the decider knows.
      const mark = readModelKeys(infra.keyPrefix).partition(0).eventsRestored;
      const kept = await infra.redis.get(mark);
      await infra.redis.del(mark);
      try {
        const res = await post(`/v1/incidents/${nobody}/escalate`, as(ACTORS.dispatcher), { reason: '督办' });
        expect(res.statusCode).toBe(202);
        expect(intake.sent()).toBe(before + 1);
      } finally {
        await infra.redis.set(mark, kept!);
      }
    });

    it('tells one who sees the case but may not act on it 403, naming no grid, department or reporter', async () => {
      const { incidentId } = await seedCase(infra);
      // The reporter, whose token no longer holds the case's grid: they still see their report, but may not verify it.
      const moved = bearer({ sub: 'staff-001', role: 'grid_staff', areas: [OTHER_GRID] });
      const res = await post(`/v1/incidents/${incidentId}/verify`, moved, { passed: true });
      expect(answer(res, incidentId)).toEqual({
        status: 403,
        code: 'OUT_OF_JURISDICTION',
        message: 'grid_staff staff-001 may not VerifyIncident on this case: it is outside their areas',
      });
      expect(res.body).not.toContain(GRID);
    });
  });

  it('never logs the reporter nor the report id of a confidential lead; every line of a request carries its id', async () => {
    lines.length = 0;
    const whistle = { sub: 'whistle-7777', role: 'grid_staff', areas: [GRID] } as const;
    const body = reportBody({ category: 'gang_crime_lead' });
    const res = await post('/v1/incidents', { ...bearer(whistle), 'x-request-id': 'req-lead-0001' }, body);
    expect(res.statusCode).toBe(202);
    expect(res.headers['x-request-id']).toBe('req-lead-0001');
    const log = lines.join('');
    expect(log).toContain('report accepted for dispatch');
    expect(log).not.toContain('whistle-7777');
    expect(log).not.toContain(String(body.reportId));
    expect(log).not.toContain('authorization');
    const ofRequest = lines.map((l) => JSON.parse(l) as { reqId?: string; msg: string });
    expect(ofRequest.length).toBeGreaterThanOrEqual(3);
    for (const line of ofRequest) expect(line.reqId).toBe('req-lead-0001');
  });

  it('returns the caller’s request id (a fresh one for a bad one), security headers and CORS for allowed origins', async () => {
    const own = await get('/healthz', { 'x-request-id': 'abc-123' });
    expect(own.headers['x-request-id']).toBe('abc-123');
    const bad = await get('/healthz', { 'x-request-id': 'bad id with spaces\u0007' });
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const res = await get(`/v1/incidents/${randomUUID()}`, as(ACTORS.dispatcher));
    expect(res.statusCode).toBe(404);
    expect(res.json<ErrorBody>().error.requestId).toBe(res.headers['x-request-id']);
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
    });

    const origin = 'https://dashboard.example.gov.cn';
    const preflight = await intake.app.inject({
      method: 'OPTIONS',
      url: '/v1/incidents',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': origin,
      'access-control-allow-methods': 'GET, POST, PUT, DELETE',
    });
    expect(preflight.headers['access-control-allow-headers']).toContain('authorization');
    const denied = await intake.app.inject({
      method: 'OPTIONS',
      url: '/v1/incidents',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    expect((await get('/healthz', { origin })).headers['access-control-allow-origin']).toBe(origin);
    expect((await get('/healthz', { origin: 'https://evil.example' })).headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a body over the limit with 413, naming the body', async () => {
    const before = intake.sent();
    const res = await post('/v1/incidents', as(ACTORS.staff), reportBody({ description: '垃'.repeat(20_000) }));
    expect(res.statusCode).toBe(413);
    expect(res.json<ErrorBody>().error).toMatchObject({ code: 'BODY_TOO_LARGE', message: 'body: larger than 16384 bytes' });
    expect(intake.sent()).toBe(before);
  });
});

describe('intake-api rate limits (Redis-backed)', () => {
  let infra: TestInfra;

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 1 } });
  });
  afterAll(async () => {
    await infra?.cleanup();
  });

  it('answers 429 with Retry-After past the per-user limit, shared by two instances; other users go on', async () => {
    const [one, two] = [await intakeHarness(infra, { perUser: 3 }), await intakeHarness(infra, { perUser: 3 })];
    try {
      const url = `/v1/incidents/${randomUUID()}`;
      const statuses = [];
      for (const app of [one.app, two.app, one.app, two.app])
        statuses.push((await app.inject({ method: 'GET', url, headers: as(ACTORS.dispatcher) })).statusCode);
      expect(statuses).toEqual([404, 404, 404, 429]);
      const limited = await one.app.inject({ method: 'GET', url, headers: as(ACTORS.dispatcher) });
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(limited.json<ErrorBody>().error).toMatchObject({
        code: 'RATE_LIMITED',
        message: expect.stringMatching(/^rate limit: more than 3 requests in 60 s from this user/) as string,
      });
      expect((await one.app.inject({ method: 'GET', url, headers: as(ACTORS.leader) })).statusCode).toBe(404);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('counts most hits of two instances in memory, and still answers 429 within a hundredth of the limit of it; every hit reaches Redis', async () => {
    const perUser = 200;
    const [one, two] = [
      await intakeHarness(infra, { perUser, gatheredRateLimits: true }),
      await intakeHarness(infra, { perUser, gatheredRateLimits: true }),
    ];
    const statuses: number[] = [];
    try {
      const url = `/v1/incidents/${randomUUID()}`;
      for (let i = 0; i < 260; i++)
        statuses.push((await (i % 2 === 0 ? one : two).app.inject({ method: 'GET', url, headers: as(ACTORS.police) })).statusCode);
      // Another user's few hits, well within the limit: most held by the instances when they close.
      for (let i = 0; i < 6; i++) await (i % 2 === 0 ? one : two).app.inject({ method: 'GET', url, headers: as(ACTORS.dazeLeader) });
    } finally {
      // Closing sends what each instance still holds.
      await one.close();
      await two.close();
    }
    const accepted = statuses.indexOf(429);
    // Never refused before the limit (Redis's count is never above the requests made); past it by at most what each
    // instance may accept without asking Redis (a hundredth of the limit each); refused from then on.
    expect(accepted).toBeGreaterThanOrEqual(perUser);
    expect(accepted).toBeLessThanOrEqual(perUser + 2 * (perUser / 100));
    expect(statuses.slice(0, accepted).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(accepted).every((s) => s === 429)).toBe(true);
    expect(Number(await infra.redis.get(`${infra.keyPrefix}:ratelimit:user:${ACTORS.police.id}`))).toBe(260);
    expect(Number(await infra.redis.get(`${infra.keyPrefix}:ratelimit:user:${ACTORS.dazeLeader.id}`))).toBe(6);
  });

  it('limits an address whatever the token, before it is checked', async () => {
    const app = await intakeHarness(infra, { perIp: 2 });
    try {
      const codes = [];
      for (let i = 0; i < 3; i++)
        codes.push((await app.app.inject({ method: 'GET', url: `/v1/commands/${randomUUID()}`, remoteAddress: '203.0.113.9' })).statusCode);
      expect(codes).toEqual([401, 401, 429]);
      expect((await app.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '203.0.113.9' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('serves its OpenAPI document without a token, and every route it documents exists and asks for a token unless documented public', async () => {
    const intake = await intakeHarness(infra, { admin: {} });
    try {
      const res = await intake.app.inject({ method: 'GET', url: '/openapi.json' });
      expect(res.statusCode).toBe(200);
      const document = res.json<{ openapi: string; paths: Record<string, Record<string, { security?: unknown[] }>> }>();
      expect(document.openapi).toBe('3.1.0');
      let publicOthers = 0;
      for (const [path, operations] of Object.entries(document.paths)) {
        const url = path
          .replace('{id}', randomUUID())
          .replace('{code}', '440705')
          .replace('{service_code}', 'exposed_rubbish')
          .replace('{service_request_id}', randomUUID());
        for (const [method, operation] of Object.entries(operations)) {
          const answer = await intake.app.inject({ method: method.toUpperCase() as 'GET' | 'POST', url });
          const said = `${method} ${path} ${answer.statusCode}`;
          if (['/healthz', '/readyz', '/openapi.json'].includes(path)) expect(said).toBe(`${method} ${path} 200`);
          else if (operation.security?.length === 0) {
            // Documented public (no security requirement: Open311's routes, ADR 0028): answered without a token; a
            // request POSTed without an app's api_key is 403, a read of an id no case has 404, the catalog 200.
            publicOthers++;
            const expected = method === 'post' ? 403 : path.includes('{service_request_id}') ? 404 : 200;
            expect(said).toBe(`${method} ${path} ${expected}`);
          } else expect(said).toBe(`${method} ${path} 401`);
        }
      }
      // Every public route but the probes and the document is Open311's.
      const open311 = Object.entries(document.paths).filter(([path]) => path.startsWith('/open311/'));
      expect(publicOthers).toBe(open311.reduce((n, [, operations]) => n + Object.keys(operations).length, 0));
    } finally {
      await intake.close();
    }
  });
});
