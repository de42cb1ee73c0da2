import { randomUUID } from 'node:crypto';
import { ReportIncident, type Actor } from '@gridgov/contracts';
import { ACCESS, PERSON_ROLES } from '@gridgov/domain';
import {
  asciiText,
  badAuthorization,
  createTestInfra,
  fuzzRoutes,
  notJson,
  testToken,
  type FuzzRequest as FuzzRequestOf,
  type TestInfra,
} from '@gridgov/testing';
import { readModelKeys } from '@gridgov/read-model';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { INCIDENT_COMMANDS } from './schemas.ts';
import { ACTORS, DAZE, GRID, intakeHarness, OTHER_GRID, seedCase, type IntakeHarness } from './test-harness.ts';

/**
 * Property-based fuzzing of every intake route (app.inject: no network, the real broker and Redis behind):
 * requests with one thing wrong — the token, the role, the jurisdiction, a path parameter, the body, a header
 * or the query — are answered 4xx with the house error whose message names the problem, never 5xx, and nothing
 * reaches Kafka for them (the real producer is counted). With the projection's fuzz test, ≥ 10,000 cases.
 */
const RUNS = Number(process.env['FUZZ_RUNS_INTAKE'] ?? 6_000);
const BODY_LIMIT = 4096;

type Defect = 'token' | 'role' | 'jurisdiction' | 'params' | 'body' | 'headers' | 'query';

type FuzzRequest = FuzzRequestOf<Defect>;

const ROLE_ACTORS: Record<(typeof PERSON_ROLES)[number], Actor> = {
  grid_staff: ACTORS.staff,
  handler: ACTORS.handler,
  dispatcher: ACTORS.dispatcher,
  leader: ACTORS.leader,
  admin: ACTORS.admin,
};
/** The same roles, outside the seeded case's grid, department or report. */
const OUTSIDERS: Partial<Record<(typeof PERSON_ROLES)[number], Actor>> = {
  grid_staff: ACTORS.otherStaff,
  handler: ACTORS.police,
  dispatcher: ACTORS.dazeDispatcher,
  leader: ACTORS.dazeLeader,
  admin: { id: 'admin-daze', role: 'admin', areas: [DAZE.code] },
};

const claimsOf = (actor: Actor) => ({
  sub: actor.id,
  role: actor.role as (typeof PERSON_ROLES)[number],
  areas: actor.areas ?? [],
  ...(actor.department === undefined ? {} : { department: actor.department }),
});
const bearerOf = (actor: Actor) => `Bearer ${testToken(claimsOf(actor))}`;

/** A valid body of each command route (the fuzzer changes one thing in it). */
const VALID_BODIES: Record<string, object> = {
  reject: { reason: '不予立案' },
  dispatch: { department: 'urban_mgmt' },
  reassign: { department: 'urban_mgmt', reason: '改派' },
  return: { reason: '退回' },
  accept: {},
  resolve: { notes: '已处置' },
  verify: { passed: true },
  'extension-requests': { unit: 'working_days', amount: 1, reason: '需协调' },
  'extension-requests/approve': {},
  'extension-requests/deny': { reason: '不批' },
  suspend: { reason: '挂账' },
  resume: {},
  escalate: { reason: '督办' },
  erase: { reason: '本人申请删除个人信息' },
};
function validBody(path: string): object {
  const body = VALID_BODIES[path];
  if (!body) throw new Error(`the fuzz test has no valid body for /v1/incidents/:id/${path}`);
  return body;
}
/** Every command route on an incident, as the intake registers them. */
const COMMAND_ROUTES = INCIDENT_COMMANDS.map(({ path, schema }) => ({
  path,
  type: schema.shape.type.value,
  schema: schema.shape.data,
  valid: validBody(path),
}));
const ReportBody = ReportIncident.shape.data;

const validReport = () => ({
  reportId: `r-${randomUUID()}`,
  gridCode: GRID,
  category: 'exposed_rubbish',
  urgency: 'normal',
  description: '路边堆放生活垃圾',
  location: { lat: 22.52, lng: 113.03 },
  occurredAt: '2026-11-22T01:00:00.000Z',
});

const json = { 'content-type': 'application/json' };
const auth = (authorization: string | undefined): Record<string, string> => (authorization === undefined ? {} : { authorization });

/** A body that the route's schema refuses: any JSON, a field of a valid body changed or dropped, not JSON, not JSON-typed, too big. */
function badBody(schema: z.ZodType, valid: object): fc.Arbitrary<{ payload: string; headers: Record<string, string> }> {
  const keys = Object.keys(valid);
  const refused = (value: unknown) => !schema.safeParse(value ?? {}).success;
  const asJson = (value: unknown) => ({ payload: JSON.stringify(value), headers: json });
  return fc.oneof(
    fc.jsonValue().filter(refused).map(asJson),
    ...(keys.length > 0
      ? [
          fc
            .tuple(fc.constantFrom(...keys), fc.jsonValue())
            .map(([key, value]) => ({ ...valid, [key]: value }))
            .filter(refused)
            .map(asJson),
          fc
            .constantFrom(...keys)
            .map((key) => Object.fromEntries(Object.entries(valid).filter(([k]) => k !== key)))
            .filter(refused)
            .map(asJson),
        ]
      : []),
    notJson().map((payload) => ({ payload, headers: json })),
    ...(keys.some((k) => k === 'reason' || k === 'notes')
      ? [hostileText.map((text) => asJson({ ...valid, ...(keys.includes('reason') ? { reason: text } : { notes: text }) }))]
      : []),
    fc
      .tuple(
        fc.constantFrom(
          'text/plain',
          'text/plain; charset=utf-8',
          'text/xml',
          'application/x-www-form-urlencoded',
          'multipart/form-data',
          'image/png',
        ),
        fc.string(),
      )
      .map(([type, payload]) => ({ payload, headers: { 'content-type': type } })),
    fc
      .string({ minLength: BODY_LIMIT + 1, maxLength: BODY_LIMIT + 64 })
      .map((s) => ({ payload: JSON.stringify({ ...valid, notes: s, reason: s }), headers: json })),
  );
}

/** Characters free text may not hold (issue 15, input hygiene): C0 but tab and newline, DEL, C1, bidi overrides and isolates. */
const forbiddenCharacter = fc.oneof(
  fc.integer({ min: 0, max: 0x1f }).filter((c) => c !== 0x09 && c !== 0x0a),
  fc.integer({ min: 0x7f, max: 0x9f }),
  fc.integer({ min: 0x202a, max: 0x202e }),
  fc.integer({ min: 0x2066, max: 0x2069 }),
);
/** Free text with one forbidden character somewhere in it. */
const hostileText = fc
  .tuple(fc.string({ maxLength: 40 }), forbiddenCharacter, fc.string({ maxLength: 40 }))
  .map(([before, c, after]) => `${before}${String.fromCodePoint(c)}${after}`);
/** A report id outside the safe alphabet: a space, a symbol, a control, a bidi override, an emoji, a leading mark. */
const unsafeReportId = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9]{8,20}$/),
    fc.constantFrom(' ', '/', '\\', '"', '<', '%', '\u0000', '\n', '\u202e', '\u2066', '😀', '\u200b', '\u00a0'),
    fc.nat({ max: 20 }),
  )
  .map(([id, bad, at]) => `${id.slice(0, at)}${bad}${id.slice(at)}`)
  .chain((id) => fc.constantFrom(id, `\u0301${id}`));
/** An instant past the intake's clock by more than the 5 minutes allowed, or before the floor (2020). */
const outOfBoundsInstant = fc.oneof(
  fc.integer({ min: 10 * 60_000, max: 80 * 365 * 86_400_000 }).map((ahead) => new Date(Date.now() + ahead).toISOString()),
  fc
    .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2019-12-31T15:59:59Z'), noInvalidDate: true })
    .map((d) => d.toISOString()),
);

/** Reports that break the intake's input hygiene, one thing each: what the schema's shape alone does not show. */
const hostileReport = fc.oneof(
  hostileText.map((description) => ({ ...validReport(), description })),
  hostileText.map((address) => ({ ...validReport(), location: { lat: 22.52, lng: 113.03, address } })),
  unsafeReportId.map((reportId) => ({ ...validReport(), reportId })),
  outOfBoundsInstant.map((occurredAt) => ({ ...validReport(), occurredAt })),
  outOfBoundsInstant.map((reportedAt) => ({ ...validReport(), reportedAt })),
);

const notUuid = asciiText(50).filter((s) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s));

describe('intake-api under fuzzing: bad input is answered 4xx naming the problem, and nothing is produced', () => {
  let infra: TestInfra;
  let intake: IntakeHarness;
  let incidentId: string;
  const someoneElsesCommand = randomUUID();

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 1, events: 1 } });
    intake = await intakeHarness(infra, { bodyLimit: BODY_LIMIT });
    ({ incidentId } = await seedCase(infra));
    await infra.redis.set(
      readModelKeys(infra.keyPrefix).outcome(someoneElsesCommand),
      JSON.stringify({
        status: 'accepted',
        commandId: someoneElsesCommand,
        incidentId,
        decidedAt: new Date().toISOString(),
        actorId: 'someone-else',
        events: [],
      }),
    );
  });

  afterAll(async () => {
    await intake?.close();
    await infra?.cleanup();
  });

  /** Every way to get each route wrong, one thing at a time. */
  function requests(): fc.Arbitrary<FuzzRequest> {
    const withToken = (actor: Actor) => ({ authorization: bearerOf(actor) });
    const report: fc.Arbitrary<FuzzRequest>[] = [
      badAuthorization({ role: 'grid_staff', areas: [GRID] }).map((authorization) => ({
        defect: 'token' as const,
        method: 'POST' as const,
        url: '/v1/incidents',
        headers: { ...json, ...auth(authorization) },
        payload: JSON.stringify(validReport()),
      })),
      fc.constantFrom(ACTORS.handler, ACTORS.dispatcher, ACTORS.leader, ACTORS.admin).map((actor) => ({
        defect: 'role' as const,
        method: 'POST' as const,
        url: '/v1/incidents',
        headers: { ...json, ...withToken(actor) },
        payload: JSON.stringify(validReport()),
      })),
      fc.constant({
        defect: 'jurisdiction' as const,
        method: 'POST' as const,
        url: '/v1/incidents',
        headers: { ...json, ...withToken(ACTORS.staff) },
        payload: JSON.stringify({ ...validReport(), gridCode: OTHER_GRID }),
      }),
      fc
        .oneof(
          badBody(ReportBody, validReport()),
          hostileReport.map((body) => ({ payload: JSON.stringify(body), headers: json })),
          // Well-formed, but no such grid or category.
          fc
            .stringMatching(/^4407\d{11}$/)
            .filter((g) => g !== GRID && g !== OTHER_GRID && !ACTORS.staff.areas.includes(g))
            .map((gridCode) => ({ payload: JSON.stringify({ ...validReport(), gridCode }), headers: json })),
        )
        .map(({ payload, headers }) => ({
          defect: 'body' as const,
          method: 'POST' as const,
          url: '/v1/incidents',
          headers: { ...headers, ...withToken(ACTORS.staff) },
          payload,
        })),
    ];

    const commands = COMMAND_ROUTES.flatMap(({ path, type, schema, valid }) => {
      const allowed = PERSON_ROLES.filter((r) => ACCESS[type][r] !== 'never');
      const forbidden = PERSON_ROLES.filter((r) => ACCESS[type][r] === 'never');
      const actor = ROLE_ACTORS[allowed[0]!];
      const outsider = OUTSIDERS[allowed[0]!]!;
      const url = `/v1/incidents/${incidentId}/${path}`;
      const payload = JSON.stringify(valid);
      return [
        badAuthorization(claimsOf(actor)).map((authorization) => ({
          defect: 'token' as const,
          method: 'POST' as const,
          url,
          headers: { ...json, ...auth(authorization) },
          payload,
        })),
        fc.constantFrom(...forbidden).map((role) => ({
          defect: 'role' as const,
          method: 'POST' as const,
          url,
          headers: { ...json, ...withToken(ROLE_ACTORS[role]) },
          payload,
        })),
        fc.constant({
          defect: 'jurisdiction' as const,
          method: 'POST' as const,
          url,
          headers: { ...json, ...withToken(outsider) },
          payload,
        }),
        notUuid.map((id) => ({
          defect: 'params' as const,
          method: 'POST' as const,
          url: `/v1/incidents/${encodeURIComponent(id)}/${path}`,
          headers: { ...json, ...withToken(actor) },
          payload,
        })),
        badBody(schema, valid).map(({ payload: body, headers }) => ({
          defect: 'body' as const,
          method: 'POST' as const,
          url,
          headers: { ...headers, ...withToken(actor) },
          payload: body,
        })),
        fc
          .oneof(
            asciiText(7),
            fc.string({ minLength: 129, maxLength: 200 }).map((s) => s.replace(/[^\x21-\x7e]/g, 'k')),
          )
          .map((key) => ({
            defect: 'headers' as const,
            method: 'POST' as const,
            url,
            headers: { ...json, ...withToken(actor), 'idempotency-key': key },
            payload,
          })),
      ];
    });

    const reads: fc.Arbitrary<FuzzRequest>[] = [
      ...(['', '/audit'] as const).flatMap((suffix) => {
        const url = `/v1/incidents/${incidentId}${suffix}`;
        const action = suffix === '' ? 'ReadIncident' : 'ReadAudit';
        const forbidden = PERSON_ROLES.filter((r) => ACCESS[action][r] === 'never');
        const outsiders = PERSON_ROLES.filter((r) => ACCESS[action][r] !== 'never').map((r) => OUTSIDERS[r]!);
        return [
          badAuthorization({ role: 'dispatcher', areas: ['440705'] }).map((authorization) => ({
            defect: 'token' as const,
            method: 'GET' as const,
            url,
            headers: auth(authorization),
          })),
          fc
            .constantFrom(...forbidden)
            .map((role) => ({ defect: 'role' as const, method: 'GET' as const, url, headers: withToken(ROLE_ACTORS[role]) })),
          fc
            .constantFrom(...outsiders)
            .map((actor) => ({ defect: 'jurisdiction' as const, method: 'GET' as const, url, headers: withToken(actor) })),
          notUuid.map((id) => ({
            defect: 'params' as const,
            method: 'GET' as const,
            url: `/v1/incidents/${encodeURIComponent(id)}${suffix}`,
            headers: withToken(ACTORS.dispatcher),
          })),
        ];
      }),
      badAuthorization({ role: 'dispatcher', areas: ['440705'] }).map((authorization) => ({
        defect: 'token' as const,
        method: 'GET' as const,
        url: `/v1/commands/${someoneElsesCommand}`,
        headers: auth(authorization),
      })),
      notUuid.map((id) => ({
        defect: 'params' as const,
        method: 'GET' as const,
        url: `/v1/commands/${encodeURIComponent(id)}`,
        headers: withToken(ACTORS.dispatcher),
      })),
      fc
        .oneof(
          asciiText(12),
          fc.integer({ min: 30_001 }).map(String),
          fc.integer({ max: -1 }).map(String),
          fc.double({ noInteger: true, noNaN: true }).map(String),
        )
        // As z.coerce reads it: Number('') is 0, a valid wait.
        .filter((text) => !(Number.isInteger(Number(text)) && Number(text) >= 0 && Number(text) <= 30_000))
        .map((waitMs) => ({
          defect: 'query' as const,
          method: 'GET' as const,
          url: `/v1/commands/${randomUUID()}?waitMs=${encodeURIComponent(waitMs)}`,
          headers: withToken(ACTORS.dispatcher),
        })),
    ];

    return fc.oneof(...report, ...commands, ...reads);
  }

  /** What the answer to each kind of defect must say. */
  const NAMES_THE_PROBLEM: Record<Defect, (status: number, code: string, message: string) => boolean> = {
    token: (s, c, m) => s === 401 && c === 'UNAUTHENTICATED' && m.startsWith('headers.authorization: '),
    role: (s, c, m) => s === 403 && c === 'FORBIDDEN_ROLE' && / is not for the \w+ role /.test(m),
    // A report outside one's grids is 403; a case one may not see is answered as one that does not exist (404).
    jurisdiction: (s, c, m) =>
      (s === 403 && ['OUT_OF_JURISDICTION', 'NOT_ASSIGNED', 'NOT_OWN_REPORT', 'NOT_OWN_COMMAND'].includes(c) && / may not /.test(m)) ||
      (s === 404 && c === 'UNKNOWN_INCIDENT' && /^params\.id: no incident [0-9a-f-]{36}$/.test(m)),
    params: (s, c, m) => (s === 400 && m.startsWith('params.id: ')) || (s === 404 && c === 'NOT_FOUND' && m.startsWith('no route ')),
    body: (s, c, m) =>
      (s === 400 && m.startsWith('body')) ||
      (s === 413 && c === 'BODY_TOO_LARGE' && m.startsWith('body: ')) ||
      (s === 415 && m.startsWith('headers.content-type: ')),
    headers: (s, _c, m) => s === 400 && m.startsWith('headers.idempotency-key: '),
    query: (s, _c, m) => s === 400 && m.startsWith('query.waitMs: '),
  };

  it(`answers ${RUNS} bad requests 4xx with a message naming the problem, never 5xx, and produces nothing for them`, async () => {
    const seen = await fuzzRoutes({
      app: intake.app,
      requests: requests(),
      runs: RUNS,
      namesTheProblem: NAMES_THE_PROBLEM,
      sideEffects: () => intake.sent(),
    });
    // Every kind of defect was tried, and nothing at all reached Kafka.
    expect([...seen.keys()].sort()).toEqual(['body', 'headers', 'jurisdiction', 'params', 'query', 'role', 'token']);
    expect(intake.sent()).toBe(0);
  }, 300_000);
});
