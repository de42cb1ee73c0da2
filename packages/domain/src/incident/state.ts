import type { GridEvent, Urgency } from '@gridgov/contracts';

export type IncidentStatus = 'reported' | 'dispatched';

/** The dispatch worker's view of one incident: what deciding the next command needs. */
export interface OpenIncident {
  readonly status: IncidentStatus;
  readonly version: number;
  readonly reportId: string;
  readonly reporterId: string;
  readonly gridCode: string;
  readonly category: string;
  readonly urgency: Urgency;
  readonly reportedAt: string;
  readonly department: string | null;
}

export type IncidentState = OpenIncident | null;

export const initialState: IncidentState = null;

export function evolve(state: IncidentState, event: GridEvent): IncidentState {
  switch (event.type) {
    case 'IncidentReported':
      return {
        status: 'reported',
        version: event.metadata.version,
        reportId: event.data.reportId,
        reporterId: event.data.reporterId,
        gridCode: event.data.gridCode,
        category: event.data.category,
        urgency: event.data.urgency,
        reportedAt: event.data.reportedAt,
        department: null,
      };
    case 'IncidentDispatched':
      if (!state) return state;
      return { ...state, status: 'dispatched', version: event.metadata.version, department: event.data.department };
    default: {
      const unknown: never = event;
      throw new Error(`evolve: unhandled event ${(unknown as GridEvent).type}`);
    }
  }
}
