import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PUBLIC_ROUTE } from './edge.ts';
import { BAD_REQUEST, jsonAnswer } from './openapi.ts';
import { goodTokenOnly, testServer } from './test-support.ts';

const Thing = z.object({ id: z.uuid(), size: z.number().int() });

function server() {
  const app = testServer({
    openApi: { title: 'things', description: 'Things, for the tests', components: { Thing } },
    edge: { authenticate: goodTokenOnly() },
  });
  void app.register((scope, _options, done) => {
    const api = scope.withTypeProvider<ZodTypeProvider>();
    api.post(
      '/v1/things/:id',
      {
        schema: {
          summary: 'A thing',
          params: z.object({ id: z.uuid() }),
          querystring: z.object({ size: z.coerce.number().int().min(1).max(10) }),
          body: z.object({ name: z.string().min(1) }),
          response: { 200: jsonAnswer(Thing, 'The thing'), 400: BAD_REQUEST },
        },
      },
      (request) => ({ id: request.params.id, size: request.query.size, extra: 'not in the schema' }),
    );
    api.post('/v1/blobs', { schema: { summary: 'Raw bytes', consumes: ['image/png'] } }, () => ({}));
    api.get('/v1/broken', { schema: { response: { 200: Thing } } }, () => ({ id: 'not a uuid', size: 1 }));
    api.get('/v1/open', { config: PUBLIC_ROUTE, schema: { response: { 200: z.object({ ok: z.boolean() }) } } }, () => ({ ok: true }));
    done();
  });
  return app;
}

const ID = '6f1c2a4e-8a53-4b8e-9d3e-0c1b2a3d4e5f';
const auth = { authorization: 'Bearer good' };

describe('routes validated and answered from their zod schemas', () => {
  it('refuses a bad query, param or body with the house 400 naming the field', async () => {
    const app = server();
    const badQuery = await app.inject({ method: 'POST', url: `/v1/things/${ID}?size=11`, headers: auth, payload: { name: 'a' } });
    expect(badQuery.statusCode).toBe(400);
    expect(badQuery.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: { issues: [{ field: 'query.size' }] } } });
    expect(badQuery.json<{ error: { message: string } }>().error.message).toMatch(/^query\.size: /);
    const badParam = await app.inject({ method: 'POST', url: '/v1/things/nope?size=1', headers: auth, payload: { name: 'a' } });
    expect(badParam.json<{ error: { message: string } }>().error.message).toMatch(/^params\.id: /);
    const badBody = await app.inject({ method: 'POST', url: `/v1/things/${ID}?size=1`, headers: auth, payload: { name: '' } });
    expect(badBody.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(badBody.json<{ error: { message: string } }>().error.message).toMatch(/^body\.name: /);
  });

  it('answers only what the answer schema holds, and 500 (logged) rather than an answer that breaks it', async () => {
    const app = server();
    const ok = await app.inject({ method: 'POST', url: `/v1/things/${ID}?size=3`, headers: auth, payload: { name: 'a' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ id: ID, size: 3 });
    const broken = await app.inject({ method: 'GET', url: '/v1/broken', headers: auth });
    expect(broken.statusCode).toBe(500);
    expect(broken.json()).toMatchObject({ error: { code: 'INTERNAL' } });
  });

  it('still asks for a token before validating', async () => {
    const res = await server().inject({ method: 'POST', url: '/v1/things/nope', payload: {} });
    expect(res.statusCode).toBe(401);
  });
});

describe('the OpenAPI document and its page', () => {
  it('refuses to start with a route served but not in the document', async () => {
    const app = server();
    app.get('/v1/undocumented', () => ({}));
    await expect(app.ready()).rejects.toThrow(/GET \/v1\/undocumented: served but not in the OpenAPI document/);
  });

  it('publishes OpenAPI 3.1 at /openapi.json without a token, from the schemas, with the security of each route', async () => {
    const res = await server().inject({ method: 'GET', url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{
      openapi: string;
      paths: Record<
        string,
        Record<string, { security?: unknown; parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>
      >;
      components: { schemas: Record<string, unknown> };
    }>();
    expect(doc.openapi).toBe('3.1.0');
    const post = doc.paths['/v1/things/{id}']!['post']!;
    expect(post.parameters?.map((p) => `${p.in}:${p.name}`).sort()).toEqual(['path:id', 'query:size']);
    expect(post.responses['200']).toMatchObject({
      description: 'The thing',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
    });
    expect(Object.keys(post.responses).sort()).toEqual(['200', '400', '401', '403', '429']);
    expect(post.responses['400']).toMatchObject({ content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
    expect(doc.components.schemas['Thing']).toMatchObject({ type: 'object', required: ['id', 'size'] });
    expect(doc.components.schemas['Error']).toBeDefined();
    expect(doc.paths['/v1/blobs']!['post']).toMatchObject({
      requestBody: { content: { 'image/png': { schema: { type: 'string', format: 'binary' } } } },
    });
    for (const open of ['/v1/open', '/healthz', '/readyz', '/openapi.json']) expect(doc.paths[open]!['get']!.security).toEqual([]);
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/docs'))).toBe(false);
  });

  it('serves the reference page at /docs and its assets itself, without a token, allowing nothing from elsewhere', async () => {
    const app = server();
    const page = await app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toMatch(/https:|validator\.swagger\.io|upgrade-insecure-requests/);
    const assets = [...page.body.matchAll(/(?:src|href)="\.?\/?([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^(https?:)?\/\//);
      const res = await app.inject({ method: 'GET', url: `/docs/${asset.replace(/^docs\//, '')}` });
      expect(res.statusCode, asset).toBe(200);
    }
    const json = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(json.json<{ openapi: string }>().openapi).toBe('3.1.0');
  });
});
