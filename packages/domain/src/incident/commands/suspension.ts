import { type CaseTurn, type CommandData, iso, rejection } from '../decision.ts';
import type { Rejection } from '../rejection.ts';
import { measureOf } from '../state.ts';

/** 挂账: a dispatcher parks an open case; its clocks stop meanwhile. */
export function suspendIncident(data: CommandData<'SuspendIncident'>, { s, actor, t, out }: CaseTurn): Rejection | undefined {
  if (s.suspendedAt !== null) return rejection('ALREADY_SUSPENDED', 'the case is already suspended');
  out.emit('IncidentSuspended', { reason: data.reason }, actor, t);
  return undefined;
}

/** 恢复: a dispatcher resumes a parked case; every clock not yet missed gets the time it had left when parked. */
export function resumeIncident(_data: CommandData<'ResumeIncident'>, { s, actor, ctx, t, out }: CaseTurn): Rejection | undefined {
  if (s.suspendedAt === null) return rejection('NOT_SUSPENDED', 'the case is not suspended');
  const suspendedAt = s.suspendedAt;
  const suspensions = [...s.suspensions, { from: suspendedAt, to: t }];
  const deadlines = s.clocks
    .filter((c) => !c.missed)
    .map((c) => {
      // The time left when the case was parked is what is left now.
      const left = ctx.time.between(suspendedAt, Math.max(c.due, suspendedAt), c.measure, s.suspensions);
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
            ctx.time.between(suspendedAt, Math.max(s.nextEscalationAt, suspendedAt), measure, s.suspensions),
            measure,
            suspensions,
          ),
        );
  out.emit('IncidentResumed', { suspendedAt: iso(suspendedAt), deadlines, nextEscalationAt }, actor, t);
  return undefined;
}
