import { Catalog } from '@gridgov/domain';
import { bearer, createTestInfra, loadXinhuiAreas, testTokenVerifier, type TestInfra } from '@gridgov/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProjectionApp } from './app.ts';
import { BulletinStore } from './bulletin.ts';
import { FiguresChangeFeed } from './figures-changes.ts';
import { StreamSlots } from '@gridgov/redis';
import { DEFAULT_WEIGHTS } from './weights.ts';
import { KafkaBulletinLog } from '../projector/bulletin-log.ts';
import { FIRST_GENERATION, ProjectionKeys } from '../projector/counter-store.ts';
import { ProjectionGenerations } from '../projector/generation.ts';

/**
 * 举报人保护 in the figures (issue 20, finding 7): a grid is one staff member's, so a confidential category's count per
 * grid points at its reporter. Such figures are given for a community or above, never for a grid nor ranked by grid.
 */
const areas = loadXinhuiAreas();
const town = areas.ofLevel('town').find((t) => t.name === '会城街道')!;
const community = areas.children(town.code)[0]!;
const grid = areas.children(community.code)[0]!.code;
const LEAD = 'gang_crime_lead';
/** The district's dispatcher: may see the reporter of a lead, and still gets no per-grid count of leads. */
const DISPATCHER = bearer({ role: 'dispatcher', areas: ['440705'], sub: 'dispatcher-xinhui' });
const LEADER = bearer({ role: 'leader', areas: [town.code], sub: 'leader-huicheng' });

describe('figures of a confidential category, over HTTP on the real Redis', () => {
  let infra: TestInfra;
  let app: FastifyInstance;
  let feed: FiguresChangeFeed;
  let slots: StreamSlots;

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { events: 2 } });
    const keys = new ProjectionKeys(infra.keyPrefix, FIRST_GENERATION);
    feed = new FiguresChangeFeed(infra.redis.duplicate(), keys.figuresChanged(), infra.logger);
    await feed.start();
    slots = new StreamSlots(infra.redis, infra.keyPrefix, { perUser: 10, leaseMs: 60_000 }, infra.logger);
    app = buildProjectionApp({
      logger: infra.logger,
      store: new ProjectionGenerations(infra.redis, keys, infra.logger).store(FIRST_GENERATION),
      bulletins: new BulletinStore(infra.redis, keys, new KafkaBulletinLog(infra.kafka, infra.topics.bulletins, infra.logger)),
      changes: feed,
      areas,
      catalog: new Catalog(),
      partitions: 2,
      clock: () => new Date('2026-11-22T02:00:00Z'),
      ready: () => Promise.resolve(true),
      rankingWeights: DEFAULT_WEIGHTS,
      stream: { minIntervalMs: 50, slots },
      edge: { authenticate: testTokenVerifier().authenticate },
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await feed?.close();
    slots?.close();
    await infra?.cleanup();
  });

  const get = async (url: string, headers: Record<string, string>) => {
    const res = await app.inject({ method: 'GET', url, headers });
    return { url, status: res.statusCode, code: res.statusCode >= 400 ? res.json<{ error: { code: string } }>().error.code : undefined };
  };

  it('refuses a confidential category per grid, or ranked by grid, to everyone (403 CONFIDENTIAL_BELOW_COMMUNITY), and gives it for a community and above', async () => {
    const perGrid = [
      `/v1/figures?area=${grid}&window=month&category=${LEAD}`,
      `/v1/figures?area=${grid}&from=2026-11-01&to=2026-11-22&category=${LEAD}&department=public_security`,
      `/v1/trends?area=${grid}&figure=reported&from=2026-11-01&to=2026-11-22&category=${LEAD}`,
      `/v1/rankings?area=${community.code}&window=month&category=${LEAD}`,
      `/v1/streams/figures?area=${grid}&window=day&category=${LEAD}`,
    ];
    for (const headers of [LEADER, DISPATCHER]) {
      for (const url of perGrid) expect(await get(url, headers)).toEqual({ url, status: 403, code: 'CONFIDENTIAL_BELOW_COMMUNITY' });
    }
    // The same category for a community and above; every other category per grid.
    const allowed = [
      `/v1/figures?area=${community.code}&window=month&category=${LEAD}`,
      `/v1/trends?area=${community.code}&figure=reported&from=2026-11-01&to=2026-11-22&category=${LEAD}`,
      // A town's ranking ranks its communities.
      `/v1/rankings?area=${town.code}&window=month&category=${LEAD}`,
      `/v1/figures?area=${grid}&window=month&category=exposed_rubbish`,
      `/v1/figures?area=${grid}&window=month`,
      `/v1/rankings?area=${community.code}&window=month&category=exposed_rubbish`,
    ];
    for (const url of allowed) expect(await get(url, LEADER)).toEqual({ url, status: 200, code: undefined });
  });
});
