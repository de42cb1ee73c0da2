import type { Actor, DecidedEvent, Stage } from '@gridgov/contracts';
import { escalationArea } from './commands/escalation.ts';
import { type DecisionContext, due, Emitter, iso } from './decision.ts';
import { MAX_ESCALATION_LEVEL } from './policy.ts';
import { isFinished, stageDuration, type Incident, type IncidentState, type StageClock } from './state.ts';

const SYSTEM: Actor = { id: 'system', role: 'system' };

/** When this incident next needs a tick: the earliest warning, deadline or escalation still to come. */
export function nextTimerAt(s: IncidentState, ctx: Pick<DecisionContext, 'policy' | 'time'>): number | null {
  // A legacy case (ADR 0030) runs no clock, and holds no personal data for the retention policy to erase.
  if (s?.imported) return null;
  if (s && isFinished(s.status)) return retentionEndsAt(s, ctx);
  if (!s || s.suspendedAt !== null) return null;
  let next = Number.POSITIVE_INFINITY;
  for (const c of s.clocks) {
    if (c.missed) continue;
    next = Math.min(next, warningAt(c, c.warned, s, ctx) ?? c.due, c.due);
  }
  if (s.nextEscalationAt !== null && s.escalationLevel < MAX_ESCALATION_LEVEL) next = Math.min(next, s.nextEscalationAt);
  return Number.isFinite(next) ? next : null;
}

/**
 * A timer firing: every warning, missed deadline and escalation due by `now` that has not
 * happened yet, in the order they fell due. What happened is in the state, so a tick repeated
 * or late fires nothing twice, and ticks at several instants give the same events as one tick.
 */
export function tick(state: IncidentState, ctx: DecisionContext, now: Date): DecidedEvent[] {
  const t = now.getTime();
  if (state?.imported) return [];
  if (state && isFinished(state.status)) {
    const ends = retentionEndsAt(state, ctx);
    if (ends === null || ends > t) return [];
    const days = Math.round((ctx.policy.retentionMs ?? 0) / 86_400_000);
    const out = new Emitter(state);
    out.emit('IncidentErased', { reason: `保存期满 retention: ${days} days after closing`, trigger: 'retention' }, SYSTEM, ends);
    return out.events;
  }
  if (!state || state.suspendedAt !== null) return [];
  const out = new Emitter(state);
  for (;;) {
    const next = earliestDue(out.current!, ctx);
    if (!next || next.at > t) break;
    next.fire(out);
  }
  return out.events;
}

/** When a closed, rejected or merged case's personal data falls due for erasure under the retention policy; null if never. */
function retentionEndsAt(s: Incident, ctx: Pick<DecisionContext, 'policy'>): number | null {
  if (s.erased || s.closedAt === undefined || ctx.policy.retentionMs === undefined) return null;
  return s.closedAt + ctx.policy.retentionMs;
}

function warningAt(c: StageClock, index: number, s: Incident, ctx: Pick<DecisionContext, 'policy' | 'time'>): number | undefined {
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

/** 督办 by the ladder: one level up, and when the next step is due. */
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
