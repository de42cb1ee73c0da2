/**
 * A small district history for the what-if's tests: the 新会区 tree and the calendar the services load, the built-in
 * catalog and policy, and cases decided as the dispatch worker decides them (each command at its instant, the timers
 * that fell due fired first). Imported by tests only.
 */
import { readFileSync } from 'node:fs';
import { type Actor, type Command, type CommandEnvelope, type DecidedEvent, type GridEvent, stampEvents } from '@gridgov/contracts';
import { ConfigSnapshot } from '@gridgov/config-data';
import { DEFAULT_CATEGORIES, DEFAULT_DEPARTMENTS, DEFAULT_POLICY, incidentDecider, type IncidentState } from '@gridgov/domain';

const json = (path: string): unknown => JSON.parse(readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8'));

export const current = ConfigSnapshot.of(0, {
  areas: json('data/areas/xinhui.json') as ConfigSnapshot['documents']['areas'],
  catalog: { categories: DEFAULT_CATEGORIES.map((c) => ({ ...c })), departments: [...DEFAULT_DEPARTMENTS] },
  routing: { rules: [] },
  calendar: {
    officeHours: [
      { start: '08:30', end: '12:00' },
      { start: '14:30', end: '17:30' },
    ],
    holidays: json('data/calendars/cn-public-holidays.json') as ConfigSnapshot['documents']['calendar']['holidays'],
  },
  policy: { ...DEFAULT_POLICY, warningFractions: [...DEFAULT_POLICY.warningFractions] },
});

export const DISTRICT = '440705';
/** The grids of 新会区, in code order: where the generated cases are reported. */
export const GRIDS = current.areas
  .ofLevel('grid')
  .filter((g) => current.areas.isWithin(g.code, DISTRICT))
  .map((g) => g.code);

/** An instant given in Beijing time, `2026-03-02 09:00`. */
export const at = (local: string): number => Date.parse(`${local.replace(' ', 'T')}:00+08:00`);

export const staffOf = (grid: string): Actor => ({ id: `staff-${grid}`, role: 'grid_staff', areas: [grid] });
export const handlerOf = (department: string): Actor => ({ id: `handler-${department}`, role: 'handler', department, areas: [DISTRICT] });
export const DISPATCHER: Actor = { id: 'dispatcher-07', role: 'dispatcher', areas: [DISTRICT] };

export interface Step {
  readonly at: number;
  readonly actor: Actor;
  readonly command: Command;
}

/** A report by the grid's staff at `reportedAt` (routed at once to the category's department), then `steps`. */
export function reportStep(grid: string, category: string, reportedAt: number, n: number): Step {
  return {
    at: reportedAt,
    actor: staffOf(grid),
    command: {
      type: 'ReportIncident',
      data: {
        reportId: `r-${n}`,
        gridCode: grid,
        category,
        urgency: 'normal',
        description: '路面有垃圾',
        location: { lat: 22.5, lng: 113.0 },
        occurredAt: new Date(reportedAt).toISOString(),
        reportedAt: new Date(reportedAt).toISOString(),
        photos: [],
      },
    },
  };
}

/** The case's stream as the live worker writes it: each step decided at its instant (refused ones write nothing), timers by `asOf`. */
export function liveCase(incidentId: string, steps: readonly Step[], asOf: number, snapshot = current): GridEvent[] {
  const events: GridEvent[] = [];
  let state: IncidentState = null;
  const record = (decided: readonly DecidedEvent[], commandId?: string) => {
    const stamp = { incidentId, version: state?.version ?? 0, ...(commandId ? { commandId } : {}), configVersion: snapshot.version };
    for (const event of stampEvents(decided, stamp)) {
      state = incidentDecider.evolve(state, event);
      events.push(event);
    }
  };
  steps.forEach((step, i) => {
    const now = new Date(step.at);
    record(incidentDecider.tick(state, snapshot.context, now));
    const commandId = `${incidentId.slice(0, 24)}${String(i).padStart(12, '0')}`;
    const envelope: CommandEnvelope = { commandId, incidentId, issuedAt: now.toISOString(), actor: step.actor, command: step.command };
    const decision = incidentDecider.decide(envelope, state, snapshot.context, now);
    if (decision.kind === 'accepted') record(decision.events, commandId);
  });
  record(incidentDecider.tick(state, snapshot.context, new Date(asOf)));
  return events;
}

/** An incident id for case `n` (a valid UUID). */
export const incidentIdOf = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Report, sign-for, resolution and verification of one case, at the instants given. */
export function handledCase(
  n: number,
  grid: string,
  category: string,
  times: { reported: number; accepted: number; resolved: number; verified: number },
): Step[] {
  const department = current.catalog.defaultDepartment(category)!;
  return [
    reportStep(grid, category, times.reported, n),
    { at: times.accepted, actor: handlerOf(department), command: { type: 'AcceptIncident', data: {} } },
    { at: times.resolved, actor: handlerOf(department), command: { type: 'ResolveIncident', data: { notes: '已清扫', photos: [] } } },
    { at: times.verified, actor: staffOf(grid), command: { type: 'VerifyIncident', data: { passed: true, notes: '', photos: [] } } },
  ];
}
