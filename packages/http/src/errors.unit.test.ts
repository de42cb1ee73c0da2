import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from './error-codes.ts';
import { ApiError, DependencyUnavailableError, type Dependency } from './errors.ts';
import { PUBLIC_ROUTE } from './edge.ts';
import type { ReadinessReport } from './server.ts';
import { testServer } from './test-support.ts';

/** A client library's error that says its server is away (as ioredis's do), and one that says nothing of the kind. */
class StoreAway extends Error {}

function server(ready: () => Promise<boolean | ReadinessReport> = () => Promise.resolve(true)) {
  const app = testServer({
    ready,
    dependencyOf: (err): Dependency | undefined => (err instanceof StoreAway ? 'store' : undefined),
  });
  void app.register((scope, _options, done) => {
    scope.get('/kafka-away', { config: PUBLIC_ROUTE }, () => {
      throw new DependencyUnavailableError('kafka', 'the command was not acknowledged');
    });
    scope.get('/store-away', { config: PUBLIC_ROUTE }, () => {
      throw new StoreAway('Connection is closed.');
    });
    scope.get('/bug', { config: PUBLIC_ROUTE }, () => {
      throw new TypeError('x is undefined');
    });
    done();
  });
  return app;
}

describe('answers while a dependency is away', () => {
  it('answers 503 KAFKA_UNAVAILABLE with Retry-After when Kafka did not take a command', async () => {
    const res = await server().inject({ method: 'GET', url: '/kafka-away' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    const { error } = res.json<{ error: { code: string; message: string } }>();
    expect(error).toMatchObject({
      code: 'KAFKA_UNAVAILABLE',
      message: 'Kafka is unavailable: the command was not acknowledged; retry after 2 s',
    });
  });

  it("answers 503 STORE_UNAVAILABLE with Retry-After for an error the store's client raises when it is away", async () => {
    const res = await server().inject({ method: 'GET', url: '/store-away' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('2');
    const { error } = res.json<{ error: { code: string; message: string; details: unknown } }>();
    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.details).toEqual({ dependency: 'store', retryAfterSeconds: 2 });
    // What the client library said is logged, not answered.
    expect(error.message).not.toContain('Connection is closed');
  });

  it('still answers 500 INTERNAL, without the details, for any other error', async () => {
    const res = await server().inject({ method: 'GET', url: '/bug' });
    expect(res.statusCode).toBe(500);
    expect(res.headers['retry-after']).toBeUndefined();
    expect(res.json()).toMatchObject({ error: { code: 'INTERNAL', message: 'internal error' } });
  });
});

describe('/readyz', () => {
  it('names each dependency up or down, and fails while one is down', async () => {
    const down = await server(() =>
      Promise.resolve({
        ready: false,
        dependencies: { kafka: { ok: false, error: 'connect ECONNREFUSED 127.0.0.1:9092' }, redis: { ok: true } },
      }),
    ).inject({ method: 'GET', url: '/readyz' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ status: 'not ready', dependencies: { kafka: 'down', redis: 'up' } });

    const up = await server(() => Promise.resolve({ ready: true, dependencies: { kafka: { ok: true }, redis: { ok: true } } })).inject({
      method: 'GET',
      url: '/readyz',
    });
    expect(up.statusCode).toBe(200);
    expect(up.json()).toEqual({ status: 'ready', dependencies: { kafka: 'up', redis: 'up' } });
  });

  it('fails when the readiness check itself fails', async () => {
    const res = await server(() => Promise.reject(new Error('probe broke'))).inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'not ready' });
  });
});

describe('the registry of error codes', () => {
  it('gives each code an error status and a meaning, and ApiError only registered codes with their status', () => {
    for (const [code, { status, meaning }] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z][A-Z_]+$/);
      expect(status >= 400 && status < 600).toBe(true);
      expect(meaning.length).toBeGreaterThan(10);
    }
    expect(new ApiError(404, 'UNKNOWN_INCIDENT', 'params.id: no incident x')).toMatchObject({ statusCode: 404, code: 'UNKNOWN_INCIDENT' });
    // @ts-expect-error: not a registered code
    void new ApiError(400, 'NO_SUCH_CODE', 'x');
    // @ts-expect-error: UNKNOWN_INCIDENT is registered with 404
    void new ApiError(400, 'UNKNOWN_INCIDENT', 'x');
  });
});
