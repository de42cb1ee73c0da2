import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { EdgeOptions } from './edge.ts';
import type { JsonSchema } from './openapi.ts';

/**
 * What stands for a dependency an app is built with only to read its OpenAPI document (`pnpm gen-docs`): anything
 * read of it or called on it is itself again, so building the app's routes touches nothing; no route is ever called.
 */
function hollow(): unknown {
  const target = function () {};
  const self: unknown = new Proxy(target, {
    get: (_t, key) => (key === 'then' ? undefined : key === Symbol.toPrimitive ? () => 0 : self),
    apply: () => self,
    construct: () => self as object,
  });
  return self;
}

/**
 * The dependencies of an app built for its document: a silent logger, no tokens, never ready, what `given` says (a
 * value its routes are built with, such as a number), the rest hollow.
 */
export function documentOnlyDeps<T extends object>(overrides: Partial<T> = {}): T {
  const given: Record<string | symbol, unknown> = {
    logger: pino({ enabled: false }),
    edge: { authenticate: () => ({ ok: false, problem: 'built for its OpenAPI document only' }) } satisfies EdgeOptions,
    ready: () => Promise.resolve(false),
    bodyLimit: undefined,
    timeouts: undefined,
    trustProxy: undefined,
    ...overrides,
  };
  return new Proxy(given, { get: (target, key) => (key in target ? target[key] : hollow()) }) as T;
}

/** The OpenAPI document an app publishes at /openapi.json, read without listening; the app is closed after. */
export async function documentOf(app: FastifyInstance): Promise<JsonSchema> {
  try {
    await app.ready();
    return app.swagger() as unknown as JsonSchema;
  } finally {
    await app.close();
  }
}
