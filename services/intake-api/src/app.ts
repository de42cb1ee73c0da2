import { CommandEnvelope, CommandOutcome, outcomeKey, ReportIncident, type Actor, type Topics } from '@gridgov/contracts';
import type { AreaTree, Catalog } from '@gridgov/domain';
import { ApiError, createHttpServer, parseOr400 } from '@gridgov/http';
import type { DurableProducer } from '@gridgov/kafka';
import type { Redis } from '@gridgov/redis';
import type { Logger } from '@gridgov/runtime';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { reportIds } from './ids.ts';

export interface IntakeDeps {
  readonly logger: Logger;
  readonly producer: DurableProducer;
  readonly redis: Redis;
  readonly topics: Topics;
  readonly keyPrefix: string;
  readonly areas: AreaTree;
  readonly catalog: Catalog;
  readonly clock: () => Date;
  readonly maxOutcomeWaitMs: number;
  readonly bodyLimit: number;
  readonly ready: () => Promise<boolean>;
}

/** Until bearer tokens land, the caller names itself in headers (validated like any input). */
const ActorHeaders = z.object({
  'x-user-id': z.string().min(1).max(64),
  'x-user-role': z.enum(['grid_staff', 'handler', 'dispatcher', 'leader', 'admin']).default('grid_staff'),
});

const ReportBody = ReportIncident.shape.data;

const CommandParams = z.object({ id: z.uuid() });
const OutcomeQuery = z.object({ waitMs: z.coerce.number().int().min(0).max(30_000).default(0) });

export function buildIntakeApp(deps: IntakeDeps): FastifyInstance {
  const app = createHttpServer({ logger: deps.logger, bodyLimit: deps.bodyLimit, ready: deps.ready });

  const actorOf = (headers: unknown): Actor => {
    const h = parseOr400(ActorHeaders, 'headers', headers);
    return { id: h['x-user-id'], role: h['x-user-role'] };
  };

  app.post('/v1/incidents', async (request, reply) => {
    const actor = actorOf(request.headers);
    const body = parseOr400(ReportBody, 'body', request.body);
    if (!deps.areas.find(body.gridCode) || deps.areas.get(body.gridCode).level !== 'grid') {
      throw new ApiError(400, 'UNKNOWN_GRID', `body.gridCode: ${body.gridCode} is not a known grid`);
    }
    if (!deps.catalog.category(body.category)) {
      throw new ApiError(400, 'UNKNOWN_CATEGORY', `body.category: ${body.category} is not in the catalog`);
    }
    const { incidentId, commandId } = reportIds(actor.id, body.reportId);
    const envelope: CommandEnvelope = {
      commandId,
      incidentId,
      issuedAt: deps.clock().toISOString(),
      actor,
      command: { type: 'ReportIncident', data: body },
    };
    // Acknowledged only once Kafka holds the command on every in-sync replica.
    await deps.producer.send(deps.topics.commands, [{ key: incidentId, value: JSON.stringify(CommandEnvelope.parse(envelope)) }]);
    request.log.info({ incidentId, commandId, reportId: body.reportId, gridCode: body.gridCode }, 'report accepted for dispatch');
    return reply.status(202).header('location', `/v1/commands/${commandId}`).send({ commandId, incidentId, status: 'pending' });
  });

  app.get('/v1/commands/:id', async (request, reply) => {
    const { id } = parseOr400(CommandParams, 'params', request.params);
    const { waitMs } = parseOr400(OutcomeQuery, 'query', request.query);
    const key = outcomeKey(deps.keyPrefix, id);
    const deadline = Date.now() + Math.min(waitMs, deps.maxOutcomeWaitMs);
    for (;;) {
      const raw = await deps.redis.get(key);
      if (raw) return reply.send(CommandOutcome.parse(JSON.parse(raw)));
      if (Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    return reply.status(202).send({ commandId: id, status: 'pending' });
  });

  return app;
}
