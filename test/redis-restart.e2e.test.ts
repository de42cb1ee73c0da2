import {
  bearer,
  createTestInfra,
  eventually,
  startOwnRedis,
  startService,
  type OwnRedis,
  type RunningService,
  type TestInfra,
  loadXinhuiAreas,
  XINHUI_AREAS_FILE,
} from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, post, reportBody, type Answer } from './support/client.ts';

/**
 * Redis is durable (ADR 0010): a Redis of this test's own, with the settings of infra/redis/redis.conf, is
 * SIGKILLed after cases were reported and moved along, and started again on its data directory. Everything is
 * still there without any restore, and a new command on an old case is decided against its state. While it is
 * away, routes that need it answer 503 STORE_UNAVAILABLE, and no /readyz says ready.
 */
describe('Redis SIGKILLed and started again on its append-only file', () => {
  const areas = loadXinhuiAreas();
  const grid = areas.ofLevel('grid')[0]!.code;
  const STAFF = bearer({ sub: 'staff-aof', role: 'grid_staff', areas: [grid] });
  const HANDLER = bearer({ sub: 'h-sanitation-aof', role: 'handler', department: 'sanitation', areas: ['440705'] });
  const DISPATCHER = bearer({ sub: 'dispatcher-aof', role: 'dispatcher', areas: ['440705'] });
  const LEADER = bearer({ sub: 'leader-aof', role: 'leader', areas: ['440700'] });

  let infra: TestInfra;
  let redis: OwnRedis;
  const services: RunningService[] = [];
  let intake: string;
  let projection: string;
  let worker: string;

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 3, events: 3 } });
    redis = await startOwnRedis();
    const env = { ...infra.env(), REDIS_URL: redis.url, AREAS_FILE: XINHUI_AREAS_FILE };
    services.push(
      ...(await Promise.all([startService('intake-api', env), startService('dispatch-worker', env), startService('projection', env)])),
    );
    [intake, worker, projection] = services.map((s) => s.url!) as [string, string, string];
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await redis?.remove();
    await infra?.cleanup();
  });

  /** Gives a command and waits for its outcome. */
  const decided = async (incidentId: string, action: string, body: unknown, who: Record<string, string>) => {
    const given = await post(`${intake}/v1/incidents/${incidentId}/${action}`, who, body);
    expect(given.status).toBe(202);
    const commandId = String(given.body['commandId']);
    return { commandId, who, outcome: await call(`${intake}/v1/commands/${commandId}?waitMs=10000`, { headers: who }) };
  };
  const readyz = () => Promise.all([intake, worker, projection].map((url) => call(`${url}/readyz`).then((a) => a.status)));

  it('keeps every case, list, outcome and figure, and decides a new command against the old state', async () => {
    // Five cases, moved along to different places.
    const commands: { commandId: string; who: Record<string, string> }[] = [];
    const cases: string[] = [];
    for (let i = 0; i < 5; i++) {
      const answer = await post(`${intake}/v1/incidents`, STAFF, reportBody(`aof-${infra.id}-${i}`, grid));
      expect(answer.status).toBe(202);
      const commandId = String(answer.body['commandId']);
      expect((await call(`${intake}/v1/commands/${commandId}?waitMs=10000`, { headers: STAFF })).body['status']).toBe('accepted');
      commands.push({ commandId, who: STAFF });
      cases.push(String(answer.body['incidentId']));
    }
    const [resolved, closed, accepted] = cases as [string, string, string, string, string];
    for (const id of [resolved, closed, accepted]) commands.push(await decided(id, 'accept', {}, HANDLER));
    for (const id of [resolved, closed]) commands.push(await decided(id, 'resolve', { notes: '已清运' }, HANDLER));
    commands.push(await decided(closed, 'verify', { passed: true }, STAFF));
    // A rejected command keeps its outcome too.
    const rejected = await decided(accepted, 'verify', { passed: true }, STAFF);
    expect(rejected.outcome.body).toMatchObject({ status: 'rejected', code: 'INVALID_TRANSITION' });
    commands.push(rejected);
    expect(
      await eventually(
        () => figures('all'),
        (f) => f['closed'] === 1,
      ),
    ).toMatchObject({ reported: 5, closed: 1 });

    // Everything a user reads, before the crash.
    const lists = [
      ['queue=handling&area=440705', DISPATCHER],
      ['queue=verifying&area=440705', DISPATCHER],
      [`queue=handling&area=${grid}`, LEADER],
      ['mine=true', STAFF],
    ] as const;
    const snapshot = async () => ({
      cases: await Promise.all(cases.map((id) => call(`${intake}/v1/incidents/${id}`, { headers: DISPATCHER }))),
      lists: await Promise.all(lists.map(([query, who]) => call(`${intake}/v1/incidents?${query}`, { headers: who }))),
      outcomes: await Promise.all(commands.map((c) => call(`${intake}/v1/commands/${c.commandId}`, { headers: c.who }))),
      figures: [await figures('all'), await figures('day'), await figures('month')],
    });
    const before = await snapshot();
    expect(before.cases.map((c) => (c.body['incident'] as { status: string }).status)).toEqual([
      'resolved',
      'closed',
      'accepted',
      'dispatched',
      'dispatched',
    ]);
    expect(before.lists.map((l) => (l.body['items'] as unknown[]).length)).toEqual([3, 1, 3, 5]);
    expect(before.outcomes.every((o) => o.status === 200)).toBe(true);

    await redis.kill();

    // While it is away: 503 STORE_UNAVAILABLE with Retry-After wherever Redis is needed; no /readyz says ready.
    const away: Answer[] = [
      await call(`${intake}/v1/incidents/${resolved}`, { headers: DISPATCHER }),
      await call(`${intake}/v1/incidents?queue=handling&area=440705`, { headers: DISPATCHER }),
      await call(`${intake}/v1/commands/${commands[0]!.commandId}`, { headers: STAFF }),
      await post(`${intake}/v1/incidents/${resolved}/verify`, STAFF, { passed: true }),
      await call(`${projection}/v1/figures?area=440705&window=all`, { headers: LEADER }),
      await call(`${projection}/v1/rankings?area=440705&window=month`, { headers: LEADER }),
    ];
    for (const answer of away) {
      expect(answer).toMatchObject({ status: 503, retryAfter: '2', body: { error: { code: 'STORE_UNAVAILABLE' } } });
    }
    expect(await eventually(readyz, (s) => s.every((status) => status === 503))).toEqual([503, 503, 503]);

    // Started again on the same directory: ready again, with everything as it was. No restore was run.
    await redis.restart();
    expect(await eventually(readyz, (s) => s.every((status) => status === 200), 60_000)).toEqual([200, 200, 200]);
    expect(await snapshot()).toEqual(before);

    // New commands on old cases are decided against their state: one goes on from where it was, one is refused by it.
    const history = (before.cases[0]!.body['history'] as unknown[]).length;
    const closing = await decided(resolved, 'verify', { passed: true }, STAFF);
    expect(closing.outcome.body).toMatchObject({ status: 'accepted', events: [{ type: 'IncidentClosed', version: history + 1 }] });
    const again = await decided(closed, 'accept', {}, HANDLER);
    expect(again.outcome.body).toMatchObject({ status: 'rejected', code: 'INVALID_TRANSITION' });
    expect(
      await eventually(
        () => figures('all'),
        (f) => f['closed'] === 2,
      ),
    ).toMatchObject({ reported: 5, closed: 2 });
  }, 300_000);

  async function figures(window: string): Promise<Record<string, number | null>> {
    const answer = await call(`${projection}/v1/figures?area=440705&window=${window}`, { headers: LEADER });
    if (answer.status !== 200) throw new Error(`figures ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body['figures'] as Record<string, number | null>;
  }
});
