import { signEnvelope } from '@gridgov/auth';
import { CommandAccepted, CommandEnvelope, CommandOutcome, CommandPending, ReportAccepted, type CommandPhoto } from '@gridgov/contracts';
import { authorise, isConfidential, loggableActorId } from '@gridgov/domain';
import {
  LONG_LIVED_ROUTE,
  ApiError,
  BAD_REQUEST,
  DependencyUnavailableError,
  jsonAnswer,
  requestActor,
  requestTrace,
  type ZodTypeProvider,
} from '@gridgov/http';
import { isKafkaUnavailable } from '@gridgov/kafka';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RouteDeps } from '../deps.ts';
import { commandIdFor, reportIds } from '../ids.ts';
import {
  CommandHeaders,
  CommandParams,
  INCIDENT_COMMANDS,
  IncidentParams,
  NoSuchIncident,
  OutcomeQuery,
  ReportBody,
  StoreAway,
  StoreOrKafkaAway,
} from '../schemas.ts';
import type { PhotoRecords } from '../photos/records.ts';
import { proposalsFor } from '../duplicates.ts';
import { accessChecks, unknownIncident } from './access.ts';
import { registerMergeRoutes } from './merges.ts';
import { checkedPhotos } from './photos.ts';

/**
 * The body with its reportId in Unicode NFC: the same id typed in NFC or NFD (é as one character or as e and an
 * accent) is one report, one incident.
 */
function withNfcReportId(body: unknown): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const { reportId } = body as { reportId?: unknown };
  return typeof reportId === 'string' ? { ...body, reportId: reportId.normalize('NFC') } : body;
}

/** The keys of every photo a case's history names (opened: a key still sealed, or erased, is left out). */
function photoKeysOf(lines: readonly { data: Record<string, unknown> }[]): string[] {
  return lines.flatMap((l) =>
    Array.isArray(l.data['photos'])
      ? (l.data['photos'] as { key?: unknown }[]).flatMap((p) => (typeof p.key === 'string' && /^[0-9a-f]{32}$/.test(p.key) ? [p.key] : []))
      : [],
  );
}

/** When a report's times must fall: not after `maxAheadMs` past the intake's clock, not before `floor`. */
export interface ReportTimeBounds {
  readonly maxAheadMs: number;
  readonly floor: Date;
}

/** REPORT_MAX_AHEAD_S and REPORT_TIME_FLOOR's defaults: 5 minutes of a phone's clock running fast, and 2020. */
export const DEFAULT_REPORT_TIMES: ReportTimeBounds = { maxAheadMs: 300_000, floor: new Date('2020-01-01T00:00:00+08:00') };

/** 400 naming the field when occurredAt or reportedAt is in the future (beyond a fast clock's margin) or before the floor. */
function checkReportTimes(body: { occurredAt: string; reportedAt?: string | undefined }, now: Date, bounds: ReportTimeBounds): void {
  const latest = now.getTime() + bounds.maxAheadMs;
  for (const field of ['occurredAt', 'reportedAt'] as const) {
    const value = body[field];
    if (value === undefined) continue;
    const at = Date.parse(value);
    if (at > latest) {
      throw new ApiError(
        400,
        'VALIDATION_FAILED',
        `body.${field}: ${value} is in the future (more than ${bounds.maxAheadMs / 1000} s after the intake's clock, ${now.toISOString()})`,
        { issues: [{ field: `body.${field}`, message: 'in the future' }] },
      );
    }
    if (at < bounds.floor.getTime()) {
      throw new ApiError(
        400,
        'VALIDATION_FAILED',
        `body.${field}: ${value} is before ${bounds.floor.toISOString()}, the earliest time a report may name`,
        {
          issues: [{ field: `body.${field}`, message: 'before the floor' }],
        },
      );
    }
  }
}

/**
 * Reports and commands: POST /v1/incidents, POST /v1/incidents/:id/<action>, and the issuer's look at what became
 * of one, GET /v1/commands/:id.
 */
export function registerCommandRoutes(app: FastifyInstance, deps: RouteDeps, photoRecords: PhotoRecords): void {
  const { may, mayOnCase, roleMayOrForbid } = accessChecks(deps.areas);
  const api = app.withTypeProvider<ZodTypeProvider>();
  const accepted = jsonAnswer(CommandAccepted, 'Kafka holds the signed command; Location is its outcome');
  /** The role first, before the request is validated: the same 403 for a caller whose role may not, whatever they send. */
  const roleFirst = (type: Parameters<typeof roleMayOrForbid>[1]) => (request: FastifyRequest) =>
    new Promise<void>((resolve) => {
      roleMayOrForbid(requestActor(request), type);
      resolve();
    });

  /**
   * Durable before acknowledged: the command is on Kafka (acks=all), signed, before the caller hears 202. When Kafka
   * does not take it in time the caller hears 503 KAFKA_UNAVAILABLE, and its retry (same reportId, or same
   * Idempotency-Key) is the same command: if the first try landed after all, it is decided once.
   */
  const submit = async (envelope: CommandEnvelope, retryWith: string, request: FastifyRequest) => {
    // Bound to grid.commands and the incident's key, stamped with the wall clock it is signed at (ADR 0019).
    const version = deps.configVersion?.();
    const checked = version === undefined ? envelope : { ...envelope, configVersion: version };
    const signed = signEnvelope(CommandEnvelope.parse(checked), deps.signingKey, {
      topic: deps.topics.commands,
      key: envelope.incidentId,
    });
    try {
      // The request's trace goes on with the command (a header: not signed, and believed for nothing but logs; ADR 0026).
      const headers = requestTrace(request).headers();
      await deps.producer.send(deps.topics.commands, { key: envelope.incidentId, value: JSON.stringify(signed), headers });
    } catch (err) {
      if (!isKafkaUnavailable(err)) throw err;
      throw new DependencyUnavailableError('kafka', `the command was not acknowledged in time; send it again ${retryWith}`, err);
    }
  };

  api.post(
    '/v1/incidents',
    {
      schema: {
        summary: '上报: grid staff report an incident in one of their grids; a retry with the same reportId is the same report',
        body: ReportBody,
        response: {
          202: jsonAnswer(
            ReportAccepted,
            'Kafka holds the signed command; Location is its outcome; possibleDuplicates the open cases near it',
          ),
          400: BAD_REQUEST,
          503: StoreOrKafkaAway,
        },
      },
      preValidation: [
        roleFirst('ReportIncident'),
        (request, _reply, done) => {
          request.body = withNfcReportId(request.body) as typeof request.body;
          done();
        },
      ],
    },
    async (request, reply) => {
      const actor = requestActor(request);
      const { body } = request;
      const now = await deps.clock();
      checkReportTimes(body, now, deps.reportTimes ?? DEFAULT_REPORT_TIMES);
      if (!deps.areas.find(body.gridCode) || deps.areas.get(body.gridCode).level !== 'grid') {
        throw new ApiError(400, 'UNKNOWN_GRID', `body.gridCode: ${body.gridCode} is not a known grid`);
      }
      may(actor, 'ReportIncident', { area: body.gridCode });
      if (!deps.catalog.category(body.category)) {
        throw new ApiError(400, 'UNKNOWN_CATEGORY', `body.category: ${body.category} is not in the catalog`);
      }
      const { incidentId, commandId } = reportIds(deps.encryption.pseudonyms, actor.id, body.reportId);
      const photos = await checkedPhotos(photoRecords, actor, incidentId, body.photos);
      // 重复上报 (ADR 0032): open cases of the category near it. With any, the report waits for a dispatcher.
      const where = { incidentId, category: body.category, lat: body.location.lat, lng: body.location.lng };
      const possibleDuplicates = await proposalsFor(deps, where, now, request.log);
      const proposed = possibleDuplicates.length > 0 ? { possibleDuplicateOf: possibleDuplicates.map((c) => c.incidentId) } : {};
      const envelope: CommandEnvelope = {
        commandId,
        incidentId,
        issuedAt: now.toISOString(),
        actor,
        command: { type: 'ReportIncident', data: { ...body, ...(body.photos ? { photos: photos.photos } : {}), ...proposed } },
      };
      await submit(envelope, 'with the same reportId', request);
      await photos.claim();
      // 举报人保护: neither the reporter nor the report id (with the incident id it names the reporter) of a confidential lead.
      const named = isConfidential(deps.catalog, body.category) ? {} : { reportId: body.reportId, actor: actor.id };
      request.log.info(
        { incidentId, commandId, gridCode: body.gridCode, category: body.category, ...named, ...proposed },
        proposed.possibleDuplicateOf
          ? 'report accepted: proposed as a duplicate, it waits for a dispatcher'
          : 'report accepted for dispatch',
      );
      return reply
        .status(202)
        .header('location', `/v1/commands/${commandId}`)
        .send({ commandId, incidentId, status: 'pending', possibleDuplicates });
    },
  );

  registerMergeRoutes(app, deps, submit);

  for (const route of INCIDENT_COMMANDS) {
    const type = route.schema.shape.type.value;
    const dataSchema = route.schema.shape.data;
    const schema = {
      summary: route.summary,
      params: IncidentParams,
      headers: CommandHeaders,
      body: dataSchema,
      response: { 202: accepted, 400: BAD_REQUEST, 404: NoSuchIncident, 503: StoreOrKafkaAway },
    };
    const noBodyIsEmpty = (request: FastifyRequest, _reply: unknown, done: () => void) => {
      // A command without data may come without a body.
      request.body ??= {};
      done();
    };
    api.post(`/v1/incidents/:id/${route.path}`, { schema, preValidation: [roleFirst(type), noBodyIsEmpty] }, async (request, reply) => {
      const actor = requestActor(request);
      const { id: incidentId } = request.params;
      const data: unknown = request.body;
      const idempotencyKey = request.headers['idempotency-key'];
      // The case as last decided: jurisdiction is checked here when it is known, and always again by the decider. A
      // case the caller may not see, and one the whole read side does not know, are 404 alike; while the read side is
      // being restored (ADR 0009) the command goes on to the decider, which knows every case. The marks are read after
      // the view, and afresh: a Redis wiped in between shows as not whole, never as a case that does not exist.
      const view = await deps.reader.view(incidentId);
      if (view) mayOnCase(actor, type, view, incidentId);
      else if (await deps.readSide.isWhole(true)) throw unknownIncident(incidentId);
      const commandId = commandIdFor(deps.encryption.pseudonyms, actor.id, idempotencyKey, incidentId);
      const named = (data as { photos?: CommandPhoto[] }).photos;
      const photos = await checkedPhotos(photoRecords, actor, incidentId, named);
      const envelope = CommandEnvelope.parse({
        commandId,
        incidentId,
        issuedAt: (await deps.clock()).toISOString(),
        actor,
        command: { type, data: named ? { ...(data as object), photos: photos.photos } : data },
      });
      // An erasure takes the case's photos with it (ADR 0016): their keys are read now, while the case's key opens them,
      // for the photo janitor to delete the objects once the case shows it was erased.
      if (type === 'EraseIncident' && view) {
        const keys = photoKeysOf(await deps.reader.history(incidentId));
        if (keys.length > 0) await photoRecords.markErasing(incidentId, keys, Date.now());
      }
      await submit(
        envelope,
        idempotencyKey ? 'with the same Idempotency-Key' : 'with an Idempotency-Key, so that a retry is the same command',
        request,
      );
      await photos.claim();
      request.log.info(
        { incidentId, commandId, command: type, actor: loggableActorId(actor, view?.category, deps.catalog) },
        'command accepted for decision',
      );
      return reply.status(202).header('location', `/v1/commands/${commandId}`).send({ commandId, incidentId, status: 'pending' });
    });
  }

  /** Whether the case view already holds the events an accepted outcome names. */
  const caseShows = async (outcome: CommandOutcome): Promise<boolean> => {
    if (outcome.status !== 'accepted' || outcome.events.length === 0) return true;
    const view = await deps.reader.view(outcome.incidentId);
    return view !== undefined && view.version >= Math.max(...outcome.events.map((e) => e.version));
  };

  const outcomeSchema = {
    summary: "A command's outcome, for whoever gave it: accepted with its events (once the case view shows them) or rejected with a code",
    params: CommandParams,
    querystring: OutcomeQuery,
    response: {
      200: jsonAnswer(CommandOutcome, 'Decided'),
      202: jsonAnswer(CommandPending, "Not decided within waitMs (or not the caller's command)"),
      400: BAD_REQUEST,
      503: StoreAway,
    },
  };
  api.get('/v1/commands/:id', { schema: outcomeSchema, config: LONG_LIVED_ROUTE }, async (request, reply) => {
    const actor = requestActor(request);
    const { id } = request.params;
    const { waitMs } = request.query;
    await deps.readSide.assertWhole();
    const deadline = Date.now() + Math.min(waitMs, deps.maxOutcomeWaitMs);
    for (;;) {
      const outcome = await deps.reader.outcome(id);
      // Someone else's command is answered as one not decided yet, word for word: its id (derived from a reporter and
      // their report id) must not tell that the report exists. The issuer is named by pseudonym on grid.outcomes
      // (ADR 0016; the clear id on outcomes from before).
      const issuerId = outcome && (deps.encryption.pseudonyms.names(outcome.actorId, actor.id) ? actor.id : outcome.actorId);
      const own = outcome && authorise(actor, 'ReadCommandOutcome', issuerId === undefined ? {} : { issuerId }, deps.areas).allowed;
      // Outcomes and views are folded from two topics: "accepted" is told once the case shows what it did.
      if (outcome && own && (await caseShows(outcome))) return reply.send(outcome);
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return reply.status(202).send({ commandId: id, status: 'pending' });
  });
}
