import { InvalidConfigError } from '@gridgov/config-data';
import { authorise } from '@gridgov/domain';
import { ApiError, BAD_REQUEST, errorAnswer, jsonAnswer, requestActor, type ZodTypeProvider } from '@gridgov/http';
import { WhatIfCurrentPolicyAnswer, WhatIfRunAnswer } from '@gridgov/projection-api';
import { currentPolicy, ProposalError, WhatIfRequest } from '@gridgov/what-if';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ProjectionAppDeps } from '../deps.ts';
import type { WhatIfRuns } from '../../what-if/runs.ts';

const RunParams = z.strictObject({ runId: z.uuid().describe('The run id POST /v1/what-if gave') });
const LeadersOnly = errorAnswer("Not a leader (FORBIDDEN_ROLE), or the area is outside the leader's (OUT_OF_JURISDICTION)");

/** 假设分析 is a leader's: the request's actor, refused unless a leader. */
function leader(request: FastifyRequest) {
  const actor = requestActor(request);
  if (actor.role !== 'leader') throw new ApiError(403, 'FORBIDDEN_ROLE', `the what-if replay is for leaders, not the ${actor.role} role`);
  return actor;
}

function runsOf(deps: ProjectionAppDeps): WhatIfRuns {
  if (!deps.whatIf) throw new ApiError(503, 'STORE_UNAVAILABLE', 'the what-if replay is not set up on this instance');
  return deps.whatIf;
}

/**
 * The what-if replay from the console (ADR 0033): start a run with a proposal, then read its progress and its
 * comparison. One run at a time per deployment; the results are a run's own, never served as the live figures.
 */
export function registerWhatIfRoutes(app: FastifyInstance, deps: ProjectionAppDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/v1/what-if/policy',
    {
      schema: {
        summary: 'The rules in force, as a what-if proposal that changes nothing (what the 假设分析 form starts from)',
        response: { 200: jsonAnswer(WhatIfCurrentPolicyAnswer, 'The rules in force'), 403: LeadersOnly },
      },
    },
    (request) => {
      leader(request);
      const current = runsOf(deps).configuration();
      return {
        policy: currentPolicy(current),
        categories: current.documents.catalog.categories.map((c) => ({ code: c.code, name: c.name })),
      };
    },
  );

  api.post(
    '/v1/what-if',
    {
      schema: {
        summary: 'Start a what-if run: replay the area’s history under a proposed catalog or policy (假设分析); one at a time',
        body: WhatIfRequest,
        response: {
          202: jsonAnswer(WhatIfRunAnswer, 'Started: GET /v1/what-if/:runId for its progress, then its result'),
          400: BAD_REQUEST,
          403: LeadersOnly,
          429: errorAnswer('A run is going on already (WHAT_IF_BUSY); details.runId names it'),
        },
      },
    },
    async (request, reply) => {
      const actor = leader(request);
      const { scope, policy } = request.body;
      // A leader's run covers their own area: the one asked, or the one they lead.
      const area = scope.area ?? (actor.areas?.length === 1 ? actor.areas[0] : undefined);
      if (!area) throw new ApiError(400, 'VALIDATION_FAILED', 'body.scope.area: name the area (you lead more than one)');
      if (!deps.areas.has(area)) throw new ApiError(404, 'UNKNOWN_AREA', `body.scope.area: no area ${area}`);
      const access = authorise(actor, 'ReadFigures', { area }, deps.areas);
      if (!access.allowed) throw new ApiError(403, access.code, access.message);
      let answer;
      try {
        answer = await runsOf(deps).start({ scope: { ...scope, area }, policy }, actor.id);
      } catch (err) {
        if (err instanceof ProposalError || err instanceof InvalidConfigError)
          throw new ApiError(400, 'WHAT_IF_POLICY_INVALID', `body.policy: ${err.message}`);
        throw err;
      }
      if ('busy' in answer)
        throw new ApiError(429, 'WHAT_IF_BUSY', `a what-if run is going on already (${answer.busy}); try again when it is done`, {
          runId: answer.busy,
        });
      return reply.status(202).send(answer.started);
    },
  );

  api.get(
    '/v1/what-if/:runId',
    {
      schema: {
        summary: 'A what-if run: its progress while it goes on, then the comparison (current rules beside the proposal)',
        params: RunParams,
        response: {
          200: jsonAnswer(WhatIfRunAnswer, 'The run'),
          400: BAD_REQUEST,
          403: LeadersOnly,
          404: errorAnswer('No such run (WHAT_IF_UNKNOWN_RUN)'),
        },
      },
    },
    async (request) => {
      const actor = leader(request);
      const run = await runsOf(deps).get(request.params.runId);
      if (!run) throw new ApiError(404, 'WHAT_IF_UNKNOWN_RUN', `params.runId: no what-if run ${request.params.runId}`);
      // A run shows figures of its area: only to leaders of it.
      const access = authorise(actor, 'ReadFigures', { area: run.request.scope.area ?? '' }, deps.areas);
      if (!access.allowed) throw new ApiError(403, access.code, access.message);
      return run;
    },
  );
}
