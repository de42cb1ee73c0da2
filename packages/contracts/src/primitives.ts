import { z } from 'zod';

/** ISO-8601 instant with an offset, e.g. 2026-11-22T09:30:00+08:00; normalised to a Date-compatible string. */
export const Instant = z.iso.datetime({ offset: true });
export type Instant = z.infer<typeof Instant>;

/** Grid code: county (6) + town (3) + community (3) + grid sequence (3) digits. */
export const GridCode = z.string().regex(/^\d{15}$/, 'a grid code has 15 digits');
export type GridCode = z.infer<typeof GridCode>;

/** Any area code of the five levels: 6 (city or county), 9 (town), 12 (community) or 15 (grid) digits. The one pattern: every schema of an area code is this one. */
export const AreaCode = z.string().regex(/^(\d{6}|\d{9}|\d{12}|\d{15})$/, 'an area code has 6, 9, 12 or 15 digits');
export type AreaCode = z.infer<typeof AreaCode>;

export const CategoryCode = z.string().regex(/^[a-z][a-z0-9_.-]{1,47}$/, 'a category code is lower-case letters, digits, _ . -');
export type CategoryCode = z.infer<typeof CategoryCode>;

export const DepartmentCode = z.string().regex(/^[a-z][a-z0-9_.-]{1,47}$/, 'a department code is lower-case letters, digits, _ . -');
export type DepartmentCode = z.infer<typeof DepartmentCode>;

export const Urgency = z.enum(['normal', 'urgent', 'very_urgent']);
export type Urgency = z.infer<typeof Urgency>;

export const Role = z.enum(['grid_staff', 'handler', 'dispatcher', 'leader', 'admin', 'system']);
export type Role = z.infer<typeof Role>;

/** The roles a person can hold (a bearer token names one); `system` is the dispatch worker itself (routing, timers). */
export const PersonRole = Role.exclude(['system']);
export type PersonRole = z.infer<typeof PersonRole>;

/** Most jurisdiction areas one actor may hold. */
export const MAX_ACTOR_AREAS = 200;

export const Actor = z.object({
  id: z.string().min(1).max(64),
  role: Role,
  /** The department a handler acts for. */
  department: z.string().max(48).optional(),
  /**
   * The actor's jurisdiction, as their token granted it when they acted: area codes whose subtrees they
   * act or read in (grid staff: their own grids). Absent means none (the system, or an old record).
   */
  areas: z.array(AreaCode).max(MAX_ACTOR_AREAS).optional(),
});
export type Actor = z.infer<typeof Actor>;

/**
 * The actor as an event names them: a grid staff member's id travels sealed on grid.events (ADR 0016), longer than
 * an id in clear.
 */
export const EventActor = Actor.extend({ id: z.string().min(1).max(400) });

export const IncidentId = z.uuid();
export type IncidentId = z.infer<typeof IncidentId>;

export const CommandId = z.uuid();
export type CommandId = z.infer<typeof CommandId>;

/**
 * Characters refused in free text: C0 controls other than tab and newline (NUL, CR, ESC…), DEL and the C1 controls,
 * and the bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), which make a text read otherwise
 * than it is stored (a "Trojan Source" in a description shown to a handler, a log line or a spreadsheet).
 */
const FORBIDDEN_IN_TEXT = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/u;

/** The first character of `text` that free text may not hold, as U+XXXX, or undefined. */
export function forbiddenCharacter(text: string): string | undefined {
  const found = FORBIDDEN_IN_TEXT.exec(text);
  return found ? `U+${found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : undefined;
}

/** The refusal of free text holding a forbidden character: the message names the character (the field is named by its path). */
const noControlCharacters = (text: string, ctx: z.RefinementCtx) => {
  const found = forbiddenCharacter(text);
  if (found !== undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `holds the control character ${found}: free text may not hold control characters (but tab and newline) or bidi overrides`,
    });
  }
};

/**
 * Free text of a person (a description, an address, a reason, notes): `min` to `max` characters (after trimming when
 * `trim`), no control characters (but tab and newline) or bidi overrides.
 */
export const FreeText = (max: number, options: { readonly min?: number; readonly trim?: boolean } = {}) => {
  // Checked before trimming: a control character at either end is refused too, not trimmed away unseen.
  const checked = z.string().superRefine(noControlCharacters);
  const text = options.trim ? checked.trim() : checked;
  return (options.min === undefined ? text : text.min(options.min)).max(max);
};

/**
 * A client's report id: 8 to 64 letters, marks and digits of any script and . _ : -, starting with a letter or a digit,
 * in Unicode NFC (the intake normalises it first, so that the same id typed in NFC or NFD is one report).
 */
export const ReportId = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[\p{L}\p{N}][\p{L}\p{M}\p{N}._:-]*$/u, 'a report id is letters, digits and . _ : - (no spaces, symbols or control characters)')
  .refine((s) => s === s.normalize('NFC'), 'a report id is in Unicode NFC');

export const Location = z.object({
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
  address: FreeText(200).optional(),
});
export type Location = z.infer<typeof Location>;

/** An uploaded photo's object key: opaque and random (never derived from the reporter or the case), 32 hex digits. */
export const PhotoKey = z.string().regex(/^[0-9a-f]{32}$/, 'an object key from POST /v1/photos');
/** The types a photo may be, as judged from its bytes. */
export const PhotoContentType = z.enum(['image/jpeg', 'image/png', 'image/webp']);
export type PhotoContentType = z.infer<typeof PhotoContentType>;
const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'SHA-256, 64 lowercase hex digits');
/**
 * A photo named by a command: the key and SHA-256 that POST /v1/photos answered. The intake fills in contentType from
 * what it stored (a client's own value is replaced); the decider accepts no photo without it.
 */
export const CommandPhoto = z.object({ key: PhotoKey, sha256: Sha256Hex, contentType: PhotoContentType.optional() });
export type CommandPhoto = z.infer<typeof CommandPhoto>;
/** A photo as events carry it: the object's key, its SHA-256 and its type; never its bytes. */
export const PhotoRef = z.object({ key: PhotoKey, sha256: Sha256Hex, contentType: PhotoContentType });
/** A sealed value (ADR 0016: `enc1.<iv>.<ct>.<tag>`), as grid.events carries personal fields. */
const SealedValue = z
  .string()
  .regex(/^enc1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/, 'a sealed value')
  .max(4096);
/** A photo as grid.events carries it: its key and hash sealed by the dispatch worker (ADR 0016), its type in clear. */
export const EventPhotoRef = z.object({
  key: z.union([PhotoKey, SealedValue]),
  sha256: z.union([Sha256Hex, SealedValue]),
  contentType: PhotoContentType,
});
export type PhotoRef = z.infer<typeof PhotoRef>;
/** Most photos one command carries. */
export const MAX_PHOTOS_PER_COMMAND = 9;
export const CommandPhotos = z
  .array(CommandPhoto)
  .max(MAX_PHOTOS_PER_COMMAND)
  .refine((ps) => new Set(ps.map((p) => p.key)).size === ps.length, 'the same photo twice')
  .optional()
  .describe('Photos uploaded by POST /v1/photos, as { key, sha256 } (at most 9)');

/** An Open311 client app's id (data/open311 clients file): lower-case letters, digits, _ and -. */
export const Open311ClientId = z.string().regex(/^[a-z0-9][a-z0-9_-]{1,47}$/, 'lower-case letters, digits, _ and -, 2 to 48');

/**
 * Where a report came in when not from grid staff: a citizen's app through the Open311 door (ADR 0028). Such a
 * report is never routed at once: it waits for a dispatcher's triage (受理 by dispatching, or 不予立案).
 */
export const ReportChannel = z.object({ via: z.literal('open311'), client: Open311ClientId });
export type ReportChannel = z.infer<typeof ReportChannel>;
/** A GeoJSON position as an area boundary holds it: [longitude, latitude] in WGS84 (RFC 7946), an altitude ignored. */
const Position = z.tuple([z.number(), z.number()]).rest(z.number());
/**
 * An area's boundary: a GeoJSON Polygon or MultiPolygon (RFC 7946), WGS84 lon/lat. This schema checks the shape
 * only; @gridgov/geo's `checkBoundary` checks that it is a valid polygon (closed rings, no self-intersection, holes
 * inside).
 */
export const AreaBoundary = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Polygon'), coordinates: z.array(z.array(Position)) }),
  z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(z.array(z.array(Position))) }),
]);
export type AreaBoundary = z.infer<typeof AreaBoundary>;
