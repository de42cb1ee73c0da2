import type { Actor } from '@gridgov/contracts';
import { auditTrail, casePhotos, visibleHistory, visibleIncident } from '@gridgov/domain';
import { BAD_REQUEST, jsonAnswer, requestActor, type ZodTypeProvider } from '@gridgov/http';
import { AuditTrail, CaseDetail } from '@gridgov/read-model';
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../deps.ts';
import { IncidentParams, NoSuchIncident, StoreAway } from '../schemas.ts';
import { accessChecks, unknownIncident } from './access.ts';

/** One case: GET /v1/incidents/:id (the view and its history) and GET /v1/incidents/:id/audit. */
export function registerCaseRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { mayOnCase, roleMayOrForbid } = accessChecks(deps.areas);

  /** The case and its stored history, once the viewer may read them. */
  const caseFor = async (actor: Actor, id: string, action: 'ReadIncident' | 'ReadAudit') => {
    roleMayOrForbid(actor, action);
    await deps.readSide.assertWhole();
    const [view, lines] = await Promise.all([deps.reader.view(id), deps.reader.history(id)]);
    // A case the viewer may not see is answered as one that does not exist, word for word.
    if (!view) throw unknownIncident(id);
    mayOnCase(actor, action, view, id);
    return { view, lines, viewer: { actor, areas: deps.areas, catalog: deps.catalog } };
  };

  const api = app.withTypeProvider<ZodTypeProvider>();
  const caseSchema = {
    summary: 'The case: state, department, deadlines, escalation level, and its history (who did what, when)',
    description: 'The reporter of a confidential category shows to the dispatchers of its area only.',
    params: IncidentParams,
    response: { 200: jsonAnswer(CaseDetail, 'The case'), 400: BAD_REQUEST, 404: NoSuchIncident, 503: StoreAway },
  };
  api.get('/v1/incidents/:id', { schema: caseSchema }, async (request) => {
    const actor = requestActor(request);
    const { id } = request.params;
    const { view, lines, viewer } = await caseFor(actor, id, 'ReadIncident');
    return {
      incident: visibleIncident(view, viewer),
      history: visibleHistory(lines, view, viewer),
      // Each fetched with GET /v1/incidents/:id/photos/:key.
      photos: casePhotos(lines, view, viewer),
    };
  });

  const auditSchema = {
    summary: 'Who did what, when: each change with its actor and command id (dispatchers, leaders and admins of the area)',
    params: IncidentParams,
    response: { 200: jsonAnswer(AuditTrail, 'The audit trail, oldest first'), 400: BAD_REQUEST, 404: NoSuchIncident, 503: StoreAway },
  };
  api.get('/v1/incidents/:id/audit', { schema: auditSchema }, async (request) => {
    const actor = requestActor(request);
    const { id } = request.params;
    const { view, lines, viewer } = await caseFor(actor, id, 'ReadAudit');
    return { incidentId: id, entries: auditTrail(lines, view, viewer) };
  });
}
