import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyPluginCallback, RouteOptions } from 'fastify';
import {
  createJsonSchemaTransform,
  createJsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { OpenAPIV3_1 } from 'openapi-types';
import { z } from 'zod';
import { PUBLIC_ROUTE } from './edge.ts';

/**
 * One set of schemas (ADR 0027): every route declares its zod schemas (`schema: {querystring, params, headers, body,
 * response}`); fastify-type-provider-zod validates the request and serialises the answer with them, and
 * @fastify/swagger writes the OpenAPI 3.1 document from them, served at /openapi.json with a reference page at /docs.
 */
export type JsonSchema = Record<string, unknown>;

/** The body of every error answer (packages/http/src/error-codes.ts lists the codes). */
export const ErrorAnswer = z.object({
  error: z.object({
    code: z.string().describe('One of the house error codes (docs/api.md)'),
    message: z.string().describe('Names the field at fault, e.g. query.window: …'),
    details: z.record(z.string(), z.unknown()).optional(),
    requestId: z.string(),
  }),
});
export type ErrorAnswer = z.infer<typeof ErrorAnswer>;

/**
 * A JSON answer of a route's `schema.response` with what it means there: the schema itself (a named one is referred to
 * by $ref; `.describe()` would make it another, written out in full).
 */
export const jsonAnswer = <S extends z.ZodType>(schema: S, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

/** An error answer of a route's `schema.response`, with what it means there. */
export const errorAnswer = (description: string) => jsonAnswer(ErrorAnswer, description);

/** The 400 of every route with a schema: a parameter, query, header or body failed it. */
export const BAD_REQUEST = errorAnswer('Invalid input (VALIDATION_FAILED and the like); the message names the field');

/**
 * A server-sent events answer for a route's `schema.response` (the route hijacks its reply: nothing is serialised
 * with it; it is there for the document).
 */
export const eventStreamAnswer = (description: string) => ({
  description,
  content: { 'text/event-stream': { schema: z.string() } },
});

export const BEARER_SECURITY_SCHEME = {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'JWT',
  description: 'A JWT (HS256, RS256 or ES256) with sub, role, areas, department (handlers), iat and exp.',
} as const;

export interface OpenApiInfo {
  readonly title: string;
  readonly description: string;
  readonly version?: string;
  /**
   * The answers' schemas named in components.schemas (referred to by $ref wherever a route's schema uses them).
   * `Error` (ErrorAnswer) is always among them.
   */
  readonly components?: Readonly<Record<string, z.ZodType>>;
}

/** Where the document and its reference page are served, without a token. */
export const OPENAPI_PATH = '/openapi.json';
export const DOCS_PATH = '/docs';

type Operation = OpenAPIV3_1.OperationObject;

/**
 * Every route but the public ones (config PUBLIC_ROUTE: probes, this document, /docs) takes a bearer token and
 * answers 401 without a valid one, 403 outside the caller's areas or role, 429 past the rate limits.
 */
function withBearerSecurity(document: OpenAPIV3_1.Document, publicRoutes: ReadonlySet<string>): OpenAPIV3_1.Document {
  const errorRef = { $ref: '#/components/schemas/Error' };
  const answer = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation: Operation | undefined = operations?.[method];
      if (!operation) continue;
      if (publicRoutes.has(`${method.toUpperCase()} ${path}`)) {
        operation.security = [];
        continue;
      }
      const responses = (operation.responses ??= {});
      responses['401'] ??= answer('No valid bearer token; the message says what is wrong with it');
      responses['403'] ??= answer("Outside the caller's jurisdiction, or not for their role");
      responses['429'] ??= answer('Rate limited; Retry-After says when to try again');
    }
  }
  return document;
}

/**
 * Only the components some route refers to (directly or through another component): the zod registry yields an input
 * and an output variant of each, and the answers need only their output one.
 */
function withoutUnusedComponents(document: OpenAPIV3_1.Document): OpenAPIV3_1.Document {
  const schemas = document.components?.schemas;
  if (!schemas) return document;
  const refsIn = (value: unknown): string[] => [...JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!);
  const used = new Set<string>();
  const pending = refsIn(document.paths);
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (used.has(name)) continue;
    used.add(name);
    pending.push(...refsIn(schemas[name]));
  }
  document.components!.schemas = Object.fromEntries(Object.entries(schemas).filter(([name]) => used.has(name)));
  return document;
}

/**
 * Names a schema in zod's global registry, where its descriptions are too: wherever a route's schema uses it, the
 * document refers to components.schemas.<id>. Every API of the process shares the registry; a document keeps only
 * the components its routes use.
 */
function nameComponent(id: string, schema: z.ZodType): void {
  const named = z.globalRegistry.get(schema)?.id;
  if (named === id) return;
  if (named !== undefined) throw new Error(`OpenAPI component ${id}: the schema is named ${named} already`);
  if (z.globalRegistry._idmap.has(id)) throw new Error(`OpenAPI component ${id}: another schema has that name already`);
  z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), id });
}

/**
 * A route that takes raw bytes (an image) has no body schema for Fastify to validate with: `schema.consumes` names its
 * media types, and the document shows a binary body of each.
 */
function withRawBody<T extends { schema: unknown }>(declared: unknown, transformed: T): T {
  const { consumes, body } = (declared ?? {}) as { consumes?: readonly string[]; body?: unknown };
  if (!consumes || body !== undefined) return transformed;
  return { ...transformed, schema: { ...(transformed.schema as object), consumes, body: { type: 'string', format: 'binary' } } };
}

/** Fastify's `/v1/x/:id` as OpenAPI's `/v1/x/{id}`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/**
 * Installs the zod compilers, @fastify/swagger and the reference page, and serves the document at /openapi.json.
 * Routes registered after this (in a later `register` or `after`) are in the document; /docs is served by the
 * service itself (swagger-ui's assets from the package, no CDN), so it works offline.
 */
export function installOpenApi(app: FastifyInstance, info: OpenApiInfo): void {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  for (const [id, schema] of Object.entries({ ...info.components, Error: ErrorAnswer })) nameComponent(id, schema);
  const publicRoutes = new Set<string>();
  const served = new Set<string>();
  const documented = new Set<string>();
  app.addHook('onRoute', (route: RouteOptions) => {
    const isPublic = (route.config as { public?: boolean } | undefined)?.public === true;
    for (const method of [route.method].flat()) {
      const operation = `${method} ${openApiPath(route.url)}`;
      if (isPublic) publicRoutes.add(operation);
      const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
      if (!hidden && method !== 'HEAD' && method !== 'OPTIONS' && !route.url.startsWith(DOCS_PATH)) served.add(operation);
    }
  });
  // Every route served is in the document: one registered before the OpenAPI plugin loaded (at the root, right after
  // createHttpServer) would be served undocumented, so the app refuses to start instead.
  app.addHook('onReady', (done) => {
    const missing = [...served].filter((operation) => !documented.has(operation));
    done(
      missing.length === 0
        ? undefined
        : new Error(
            `${missing.join(', ')}: served but not in the OpenAPI document; register routes inside app.register(...) after createHttpServer (ADR 0027)`,
          ),
    );
  });
  const toObject = createJsonSchemaTransformObject({});
  const toJson = createJsonSchemaTransform({ skipList: [] });
  void app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: info.title, version: info.version ?? '1', description: info.description },
      security: [{ bearer: [] }],
      components: { securitySchemes: { bearer: BEARER_SECURITY_SCHEME } },
    },
    transform: (route) => withRawBody(route.schema, toJson(route)),
    transformObject: (documentObject) =>
      withoutUnusedComponents(withBearerSecurity(toObject(documentObject) as OpenAPIV3_1.Document, publicRoutes)) as ReturnType<
        typeof toObject
      >,
  });
  // Loaded right after @fastify/swagger, at the root (not encapsulated, as fastify-plugin does): it sees the routes
  // swagger sees.
  const seenBySwagger: FastifyPluginCallback = (instance, _options, done) => {
    instance.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) documented.add(`${method} ${openApiPath(route.url)}`);
    });
    done();
  };
  void app.register(Object.assign(seenBySwagger, { [Symbol.for('skip-override')]: true }));
  void app.register(async (docs) => {
    // The page and its assets need no token; everything of swagger-ui is registered in this scope.
    docs.addHook('onRoute', (route) => {
      route.config = { ...(route.config as object | undefined), ...PUBLIC_ROUTE } as NonNullable<typeof route.config>;
      route.schema = { ...route.schema, hide: true };
    });
    await docs.register(fastifySwaggerUi, {
      routePrefix: DOCS_PATH,
      // No call out: no validator badge from validator.swagger.io.
      uiConfig: { validatorUrl: null, deepLinking: true },
      staticCSP: true,
      // Served from this origin only, over http too (no upgrade), no fonts or styles from elsewhere.
      transformStaticCSP: (header) =>
        header
          .replace(/ ?upgrade-insecure-requests;?/, '')
          .replace(/ https:/g, '')
          .replace(/ validator\.swagger\.io/, '')
          .replace("frame-ancestors 'self'", "frame-ancestors 'none'"),
    });
  });
  void app.register((scope, _options, done) => {
    const schema = {
      summary: 'This document',
      response: { 200: jsonAnswer(z.looseObject({ openapi: z.literal('3.1.0') }), 'The OpenAPI 3.1 document of this API') },
    };
    scope.get(OPENAPI_PATH, { config: PUBLIC_ROUTE, schema }, () => scope.swagger());
    done();
  });
}

export type { ZodTypeProvider } from 'fastify-type-provider-zod';
