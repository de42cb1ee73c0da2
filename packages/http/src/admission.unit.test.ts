import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LONG_LIVED_ROUTE } from './edge.ts';
import { goodTokenOnly, testServer } from './test-support.ts';

/**
 * An instance asked more than it can answer at once refuses the rest at once (503 SERVER_BUSY, Retry-After) instead of
 * queueing them: the projection under 1,000 rankings a second with its caches off held a queue of a gigabyte.
 */
describe('an HTTP server with maxInFlight', () => {
  const MAX = 2;
  let app: FastifyInstance;
  let base: string;
  let authenticated = 0;
  /** The slow route's requests, each waiting for the test to let it answer. */
  const held: (() => void)[] = [];
  const heldCount = async (n: number) => {
    while (held.length < n) await new Promise((r) => setTimeout(r, 5));
  };

  beforeAll(async () => {
    const goodToken = goodTokenOnly('leader');
    app = testServer({
      edge: {
        authenticate: (header) => {
          authenticated++;
          return goodToken(header);
        },
        maxInFlight: MAX,
      },
    });
    void app.register((scope, _options, done) => {
      scope.get('/v1/slow', async () => {
        await new Promise<void>((resolve) => held.push(resolve));
        return { answered: true };
      });
      scope.get('/v1/fast', () => ({ answered: true }));
      scope.get('/v1/stream', { config: LONG_LIVED_ROUTE }, async () => {
        await new Promise<void>((resolve) => held.push(resolve));
        return { streamed: true };
      });
      done();
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const release of held.splice(0)) release();
    await app.close();
  });

  const ask = (path: string, init: RequestInit = {}) => fetch(`${base}${path}`, { headers: { authorization: 'Bearer good' }, ...init });
  const releaseAll = () => {
    for (const release of held.splice(0)) release();
  };

  it('answers the request past the bound 503 SERVER_BUSY at once, before its token is checked, and the others in full', async () => {
    const slow = [ask('/v1/slow'), ask('/v1/slow')];
    await heldCount(MAX);
    const checkedBefore = authenticated;
    const refused = await ask('/v1/fast');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('x-request-id')).toBeTruthy();
    const body = (await refused.json()) as { error: { code: string; details: { maxInFlight: number } } };
    expect(body.error.code).toBe('SERVER_BUSY');
    expect(body.error.details.maxInFlight).toBe(MAX);
    expect(authenticated).toBe(checkedBefore);

    // The probes answer whatever the load.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);

    releaseAll();
    for (const answer of await Promise.all(slow)) {
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ answered: true });
    }
    // Both slots are free again once the answers are sent.
    const again = await Promise.all([ask('/v1/fast'), ask('/v1/fast')]);
    expect(again.map((a) => a.status)).toEqual([200, 200]);
  });

  it('frees the slot of a client that went away before its answer', async () => {
    const gone = [new AbortController(), new AbortController()];
    const asked = gone.map((c) => ask('/v1/slow', { signal: c.signal }).catch(() => 'aborted'));
    await heldCount(MAX);
    for (const c of gone) c.abort();
    expect(await Promise.all(asked)).toEqual(['aborted', 'aborted']);
    // The server sees the connections close; then the bound admits new requests while the handlers still wait.
    let status = 0;
    for (let i = 0; i < 100 && status !== 200; i++) {
      status = (await ask('/v1/fast')).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 10));
    }
    expect(status).toBe(200);
    releaseAll();
  });

  it('does not count long-lived answers (a live stream) against the bound', async () => {
    const streams = [ask('/v1/stream'), ask('/v1/stream'), ask('/v1/stream')];
    await heldCount(3);
    const answer = await ask('/v1/fast');
    expect(answer.status).toBe(200);
    releaseAll();
    expect((await Promise.all(streams)).map((s) => s.status)).toEqual([200, 200, 200]);
  });

  it('refuses an unauthenticated request past the bound the same way, and answers 401 once there is room', async () => {
    const slow = [ask('/v1/slow'), ask('/v1/slow')];
    await heldCount(MAX);
    expect((await fetch(`${base}/v1/fast`)).status).toBe(503);
    releaseAll();
    await Promise.all(slow);
    expect((await fetch(`${base}/v1/fast`)).status).toBe(401);
  });
});
