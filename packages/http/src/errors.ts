import type { FastifyError, FastifyInstance } from 'fastify';
import type { z } from 'zod';

/** An error with a stable code the client can act on, an HTTP status, and details. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
}

export class ValidationError extends ApiError {
  constructor(where: 'body' | 'query' | 'params' | 'headers', error: z.ZodError) {
    const issues = error.issues.map((i) => ({ field: [where, ...i.path.map(String)].join('.'), message: i.message }));
    const first = issues[0];
    super(400, 'VALIDATION_FAILED', first ? `${first.field}: ${first.message}` : `invalid ${where}`, { issues });
  }
}

/** The one place errors become responses: { error: { code, message, details?, requestId } }. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | ApiError, request, reply) => {
    if (err instanceof ApiError) {
      if (err.statusCode >= 500) request.log.error({ err }, err.message);
      return reply
        .status(err.statusCode)
        .send({ error: { code: err.code, message: err.message, details: err.details, requestId: request.id } });
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) {
      request.log.error({ err }, 'unhandled error');
      return reply.status(500).send({ error: { code: 'INTERNAL', message: 'internal error', requestId: request.id } });
    }
    // Fastify's own 4xx: malformed JSON, body too large, unsupported media type.
    return reply.status(status).send({ error: { code: err.code ?? 'BAD_REQUEST', message: err.message, requestId: request.id } });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url}`, requestId: request.id } }),
  );
}

export function parseOr400<S extends z.ZodType>(schema: S, where: 'body' | 'query' | 'params' | 'headers', value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(where, result.error);
  return result.data;
}
