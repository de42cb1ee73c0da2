import { signEnvelope } from '@gridgov/auth';
import { CommandEnvelope, type CommandOutcome } from '@gridgov/contracts';
import { isConfidential, loggableActorId } from '@gridgov/domain';
import { ApiError, DependencyUnavailableError, parseOr400, requestActor } from '@gridgov/http';
import { isKafkaUnavailable } from '@gridgov/kafka';
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../deps.ts';
import { commandIdFor, reportIds } from '../ids.ts';
import { CommandHeaders, CommandParams, INCIDENT_COMMANDS, IncidentParams, OutcomeQuery, ReportBody } from '../schemas.ts';
import { accessChecks, caseTarget } from './access.ts';

/**
 * Reports and commands: POST /v1/incidents, POST /v1/incidents/:id/<action>, and the issuer's look at what became
 * of one, GET /v1/commands/:id.
 */
export function registerCommandRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { may, roleMayOrForbid } = accessChecks(deps.areas);

  /**
   * Durable before acknowledged: the command is on Kafka (acks=all), signed, before the caller hears 202. When Kafka
   * does not take it in time the caller hears 503 KAFKA_UNAVAILABLE, and its retry (same reportId, or same
   * Idempotency-Key) is the same command: if the first try landed after all, it is decided once.
   */
  const submit = async (envelope: CommandEnvelope, retryWith: string) => {
    // Bound to grid.commands and the incident's key, stamped with the wall clock it is signed at (ADR 0019).
    const signed = signEnvelope(CommandEnvelope.parse(envelope), deps.signingKey, {
      topic: deps.topics.commands,
      key: envelope.incidentId,
    });
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
      const view = await deps.reader.view(incidentId);
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

  /** Whether the case view already holds the events an accepted outcome names. */
  const caseShows = async (outcome: CommandOutcome): Promise<boolean> => {
    if (outcome.status !== 'accepted' || outcome.events.length === 0) return true;
    const view = await deps.reader.view(outcome.incidentId);
    return view !== undefined && view.version >= Math.max(...outcome.events.map((e) => e.version));
  };

  app.get('/v1/commands/:id', async (request, reply) => {
    const actor = requestActor(request);
    const { id } = parseOr400(CommandParams, 'params', request.params);
    const { waitMs } = parseOr400(OutcomeQuery, 'query', request.query);
    await deps.readSide.assertWhole();
    const deadline = Date.now() + Math.min(waitMs, deps.maxOutcomeWaitMs);
    for (;;) {
      const outcome = await deps.reader.outcome(id);
      if (outcome) {
        may(actor, 'ReadCommandOutcome', outcome.actorId === undefined ? {} : { issuerId: outcome.actorId });
        // Outcomes and views are folded from two topics: "accepted" is told once the case shows what it did.
        if (await caseShows(outcome)) return reply.send(outcome);
      }
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return reply.status(202).send({ commandId: id, status: 'pending' });
  });
}
