import type { AddressInfo } from 'node:net';
import { slowUpload } from '@gridgov/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestActor } from './edge.ts';
import { goodTokenOnly, testServer } from './test-support.ts';

/**
 * Issue 20, finding 5: a body sent a byte at a time held a connection open for minutes, on an authenticated route and
 * on one that does not exist. Every server built by createHttpServer (the intake, the projection) now cuts it.
 */
describe('the HTTP server cuts a slow upload and answers a body that is not JSON 415', () => {
  let app: FastifyInstance;
  let port: number;
  // Far from what the test needs: 1 s for the whole request; a client that sends 60 bytes at 4 a second takes 15 s.
  const upload = { bodyBytes: 60, everyMs: 250 };

  beforeAll(async () => {
    app = testServer({
      edge: { authenticate: goodTokenOnly() },
      timeouts: { requestMs: 1_000, headersMs: 1_000, keepAliveMs: 1_000, idleMs: 10_000 },
    });
    void app.register((scope, _options, done) => {
      scope.post('/v1/things', (request, reply) => reply.send({ actor: requestActor(request).id, body: request.body }));
      done();
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await app.close();
  });

  it('closes the connection of a slow body on an authenticated route, with a token (408)', async () => {
    const result = await slowUpload({ port, path: '/v1/things', headers: { authorization: 'Bearer good' }, ...upload });
    expect(result.cut).toBe(true);
    expect(result.bytesSent).toBeLessThan(upload.bodyBytes);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408 /);
  }, 30_000);

  it('closes the connection of a slow body on an authenticated route without a token, and on a route that does not exist', async () => {
    const [noToken, noRoute] = await Promise.all([
      slowUpload({ port, path: '/v1/things', ...upload }),
      slowUpload({ port, path: '/v1/nothing-here', ...upload }),
    ]);
    for (const result of [noToken, noRoute]) {
      expect(result.cut).toBe(true);
      expect(result.bytesSent).toBeLessThan(upload.bodyBytes);
    }
  }, 30_000);

  it('still takes a body sent at once', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/things',
      headers: { authorization: 'Bearer good', 'content-type': 'application/json' },
      payload: '{"a":1}',
    });
    expect(res.json()).toEqual({ actor: 'u-1', body: { a: 1 } });
  });

  it.each(['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'text/xml'])(
    'answers a %s body 415 UNSUPPORTED_MEDIA_TYPE, not 400',
    async (type) => {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/things',
        headers: { authorization: 'Bearer good', 'content-type': type },
        payload: '{"a":1}',
      });
      expect(res.statusCode).toBe(415);
      expect(res.json()).toMatchObject({
        error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'headers.content-type: send the body as application/json' },
      });
    },
  );
});
