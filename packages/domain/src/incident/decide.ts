import type { Actor, Command, CommandEnvelope, GridEvent, Stage } from '@gridgov/contracts';
import { authorise, roleMay, type AccessDecision } from '../access/authorise.ts';
import type { AreaTree } from '../areas/area-tree.ts';
import type { Catalog } from '../catalog/categories.ts';
import type { RoutingTable } from '../catalog/routing.ts';
import type { DeadlinePolicy } from './policy.ts';
import { MAX_ESCALATION_LEVEL } from './policy.ts';
import type { Rejection, RejectionCode } from './rejection.ts';
import type { StageTime } from './stage-time.ts';
import {
  evolve,
  measureOf,
  stageDuration,
  stageMeasures,
  type Incident,
  type IncidentState,
  type IncidentStatus,
  type StageClock,
} from './state.ts';

export interface DecisionContext {
  readonly areas: AreaTree;
  readonly catalog: Catalog;
  readonly routing: RoutingTable;
  readonly policy: DeadlinePolicy;
  readonly time: StageTime;
}

export type Decision =
  { readonly kind: 'accepted'; readonly events: readonly GridEvent[] } | { readonly kind: 'rejected'; readonly rejection: Rejection };

/** How far a device clock may run ahead of ours before a report time is refused. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
const SYSTEM: Actor = { id: 'system', role: 'system' };

const reject = (code: RejectionCode, message: string): Decision => ({ kind: 'rejected', rejection: { code, message } });
/** An access denial as the decider's rejection (reads' codes cannot arise for commands). */
const denied = (d: Extract<AccessDecision, { allowed: false }>): Decision =>
  reject(d.code === 'NOT_ASSIGNED' || d.code === 'OUT_OF_JURISDICTION' ? d.code : 'FORBIDDEN_ROLE', d.message);
const iso = (ms: number) => new Date(ms).toISOString();

type EventOf<T extends GridEvent['type']> = Extract<GridEvent, { type: T }>;

/** Builds the events of one decision: versions follow the state's, each event evolves a working copy. */
class Emitter {
  readonly events: GridEvent[] = [];
  constructor(
    private readonly incidentId: string,
    private state: IncidentState,
    private readonly ctx: DecisionContext,
    private readonly commandId: string | undefined,
  ) {}

  get current(): IncidentState {
    return this.state;
  }

  emit<T extends GridEvent['type']>(type: T, data: EventOf<T>['data'], actor: Actor, occurredAt: number): Incident {
    const version = (this.state?.version ?? 0) + 1;
    const event = {
      type,
      data,
      metadata: {
        eventId: `${this.incidentId}:${version}`,
        incidentId: this.incidentId,
        version,
        occurredAt: iso(occurredAt),
        ...(this.commandId ? { commandId: this.commandId } : {}),
        actor,
      },
    } as GridEvent;
    this.events.push(event);
    this.state = evolve(this.state, event);
    return this.state;
  }
}

/** In which states each command applies. */
const FROM: Record<Exclude<Command['type'], 'ReportIncident'>, readonly IncidentStatus[]> = {
  RejectIncident: ['reported', 'returned'],
  DispatchIncident: ['reported', 'returned'],
  ReassignIncident: ['dispatched', 'accepted'],
  ReturnIncident: ['dispatched', 'accepted'],
  AcceptIncident: ['dispatched'],
  ResolveIncident: ['accepted'],
  VerifyIncident: ['resolved'],
  RequestExtension: ['dispatched', 'accepted'],
  ApproveExtension: ['dispatched', 'accepted'],
  DenyExtension: ['dispatched', 'accepted'],
  SuspendIncident: ['reported', 'returned', 'dispatched', 'accepted', 'resolved'],
  ResumeIncident: ['reported', 'returned', 'dispatched', 'accepted', 'resolved'],
  EscalateIncident: ['reported', 'returned', 'dispatched', 'accepted', 'resolved'],
};

const STATUS_NAMES: Record<IncidentStatus, string> = {
  reported: '已上报 reported',
  rejected: '不予立案 rejected',
  dispatched: '已派遣 dispatched',
  accepted: '已签收 accepted',
  resolved: '已处置 resolved',
  closed: '已结案 closed',
  returned: '已退回 returned',
};

/**
 * The dispatch decider: given the incident's state and a command, which events happen.
 * Pure: `now` is the worker's clock, passed in; the calendar comes in the context.
 */
export function decide(envelope: CommandEnvelope, state: IncidentState, ctx: DecisionContext, now: Date): Decision {
  const { command, actor } = envelope;
  const t = now.getTime();
  // Who may do what, where: the access table, the same one the HTTP edge asks (a command produced by any
  // other road meets the same rule here). Jurisdiction comes from the signed envelope's actor.
  if (!roleMay(actor.role, command.type)) {
    return reject('FORBIDDEN_ROLE', `${command.type} is not for the ${actor.role} role (${actor.id})`);
  }
  if (command.type === 'ReportIncident') return decideReport(envelope, command, state, ctx, t);
  if (!state) return reject('UNKNOWN_INCIDENT', `no incident ${envelope.incidentId}`);
  // Before anything about the case's state is told: someone outside the case learns nothing of it.
  const access = authorise(
    actor,
    command.type,
    { area: state.gridCode, department: state.department, reporterId: state.reporterId },
    ctx.areas,
  );
  if (!access.allowed) return denied(access);
  if (!FROM[command.type].includes(state.status)) {
    return reject('INVALID_TRANSITION', `${command.type} does not apply to a case that is ${STATUS_NAMES[state.status]}`);
  }
  // A parked case can be resumed or escalated; a second suspension is told ALREADY_SUSPENDED below.
  if (state.suspendedAt !== null && !['ResumeIncident', 'EscalateIncident', 'SuspendIncident'].includes(command.type)) {
    return reject('INCIDENT_SUSPENDED', `the case is suspended (挂账); resume it first`);
  }
  const out = new Emitter(envelope.incidentId, state, ctx, envelope.commandId);
  const rejection = apply(out, command, state, actor, ctx, t);
  return rejection ?? { kind: 'accepted', events: out.events };
}

function apply(
  out: Emitter,
  command: Exclude<Command, { type: 'ReportIncident' }>,
  s: Incident,
  actor: Actor,
  ctx: DecisionContext,
  t: number,
): Decision | undefined {
  switch (command.type) {
    case 'RejectIncident':
      out.emit('IncidentRejected', { reason: command.data.reason }, actor, t);
      return;
    case 'DispatchIncident': {
      if (!ctx.catalog.department(command.data.department)) return reject('UNKNOWN_DEPARTMENT', `no department ${command.data.department}`);
      out.emit('IncidentDispatched', { department: command.data.department, by: 'dispatcher', ...dispatchDeadlines(s, ctx, t) }, actor, t);
      return;
    }
    case 'ReassignIncident': {
      const to = command.data.department;
      if (!ctx.catalog.department(to)) return reject('UNKNOWN_DEPARTMENT', `no department ${to}`);
      if (to === s.department) return reject('SAME_DEPARTMENT', `the case is already with ${to}`);
      out.emit(
        'IncidentReassigned',
        { from: s.department ?? '', department: to, reason: command.data.reason, ...dispatchDeadlines(s, ctx, t) },
        actor,
        t,
      );
      return;
    }
    case 'ReturnIncident':
      out.emit(
        'IncidentReturned',
        {
          department: s.department ?? '',
          reason: command.data.reason,
          dispatchDue: iso(due(ctx, t, ctx.policy.dispatch, [])),
          measures: stageMeasures(ctx, s, 'dispatch'),
        },
        actor,
        t,
      );
      return;
    case 'AcceptIncident':
      out.emit('IncidentAccepted', { department: s.department ?? '' }, actor, t);
      return;
    case 'ResolveIncident':
      out.emit(
        'IncidentResolved',
        {
          notes: command.data.notes,
          photoRefs: command.data.photoRefs,
          handlingMs: handlingMs(s, ctx, t),
          verificationDue: iso(due(ctx, t, ctx.policy.verification, [])),
          measures: stageMeasures(ctx, s, 'verification'),
        },
        actor,
        t,
      );
      return;
    case 'VerifyIncident': {
      if (command.data.passed) {
        out.emit(
          'IncidentClosed',
          { onTime: !s.missedHandlingDeadline && !handlingClockMissed(s), handlingMs: handlingMsAtResolve(s, ctx) },
          actor,
          t,
        );
      } else {
        const handling = stageDuration(ctx, s, 'handling');
        out.emit(
          'IncidentReworkRequested',
          {
            notes: command.data.notes,
            reworkCount: s.reworkCount + 1,
            handlingDue: iso(due(ctx, t, handling, [])),
            measures: stageMeasures(ctx, s, 'handling'),
          },
          actor,
          t,
        );
      }
      return;
    }
    case 'RequestExtension': {
      if (s.pendingExtension) return reject('EXTENSION_PENDING', 'an extension request is already waiting for a dispatcher');
      // Past the deadline is too late whether or not a timer has marked it missed yet.
      const handling = s.clocks.find((c) => c.stage === 'handling');
      if (handling && (handling.missed || handling.due <= t)) {
        return reject('EXTENSION_TOO_LATE', 'the handling deadline has passed; ask before it does');
      }
      out.emit('ExtensionRequested', command.data, actor, t);
      return;
    }
    case 'ApproveExtension': {
      const pending = s.pendingExtension;
      const handling = s.clocks.find((c) => c.stage === 'handling');
      if (!pending || !handling) return reject('NO_EXTENSION_PENDING', 'no extension request is waiting');
      const { ms, measure } = ctx.time.toMs(pending);
      const newDue = ctx.time.add(handling.due, ms, measure, s.suspensions);
      out.emit('ExtensionApproved', { previousDue: iso(handling.due), handlingDue: iso(newDue) }, actor, t);
      return;
    }
    case 'DenyExtension':
      if (!s.pendingExtension) return reject('NO_EXTENSION_PENDING', 'no extension request is waiting');
      out.emit('ExtensionDenied', { reason: command.data.reason }, actor, t);
      return;
    case 'SuspendIncident':
      if (s.suspendedAt !== null) return reject('ALREADY_SUSPENDED', 'the case is already suspended');
      out.emit('IncidentSuspended', { reason: command.data.reason }, actor, t);
      return;
    case 'ResumeIncident': {
      if (s.suspendedAt === null) return reject('NOT_SUSPENDED', 'the case is not suspended');
      const suspensions = [...s.suspensions, { from: s.suspendedAt, to: t }];
      const deadlines = s.clocks
        .filter((c) => !c.missed)
        .map((c) => {
          // The time left when the case was parked is what is left now.
          const left = ctx.time.between(s.suspendedAt!, Math.max(c.due, s.suspendedAt!), c.measure, s.suspensions);
          return { stage: c.stage, due: iso(ctx.time.add(t, left, c.measure, suspensions)) };
        });
      // Like the deadlines, the ladder's next step keeps the time (in its own measure) it had left when parked.
      const measure = measureOf(ctx.policy.escalationEvery);
      const nextEscalationAt =
        s.nextEscalationAt === null
          ? null
          : iso(
              ctx.time.add(
                t,
                ctx.time.between(s.suspendedAt, Math.max(s.nextEscalationAt, s.suspendedAt), measure, s.suspensions),
                measure,
                suspensions,
              ),
            );
      out.emit('IncidentResumed', { suspendedAt: iso(s.suspendedAt), deadlines, nextEscalationAt }, actor, t);
      return;
    }
    case 'EscalateIncident': {
      if (s.escalationLevel >= MAX_ESCALATION_LEVEL) return reject('ESCALATION_AT_TOP', 'the case is already escalated to the city');
      const level = s.escalationLevel + 1;
      out.emit(
        'IncidentEscalated',
        {
          level,
          area: escalationArea(ctx, s.gridCode, level),
          manual: true,
          reason: command.data.reason,
          nextAt: s.nextEscalationAt === null ? null : iso(s.nextEscalationAt),
        },
        actor,
        t,
      );
      return;
    }
    default: {
      const unknown: never = command;
      throw new Error(`decide: unhandled command ${(unknown as Command).type}`);
    }
  }
}

function decideReport(
  envelope: CommandEnvelope,
  command: Extract<Command, { type: 'ReportIncident' }>,
  state: IncidentState,
  ctx: DecisionContext,
  t: number,
): Decision {
  const { data } = command;
  if (state) {
    // The phone retried: same reporter, same report id. Same incident, nothing new happens.
    if (state.reportId === data.reportId && state.reporterId === envelope.actor.id) return { kind: 'accepted', events: [] };
    return reject('INCIDENT_EXISTS', `incident ${envelope.incidentId} already exists for another report`);
  }
  const grid = ctx.areas.find(data.gridCode);
  if (!grid || grid.level !== 'grid') return reject('UNKNOWN_GRID', `grid ${data.gridCode} is not a known grid`);
  const access = authorise(envelope.actor, 'ReportIncident', { area: data.gridCode }, ctx.areas);
  if (!access.allowed) return denied(access);
  if (!ctx.catalog.category(data.category)) return reject('UNKNOWN_CATEGORY', `category ${data.category} is not in the catalog`);
  const reportedAt = data.reportedAt ?? envelope.issuedAt;
  if (Date.parse(reportedAt) > t + MAX_CLOCK_SKEW_MS) return reject('REPORTED_IN_FUTURE', `report time ${reportedAt} is in the future`);

  const department = ctx.routing.route(data.category, data.gridCode);
  const out = new Emitter(envelope.incidentId, null, ctx, envelope.commandId);
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
      occurredAt: data.occurredAt,
      reportedAt,
      receivedAt: envelope.issuedAt,
      ...(department ? {} : { dispatchDue: iso(due(ctx, t, ctx.policy.dispatch, [])), measures: stageMeasures(ctx, data, 'dispatch') }),
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

function due(
  ctx: DecisionContext,
  from: number,
  duration: Parameters<StageTime['toMs']>[0],
  excluded: Parameters<StageTime['add']>[3],
): number {
  const { ms, measure } = ctx.time.toMs(duration);
  return ctx.time.add(from, ms, measure, excluded);
}

function dispatchDeadlines(s: Incident, ctx: DecisionContext, t: number) {
  return {
    signForDue: iso(due(ctx, t, ctx.policy.signFor, [])),
    handlingDue: iso(due(ctx, t, stageDuration(ctx, s, 'handling'), [])),
    measures: stageMeasures(ctx, s, 'sign_for', 'handling'),
  };
}

function handlingClockMissed(s: Incident): boolean {
  return s.clocks.some((c) => c.stage === 'handling' && c.missed);
}

/** Working time from first dispatch to `t`, suspended spans excluded. */
function handlingMs(s: Incident, ctx: DecisionContext, t: number): number {
  return s.firstDispatchedAt === null ? 0 : Math.round(ctx.time.between(s.firstDispatchedAt, t, 'working', s.suspensions));
}

/** At closing, the handling time is that of the last resolution (the verification stage started then). */
function handlingMsAtResolve(s: Incident, ctx: DecisionContext): number {
  const verification = s.clocks.find((c) => c.stage === 'verification');
  return handlingMs(s, ctx, verification ? verification.startedAt : 0);
}

/** Escalation level n goes to the n-th area above the grid: community, town, district, city. */
export function escalationArea(ctx: Pick<DecisionContext, 'areas'>, gridCode: string, level: number): string {
  const lineage = ctx.areas.lineage(gridCode);
  return lineage[Math.min(level, lineage.length - 1)] ?? gridCode;
}

/** When this incident next needs a tick: the earliest warning, deadline or escalation still to come. */
export function nextTimerAt(s: IncidentState, ctx: Pick<DecisionContext, 'policy' | 'time'>): number | null {
  if (!s || s.suspendedAt !== null || s.status === 'closed' || s.status === 'rejected') return null;
  let next = Number.POSITIVE_INFINITY;
  for (const c of s.clocks) {
    if (c.missed) continue;
    next = Math.min(next, warningAt(c, c.warned, s, ctx) ?? c.due, c.due);
  }
  if (s.nextEscalationAt !== null && s.escalationLevel < MAX_ESCALATION_LEVEL) next = Math.min(next, s.nextEscalationAt);
  return Number.isFinite(next) ? next : null;
}

function warningAt(
  c: Incident['clocks'][number],
  index: number,
  s: Incident,
  ctx: Pick<DecisionContext, 'policy' | 'time'>,
): number | undefined {
  const fraction = ctx.policy.warningFractions[index];
  if (fraction === undefined) return undefined;
  const total = ctx.time.between(c.startedAt, c.due, c.measure, s.suspensions);
  return ctx.time.add(c.startedAt, total * fraction, c.measure, s.suspensions);
}

/** Who is warned for a stage: the department for its stages, the reporter's grid for verification, dispatch for dispatch. */
function assigneeOf(s: Incident, stage: Stage): string {
  if (stage === 'sign_for' || stage === 'handling') return s.department ?? 'dispatch';
  if (stage === 'verification') return s.gridCode;
  return 'dispatch';
}

/**
 * A timer firing: every warning, missed deadline and escalation due by `now` that has not
 * happened yet, in the order they fell due. What happened is in the state, so a tick repeated
 * or late fires nothing twice, and ticks at several instants give the same events as one tick.
 */
export function tick(incidentId: string, state: IncidentState, ctx: DecisionContext, now: Date): GridEvent[] {
  if (!state || state.suspendedAt !== null || state.status === 'closed' || state.status === 'rejected') return [];
  const t = now.getTime();
  const out = new Emitter(incidentId, state, ctx, undefined);
  for (;;) {
    const next = earliestDue(out.current!, ctx);
    if (!next || next.at > t) break;
    next.fire(out);
  }
  return out.events;
}

/** Deadlines set in days warn by the day, those set in hours by the hour (rounded to a tenth). */
function remainingAt(s: Incident, c: StageClock, at: number, ctx: DecisionContext): { amount: number; unit: 'hours' | 'working_days' } {
  const left = ctx.time.between(at, c.due, c.measure, s.suspensions);
  if (stageDuration(ctx, s, c.stage).unit === 'working_days') {
    return { amount: Math.round((left / ctx.time.toMs({ unit: 'working_days', amount: 1 }).ms) * 10) / 10, unit: 'working_days' };
  }
  return { amount: Math.round((left / 3_600_000) * 10) / 10, unit: 'hours' };
}

interface DueItem {
  readonly at: number;
  fire(out: Emitter): void;
}

/** The first thing still to happen to a case: a warning, a missed deadline or an escalation (ties in clock order). */
function earliestDue(s: Incident, ctx: DecisionContext): DueItem | undefined {
  let first: DueItem | undefined;
  const consider = (item: DueItem) => {
    if (!first || item.at < first.at) first = item;
  };
  for (const c of s.clocks) {
    if (c.missed) continue;
    const warnAt = warningAt(c, c.warned, s, ctx);
    if (warnAt !== undefined && warnAt < c.due) {
      const fraction = ctx.policy.warningFractions[c.warned]!;
      consider({
        at: warnAt,
        fire: (out) =>
          out.emit(
            'DeadlineWarned',
            { stage: c.stage, due: iso(c.due), fraction, assignee: assigneeOf(s, c.stage), remaining: remainingAt(s, c, warnAt, ctx) },
            SYSTEM,
            warnAt,
          ),
      });
    } else {
      consider({
        at: c.due,
        fire: (out) => {
          out.emit('DeadlineMissed', { stage: c.stage, due: iso(c.due) }, SYSTEM, c.due);
          if (c.stage === 'handling') escalate(out, ctx, c.due);
        },
      });
    }
  }
  if (s.nextEscalationAt !== null && s.escalationLevel < MAX_ESCALATION_LEVEL) {
    const at = s.nextEscalationAt;
    consider({ at, fire: (out) => escalate(out, ctx, at) });
  }
  return first;
}

function escalate(out: Emitter, ctx: DecisionContext, at: number): void {
  const s = out.current!;
  if (s.escalationLevel >= MAX_ESCALATION_LEVEL) return;
  const level = s.escalationLevel + 1;
  const nextAt = level < MAX_ESCALATION_LEVEL ? iso(due(ctx, at, ctx.policy.escalationEvery, s.suspensions)) : null;
  out.emit(
    'IncidentEscalated',
    { level, area: escalationArea(ctx, s.gridCode, level), manual: false, reason: '超期自动督办 overdue', nextAt },
    SYSTEM,
    at,
  );
}
