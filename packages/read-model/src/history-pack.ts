import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * A case's history as stored (ADR 0043): one Redis hash per case. While the case is open each event is a field of
 * its own (the version → the line's JSON); once it is closed or rejected its lines are packed into the field
 * `PACKED_FIELD` (versions start at 1, so it names no line): the JSON array of every line, compressed. A closed case
 * keeps its history for years and is read seldom; packed, its lines take about a fifth of the memory. A line added
 * after packing (an erasure of a closed case) is packed again with the rest; a reader merges both kinds of field by
 * version, so a hash caught between the packed field's write and the removal of the loose lines reads whole.
 */
export const PACKED_FIELD = '0';

/** The first byte of a packed field: how the rest is coded. 1: raw DEFLATE (RFC 1951) with `DICTIONARY_V1`. */
const FORMAT_V1 = 1;

/**
 * DEFLATE's preset dictionary for format 1: what most lines share (their keys, the event types, the roles), so that
 * even the first line of a packed history is coded by reference. Fixed forever once a history is packed with it: a
 * different dictionary is a new format byte.
 */
const DICTIONARY_V1 = Buffer.from(
  [
    'IncidentRejected IncidentReassigned IncidentReturned IncidentReworkRequested ExtensionRequested ExtensionApproved',
    'ExtensionDenied IncidentSuspended IncidentResumed IncidentErased IncidentImported IncidentMerged IncidentUnmerged',
    'DuplicateAttached DuplicateDetached "reason":"超期自动督办 overdue","manual":false,"level":1,"nextAt":"',
    '"measures":{"verification":"working"}},"handlingMs":"notes":"photos":[{"key":"sha256":"contentType":"image/jpeg"',
    '"reporterRef":"sealed":"reportId":"r-","reporterId":"gridCode":"category":"urgency":"normal","description":"',
    '"location":{"lat":22.,"lng":113.,"address":"},"occurredAt":"2026-","reportedAt":"2026-","receivedAt":"2026-',
    '{"version":2,"type":"IncidentDispatched","at":"2026-","actor":{"id":"routing","role":"system"},"commandId":"',
    '","data":{"department":"","by":"routing","signForDue":"2026-","handlingDue":"2026-","measures":{"sign_for":',
    '"working","handling":"working"}}},{"version":3,"type":"IncidentAccepted","at":"2026-","actor":{"id":"',
    '","role":"handler","department":"","areas":["',
    '"]},"commandId":"","data":{"department":""}},{"version":4,"type":"IncidentResolved","at":"2026-","actor":',
    '{"version":5,"type":"IncidentEscalated","at":"2026-","actor":{"id":"system","role":"system"},"commandId":null,',
    '"data":{"stage":"handling","due":"2026-"}},{"version":6,"type":"DeadlineMissed","at":"2026-","actor":',
    '{"id":"system","role":"system"},"commandId":null,"data":{"stage":"sign_for","due":"2026-","fraction":0.8,',
    '"assignee":"","remaining":{"amount":1,"unit":"hours"}}},{"version":7,"type":"DeadlineWarned","at":"2026-',
    '{"version":8,"type":"IncidentClosed","at":"2026-","actor":{"id":"gs-","role":"grid_staff","areas":["',
    '"]},"commandId":"","data":{"onTime":true,"handlingMs":}},{"version":1,"type":"IncidentReported","at":"2026-',
    'T00:00:00.000Z","actor":{"id":"gs-","role":"grid_staff","areas":["',
  ].join(''),
  'utf8',
);

/** Lines by version packed into one field value, oldest first. Deterministic: the same lines give the same bytes. */
export function packHistory(lines: ReadonlyMap<number, unknown>): Buffer {
  const sorted = [...lines].sort(([a], [b]) => a - b).map(([, line]) => line);
  const body = deflateRawSync(JSON.stringify(sorted), { dictionary: DICTIONARY_V1 });
  return Buffer.concat([Buffer.of(FORMAT_V1), body]);
}

/** The lines of a packed field, as parsed JSON (not yet checked against the schema); a StoredLineError when unreadable. */
export function unpackHistory(packed: Buffer): unknown[] {
  if (packed[0] !== FORMAT_V1) throw new StoredLineError(PACKED_FIELD, `unknown packed format ${packed[0] ?? '(empty)'}`);
  let text: string;
  try {
    text = inflateRawSync(packed.subarray(1), { dictionary: DICTIONARY_V1 }).toString('utf8');
  } catch {
    throw new StoredLineError(PACKED_FIELD, 'packed lines do not inflate');
  }
  const lines = parseJson(PACKED_FIELD, text);
  if (!Array.isArray(lines)) throw new StoredLineError(PACKED_FIELD, 'packed lines are not a list');
  return lines;
}

/**
 * A stored history hash (field → value, as `HGETALL` answers in buffers) as its lines by version, parsed but not
 * checked against the schema. A loose line and a packed one of the same version are the same line (written twice
 * around a packing); the loose one is taken. A value that cannot be read is a StoredLineError naming its field.
 */
export function storedLines(fields: Readonly<Record<string, Buffer>>): Map<number, unknown> {
  const lines = new Map<number, unknown>();
  const packed = fields[PACKED_FIELD];
  if (packed) {
    for (const line of unpackHistory(packed)) {
      const version = typeof line === 'object' && line !== null ? (line as { version?: unknown }).version : undefined;
      if (typeof version !== 'number' || !Number.isSafeInteger(version))
        throw new StoredLineError(PACKED_FIELD, 'a packed line has no version');
      lines.set(version, line);
    }
  }
  for (const [field, value] of Object.entries(fields)) {
    if (field !== PACKED_FIELD) lines.set(Number(field), parseJson(field, value.toString('utf8')));
  }
  return lines;
}

function parseJson(field: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new StoredLineError(field, 'not JSON');
  }
}

/** A stored history field that cannot be read as lines: names the field and why. */
export class StoredLineError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`history field ${field}: ${reason}`);
  }
}
