import { randomUUID } from 'node:crypto';
import { createRedis, redisReady, type Redis } from '@gridgov/redis';
import { bearer, createTestInfra, startOwnRedis, type OwnRedis, type TestInfra } from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTORS, GRID, intakeHarness, seedCase, type IntakeHarness } from './test-harness.ts';

/**
 * The intake on a Redis of this test's own, connected as the service connects (fail fast), while that Redis is
 * killed, hung and back: what needs Redis answers 503 STORE_UNAVAILABLE with Retry-After, never 500, and writes
 * nothing; a report (Kafka only) is still taken.
 */
describe('the intake while its Redis is away', () => {
  let infra: TestInfra;
  let own: OwnRedis;
  let redis: Redis;
  let harness: IntakeHarness;
  let incidentId: string;
  const DISPATCHER = bearer(ACTORS.dispatcher);
  const STAFF = bearer(ACTORS.staff);

  beforeAll(async () => {
    infra = await createTestInfra();
    own = await startOwnRedis();
    redis = createRedis(own.url, 'intake-store-away-test');
    await redisReady(redis);
    harness = await intakeHarness(infra, { redis });
    ({ incidentId } = await seedCase({ ...infra, redis }));
  });

  afterAll(async () => {
    await harness?.close();
    redis?.disconnect();
    await own?.remove();
    await infra?.cleanup();
  });

  const readCase = () => harness.app.inject({ method: 'GET', url: `/v1/incidents/${incidentId}`, headers: DISPATCHER });
  const expectStoreUnavailable = (res: Awaited<ReturnType<typeof readCase>>) => {
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    expect(res.json()).toMatchObject({ error: { code: 'STORE_UNAVAILABLE', details: { dependency: 'store' } } });
  };

  it('answers 503 STORE_UNAVAILABLE for what needs Redis while it is down, and as before once it is back', async () => {
    expect((await readCase()).statusCode).toBe(200);
    await own.kill();

    expectStoreUnavailable(await readCase());
    expectStoreUnavailable(
      await harness.app.inject({ method: 'GET', url: '/v1/incidents?area=440705&queue=handling', headers: DISPATCHER }),
    );
    expectStoreUnavailable(await harness.app.inject({ method: 'GET', url: `/v1/commands/${randomUUID()}?waitMs=5000`, headers: STAFF }));
    const sentBefore = harness.sent();
    const command = await harness.app.inject({
      method: 'POST',
      url: `/v1/incidents/${incidentId}/escalate`,
      headers: { ...DISPATCHER, 'idempotency-key': `escalate-${randomUUID()}` },
      payload: { reason: '群众反映强烈' },
    });
    expectStoreUnavailable(command);
    expect(harness.sent()).toBe(sentBefore);

    // A report needs Kafka only: taken (the rate limits, kept in Redis, are skipped and logged).
    const report = await harness.app.inject({
      method: 'POST',
      url: '/v1/incidents',
      headers: STAFF,
      payload: {
        reportId: `store-away-${randomUUID()}`,
        gridCode: GRID,
        category: 'exposed_rubbish',
        urgency: 'normal',
        description: '路边堆放生活垃圾',
        location: { lat: 22.52, lng: 113.03 },
        occurredAt: new Date().toISOString(),
      },
    });
    expect(report.statusCode).toBe(202);

    await own.restart();
    await redisReady(redis);
    expect((await readCase()).statusCode).toBe(200);
  });

  it('answers 503 STORE_UNAVAILABLE when Redis hangs (no answer), not a hang of its own', async () => {
    process.kill(own.pid!, 'SIGSTOP');
    try {
      expectStoreUnavailable(await readCase());
    } finally {
      process.kill(own.pid!, 'SIGCONT');
    }
    // The connection was closed when Redis answered nothing, and opens again on its own.
    await redisReady(redis);
    expect((await readCase()).statusCode).toBe(200);
  });
});
