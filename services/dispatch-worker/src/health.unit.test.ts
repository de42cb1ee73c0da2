import { slowUpload } from '@gridgov/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthServer } from './health.ts';

describe("the worker's health port", () => {
  let health: HealthServer;
  let port: number;

  beforeAll(async () => {
    health = new HealthServer({
      host: '127.0.0.1',
      port: 0,
      logger: pino({ level: 'silent' }),
      ready: () => Promise.resolve({ ready: true, dependencies: {} }),
      timeouts: { requestMs: 1_000, headersMs: 1_000, keepAliveMs: 1_000, idleMs: 10_000 },
    });
    port = Number(new URL(await health.listen()).port);
  });

  afterAll(async () => {
    await health.close();
  });

  it('answers /healthz', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('closes the connection of a slow upload, to a probe or to a path that does not exist (issue 20, finding 5)', async () => {
    // 1 s for a whole request; this client would take 15 s to send its body.
    const [probe, nowhere] = await Promise.all([
      slowUpload({ port, path: '/readyz', bodyBytes: 60, everyMs: 250 }),
      slowUpload({ port, path: '/nothing', bodyBytes: 60, everyMs: 250 }),
    ]);
    for (const result of [probe, nowhere]) {
      expect(result.cut).toBe(true);
      expect(result.bytesSent).toBeLessThan(60);
    }
  }, 30_000);
});
