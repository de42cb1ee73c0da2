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

export const IncidentId = z.uuid();
export type IncidentId = z.infer<typeof IncidentId>;

export const CommandId = z.uuid();
export type CommandId = z.infer<typeof CommandId>;

export const Location = z.object({
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
  address: z.string().max(200).optional(),
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
export type PhotoRef = z.infer<typeof PhotoRef>;
/** Most photos one command carries. */
export const MAX_PHOTOS_PER_COMMAND = 9;
export const CommandPhotos = z
  .array(CommandPhoto)
  .max(MAX_PHOTOS_PER_COMMAND)
  .refine((ps) => new Set(ps.map((p) => p.key)).size === ps.length, 'the same photo twice')
  .optional()
  .describe('Photos uploaded by POST /v1/photos, as { key, sha256 } (at most 9)');
