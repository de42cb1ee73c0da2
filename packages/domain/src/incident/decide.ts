import type { CommandEnvelope, GridEvent, ReportIncident } from '@gridgov/contracts';
import type { AreaTree } from '../areas/area-tree.ts';
import type { Catalog } from '../catalog/categories.ts';
import type { RoutingTable } from '../catalog/routing.ts';
import type { Rejection } from './rejection.ts';
import type { IncidentState } from './state.ts';

export interface DecisionContext {
  readonly areas: AreaTree;
  readonly catalog: Catalog;
  readonly routing: RoutingTable;
}

export type Decision =
  { readonly kind: 'accepted'; readonly events: readonly GridEvent[] } | { readonly kind: 'rejected'; readonly rejection: Rejection };

/** How far a device clock may run ahead of ours before a report time is refused. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

const reject = (code: Rejection['code'], message: string): Decision => ({ kind: 'rejected', rejection: { code, message } });

/**
 * The dispatch decider: given the incident's state and a command, which events happen.
 * Pure: `now` is the worker's clock, passed in.
 */
export function decide(envelope: CommandEnvelope, state: IncidentState, ctx: DecisionContext, now: Date): Decision {
  const { command } = envelope;
  switch (command.type) {
    case 'ReportIncident':
      return decideReport(envelope, command, state, ctx, now);
    default: {
      const unknown: never = command.type;
      throw new Error(`decide: unhandled command ${String(unknown)}`);
    }
  }
}

function decideReport(envelope: CommandEnvelope, command: ReportIncident, state: IncidentState, ctx: DecisionContext, now: Date): Decision {
  const { data } = command;
  if (state) {
    // The phone retried: same reporter, same report id. Same incident, nothing new happens.
    if (state.reportId === data.reportId && state.reporterId === envelope.actor.id) return { kind: 'accepted', events: [] };
    return reject('INCIDENT_EXISTS', `incident ${envelope.incidentId} already exists for another report`);
  }
  if (envelope.actor.role !== 'grid_staff') {
    return reject('FORBIDDEN_ROLE', `only grid staff report incidents; ${envelope.actor.id} is ${envelope.actor.role}`);
  }
  const grid = ctx.areas.find(data.gridCode);
  if (!grid || grid.level !== 'grid') return reject('UNKNOWN_GRID', `grid ${data.gridCode} is not a known grid`);
  if (!ctx.catalog.category(data.category)) return reject('UNKNOWN_CATEGORY', `category ${data.category} is not in the catalog`);
  const reportedAt = data.reportedAt ?? envelope.issuedAt;
  if (Date.parse(reportedAt) > now.getTime() + MAX_CLOCK_SKEW_MS) {
    return reject('REPORTED_IN_FUTURE', `report time ${reportedAt} is in the future`);
  }
  const department = ctx.routing.route(data.category, data.gridCode);
  if (!department) return reject('NO_ROUTE', `no department handles ${data.category} in ${data.gridCode}`);

  const meta = (version: number) => ({
    eventId: `${envelope.incidentId}:${version}`,
    incidentId: envelope.incidentId,
    version,
    occurredAt: version === 1 ? reportedAt : now.toISOString(),
    commandId: envelope.commandId,
    actor: envelope.actor,
  });
  return {
    kind: 'accepted',
    events: [
      {
        type: 'IncidentReported',
        data: {
          reportId: data.reportId,
          reporterId: envelope.actor.id,
          gridCode: data.gridCode,
          category: data.category,
          urgency: data.urgency,
          description: data.description,
          location: data.location,
          occurredAt: data.occurredAt,
          reportedAt,
        },
        metadata: meta(1),
      },
      {
        type: 'IncidentDispatched',
        data: { department, by: 'routing' },
        metadata: { ...meta(2), actor: { id: 'routing', role: 'system' } },
      },
    ],
  };
}
