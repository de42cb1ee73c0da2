import type { DecidedEvent, Stage, StageMeasures } from '@gridgov/contracts';
import type { Incident, IncidentState, StageClock } from './state.ts';

const ms = (iso: string) => Date.parse(iso);

/**
 * Applies an event to the state. Pure, and it needs nothing but the event: every instant and every clock's measure
 * comes from it, so a state is a fold of grid.events alone (ADR 0009). Only the last event of a kind decides a
 * clock: a new clock for a stage replaces the old one. The state's version counts the events folded, as the store
 * numbers them (`stampEvents`); every consumer of the log folds only the next version. A stored `GridEvent` is a
 * `DecidedEvent` too.
 */
export function evolve(state: IncidentState, event: DecidedEvent): Incident {
  const version = (state?.version ?? 0) + 1;
  const at = ms(event.metadata.occurredAt);
  if (event.type === 'IncidentReported') {
    const reported: Incident = {
      version,
      status: 'reported',
      reportId: event.data.reportId,
      reporterId: event.data.reporterId,
      ...(event.data.reporterRef ? { reporterRef: event.data.reporterRef } : {}),
      gridCode: event.data.gridCode,
      ...(event.data.locationOutsideGrid ? { locationOutsideGrid: true as const } : {}),
      category: event.data.category,
      urgency: event.data.urgency,
      reportedAt: ms(event.data.reportedAt),
      department: null,
      firstDispatchedAt: null,
      clocks: [],
      missedHandlingDeadline: false,
      reworkCount: 0,
      extensionCount: 0,
      pendingExtension: null,
      suspendedAt: null,
      suspensions: [],
      escalationLevel: 0,
      nextEscalationAt: null,
      location: { lat: event.data.location.lat, lng: event.data.location.lng },
      ...(event.data.possibleDuplicateOf?.length ? { possibleDuplicateOf: event.data.possibleDuplicateOf } : {}),
    };
    // The dispatch clock runs from when the report reached us, not from when the phone made it.
    const received = event.data.receivedAt ? ms(event.data.receivedAt) : at;
    return event.data.dispatchDue
      ? { ...reported, clocks: [clock(event, version, 'dispatch', received, ms(event.data.dispatchDue), event.data.measures)] }
      : reported;
  }
  if (event.type === 'IncidentImported') {
    // A legacy case (ADR 0030): history, not work. No clock runs, so no timer, warning or escalation ever falls due.
    const d = event.data;
    const status = d.closedAt ? 'closed' : d.resolvedAt ? 'resolved' : d.dispatchedAt ? 'dispatched' : 'reported';
    return {
      version,
      status,
      reportId: '',
      reporterId: '',
      gridCode: d.gridCode,
      category: d.category,
      urgency: d.urgency,
      reportedAt: ms(d.reportedAt),
      department: d.dispatchedAt ? (d.department ?? null) : null,
      firstDispatchedAt: d.dispatchedAt ? ms(d.dispatchedAt) : null,
      clocks: [],
      missedHandlingDeadline: d.onTime === false,
      reworkCount: d.reworkCount,
      extensionCount: 0,
      pendingExtension: null,
      suspendedAt: null,
      suspensions: [],
      escalationLevel: 0,
      nextEscalationAt: null,
      ...(d.closedAt ? { closedAt: ms(d.closedAt) } : {}),
      imported: true,
    };
  }
  if (!state) throw new Error(`evolve: ${event.type} before IncidentReported`);
  const s: Incident = { ...state, version };
  const measures = 'measures' in event.data ? event.data.measures : undefined;
  // Declarations, not named arrows: the bundles' name helper leaves them alone (scripts/bundle-names.mjs).
  function start(stage: Stage, due: string, clocks: readonly StageClock[] = s.clocks): StageClock[] {
    return [...clocks.filter((c) => c.stage !== stage), clock(event, version, stage, at, ms(due), measures)];
  }
  function stop(...stages: Stage[]): StageClock[] {
    return s.clocks.filter((c) => !stages.includes(c.stage));
  }
  function moveDue(stage: Stage, due: string): StageClock[] {
    return s.clocks.map((c) => (c.stage === stage ? { ...c, due: ms(due), missed: false } : c));
  }
  // A sign-for or handling clock that stops at or after its deadline leaves its mark, whether or not a timer
  // has marked it missed yet: the case can no longer close on time.
  function lateIfStops(...stages: Stage[]): boolean {
    return s.missedHandlingDeadline || s.clocks.some((c) => stages.includes(c.stage) && (c.missed || c.due <= at));
  }

  switch (event.type) {
    case 'IncidentRejected':
      return { ...s, status: 'rejected', clocks: [], closedAt: at };
    case 'IncidentDispatched':
    case 'IncidentReassigned': {
      const clocks = start('handling', event.data.handlingDue, start('sign_for', event.data.signForDue, stop('dispatch')));
      // A fresh handling deadline replaces the missed one: the old one's escalation ladder stops (the level stays).
      return {
        ...s,
        status: 'dispatched',
        department: event.data.department,
        firstDispatchedAt: s.firstDispatchedAt ?? at,
        pendingExtension: null,
        nextEscalationAt: null,
        missedHandlingDeadline: lateIfStops('sign_for', 'handling'),
        clocks,
      };
    }
    case 'IncidentReturned':
      return {
        ...s,
        status: 'returned',
        pendingExtension: null,
        // No handling deadline runs while the case waits for dispatch: nothing climbs the ladder.
        nextEscalationAt: null,
        missedHandlingDeadline: lateIfStops('sign_for', 'handling'),
        clocks: start('dispatch', event.data.dispatchDue, stop('sign_for', 'handling')),
      };
    case 'IncidentAccepted':
      return { ...s, status: 'accepted', missedHandlingDeadline: lateIfStops('sign_for'), clocks: stop('sign_for') };
    case 'IncidentResolved':
      return {
        ...s,
        status: 'resolved',
        pendingExtension: null,
        nextEscalationAt: null,
        missedHandlingDeadline: lateIfStops('handling'),
        clocks: start('verification', event.data.verificationDue, stop('sign_for', 'handling')),
      };
    case 'IncidentReworkRequested':
      return {
        ...s,
        status: 'accepted',
        reworkCount: event.data.reworkCount,
        clocks: start('handling', event.data.handlingDue, stop('verification')),
      };
    case 'IncidentClosed':
      return { ...s, status: 'closed', clocks: [], nextEscalationAt: null, closedAt: at };
    case 'IncidentErased': {
      // What the state held of the person goes with the key: the worker's and the read side's copies alike.
      const { reporterRef: _ref, ...rest } = s;
      const duplicates = s.duplicates?.map((d) => ({ ...d, reporterId: '' }));
      return { ...rest, reportId: '', reporterId: '', erased: true, ...(duplicates ? { duplicates } : {}) };
    }
    case 'IncidentMerged':
      // Closed as a duplicate: no clock runs, nothing climbs the ladder, nobody's list holds it.
      return {
        ...s,
        status: 'merged',
        clocks: [],
        pendingExtension: null,
        nextEscalationAt: null,
        closedAt: at,
        mergedInto: event.data.into,
      };
    case 'IncidentUnmerged': {
      // Its own case again, awaiting dispatch as a fresh report does, against a dispatch deadline from now.
      const { mergedInto: _into, closedAt: _closed, ...rest } = s;
      return {
        ...rest,
        version,
        status: 'reported',
        department: null,
        clocks: [clock(event, version, 'dispatch', at, ms(event.data.dispatchDue), event.data.measures)],
      };
    }
    case 'DuplicateAttached':
      return {
        ...s,
        duplicates: [
          ...(s.duplicates ?? []).filter((d) => d.incidentId !== event.data.duplicateId),
          { incidentId: event.data.duplicateId, reporterId: event.data.reporterId },
        ],
      };
    case 'DuplicateDetached':
      return { ...s, duplicates: (s.duplicates ?? []).filter((d) => d.incidentId !== event.data.duplicateId) };
    case 'ExtensionRequested':
      return { ...s, pendingExtension: { unit: event.data.unit, amount: event.data.amount } };
    case 'ExtensionApproved':
      // The new deadline replaces the old one; an escalation ladder started by the old one stops.
      return {
        ...s,
        pendingExtension: null,
        extensionCount: s.extensionCount + 1,
        clocks: moveDue('handling', event.data.handlingDue),
        nextEscalationAt: null,
      };
    case 'ExtensionDenied':
      return { ...s, pendingExtension: null };
    case 'IncidentSuspended':
      return { ...s, suspendedAt: at };
    case 'IncidentResumed': {
      const dues = new Map(event.data.deadlines.map((d) => [d.stage, ms(d.due)]));
      return {
        ...s,
        suspendedAt: null,
        suspensions: [...s.suspensions, { from: ms(event.data.suspendedAt), to: at }],
        clocks: s.clocks.map((c) => ({ ...c, due: dues.get(c.stage) ?? c.due })),
        nextEscalationAt: event.data.nextEscalationAt === null ? null : ms(event.data.nextEscalationAt),
      };
    }
    case 'DeadlineWarned':
      return { ...s, clocks: s.clocks.map((c) => (c.stage === event.data.stage ? { ...c, warned: c.warned + 1 } : c)) };
    case 'DeadlineMissed': {
      // Sign-for cannot be extended; a missed handling deadline may still be moved by an extension.
      return {
        ...s,
        missedHandlingDeadline: s.missedHandlingDeadline || event.data.stage === 'sign_for',
        clocks: s.clocks.map((c) => (c.stage === event.data.stage ? { ...c, missed: true } : c)),
      };
    }
    case 'IncidentEscalated':
      return { ...s, escalationLevel: event.data.level, nextEscalationAt: event.data.nextAt ? ms(event.data.nextAt) : null };
    default: {
      const unknown: never = event;
      throw new Error(`evolve: unhandled event ${(unknown as DecidedEvent).type}`);
    }
  }
}

function clock(
  event: DecidedEvent,
  version: number,
  stage: Stage,
  startedAt: number,
  due: number,
  measures: StageMeasures | undefined,
): StageClock {
  const measure = measures?.[stage];
  if (!measure) throw new Error(`evolve: ${event.type} #${version} starts the ${stage} clock without its measure`);
  return { stage, startedAt, due, measure, warned: 0, missed: false };
}
