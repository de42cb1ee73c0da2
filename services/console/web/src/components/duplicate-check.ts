import type { DuplicateCandidate, DuplicatesAnswer } from '../api/types.ts';

/** How long the phone form waits for the duplicate check before it sends anyway: a slow signal never holds a report. */
export const DUPLICATE_CHECK_TIMEOUT_MS = 4000;

/** What the check before sending came to: open cases the report may repeat, none, or no check at all (and why). */
export type DuplicateCheck =
  | { readonly kind: 'candidates'; readonly candidates: readonly DuplicateCandidate[] }
  | { readonly kind: 'none' }
  | { readonly kind: 'skipped'; readonly reason: 'no-rule' | 'offline' | 'timeout' | 'error' };

export interface DuplicateQuery {
  readonly category: string;
  readonly lat: number;
  readonly lng: number;
}

export const duplicatesPath = (q: DuplicateQuery): string =>
  `/v1/duplicates?category=${encodeURIComponent(q.category)}&lat=${q.lat}&lng=${q.lng}`;

/**
 * Asks GET /v1/duplicates whether the report repeats an open case, unless the category is never proposed or the phone
 * is offline; gives up after `timeoutMs`. Never throws: a check that fails lets the report go as it would without it
 * (the outbox keeps it, the dispatcher still sees the proposal the intake makes).
 */
export async function checkDuplicates(
  get: (path: string, signal: AbortSignal) => Promise<DuplicatesAnswer>,
  query: DuplicateQuery,
  options: { readonly hasRule: boolean; readonly online: boolean; readonly timeoutMs?: number },
): Promise<DuplicateCheck> {
  if (!options.hasRule) return { kind: 'skipped', reason: 'no-rule' };
  if (!options.online) return { kind: 'skipped', reason: 'offline' };
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs ?? DUPLICATE_CHECK_TIMEOUT_MS);
  try {
    const { candidates } = await get(duplicatesPath(query), controller.signal);
    return candidates.length > 0 ? { kind: 'candidates', candidates } : { kind: 'none' };
  } catch {
    return { kind: 'skipped', reason: timedOut ? 'timeout' : 'error' };
  } finally {
    clearTimeout(timer);
  }
}
