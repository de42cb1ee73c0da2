import { createHash, randomUUID } from 'node:crypto';

/** A UUID (v8 layout) made from a SHA-256 of the parts: the same parts always give the same id. */
function uuidFrom(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest();
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A report's incident id and command id follow from who reported it and the client's report id,
 * so a phone that retries gets the same incident and the same command, never a second one.
 */
export function reportIds(reporterId: string, reportId: string): { incidentId: string; commandId: string } {
  return {
    incidentId: uuidFrom('incident', reporterId, reportId),
    commandId: uuidFrom('report-command', reporterId, reportId),
  };
}

/**
 * A command's id: derived from who gives it, their idempotency key and the case, when a key is given, so a retry is
 * the same command (decided once) while the same key on another case is another command.
 */
export function commandIdFor(actorId: string, idempotencyKey: string | undefined, incidentId: string): string {
  return idempotencyKey ? uuidFrom('command', actorId, idempotencyKey, incidentId) : randomUUID();
}
