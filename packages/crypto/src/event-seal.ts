import type { GridEvent, GridEventType } from '@gridgov/contracts';
import { isSealed, open, seal } from './sealed.ts';
import type { Pseudonyms } from './pseudonym.ts';

/**
 * Which fields of an event are personal (ADR 0016). Sealed on every case: who reported (and the report id, which with
 * the reporter names them), and the photos' keys. Sealed on a confidential category's case too: the free text.
 * Grid staff acting on a case (reporting, verifying) are personal wherever they appear: `metadata.actor.id`.
 * A citizen's contact details (Open311, ADR 0028) are an object: each of its fields sealed under its own name.
 */
const ALWAYS: Partial<Record<GridEventType, readonly string[]>> = {
  IncidentReported: ['reportId', 'reporterId', 'photos', 'contact'],
  IncidentResolved: ['photos'],
  IncidentReworkRequested: ['photos'],
  IncidentClosed: ['photos'],
  // The duplicate's reporter, whom the survivor tells when it closes.
  DuplicateAttached: ['reporterId'],
};

/** The fields of a photo ({ key, sha256, contentType }) that are sealed: where it is stored and what it hashes to. */
const PHOTO_FIELDS = ['key', 'sha256'] as const;
const isPhoto = (v: unknown): v is Record<string, unknown> & { key: string; sha256: string } =>
  v !== null &&
  typeof v === 'object' &&
  typeof (v as { key?: unknown }).key === 'string' &&
  typeof (v as { sha256?: unknown }).sha256 === 'string';

/**
 * What a sealed field whose key is gone reads as, for the readers that drop what they cannot open: a photo whose key
 * or hash does not open is left out of its list (openDeep drops an object whose sealed field opened to undefined).
 */
export const isDroppedWhenErased = (field: string): boolean => (PHOTO_FIELDS as readonly string[]).includes(field);
const FREE_TEXT: Partial<Record<GridEventType, readonly string[]>> = {
  IncidentReported: ['description'],
  IncidentResolved: ['notes'],
  IncidentReworkRequested: ['notes'],
  IncidentRejected: ['reason'],
  IncidentReassigned: ['reason'],
  IncidentReturned: ['reason'],
  ExtensionRequested: ['reason'],
  ExtensionDenied: ['reason'],
  IncidentSuspended: ['reason'],
  IncidentEscalated: ['reason'],
  IncidentMerged: ['note'],
  IncidentUnmerged: ['note'],
};

/** What a sealed value is bound to: its incident and the field's name. */
export const sealContext = (incidentId: string, field: string): string => `${incidentId}|${field}`;

export interface SealOptions {
  /** The case's data key; null only for an event with nothing to seal. */
  readonly key: Buffer | null;
  /** Whether the case's category is confidential: its free text is sealed too. */
  readonly confidential: boolean;
  readonly pseudonyms: Pseudonyms;
}

/** The personal fields of an event type, for a case confidential or not. */
export function personalFields(type: GridEventType, confidential: boolean): readonly string[] {
  return [...(ALWAYS[type] ?? []), ...(confidential ? (FREE_TEXT[type] ?? []) : [])];
}

/**
 * The event as grid.events carries it: personal fields sealed under the case's key, and the reporter's pseudonym
 * (`reporterRef`) beside the sealed reporter, for the read side to index a reporter's own list without reading who.
 */
export function sealEvent(event: GridEvent, options: SealOptions): GridEvent {
  const incidentId = event.metadata.incidentId;
  const fields = personalFields(event.type, options.confidential);
  const staff = event.metadata.actor.role === 'grid_staff';
  if (fields.length === 0 && !staff) return event;
  if (!options.key) throw new Error(`no data key for incident ${incidentId}: its ${event.type} cannot be sealed`);
  const key: Buffer = options.key;
  // A declaration, not a named arrow: the bundles' name helper leaves it alone (scripts/bundle-names.mjs).
  function close(field: string, value: string): string {
    return isSealed(value) ? value : seal(key, value, sealContext(incidentId, field));
  }
  const data: Record<string, unknown> = { ...(event.data as Record<string, unknown>) };
  if (event.type === 'IncidentReported' && !isSealed(event.data.reporterId)) {
    data.reporterRef = options.pseudonyms.person(event.data.reporterId);
  }
  for (const field of fields) {
    const value = data[field];
    if (typeof value === 'string') data[field] = close(field, value);
    else if (Array.isArray(value)) {
      data[field] = (value as unknown[]).map((v) => {
        if (typeof v === 'string') return close(field, v);
        // A photo: its key and hash sealed, each bound to its own name; its type stays readable.
        if (isPhoto(v)) return { ...v, ...Object.fromEntries(PHOTO_FIELDS.map((f) => [f, close(f, v[f])])) };
        return v;
      });
    } else if (value !== null && typeof value === 'object') {
      // An object of strings (a citizen's contact): each sealed bound to its own name, as openDeep opens it.
      data[field] = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? close(k, v) : v]),
      );
    }
  }
  const actor = staff ? { ...event.metadata.actor, id: close('id', event.metadata.actor.id) } : event.metadata.actor;
  return { ...event, data, metadata: { ...event.metadata, actor } } as GridEvent;
}

/** What takes the place of a value whose key is gone (erased): an empty string, or `ERASED_ID` for an actor's id. */
export const ERASED_ID = 'erased';

/**
 * Opens every sealed string in `value` (an event, a case view, a history line), each with the context of its own field
 * name. A value that does not open (the key was shredded, or it is damaged) becomes `replacement(field)`.
 */
export function openDeep<T>(value: T, incidentId: string, key: Buffer | null, replacement: (field: string) => unknown): T {
  const walk = (v: unknown, field: string): unknown => {
    if (isSealed(v)) {
      if (!key) return replacement(field);
      try {
        return open(key, v, sealContext(incidentId, field));
      } catch {
        return replacement(field);
      }
    }
    if (Array.isArray(v)) {
      const opened = v.map((x) => walk(x, field));
      return opened.filter((x) => x !== undefined);
    }
    if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v).map(([k, x]) => [k, walk(x, k), x] as const);
      // A sealed field that did not open and reads as nothing (a photo's key): the object goes with it.
      if (entries.some(([, opened, sealed]) => opened === undefined && isSealed(sealed))) return undefined;
      return Object.fromEntries(entries.map(([k, opened]) => [k, opened]));
    }
    return v;
  };
  return walk(value, '') as T;
}

/** Whether anything in `value` is sealed (a view of an ordinary case with nothing sealed needs no key). */
export function hasSealed(value: unknown): boolean {
  if (isSealed(value)) return true;
  if (Array.isArray(value)) return value.some(hasSealed);
  if (value !== null && typeof value === 'object') return Object.values(value).some(hasSealed);
  return false;
}

/** An event from the log with its personal fields opened; those whose key is gone left empty (the worker's fold). */
export function openEvent(event: GridEvent, key: Buffer | null): GridEvent {
  if (!hasSealed(event)) return event;
  return openDeep(event, event.metadata.incidentId, key, (field) =>
    field === 'id' ? ERASED_ID : isDroppedWhenErased(field) ? undefined : '',
  );
}
