import {
  CommandEnvelope,
  CommandOutcome,
  incidentHistoryKey,
  incidentViewKey,
  outcomeKey,
  type Actor,
  type Topics,
} from '@gridgov/contracts';
import { signEnvelope } from '@gridgov/auth';
import {
  auditTrail,
  authorise,
  isConfidential,
  loggableActorId,
  roleMay,
  visibleHistory,
  visibleIncident,
  type AccessDecision,
  type AccessTarget,
  type Action,
  type AreaTree,
  type Catalog,
  type HistoryEntry,
  type IncidentView,
} from '@gridgov/domain';
import {
  ApiError,
  createHttpServer,
  DependencyUnavailableError,
  parseOr400,
  requestActor,
  type Dependency,
  type EdgeOptions,
  type ReadinessReport,
} from '@gridgov/http';
import { isKafkaUnavailable, type GroupCommitProducer } from '@gridgov/kafka';
import { isStoreUnavailable, type Clock, type Redis } from '@gridgov/redis';
import type { Logger } from '@gridgov/runtime';
import type { FastifyInstance } from 'fastify';
import { registerCaseLists } from './case-lists.ts';
import { registerDirectory } from './directory.ts';
import { commandIdFor, reportIds } from './ids.ts';
import type { ReadSideReadiness } from './read-side.ts';
import { registerOpenApiRoute } from './routes/openapi.ts';
import { CommandHeaders, CommandParams, INCIDENT_COMMANDS, IncidentParams, OutcomeQuery, ReportBody } from './schemas.ts';

export interface IntakeDeps {
  readonly logger: Logger;
  /** Where commands go: Kafka, acks=all (a GroupCommitProducer shares round trips under load). */
  readonly producer: Pick<GroupCommitProducer, 'send'>;
  readonly redis: Redis;
  readonly topics: Topics;
  readonly keyPrefix: string;
  readonly areas: AreaTree;
  readonly catalog: Catalog;
  readonly clock: Clock;
  readonly maxOutcomeWaitMs: number;
  readonly bodyLimit: number;
  /** Whether Kafka and Redis answer now (ReadinessProbes in the service; cached briefly). */
  readonly ready: () => Promise<boolean | ReadinessReport>;
  /** Bearer tokens, rate limits, CORS. */
  readonly edge: EdgeOptions;
  readonly trustProxy?: boolean;
  /** COMMAND_SIGNING_KEY: every envelope is signed with it before it goes to Kafka (ADR 0006). */
  readonly signingKey: string;
  /** Whether the read side is whole: the case routes answer 503 while it is being restored (ADR 0009). */
  readonly readSide: Pick<ReadSideReadiness, 'assertWhole'>;
}

/** The intake's dependencies, as their client libraries' errors name them: answered 503 with the code, not 500. */
export const intakeDependencyOf = (err: unknown): Dependency | undefined =>
  isStoreUnavailable(err) ? 'store' : isKafkaUnavailable(err) ? 'kafka' : undefined;

/** 403 naming what is not allowed, in the access table's code. */
function forbidden(decision: AccessDecision): never {
  if (decision.allowed) throw new Error('forbidden: the decision allowed it');
  throw new ApiError(403, decision.code, decision.message);
}

export function buildIntakeApp(deps: IntakeDeps): FastifyInstance {
  const app = createHttpServer({
    logger: deps.logger,
    bodyLimit: deps.bodyLimit,
    ready: deps.ready,
    dependencyOf: intakeDependencyOf,
    edge: deps.edge,
    ...(deps.trustProxy ? { trustProxy: true } : {}),
  });

  const may = (actor: Actor, action: Action, target: AccessTarget) => {
    const decision = authorise(actor, action, target, deps.areas);
    if (!decision.allowed) forbidden(decision);
  };
  /** The role first, before anything is read: the rest of the rule needs the case (or the body). */
  const roleMayOrForbid = (actor: Actor, action: Action) => {
    if (!roleMay(actor.role, action)) forbidden(authorise(actor, action, {}, deps.areas));
  };
  const caseTarget = (view: IncidentView): AccessTarget => ({
    area: view.gridCode,
    department: view.department,
    ...(view.reporterId ? { reporterId: view.reporterId } : {}),
  });
  const readView = async (incidentId: string): Promise<IncidentView | undefined> => {
    const raw = await deps.redis.get(incidentViewKey(deps.keyPrefix, incidentId));
    return raw ? (JSON.parse(raw) as IncidentView) : undefined;
  };

  /**
   * Durable before acknowledged: the command is on Kafka (acks=all), signed, before the caller hears 202. When Kafka
   * does not take it in time the caller hears 503 KAFKA_UNAVAILABLE, and its retry (same reportId, or same
   * Idempotency-Key) is the same command: if the first try landed after all, it is decided once.
   */
  const submit = async (envelope: CommandEnvelope, retryWith: string) => {
    const signed = signEnvelope(CommandEnvelope.parse(envelope), deps.signingKey);
    try {
      await deps.producer.send(deps.topics.commands, { key: envelope.incidentId, value: JSON.stringify(signed) });
    } catch (err) {
      if (!isKafkaUnavailable(err)) throw err;
      throw new DependencyUnavailableError('kafka', `the command was not acknowledged in time; send it again ${retryWith}`, err);
    }
  };

  app.post('/v1/incidents', async (request, reply) => {
    const actor = requestActor(request);
    roleMayOrForbid(actor, 'ReportIncident');
    const body = parseOr400(ReportBody, 'body', request.body);
    if (!deps.areas.find(body.gridCode) || deps.areas.get(body.gridCode).level !== 'grid') {
      throw new ApiError(400, 'UNKNOWN_GRID', `body.gridCode: ${body.gridCode} is not a known grid`);
    }
    may(actor, 'ReportIncident', { area: body.gridCode });
    if (!deps.catalog.category(body.category)) {
      throw new ApiError(400, 'UNKNOWN_CATEGORY', `body.category: ${body.category} is not in the catalog`);
    }
    const { incidentId, commandId } = reportIds(actor.id, body.reportId);
    const envelope: CommandEnvelope = {
      commandId,
      incidentId,
      issuedAt: (await deps.clock()).toISOString(),
      actor,
      command: { type: 'ReportIncident', data: body },
    };
    await submit(envelope, 'with the same reportId');
    // 举报人保护: neither the reporter nor the report id (with the incident id it names the reporter) of a confidential lead.
    const named = isConfidential(deps.catalog, body.category) ? {} : { reportId: body.reportId, actor: actor.id };
    request.log.info({ incidentId, commandId, gridCode: body.gridCode, category: body.category, ...named }, 'report accepted for dispatch');
    return reply.status(202).header('location', `/v1/commands/${commandId}`).send({ commandId, incidentId, status: 'pending' });
  });

  for (const route of INCIDENT_COMMANDS) {
    const type = route.schema.shape.type.value;
    const dataSchema = route.schema.shape.data;
    app.post(`/v1/incidents/:id/${route.path}`, async (request, reply) => {
      const actor = requestActor(request);
      roleMayOrForbid(actor, type);
      const { id: incidentId } = parseOr400(IncidentParams, 'params', request.params);
      const data: unknown = parseOr400(dataSchema, 'body', request.body ?? {});
      const idempotencyKey = parseOr400(CommandHeaders, 'headers', request.headers)['idempotency-key'];
      // The case as last decided: jurisdiction is checked here when it is known, and always again by the decider.
      const view = await readView(incidentId);
      if (view) may(actor, type, caseTarget(view));
      const commandId = commandIdFor(actor.id, idempotencyKey, incidentId);
      const envelope = CommandEnvelope.parse({
        commandId,
        incidentId,
        issuedAt: (await deps.clock()).toISOString(),
        actor,
        command: { type, data },
      });
      await submit(
        envelope,
        idempotencyKey ? 'with the same Idempotency-Key' : 'with an Idempotency-Key, so that a retry is the same command',
      );
      request.log.info(
        { incidentId, commandId, command: type, actor: loggableActorId(actor, view?.category, deps.catalog) },
        'command accepted for decision',
      );
      return reply.status(202).header('location', `/v1/commands/${commandId}`).send({ commandId, incidentId, status: 'pending' });
    });
  }

  /** The case and its stored history, once the viewer may read them. */
  const caseFor = async (actor: Actor, id: string, action: 'ReadIncident' | 'ReadAudit') => {
    roleMayOrForbid(actor, action);
    await deps.readSide.assertWhole();
    const [view, history] = await Promise.all([readView(id), deps.redis.hgetall(incidentHistoryKey(deps.keyPrefix, id))]);
    if (!view) throw new ApiError(404, 'UNKNOWN_INCIDENT', `params.id: no incident ${id}`);
    may(actor, action, caseTarget(view));
    const lines = Object.entries(history)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, line]) => JSON.parse(line) as HistoryEntry);
    return { view, lines, viewer: { actor, areas: deps.areas, catalog: deps.catalog } };
  };

  app.get('/v1/incidents/:id', async (request) => {
    const actor = requestActor(request);
    const { id } = parseOr400(IncidentParams, 'params', request.params);
    const { view, lines, viewer } = await caseFor(actor, id, 'ReadIncident');
    return { incident: visibleIncident(view, viewer), history: visibleHistory(lines, view, viewer) };
  });

  app.get('/v1/incidents/:id/audit', async (request) => {
    const actor = requestActor(request);
    const { id } = parseOr400(IncidentParams, 'params', request.params);
    const { view, lines, viewer } = await caseFor(actor, id, 'ReadAudit');
    return { incidentId: id, entries: auditTrail(lines, view, viewer) };
  });

  registerCaseLists(app, deps);
  registerDirectory(app, deps.areas, deps.catalog);
  registerOpenApiRoute(app);

  /** Whether the case view already holds the events an accepted outcome names. */
  const caseShows = async (outcome: CommandOutcome): Promise<boolean> => {
    if (outcome.status !== 'accepted' || outcome.events.length === 0) return true;
    const view = await readView(outcome.incidentId);
    return view !== undefined && view.version >= Math.max(...outcome.events.map((e) => e.version));
  };

  app.get('/v1/commands/:id', async (request, reply) => {
    const actor = requestActor(request);
    const { id } = parseOr400(CommandParams, 'params', request.params);
    const { waitMs } = parseOr400(OutcomeQuery, 'query', request.query);
    await deps.readSide.assertWhole();
    const key = outcomeKey(deps.keyPrefix, id);
    const deadline = Date.now() + Math.min(waitMs, deps.maxOutcomeWaitMs);
    for (;;) {
      const raw = await deps.redis.get(key);
      if (raw) {
        const outcome = CommandOutcome.parse(JSON.parse(raw));
        may(actor, 'ReadCommandOutcome', outcome.actorId === undefined ? {} : { issuerId: outcome.actorId });
        // Outcomes and views are folded from two topics: "accepted" is told once the case shows what it did.
        if (await caseShows(outcome)) return reply.send(outcome);
      }
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return reply.status(202).send({ commandId: id, status: 'pending' });
  });

  return app;
}
