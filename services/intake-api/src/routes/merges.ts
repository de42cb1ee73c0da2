import { CommandEnvelope, MergeAccepted, MergeIncident, UnmergeIncident } from '@gridgov/contracts';
import { ApiError, BAD_REQUEST, errorAnswer, jsonAnswer, requestActor, type ZodTypeProvider } from '@gridgov/http';
import type { IncidentView } from '@gridgov/read-model';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RouteDeps } from '../deps.ts';
import { commandIdFor } from '../ids.ts';
import { CommandHeaders, IncidentParams, NoSuchIncident, StoreOrKafkaAway } from '../schemas.ts';
import { accessChecks, unknownIncident } from './access.ts';

/** Puts a signed command on grid.commands (commands.ts's `submit`). */
export type Submit = (envelope: CommandEnvelope, retryWith: string, request: FastifyRequest) => Promise<void>;

const MergeRefused = errorAnswer(
  'The merge, or its undoing, cannot be as the cases stand (MERGE_REFUSED): the same case, another category, a case over, not merged',
);
const finished = (v: IncidentView) => v.status === 'closed' || v.status === 'rejected' || v.status === 'merged';
const refused = (message: string) => new ApiError(409, 'MERGE_REFUSED', message);

/**
 * 合并 and its undoing (ADR 0032): POST /v1/incidents/:id/merge and /unmerge, for dispatchers. A merge touches two
 * cases, each its own stream, so the intake gives two commands: the survivor's half (AttachDuplicate / DetachDuplicate)
 * and the duplicate's (MergeIncident / UnmergeIncident). Both cases are checked here first on the read side, so a
 * merge that cannot be is told at once (409) rather than half done; each decider checks its own half again.
 */
export function registerMergeRoutes(app: FastifyInstance, deps: RouteDeps, submit: Submit): void {
  const { mayOnCase, roleMayOrForbid } = accessChecks(deps.areas);
  const api = app.withTypeProvider<ZodTypeProvider>();
  const accepted = jsonAnswer(MergeAccepted, "Kafka holds both signed commands; Location is the duplicate's outcome");
  const response = { 202: accepted, 400: BAD_REQUEST, 404: NoSuchIncident, 409: MergeRefused, 503: StoreOrKafkaAway };

  /** A case the caller may see and act on, by the read side (which must be whole: the checks rely on it). */
  const caseOf = async (
    request: FastifyRequest,
    id: string,
    action: 'MergeIncident' | 'AttachDuplicate' | 'UnmergeIncident' | 'DetachDuplicate',
  ) => {
    const view = await deps.reader.view(id);
    if (!view) throw unknownIncident(id);
    mayOnCase(requestActor(request), action, view, id);
    return view;
  };

  const envelopeOf = async (request: FastifyRequest, incidentId: string, command: CommandEnvelope['command']) => {
    const actor = requestActor(request);
    return CommandEnvelope.parse({
      commandId: commandIdFor(deps.encryption.pseudonyms, actor.id, request.headers['idempotency-key'] as string | undefined, incidentId),
      incidentId,
      issuedAt: (await deps.clock()).toISOString(),
      actor,
      command,
    });
  };

  const retryWith = (request: FastifyRequest) =>
    request.headers['idempotency-key'] ? 'with the same Idempotency-Key' : 'with an Idempotency-Key, so that a retry is the same command';

  api.post(
    '/v1/incidents/:id/merge',
    {
      schema: {
        summary:
          '合并: a dispatcher merges this case (a duplicate report) into an open case of the same category; it closes as a duplicate',
        params: IncidentParams,
        headers: CommandHeaders,
        body: MergeIncident.shape.data,
        response,
      },
      // The role first, before the request is validated: the same 403 for a caller whose role may not, whatever they send.
      preValidation: [
        (request) =>
          new Promise<void>((resolve) => {
            roleMayOrForbid(requestActor(request), 'MergeIncident');
            resolve();
          }),
      ],
    },
    async (request, reply) => {
      const { id } = request.params;
      const { into, note } = request.body;
      await deps.readSide.assertWhole();
      const duplicate = await caseOf(request, id, 'MergeIncident');
      const survivor = await caseOf(request, into, 'AttachDuplicate');
      if (id === into) throw refused(`a case is not merged into itself (${id})`);
      if (finished(duplicate)) throw refused(`the case ${id} is ${duplicate.status}: only an open case is merged`);
      if (finished(survivor)) throw refused(`the case ${into} is ${survivor.status}: nothing is merged into a case that is over`);
      if (survivor.category !== duplicate.category)
        throw refused(`${id} is of category ${duplicate.category}, ${into} of ${survivor.category}: only the same problem merges`);
      if (!duplicate.reporterId) throw refused(`the case ${id} has no reporter to follow the survivor`);
      const attach = await envelopeOf(request, into, {
        type: 'AttachDuplicate',
        data: { duplicateId: id, category: duplicate.category, reporterId: duplicate.reporterId },
      });
      const merge = await envelopeOf(request, id, { type: 'MergeIncident', data: { into, ...(note ? { note } : {}) } });
      // The survivor's half first: its decider refuses a survivor that closed meanwhile.
      await submit(attach, retryWith(request), request);
      await submit(merge, retryWith(request), request);
      request.log.info(
        { incidentId: id, into, commandId: merge.commandId, survivorCommandId: attach.commandId },
        'merge accepted for decision',
      );
      return reply
        .status(202)
        .header('location', `/v1/commands/${merge.commandId}`)
        .send({
          commandId: merge.commandId,
          incidentId: id,
          status: 'pending',
          survivor: { commandId: attach.commandId, incidentId: into },
        });
    },
  );

  api.post(
    '/v1/incidents/:id/unmerge',
    {
      schema: {
        summary: 'Undoes a merge before the surviving case closes: the case is its own again, awaiting dispatch (待派遣)',
        params: IncidentParams,
        headers: CommandHeaders,
        body: UnmergeIncident.shape.data,
        response,
      },
      preValidation: [
        (request) =>
          new Promise<void>((resolve) => {
            roleMayOrForbid(requestActor(request), 'UnmergeIncident');
            // A command without data may come without a body.
            request.body ??= {};
            resolve();
          }),
      ],
    },
    async (request, reply) => {
      const { id } = request.params;
      const { note } = request.body;
      await deps.readSide.assertWhole();
      const duplicate = await caseOf(request, id, 'UnmergeIncident');
      if (duplicate.status !== 'merged' || !duplicate.mergedInto) throw refused(`the case ${id} is ${duplicate.status}, not merged`);
      const into = duplicate.mergedInto;
      const survivor = await caseOf(request, into, 'DetachDuplicate');
      if (finished(survivor)) throw refused(`the case ${into} it was merged into is ${survivor.status}: the merge stands`);
      const detach = await envelopeOf(request, into, { type: 'DetachDuplicate', data: { duplicateId: id } });
      const unmerge = await envelopeOf(request, id, { type: 'UnmergeIncident', data: note ? { note } : {} });
      await submit(detach, retryWith(request), request);
      await submit(unmerge, retryWith(request), request);
      request.log.info(
        { incidentId: id, from: into, commandId: unmerge.commandId, survivorCommandId: detach.commandId },
        'unmerge accepted for decision',
      );
      return reply
        .status(202)
        .header('location', `/v1/commands/${unmerge.commandId}`)
        .send({
          commandId: unmerge.commandId,
          incidentId: id,
          status: 'pending',
          survivor: { commandId: detach.commandId, incidentId: into },
        });
    },
  );
}
