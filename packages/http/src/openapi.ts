import { z } from 'zod';

/** The pieces both APIs' OpenAPI 3.1 documents are built of, from the zod schemas their routes validate with. */
export type JsonSchema = Record<string, unknown>;

/** JSON Schema of a zod schema as the request sees it (before defaults and transforms), without the meta keys. */
export function inputSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _s, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return json;
}

/** One OpenAPI parameter per property of a zod object, from the same schema the route validates with. */
export function parameters(schema: z.ZodType, where: 'query' | 'path' | 'header'): JsonSchema[] {
  const json = inputSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

/** The body of every error answer (packages/http/src/error-codes.ts lists the codes). */
export const ErrorAnswer = z.object({
  error: z.object({
    code: z.string().describe('One of the house error codes (docs/api.md)'),
    message: z.string().describe('Names the field at fault, e.g. query.window: …'),
    details: z.record(z.string(), z.unknown()).optional(),
    requestId: z.string(),
  }),
});

/** components.schemas from named zod schemas, each referred to as #/components/schemas/<name>. */
export function componentSchemas(schemas: Readonly<Record<string, z.ZodType>>): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(schemas)) registry.add(schema, { id });
  const { schemas: json } = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}` });
  // A fragment is no valid $id in JSON Schema 2020-12; components are named by their key.
  return Object.fromEntries(
    Object.entries(json).map(([id, schema]) => {
      const { $schema: _s, $id: _i, ...rest } = schema as JsonSchema;
      return [id, rest];
    }),
  );
}

/** A JSON answer of a component schema. */
export const jsonAnswer = (component: string, description: string): JsonSchema => ({
  description,
  content: { 'application/json': { schema: { $ref: `#/components/schemas/${component}` } } },
});

/** An error answer (its component is `Error`: ErrorAnswer). */
export const errorAnswer = (description: string): JsonSchema => jsonAnswer('Error', description);

export const BEARER_SECURITY_SCHEME = {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'JWT',
  description: 'A JWT (HS256, RS256 or ES256) with sub, role, areas, department (handlers), iat and exp.',
} as const;

/**
 * Every route but the public ones takes a bearer token and answers 401 without a valid one, 403 outside the
 * caller's areas or role, 429 past the rate limits (with Retry-After); the public ones need no token.
 */
export function withBearerSecurity(document: JsonSchema, publicPaths: ReadonlySet<string>): JsonSchema {
  const paths = document['paths'] as Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown }>>;
  for (const [path, operations] of Object.entries(paths)) {
    for (const operation of Object.values(operations)) {
      if (publicPaths.has(path)) {
        operation.security = [];
        continue;
      }
      operation.responses['401'] = errorAnswer('No valid bearer token; the message says what is wrong with it');
      operation.responses['403'] = errorAnswer("Outside the caller's jurisdiction, or not for their role");
      operation.responses['429'] = errorAnswer('Rate limited; Retry-After says when to try again');
    }
  }
  return document;
}
