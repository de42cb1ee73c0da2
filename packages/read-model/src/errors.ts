import type { z } from 'zod';

/**
 * A stored record of the read side that fails its schema: written by another version, or damaged. It names the
 * key and the incident (or command) so the record can be found, and what the schema refused.
 */
export class InvalidReadModelRecord extends Error {
  readonly code = 'INVALID_READ_MODEL_RECORD';
  constructor(
    readonly key: string,
    /** The incident (or, for an outcome, the command) the record is about. */
    readonly id: string,
    readonly reason: string,
  ) {
    super(`read model: ${key} (${id}) fails its schema: ${reason}`);
  }
}

/** Parses one stored JSON value against its schema, or throws InvalidReadModelRecord naming the key and id. */
export function parseRecord<T>(schema: z.ZodType<T>, raw: string, key: string, id: string): T {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new InvalidReadModelRecord(key, id, 'not JSON');
  }
  return checkRecord(schema, value, key, id);
}

/** Checks one stored value, already parsed, against its schema, or throws InvalidReadModelRecord naming the key and id. */
export function checkRecord<T>(schema: z.ZodType<T>, value: unknown, key: string, id: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidReadModelRecord(key, id, issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid');
  }
  return parsed.data;
}
