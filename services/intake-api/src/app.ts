import {
  AcceptIncident,
  ApproveExtension,
  CommandEnvelope,
  CommandOutcome,
  DenyExtension,
  DispatchIncident,
  EscalateIncident,
  incidentHistoryKey,
  incidentViewKey,
  outcomeKey,
  ReassignIncident,
  RejectIncident,
  ReportIncident,
  RequestExtension,
  ResolveIncident,
  ResumeIncident,
  ReturnIncident,
  SuspendIncident,
  VerifyIncident,
  type Actor,
  type Command,
  type Topics,
} from '@gridgov/contracts';
import type { AreaTree, Catalog } from '@gridgov/domain';
import { ApiError, createHttpServer, parseOr400 } from '@gridgov/http';
import type { GroupCommitProducer } from '@gridgov/kafka';
import type { Clock, Redis } from '@gridgov/redis';
import type { Logger } from '@gridgov/runtime';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { commandIdFor, reportIds } from './ids.ts';

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
  readonly ready: () => Promise<boolean>;
}

/** Until bearer tokens land, the caller names itself in headers (validated like any input). */
const ActorHeaders = z.object({
  'x-user-id': z.string().min(1).max(64),
  'x-user-role': z.enum(['grid_staff', 'handler', 'dispatcher', 'leader', 'admin']).default('grid_staff'),
  /** The department a handler acts for. */
  'x-user-department': z.string().min(1).max(48).optional(),
  /** A client's key for retrying a command safely: the same key gives the same command. */
  'idempotency-key': z.string().min(8).max(128).optional(),
});

/** Routes for the commands on an existing incident: POST /v1/incidents/:id/<action>. */
const INCIDENT_COMMANDS: readonly { path: string; schema: z.ZodObject<{ type: z.ZodLiteral<Command['type']>; data: z.ZodType }> }[] = [
  { path: 'reject', schema: RejectIncident },
  { path: 'dispatch', schema: DispatchIncident },
  { path: 'reassign', schema: ReassignIncident },
  { path: 'return', schema: ReturnIncident },
  { path: 'accept', schema: AcceptIncident },
  { path: 'resolve', schema: ResolveIncident },
  { path: 'verify', schema: VerifyIncident },
  { path: 'extension-requests', schema: RequestExtension },
  { path: 'extension-requests/approve', schema: ApproveExtension },
  { path: 'extension-requests/deny', schema: DenyExtension },
  { path: 'suspend', schema: SuspendIncident },
  { path: 'resume', schema: ResumeIncident },
  { path: 'escalate', schema: EscalateIncident },
];

const IncidentParams = z.object({ id: z.uuid() });

const ReportBody = ReportIncident.shape.data;

const CommandParams = z.object({ id: z.uuid() });
const OutcomeQuery = z.object({ waitMs: z.coerce.number().int().min(0).max(30_000).default(0) });

export function buildIntakeApp(deps: IntakeDeps): FastifyInstance {
  const app = createHttpServer({ logger: deps.logger, bodyLimit: deps.bodyLimit, ready: deps.ready });

  const callerOf = (headers: unknown): { actor: Actor; idempotencyKey: string | undefined } => {
    const h = parseOr400(ActorHeaders, 'headers', headers);
    const department = h['x-user-department'];
    return {
      actor: { id: h['x-user-id'], role: h['x-user-role'], ...(department ? { department } : {}) },
      idempotencyKey: h['idempotency-key'],
    };
  };

  /** Durable before acknowledged: the command is on Kafka (acks=all) before the caller hears 202. */
  const submit = async (envelope: CommandEnvelope) => {
    await deps.producer.send(deps.topics.commands, { key: envelope.incidentId, value: JSON.stringify(CommandEnvelope.parse(envelope)) });
  };

  app.post('/v1/incidents', async (request, reply) => {
    const { actor } = callerOf(request.headers);
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
      issuedAt: (await deps.clock()).toISOString(),
      actor,
      command: { type: 'ReportIncident', data: body },
    };
    await submit(envelope);
    request.log.info({ incidentId, commandId, reportId: body.reportId, gridCode: body.gridCode }, 'report accepted for dispatch');
    return reply.status(202).header('location', `/v1/commands/${commandId}`).send({ commandId, incidentId, status: 'pending' });
  });

  for (const route of INCIDENT_COMMANDS) {
    const type = route.schema.shape.type.value;
    const dataSchema = route.schema.shape.data;
    app.post(`/v1/incidents/:id/${route.path}`, async (request, reply) => {
      const { actor, idempotencyKey } = callerOf(request.headers);
      const { id: incidentId } = parseOr400(IncidentParams, 'params', request.params);
      const data: unknown = parseOr400(dataSchema, 'body', request.body ?? {});
      const commandId = commandIdFor(actor.id, idempotencyKey);
      const envelope = CommandEnvelope.parse({
        commandId,
        incidentId,
        issuedAt: (await deps.clock()).toISOString(),
        actor,
        command: { type, data },
      });
      await submit(envelope);
      request.log.info({ incidentId, commandId, command: type, actor: actor.id }, 'command accepted for decision');
      return reply.status(202).header('location', `/v1/commands/${commandId}`).send({ commandId, incidentId, status: 'pending' });
    });
  }

  app.get('/v1/incidents/:id', async (request) => {
    const { id } = parseOr400(IncidentParams, 'params', request.params);
    const [view, history] = await Promise.all([
      deps.redis.get(incidentViewKey(deps.keyPrefix, id)),
      deps.redis.hgetall(incidentHistoryKey(deps.keyPrefix, id)),
    ]);
    if (!view) throw new ApiError(404, 'UNKNOWN_INCIDENT', `params.id: no incident ${id}`);
    const lines = Object.entries(history)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([, line]) => JSON.parse(line) as unknown);
    return { incident: JSON.parse(view) as unknown, history: lines };
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
