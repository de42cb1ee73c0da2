import type { GridEvent } from '@gridgov/contracts';
import type { AreaTree } from '../areas/area-tree.ts';
import { windowsOf } from '../time/windows.ts';

/** The counted figures. Each is kept for the whole scope and per category / per department. */
export const CountedFigures = ['reported', 'dispatched'] as const;
export type CountedFigure = (typeof CountedFigures)[number];

/** Field of a counter hash: `reported`, `reported|c|dispute`, `dispatched|d|sanitation`. */
export function counterField(figure: CountedFigure, scope?: { category?: string | undefined; department?: string | undefined }): string {
  if (scope?.category) return `${figure}|c|${scope.category}`;
  if (scope?.department) return `${figure}|d|${scope.department}`;
  return figure;
}

/** What the projection remembers of one incident, to place later events in the right counters. */
export interface CountedIncident {
  readonly version: number;
  readonly gridCode: string;
  readonly category: string;
  readonly reportedAt: string;
  readonly department: string | null;
}

/** One counter change: hash (area × window) and field, by how much. */
export interface CounterDelta {
  readonly area: string;
  readonly window: string;
  readonly field: string;
  readonly by: number;
}

export type ApplyResult =
  | { readonly kind: 'applied'; readonly incident: CountedIncident; readonly deltas: readonly CounterDelta[] }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'gap'; readonly expected: number };

/**
 * The projection's reducer: an event and what is known of its incident → counter deltas.
 * Versions make it idempotent: an event is applied only if it is the next version of its incident.
 */
export function applyEvent(areas: AreaTree, incident: CountedIncident | undefined, event: GridEvent): ApplyResult {
  const known = incident?.version ?? 0;
  const { version } = event.metadata;
  if (version <= known) return { kind: 'duplicate' };
  if (version !== known + 1) return { kind: 'gap', expected: known + 1 };

  switch (event.type) {
    case 'IncidentReported': {
      const next: CountedIncident = {
        version,
        gridCode: event.data.gridCode,
        category: event.data.category,
        reportedAt: event.data.reportedAt,
        department: null,
      };
      return { kind: 'applied', incident: next, deltas: spread(areas, next, scopedFields(next, 'reported', false), 1) };
    }
    case 'IncidentDispatched': {
      if (!incident) return { kind: 'gap', expected: 1 };
      const first = incident.department === null;
      const next: CountedIncident = { ...incident, version, department: event.data.department };
      // A department's scope holds the cases dispatched to it: the report is counted there on dispatch.
      const fields = [...scopedFields(next, 'dispatched', true), counterField('reported', { department: event.data.department })];
      const deltas = first ? spread(areas, next, fields, 1) : [];
      return { kind: 'applied', incident: next, deltas };
    }
    default: {
      const unknown: never = event;
      throw new Error(`applyEvent: unhandled event ${(unknown as GridEvent).type}`);
    }
  }
}

/** Fields of a figure for the whole scope, the incident's category and (once known) its department. */
function scopedFields(incident: CountedIncident, figure: CountedFigure, withDepartment: boolean): string[] {
  const fields = [counterField(figure), counterField(figure, { category: incident.category })];
  if (withDepartment && incident.department) fields.push(counterField(figure, { department: incident.department }));
  return fields;
}

/** A change of the given fields for the incident's grid and every area above it, in every window of its report time. */
function spread(areas: AreaTree, incident: CountedIncident, fields: readonly string[], by: number): CounterDelta[] {
  const deltas: CounterDelta[] = [];
  for (const area of areas.lineage(incident.gridCode)) {
    for (const window of windowsOf(incident.reportedAt)) {
      for (const field of fields) deltas.push({ area, window, field, by });
    }
  }
  return deltas;
}
