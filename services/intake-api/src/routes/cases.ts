import type { Actor } from '@gridgov/contracts';
import { auditTrail, casePhotos, visibleHistory, visibleIncident } from '@gridgov/domain';
import { parseOr400, requestActor } from '@gridgov/http';
import type { FastifyInstance } from 'fastify';
import type { RouteDeps } from '../deps.ts';
import { IncidentParams } from '../schemas.ts';
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

  app.get('/v1/incidents/:id', async (request) => {
    const actor = requestActor(request);
    const { id } = parseOr400(IncidentParams, 'params', request.params);
    const { view, lines, viewer } = await caseFor(actor, id, 'ReadIncident');
    return {
      incident: visibleIncident(view, viewer),
      history: visibleHistory(lines, view, viewer),
      // Each fetched with GET /v1/incidents/:id/photos/:key.
      photos: casePhotos(lines, view, viewer),
    };
  });

  app.get('/v1/incidents/:id/audit', async (request) => {
    const actor = requestActor(request);
    const { id } = parseOr400(IncidentParams, 'params', request.params);
    const { view, lines, viewer } = await caseFor(actor, id, 'ReadAudit');
    return { incidentId: id, entries: auditTrail(lines, view, viewer) };
  });
}
