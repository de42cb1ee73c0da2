import { CommandOutcome } from '@gridgov/contracts';
import { DepartmentQueueCounts, QueueCounts } from '@gridgov/read-model';
import {
  BEARER_SECURITY_SCHEME,
  componentSchemas,
  ErrorAnswer,
  errorAnswer,
  inputSchema,
  jsonAnswer,
  parameters,
  withBearerSecurity,
  type JsonSchema,
} from '@gridgov/http';
import { z } from 'zod';
import { adminOpenApiPaths } from './routes/admin-openapi.ts';
import { ListQuery } from './routes/case-lists.ts';
import { AreaParams } from './routes/directory.ts';
import { PHOTO_TYPES, PhotoParams } from './routes/photos.ts';
import { CountsQuery } from './routes/queue-counts.ts';
import { CommandHeaders, CommandParams, INCIDENT_COMMANDS, IncidentParams, OutcomeQuery, ReportBody } from './schemas.ts';

/** The answers' shapes that have a schema; the case views' are described in words until they have one. */
const CommandAccepted = z.object({
  commandId: z.uuid(),
  incidentId: z.uuid(),
  status: z.literal('pending').describe('Kafka holds the command (acks=all); GET /v1/commands/{commandId} tells its outcome'),
});
const Pending = z.object({ commandId: z.uuid(), status: z.literal('pending') });
const QueueOrDepartmentCounts = z.union([QueueCounts, DepartmentQueueCounts]);
const ResponseSchemas = { CommandAccepted, CommandOutcome, Pending, QueueCounts: QueueOrDepartmentCounts, Error: ErrorAnswer } as const;

const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/openapi.json']);

const bad = errorAnswer('Invalid input; the message names the field');
const away = errorAnswer(
  'Kafka or Redis did not answer in time (KAFKA_UNAVAILABLE, STORE_UNAVAILABLE), or the case views are being restored (STATE_RESTORING); Retry-After',
);
const accepted = jsonAnswer('CommandAccepted', 'Kafka holds the signed command; Location is its outcome');
const described = (description: string): JsonSchema => ({ description, content: { 'application/json': { schema: { type: 'object' } } } });

function commandPaths(): Record<string, JsonSchema> {
  return Object.fromEntries(
    INCIDENT_COMMANDS.map(({ path, schema, summary }) => [
      `/v1/incidents/{id}/${path}`,
      {
        post: {
          summary,
          parameters: [...parameters(IncidentParams, 'path'), ...parameters(CommandHeaders, 'header')],
          requestBody: { required: true, content: { 'application/json': { schema: inputSchema(schema.shape.data) } } },
          responses: { '202': accepted, '400': bad, '503': away },
        },
      },
    ]),
  );
}

/** The OpenAPI 3.1 document of the intake's routes, from the schemas they validate with. */
export function openApiDocument(): JsonSchema {
  return withBearerSecurity(
    {
      openapi: '3.1.0',
      info: {
        title: 'intake-api',
        version: '1',
        description:
          'Reports (上报) and the commands on a case, answered 202 once Kafka holds them; the cases, work lists and command outcomes, read from the read side.',
      },
      paths: {
        '/v1/incidents': {
          post: {
            summary: '上报: grid staff report an incident in one of their grids; a retry with the same reportId is the same report',
            requestBody: { required: true, content: { 'application/json': { schema: inputSchema(ReportBody) } } },
            responses: { '202': accepted, '400': bad, '503': away },
          },
          get: {
            summary:
              "A work list of an area (area and queue), a department's work list (department and queue, no area: ADR 0023), or the caller's own reports (mine=true)",
            description:
              'Work lists in the order sort names (oldest report first by default), mine newest first; pass nextCursor as cursor for the next page, with the same sort (ADR 0008, 0014). ' +
              'Filters narrow either list, each one more condition (AND): category, urgency, subArea, department, report time from/to, ' +
              'overdue, escalated, and q, text the description or address holds; they are answered from indexes (ADR 0015) and never ' +
              'show a case the list would not show; cases of a confidential category are never found by text.',
            parameters: parameters(ListQuery, 'query'),
            responses: {
              '200': described('{items: [case view…], nextCursor}'),
              '400': bad,
              '404': errorAnswer('No such area'),
              '503': away,
            },
          },
        },
        '/v1/incidents/counts': {
          get: {
            summary:
              "How many cases each work list of an area holds (dispatchers and leaders of the area), or with department= each of a department's lists in an area (its handlers; dispatchers and leaders of the area)",
            description:
              "Every queue's true count, kept beside the lists by the read side (the size of each list's sorted set, ADR 0014, 0023): exact as cases move between queues, after a crash and after a restore.",
            parameters: parameters(CountsQuery, 'query'),
            responses: {
              '200': jsonAnswer('QueueCounts', 'The count of each queue'),
              '400': bad,
              '404': errorAnswer('No such area'),
              '503': away,
            },
          },
        },
        ...commandPaths(),
        '/v1/incidents/{id}': {
          get: {
            summary: 'The case: state, department, deadlines, escalation level, and its history (who did what, when)',
            description: 'The reporter of a confidential category shows to the dispatchers of its area only.',
            parameters: parameters(IncidentParams, 'path'),
            responses: { '200': described('{incident, history, photos}'), '400': bad, '404': errorAnswer('No such incident'), '503': away },
          },
        },
        '/v1/incidents/{id}/photos/{key}': {
          get: {
            summary:
              "A photo of the case (its bytes), for whoever may read the case; a confidential lead's only for those who may see its reporter",
            parameters: parameters(PhotoParams, 'path'),
            responses: {
              '200': { description: 'The image (image/jpeg, image/png or image/webp)' },
              '400': bad,
              '404': errorAnswer('No such incident, no such photo of it, or not for the caller (UNKNOWN_INCIDENT)'),
              '503': away,
            },
          },
        },
        '/v1/photos': {
          post: {
            summary: 'Upload a photo (grid staff, handlers, dispatchers): the body is the image; name it in a command by key and sha256',
            description:
              'The type is judged by the bytes (JPEG, PNG, WebP, each checked whole: a truncated file is refused), EXIF/XMP (GPS) are taken ' +
              'out, the SHA-256 is of the bytes stored. At most PHOTO_MAX_BYTES; at most PHOTO_MAX_PENDING photos per user not yet in a ' +
              'command; a photo no command names within PHOTO_PENDING_TTL_S is deleted (ADR 0021).',
            requestBody: {
              required: true,
              content: Object.fromEntries(PHOTO_TYPES.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])),
            },
            responses: {
              '201': described('{photo: {key, sha256, contentType, bytes}}'),
              '400': errorAnswer('Not a whole JPEG, PNG or WebP (PHOTO_REFUSED)'),
              '413': errorAnswer('Larger than PHOTO_MAX_BYTES'),
              '415': errorAnswer('Not sent as image/jpeg, image/png or image/webp'),
              '429': errorAnswer('PHOTO_MAX_PENDING photos waiting for a command (TOO_MANY_PHOTOS)'),
              '503': errorAnswer('The photo store did not answer, or is not configured (PHOTO_STORE_UNAVAILABLE)'),
            },
          },
        },
        '/v1/incidents/{id}/audit': {
          get: {
            summary: 'Who did what, when: each change with its actor and command id (dispatchers, leaders and admins of the area)',
            parameters: parameters(IncidentParams, 'path'),
            responses: { '200': described('{incidentId, entries}'), '400': bad, '404': errorAnswer('No such incident'), '503': away },
          },
        },
        '/v1/commands/{id}': {
          get: {
            summary:
              "A command's outcome, for whoever gave it: accepted with its events (once the case view shows them) or rejected with a code",
            parameters: [...parameters(CommandParams, 'path'), ...parameters(OutcomeQuery, 'query')],
            responses: {
              '200': jsonAnswer('CommandOutcome', 'Decided'),
              '202': jsonAnswer('Pending', 'Not decided within waitMs'),
              '400': bad,
              '503': away,
            },
          },
        },
        '/v1/me': {
          get: { summary: 'Who the token says the caller is', responses: { '200': described('{actor: {id, role, department, areas}}') } },
        },
        '/v1/catalog': {
          get: { summary: "The deployment's categories and departments", responses: { '200': described('{categories, departments}') } },
        },
        '/v1/areas/{code}': {
          get: {
            summary: 'An area with its path from the top and its children',
            parameters: parameters(AreaParams, 'path'),
            responses: { '200': described('{code, name, level, path, children}'), '400': bad, '404': errorAnswer('No such area') },
          },
        },
        ...adminOpenApiPaths(),
        '/healthz': { get: { summary: 'Liveness', responses: { '200': { description: 'The process answers' } } } },
        '/readyz': {
          get: {
            summary: 'Readiness: Kafka and Redis answer',
            responses: { '200': { description: 'Ready' }, '503': { description: 'Not ready: each dependency up or down' } },
          },
        },
        '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1 document' } } } },
      },
      security: [{ bearer: [] }],
      components: { schemas: componentSchemas(ResponseSchemas), securitySchemes: { bearer: BEARER_SECURITY_SCHEME } },
    },
    PUBLIC_PATHS,
  );
}
