/** What a record's value decoded to: the value, or why it could not be (a reason for a log line or a dead letter). */
export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** The part of a zod schema that decoding uses. */
export interface RecordSchema<T> {
  safeParse(
    input: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

/** Decodes a record's value: UTF-8 JSON that matches `schema` (named `name` in the reason when it does not). */
export function decodeRecord<T>(schema: RecordSchema<T>, name: string, value: Buffer | null): Decoded<T> {
  if (!value) return { ok: false, reason: 'empty record value' };
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch {
    return { ok: false, reason: 'record value is not JSON' };
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ');
    return { ok: false, reason: `record does not match ${name}: ${issues}` };
  }
  return { ok: true, value: parsed.data };
}
