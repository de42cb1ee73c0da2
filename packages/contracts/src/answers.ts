import { z } from 'zod';
import { CommandOutcome } from './outcomes.ts';
import { CommandId, IncidentId, PersonRole } from './primitives.ts';

/**
 * What the intake and the notifier answer, as zod schemas with their types (ADR 0027): the services answer through
 * them (each route's response schema), /openapi.json is written from them, and the console reads its answers with
 * their types. One home, no copies. The case views' answers are in @gridgov/read-model, the figures' in
 * @gridgov/projection-api.
 */

/** The levels of the area tree, top down (the domain's AreaLevels; a check in the intake keeps them equal). */
export const AreaLevel = z.enum(['city', 'district', 'town', 'community', 'grid']);
export type AreaLevel = z.infer<typeof AreaLevel>;

/** 202 of a report or a command: Kafka holds it; Location (GET /v1/commands/{commandId}) tells its outcome. */
export const CommandAccepted = z.object({
  commandId: CommandId,
  incidentId: IncidentId,
  status: z.literal('pending').describe('Kafka holds the command (acks=all); GET /v1/commands/{commandId} tells its outcome'),
});
export type CommandAccepted = z.infer<typeof CommandAccepted>;

/** An open case a new report may be a duplicate of (重复上报): same category, within the radius and window (ADR 0032). */
export const DuplicateCandidate = z.object({
  incidentId: IncidentId,
  category: z.string(),
  distanceMeters: z.number().int().nonnegative().describe('From the place asked about, rounded to the metre'),
  reportedAt: z.string().describe("The open case's report time"),
  status: z.string().describe("The open case's status, as its case view says"),
  gridCode: z.string().optional(),
  summary: z.string().optional().describe("The first 80 characters of the open case's description (never who reported it)"),
});
export type DuplicateCandidate = z.infer<typeof DuplicateCandidate>;

/** 202 of POST /v1/incidents: the command, and the open cases it was proposed as a duplicate of (it then waits for a dispatcher). */
export const ReportAccepted = CommandAccepted.extend({
  possibleDuplicates: z
    .array(DuplicateCandidate)
    .describe('Open cases of the category near the report, nearest first: when any, the report waits in 待派遣 for a dispatcher'),
});
export type ReportAccepted = z.infer<typeof ReportAccepted>;

/** GET /v1/duplicates: the open cases a report at a place would be proposed as a duplicate of. */
export const DuplicateCandidates = z.object({ candidates: z.array(DuplicateCandidate) });
export type DuplicateCandidates = z.infer<typeof DuplicateCandidates>;

/** 202 of POST /v1/incidents/{id}/merge: the duplicate's command, and the survivor's half given with it. */
export const MergeAccepted = CommandAccepted.extend({
  survivor: z.object({ commandId: CommandId, incidentId: IncidentId }).describe("The surviving case's half of the merge"),
});
export type MergeAccepted = z.infer<typeof MergeAccepted>;

/** 202 of GET /v1/commands/{id}: not decided (or not the caller's) within waitMs. */
export const CommandPending = z.object({ commandId: CommandId, status: z.literal('pending') });
export type CommandPending = z.infer<typeof CommandPending>;

/** What GET /v1/commands/{id} answers, decided or not. */
export type CommandOutcomeAnswer = CommandOutcome | CommandPending;

/** An area as the directory names it; one a token holds that the tree does not know has no name and level. */
const NamedArea = z.object({ code: z.string(), name: z.string().nullable(), level: AreaLevel.nullable() });
const AreaBrief = z.object({ code: z.string(), name: z.string(), level: AreaLevel });

/** GET /v1/me: who the token says the caller is. */
export const Me = z.object({
  actor: z.object({ id: z.string(), role: PersonRole, department: z.string().nullable(), areas: z.array(NamedArea) }),
});
export type Me = z.infer<typeof Me>;

/** GET /v1/areas/{code}: an area with its path from the top (root first, itself last) and its children. */
export const AreaDetail = z.object({
  code: z.string(),
  name: z.string(),
  level: AreaLevel,
  path: z.array(AreaBrief),
  children: z.array(AreaBrief),
});
export type AreaDetail = z.infer<typeof AreaDetail>;

/** GET /v1/catalog: the categories a report may name and the departments a case may go to. */
export const CatalogAnswer = z.object({
  categories: z.array(
    z.object({
      code: z.string(),
      name: z.string(),
      defaultDepartment: z.string(),
      confidential: z.boolean(),
      /** When a report is proposed as a possible duplicate of an open case of the category; absent: never. */
      duplicates: z.object({ radiusMeters: z.number(), windowHours: z.number() }).optional(),
    }),
  ),
  departments: z.array(z.object({ code: z.string(), name: z.string() })),
});
export type CatalogAnswer = z.infer<typeof CatalogAnswer>;

/** 201 of POST /v1/photos: what a command names the photo by (key and sha256), with the type judged from its bytes. */
export const PhotoUploaded = z.object({
  photo: z.object({
    key: z.string().regex(/^[0-9a-f]{32}$/),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    contentType: z.enum(['image/jpeg', 'image/png', 'image/webp']),
    bytes: z.number().int().positive(),
  }),
});
export type PhotoUploaded = z.infer<typeof PhotoUploaded>;

/** An entry of a notifier inbox. */
export const InboxItem = z.object({
  id: z.string(),
  incidentId: z.string(),
  kind: z.string(),
  message: z.string(),
  at: z.string(),
  urgency: z.string().optional(),
  read: z.boolean(),
});
export type InboxItem = z.infer<typeof InboxItem>;

/** GET /v1/notifications: a page of the caller's inbox, newest first; `next` is the cursor of the next page. */
export const InboxPage = z.object({ items: z.array(InboxItem), unread: z.number().int(), next: z.string().nullable() });
export type InboxPage = z.infer<typeof InboxPage>;

/** POST /v1/notifications/read: how many entries are still unread. */
export const UnreadCount = z.object({ unread: z.number().int() });
export type UnreadCount = z.infer<typeof UnreadCount>;

/** The intake's answers by the name they have in components.schemas of its OpenAPI document. */
export const IntakeAnswers = {
  CommandAccepted,
  ReportAccepted,
  MergeAccepted,
  DuplicateCandidate,
  DuplicateCandidates,
  CommandPending,
  CommandOutcome,
  Me,
  AreaDetail,
  Catalog: CatalogAnswer,
  PhotoUploaded,
} as const;

/** The notifier's answers by the name they have in components.schemas of its OpenAPI document. */
export const NotifierAnswers = { InboxItem, InboxPage, UnreadCount } as const;
