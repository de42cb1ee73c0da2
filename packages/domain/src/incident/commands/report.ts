import type { Actor, CommandEnvelope } from '@gridgov/contracts';
import { authorise } from '../../access/authorise.ts';
import { boundaryContains } from '../../areas/planar.ts';
import {
  type CommandData,
  type Decision,
  type DecisionContext,
  denied,
  dispatchDeadlines,
  due,
  Emitter,
  iso,
  photosField,
  photosOf,
  reject,
} from '../decision.ts';
import { stageMeasures, type IncidentState } from '../state.ts';

/**
 * Who a citizen report through the Open311 door is given by: the client app, acting as the system (citizens hold no
 * token; the intake checked the app's api_key). Its id is not a person's, so it is not sealed.
 */
export const open311Actor = (client: string): Actor => ({ id: `open311:${client}`, role: 'system' });

/** A citizen's report: it names its channel and comes from that channel's own actor, nobody else's. */
export function isCitizenReport(envelope: CommandEnvelope): boolean {
  const { command, actor } = envelope;
  if (command.type !== 'ReportIncident' || !command.data.channel) return false;
  return actor.role === 'system' && actor.id === open311Actor(command.data.channel.client).id;
}

/** How far a device clock may run ahead of ours before a report time is refused. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * 上报: grid staff report a case in their own grid, or a citizen's app reports one through the Open311 door (which
 * always waits for a dispatcher). A route that names a department dispatches it at once; without
 * one it waits for a dispatcher against the dispatch deadline. The same report sent again changes nothing.
 */
export function reportIncident(
  envelope: CommandEnvelope,
  data: CommandData<'ReportIncident'>,
  state: IncidentState,
  ctx: DecisionContext,
  t: number,
): Decision {
  if (state) {
    // The phone retried: same reporter, same report id. Same incident, nothing new happens.
    if (state.reportId === data.reportId && state.reporterId === envelope.actor.id) return { kind: 'accepted', events: [] };
    return reject('INCIDENT_EXISTS', `incident ${envelope.incidentId} already exists for another report`);
  }
  const grid = ctx.areas.find(data.gridCode);
  if (!grid || grid.level !== 'grid') return reject('UNKNOWN_GRID', `grid ${data.gridCode} is not a known grid`);
  // A citizen's report may name any grid (the intake located it); one from grid staff only their own. A channel named
  // by anyone but its own actor (a grid staff member claiming to be a citizen app) is refused.
  const citizen = isCitizenReport(envelope);
  if (data.channel && !citizen) return reject('FORBIDDEN_ROLE', `only the Open311 door reports through ${data.channel.via}`);
  if (!citizen) {
    const access = authorise(envelope.actor, 'ReportIncident', { area: data.gridCode }, ctx.areas);
    if (!access.allowed) return denied(access);
  }
  if (!ctx.catalog.category(data.category)) return reject('UNKNOWN_CATEGORY', `category ${data.category} is not in the catalog`);
  const reportedAt = data.reportedAt ?? envelope.issuedAt;
  if (Date.parse(reportedAt) > t + MAX_CLOCK_SKEW_MS) return reject('REPORTED_IN_FUTURE', `report time ${reportedAt} is in the future`);

  const photos = photosOf(data.photos);
  if ('rejection' in photos) return { kind: 'rejected', rejection: photos.rejection };

  // A citizen's report is triaged by a dispatcher (受理 or 不予立案) before any department sees it: never routed at once.
  // Nor is a report proposed as a duplicate of an open case (重复上报): a dispatcher merges it or dispatches it.
  const proposed = data.possibleDuplicateOf !== undefined && data.possibleDuplicateOf.length > 0;
  const department = citizen || proposed ? undefined : ctx.routing.route(data.category, data.gridCode);
  // Flagged, not refused: the phone's position may be off, or the thing reported lies just over the boundary.
  const outside = grid.boundary !== undefined && !boundaryContains(grid.boundary, data.location.lng, data.location.lat);
  const out = new Emitter(null);
  const reported = out.emit(
    'IncidentReported',
    {
      reportId: data.reportId,
      reporterId: envelope.actor.id,
      gridCode: data.gridCode,
      category: data.category,
      urgency: data.urgency,
      description: data.description,
      location: data.location,
      ...(outside ? { locationOutsideGrid: true as const } : {}),
      occurredAt: data.occurredAt,
      reportedAt,
      receivedAt: envelope.issuedAt,
      ...(department ? {} : { dispatchDue: iso(due(ctx, t, ctx.policy.dispatch, [])), measures: stageMeasures(ctx, data, 'dispatch') }),
      ...photosField(photos.photos),
      ...(data.channel ? { channel: data.channel } : {}),
      ...(data.contact && Object.keys(data.contact).length > 0 ? { contact: data.contact } : {}),
      ...(proposed ? { possibleDuplicateOf: data.possibleDuplicateOf } : {}),
    },
    envelope.actor,
    // The report happened when the device says; the deadlines run from when it reached us.
    Date.parse(reportedAt),
  );
  if (department)
    out.emit(
      'IncidentDispatched',
      { department, by: 'routing', ...dispatchDeadlines(reported, ctx, t) },
      { id: 'routing', role: 'system' },
      t,
    );
  return { kind: 'accepted', events: out.events };
}
