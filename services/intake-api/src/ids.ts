import { randomUUID } from 'node:crypto';
import type { Pseudonyms } from '@gridgov/crypto';

/** A UUID (v8 layout) made from a keyed hash of the parts: the same parts always give the same id. */
function uuidFrom(pseudonyms: Pseudonyms, ...parts: string[]): string {
  const h = Buffer.from(pseudonyms.of('uuid', ...parts), 'base64url');
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A report's incident id and command id follow from who reported it and the client's report id,
 * so a phone that retries gets the same incident and the same command, never a second one. The hash is keyed
 * (HMAC with PSEUDONYM_SECRET, ADR 0016): the incident id is on the log in clear, and an unkeyed hash would let
 * anyone holding it try staff ids and guessable report ids until one fits.
 */
export function reportIds(pseudonyms: Pseudonyms, reporterId: string, reportId: string): { incidentId: string; commandId: string } {
  return {
    incidentId: uuidFrom(pseudonyms, 'incident', reporterId, reportId),
    commandId: uuidFrom(pseudonyms, 'report-command', reporterId, reportId),
  };
}

/**
 * A command's id: derived from who gives it, their idempotency key and the case, when a key is given, so a retry is
 * the same command (decided once) while the same key on another case is another command. Keyed as the report's.
 */
export function commandIdFor(pseudonyms: Pseudonyms, actorId: string, idempotencyKey: string | undefined, incidentId: string): string {
  return idempotencyKey ? uuidFrom(pseudonyms, 'command', actorId, idempotencyKey, incidentId) : randomUUID();
}
