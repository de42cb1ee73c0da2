import { Catalog, type AreaTree } from '@gridgov/domain';
import {
  asciiText,
  badAuthorization,
  bearer,
  createTestInfra,
  fuzzRoutes,
  notJson,
  testTokenVerifier,
  type FuzzRequest,
  type TestInfra,
  loadXinhuiAreas,
} from '@gridgov/testing';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { buildProjectionApp } from './app.ts';
import { StreamSlots } from '@gridgov/redis';
import { KafkaBulletinLog } from '../projector/bulletin-log.ts';
import { BulletinStore } from './bulletin.ts';
import { FIRST_GENERATION, ProjectionKeys } from '../projector/counter-store.ts';
import { FiguresChangeFeed } from './figures-changes.ts';
import { ProjectionGenerations } from '../projector/generation.ts';
import {
  BulletinBody,
  BulletinPathParams,
  BulletinQueryParams,
  FiguresQueryParams,
  RankingQueryParams,
  StreamQueryParams,
  TrendQueryParams,
} from './schemas.ts';
import { DEFAULT_WEIGHTS } from './weights.ts';

/**
 * Property-based fuzzing of every projection route (app.inject, the real Redis behind): one thing wrong at a
 * time — the token, the role, the jurisdiction, the query, the path or the body — and the answer is 4xx with
 * the house error naming the problem, never 5xx, and no bulletin is written. With the intake's fuzz test,
 * ≥ 10,000 cases.
 */
const RUNS = Number(process.env['FUZZ_RUNS_PROJECTION'] ?? 4_000);
const NOW = new Date('2026-11-22T02:00:00Z');

const areas: AreaTree = loadXinhuiAreas();
const town = (name: string) => areas.ofLevel('town').find((t) => t.name === name)!;
const HUICHENG = town('会城街道').code;
const DAZE = town('大泽镇').code;
/** The leader of 会城街道: every valid request below is about 会城街道. */
const LEADER = { role: 'leader', areas: [HUICHENG], sub: 'leader-huicheng' } as const;

type Defect = 'token' | 'role' | 'jurisdiction' | 'query' | 'params' | 'body';

interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** The query schema and a valid query for LEADER. */
  readonly query?: { schema: z.ZodObject; valid: Record<string, string> };
  readonly body?: { schema: z.ZodType; valid: Record<string, string> };
  readonly params?: { schema: z.ZodType; name: string };
  /** Roles refused outright. */
  readonly forbiddenRoles: readonly ('grid_staff' | 'handler' | 'dispatcher')[];
}

const ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/v1/figures',
    query: { schema: FiguresQueryParams, valid: { area: HUICHENG, window: 'day', at: '2026-11-01' } },
    forbiddenRoles: ['grid_staff', 'handler'],
  },
  {
    method: 'GET',
    path: '/v1/rankings',
    query: { schema: RankingQueryParams, valid: { area: HUICHENG, window: 'month', bottom: '2' } },
    forbiddenRoles: ['grid_staff', 'handler'],
  },
  {
    method: 'GET',
    path: '/v1/trends',
    query: { schema: TrendQueryParams, valid: { area: HUICHENG, figure: 'closed', from: '2026-10-01', to: '2026-10-31' } },
    forbiddenRoles: ['grid_staff', 'handler'],
  },
  {
    method: 'GET',
    path: '/v1/streams/figures',
    query: { schema: StreamQueryParams, valid: { area: HUICHENG, window: 'day' } },
    forbiddenRoles: ['grid_staff', 'handler'],
  },
  {
    method: 'GET',
    path: '/v1/bulletins/:month',
    query: { schema: BulletinQueryParams, valid: { area: HUICHENG } },
    params: { schema: BulletinPathParams, name: 'month' },
    forbiddenRoles: ['grid_staff', 'handler'],
  },
  {
    method: 'POST',
    path: '/v1/bulletins/:month',
    body: { schema: BulletinBody, valid: { area: HUICHENG } },
    params: { schema: BulletinPathParams, name: 'month' },
    forbiddenRoles: ['grid_staff', 'handler', 'dispatcher'],
  },
];

const json = { 'content-type': 'application/json' };
const auth = (authorization: string | undefined): Record<string, string> => (authorization === undefined ? {} : { authorization });
const VALID_MONTH = '2026-10';
const urlOf = (route: Route, query: Record<string, string | string[]> | undefined, month = VALID_MONTH) => {
  const path = route.path.replace(':month', encodeURIComponent(month));
  if (!query) return path;
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) for (const one of Array.isArray(v) ? v : [v]) search.append(k, one);
  return `${path}?${search.toString()}`;
};

const anyText = fc.oneof(
  asciiText(20),
  fc.string({ maxLength: 20 }),
  fc.stringMatching(/^\d{1,16}$/),
  fc.constantFrom('', 'all', 'day', '440705', '440799', 'nope'),
);

/** A query with one field made wrong: a value its schema refuses, an unknown area, category or department, or a field given twice. */
function badQuery(schema: z.ZodObject, valid: Record<string, string>): fc.Arbitrary<Record<string, string | string[]>> {
  const fields = Object.keys(schema.shape);
  const catalog = new Catalog();
  const unknownArea = fc.stringMatching(/^4407(\d{2}|\d{5}|\d{8}|\d{11})$/).filter((code) => !areas.has(code));
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(...fields), anyText)
      .map(([field, value]) => ({ ...valid, [field]: value }))
      .filter((q) => !schema.safeParse(q).success),
    fc.constantFrom(...fields.filter((f) => f in valid)).map((field) => ({ ...valid, [field]: [valid[field]!, valid[field]!] })),
    unknownArea.map((area) => ({ ...valid, area })),
    ...(fields.includes('category')
      ? [
          fc
            .stringMatching(/^[a-z][a-z0-9_]{2,20}$/)
            .filter((c) => !catalog.category(c))
            .map((category) => ({ ...valid, category })),
          fc
            .stringMatching(/^[a-z][a-z0-9_]{2,20}$/)
            .filter((d) => !catalog.department(d))
            .map((department) => ({ ...valid, department })),
        ]
      : []),
    // A range that is not one: half given, beside a window or an `at`, backwards, or longer than allowed.
    ...(fields.includes('from') && fields.includes('window')
      ? [
          fc.constantFrom(
            { ...valid, from: '2026-10-01' },
            { area: valid['area']!, to: '2026-10-01' },
            { ...valid, window: 'month', from: '2026-10-01', to: '2026-10-02' },
            { area: valid['area']!, at: '2026-10-01', from: '2026-10-01', to: '2026-10-02' },
            { area: valid['area']!, from: '2026-10-02', to: '2026-10-01' },
            { area: valid['area']!, from: '2020-01-01', to: '2026-10-01' },
          ),
        ]
      : []),
  );
}

describe('projection under fuzzing: bad input is answered 4xx naming the problem', () => {
  let infra: TestInfra;
  let app: FastifyInstance;
  let feed: FiguresChangeFeed;
  let keys: ProjectionKeys;

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { events: 2 } });
    keys = new ProjectionKeys(infra.keyPrefix, FIRST_GENERATION);
    const generations = new ProjectionGenerations(infra.redis, keys, infra.logger);
    feed = new FiguresChangeFeed(infra.redis.duplicate(), keys.figuresChanged(), infra.logger);
    await feed.start();
    app = buildProjectionApp({
      logger: infra.logger,
      store: generations.store(FIRST_GENERATION),
      bulletins: new BulletinStore(infra.redis, keys, new KafkaBulletinLog(infra.kafka, infra.topics.bulletins, infra.logger)),
      changes: feed,
      areas,
      catalog: new Catalog(),
      partitions: 2,
      clock: () => NOW,
      ready: () => Promise.resolve(true),
      rankingWeights: DEFAULT_WEIGHTS,
      stream: { minIntervalMs: 50, slots: new StreamSlots(infra.redis, infra.keyPrefix, { perUser: 10, leaseMs: 60_000 }, infra.logger) },
      edge: { authenticate: testTokenVerifier().authenticate },
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await feed?.close();
    await infra?.cleanup();
  });

  function requests(): fc.Arbitrary<FuzzRequest<Defect>> {
    const leader = bearer(LEADER);
    const arbitraries = ROUTES.flatMap((route) => {
      const query = route.query?.valid;
      const payload = route.body ? JSON.stringify(route.body.valid) : undefined;
      const base = { method: route.method, url: urlOf(route, query), ...(payload ? { payload } : {}) };
      const headers = (extra: Record<string, string>) => ({ ...(payload ? json : {}), ...extra });
      const list: fc.Arbitrary<FuzzRequest<Defect>>[] = [
        badAuthorization(LEADER).map((a) => ({ ...base, defect: 'token' as const, headers: headers(auth(a)) })),
        fc.constantFrom(...route.forbiddenRoles).map((role) => ({
          ...base,
          defect: 'role' as const,
          headers: headers(
            bearer({
              role,
              areas: role === 'grid_staff' ? [areas.children(areas.children(HUICHENG)[0]!.code)[0]!.code] : ['440705'],
              ...(role === 'handler' ? { department: 'sanitation' } : {}),
            }),
          ),
        })),
        // 会城街道's leader asks about the neighbouring town, or the district above.
        fc.constantFrom(DAZE, '440705', '440700').map((area) => ({
          defect: 'jurisdiction' as const,
          method: route.method,
          url: urlOf(route, query ? { ...query, area } : undefined),
          headers: headers(leader),
          ...(payload ? { payload: JSON.stringify({ area }) } : {}),
        })),
      ];
      if (route.query) {
        const { schema, valid } = route.query;
        list.push(
          badQuery(schema, valid).map((q) => ({ ...base, defect: 'query' as const, url: urlOf(route, q), headers: headers(leader) })),
        );
      }
      if (route.params) {
        const { schema } = route.params;
        list.push(
          fc
            .oneof(asciiText(12), fc.stringMatching(/^\d{4}-\d{2}$/))
            .filter((month) => !schema.safeParse({ month }).success)
            .map((month) => ({ ...base, defect: 'params' as const, url: urlOf(route, query, month), headers: headers(leader) })),
        );
      }
      if (route.body) {
        const { schema, valid } = route.body;
        list.push(
          fc
            .oneof(
              fc
                .jsonValue()
                .filter((v) => !schema.safeParse(v ?? {}).success)
                .map((v) => ({ payload: JSON.stringify(v), headers: json })),
              anyText
                .map((area) => ({ area }))
                .filter((v) => !schema.safeParse(v).success)
                .map((v) => ({ payload: JSON.stringify(v), headers: json })),
              fc
                .stringMatching(/^4407(\d{2}|\d{5})$/)
                .filter((code) => !areas.has(code))
                .map((area) => ({ payload: JSON.stringify({ area }), headers: json })),
              notJson(1).map((s) => ({ payload: s, headers: json })),
              fc
                .constantFrom('text/csv', 'application/xml')
                .map((type) => ({ payload: 'area=440705001', headers: { 'content-type': type } })),
              fc.constant({ payload: JSON.stringify({ area: 'x'.repeat(70_000) }), headers: json }),
            )
            .map((b) => ({ ...base, ...b, defect: 'body' as const, headers: { ...b.headers, ...leader } })),
        );
        void valid;
      }
      return list;
    });
    return fc.oneof(...arbitraries);
  }

  const NAMES_THE_PROBLEM: Record<Defect, (status: number, code: string, message: string) => boolean> = {
    token: (s, c, m) => s === 401 && c === 'UNAUTHENTICATED' && m.startsWith('headers.authorization: '),
    role: (s, c, m) => s === 403 && c === 'FORBIDDEN_ROLE' && / is not for the \w+ role /.test(m),
    jurisdiction: (s, c, m) => s === 403 && c === 'OUT_OF_JURISDICTION' && / may not \w+ in \d+: outside their areas/.test(m),
    query: (s, _c, m) => (s === 400 || s === 404) && m.startsWith('query'),
    params: (s, c, m) => (s === 400 && m.startsWith('params.month: ')) || (s === 404 && c === 'NOT_FOUND'),
    body: (s, c, m) =>
      ((s === 400 || s === 404) && m.startsWith('body')) ||
      (s === 413 && c === 'BODY_TOO_LARGE') ||
      (s === 415 && m.startsWith('headers.content-type: ')),
  };

  it(`answers ${RUNS} bad requests 4xx with a message naming the problem, never 5xx, and freezes no bulletin for them`, async () => {
    const seen = await fuzzRoutes({ app, requests: requests(), runs: RUNS, namesTheProblem: NAMES_THE_PROBLEM });
    expect([...seen.keys()].sort()).toEqual(['body', 'jurisdiction', 'params', 'query', 'role', 'token']);
    expect(await infra.redis.keys(`${infra.keyPrefix}:bulletin:*`)).toEqual([]);
  }, 300_000);
});
