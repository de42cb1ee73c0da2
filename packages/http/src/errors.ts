import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { ERROR_CODES, type ErrorCode, type StatusOf } from './error-codes.ts';

/**
 * An error with a stable code the client can act on, an HTTP status, and details. The code is one of ERROR_CODES
 * and the status the one registered with it (the compiler checks both).
 */
export class ApiError<C extends ErrorCode = ErrorCode> extends Error {
  constructor(
    readonly statusCode: StatusOf<C>,
    readonly code: C,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
    /** Response headers that go with it (WWW-Authenticate, Retry-After). */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}

/** A dependency the route needs, and the code that names it when it is away. */
export const DEPENDENCY_CODES = { kafka: 'KAFKA_UNAVAILABLE', store: 'STORE_UNAVAILABLE', photos: 'PHOTO_STORE_UNAVAILABLE' } as const;
export type Dependency = keyof typeof DEPENDENCY_CODES;

const DEPENDENCY_NAMES: Record<Dependency, string> = { kafka: 'Kafka', store: 'the store (Redis)', photos: 'the photo store (S3)' };

/** Seconds a client is asked to wait before it retries a request refused because a dependency was away. */
export const DEPENDENCY_RETRY_AFTER_S = 2;

/**
 * 503: a dependency did not answer in time, so nothing was done (or, after a produce that timed out, it may yet
 * land: a retry with the same reportId or Idempotency-Key is the same command, decided once).
 */
export class DependencyUnavailableError extends ApiError {
  constructor(
    readonly dependency: Dependency,
    what: string,
    /** What the client library said: logged, never answered. */
    cause?: unknown,
  ) {
    super(
      503,
      DEPENDENCY_CODES[dependency],
      `${DEPENDENCY_NAMES[dependency]} is unavailable: ${what}; retry after ${DEPENDENCY_RETRY_AFTER_S} s`,
      { dependency, retryAfterSeconds: DEPENDENCY_RETRY_AFTER_S },
      { 'retry-after': String(DEPENDENCY_RETRY_AFTER_S) },
    );
    if (cause !== undefined) this.cause = cause;
  }
}

/** Tells which dependency an error from a client library says is away, if any (e.g. an ioredis connection error). */
export type DependencyOf = (err: unknown) => Dependency | undefined;

export type RequestPart = 'body' | 'query' | 'params' | 'headers';

/** What a refusal is made of: zod's issues, or a route schema's (the same path and message). */
interface Issues {
  readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[];
}

export class ValidationError extends ApiError {
  constructor(where: RequestPart, error: Issues) {
    const issues = error.issues.map((i) => ({ field: [where, ...i.path.map(String)].join('.'), message: i.message }));
    const first = issues[0];
    super(400, 'VALIDATION_FAILED', first ? `${first.field}: ${first.message}` : `invalid ${where}`, { issues });
  }
}

/** The part of the request Fastify names in a schema validation error (its `validationContext`). */
const REQUEST_PARTS: Readonly<Record<string, RequestPart>> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

/**
 * A route schema's refusal (fastify-type-provider-zod) in the house format: the same 400 VALIDATION_FAILED, field
 * and message as `parseOr400` gives, whichever way the route validates.
 */
export function schemaValidationError(err: FastifyError | ApiError): ValidationError | undefined {
  if (!hasZodFastifySchemaValidationErrors(err)) return undefined;
  const where = REQUEST_PARTS[err.validationContext ?? ''] ?? 'body';
  const issues = err.validation.map((v) => ({ path: v.instancePath.split('/').filter((p) => p !== ''), message: v.message ?? 'invalid' }));
  return new ValidationError(where, { issues });
}

/** Fastify's own 4xx (body parsing), in the house codes, each message naming what is wrong. */
function fastifyClientError(err: FastifyError, bodyLimit: number): { status: number; code: ErrorCode; message: string } {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: 'INVALID_JSON', message: 'body: not valid JSON (or it sets __proto__ or constructor.prototype)' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status: 400, code: 'INVALID_JSON', message: 'body: empty, though content-type says application/json' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, code: 'BODY_TOO_LARGE', message: `body: larger than ${bodyLimit} bytes` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'headers.content-type: send the body as application/json' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, code: 'BAD_REQUEST', message: 'headers.content-length: does not match the body' };
    default:
      return { status: err.statusCode ?? ERROR_CODES.BAD_REQUEST.status, code: 'BAD_REQUEST', message: `request: ${err.message}` };
  }
}

/** The body of every error answer. */
const errorBody = (code: ErrorCode, message: string, requestId: string, details?: Readonly<Record<string, unknown>>) => ({
  error: { code, message, details, requestId },
});

/** The one place errors become responses: { error: { code, message, details?, requestId } }. */
export function installErrorHandler(app: FastifyInstance, bodyLimit: number, dependencyOf?: DependencyOf): void {
  app.setErrorHandler((thrown: FastifyError | ApiError, request, reply) => {
    const dependency = thrown instanceof ApiError ? undefined : dependencyOf?.(thrown);
    const err = dependency
      ? new DependencyUnavailableError(dependency, 'it did not answer', thrown)
      : (schemaValidationError(thrown) ?? thrown);
    if (err instanceof DependencyUnavailableError) {
      // What the client library said stays in the log (the cause), not in the answer.
      request.log.warn({ err, dependency: err.dependency }, `answered 503: ${err.message}`);
    } else if (err instanceof ApiError && err.code === 'SERVER_BUSY') {
      // One a request under overload: the edge warns of them together, at most every 10 s.
      request.log.debug({ code: err.code }, `answered 503: ${err.message}`);
    } else if (err instanceof ApiError && err.statusCode === 503) {
      // An expected answer (a store being restored, say), not a fault of this process: no stack.
      request.log.warn({ code: err.code }, `answered 503: ${err.message}`);
    } else if (err instanceof ApiError && err.statusCode >= 500) request.log.error({ err }, err.message);
    if (err instanceof ApiError) {
      if (err.headers) reply.headers(err.headers);
      return reply.status(err.statusCode).send(errorBody(err.code, err.message, request.id, err.details));
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err }, 'unhandled error');
      return reply.status(ERROR_CODES.INTERNAL.status).send(errorBody('INTERNAL', 'internal error', request.id));
    }
    // A route may set a limit of its own (an admin's import): the message names the one that applied.
    const known = fastifyClientError(err, request.routeOptions.bodyLimit ?? bodyLimit);
    return reply.status(known.status).send(errorBody(known.code, known.message, request.id));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(ERROR_CODES.NOT_FOUND.status).send(errorBody('NOT_FOUND', `no route ${request.method} ${request.url}`, request.id)),
  );
}

export function parseOr400<S extends z.ZodType>(schema: S, where: 'body' | 'query' | 'params' | 'headers', value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(where, result.error);
  return result.data;
}
