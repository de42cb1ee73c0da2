import { type CaseTurn, type CommandData, type DecisionContext, due, iso, photosField, photosOf } from '../decision.ts';
import type { Rejection } from '../rejection.ts';
import { stageDuration, stageMeasures, type Incident } from '../state.ts';

/** 退回: the department hands the case back to dispatch; a new dispatch deadline starts. */
export function returnIncident(data: CommandData<'ReturnIncident'>, { s, actor, ctx, t, out }: CaseTurn): Rejection | undefined {
  out.emit(
    'IncidentReturned',
    {
      department: s.department ?? '',
      reason: data.reason,
      dispatchDue: iso(due(ctx, t, ctx.policy.dispatch, [])),
      measures: stageMeasures(ctx, s, 'dispatch'),
    },
    actor,
    t,
  );
  return undefined;
}

/** 签收: the department signs for a dispatched case. */
export function acceptIncident(_data: CommandData<'AcceptIncident'>, { s, actor, t, out }: CaseTurn): Rejection | undefined {
  out.emit('IncidentAccepted', { department: s.department ?? '' }, actor, t);
  return undefined;
}

/** 处置/反馈: the department reports the case handled; the verification clock starts. */
export function resolveIncident(data: CommandData<'ResolveIncident'>, { s, actor, ctx, t, out }: CaseTurn): Rejection | undefined {
  const photos = photosOf(data.photos);
  if ('rejection' in photos) return photos.rejection;
  out.emit(
    'IncidentResolved',
    {
      notes: data.notes,
      ...photosField(photos.photos),
      handlingMs: handlingMs(s, ctx, t),
      verificationDue: iso(due(ctx, t, ctx.policy.verification, [])),
      measures: stageMeasures(ctx, s, 'verification'),
    },
    actor,
    t,
  );
  return undefined;
}

/** 核查: grid staff check a resolved case on site: passed closes it (结案), failed sends it back (返工). */
export function verifyIncident(data: CommandData<'VerifyIncident'>, { s, actor, ctx, t, out }: CaseTurn): Rejection | undefined {
  const photos = photosOf(data.photos);
  if ('rejection' in photos) return photos.rejection;
  if (data.passed) {
    out.emit(
      'IncidentClosed',
      {
        onTime: !s.missedHandlingDeadline && !handlingClockMissed(s),
        handlingMs: handlingMsAtResolve(s, ctx),
        ...photosField(photos.photos),
      },
      actor,
      t,
    );
  } else {
    const handling = stageDuration(ctx, s, 'handling');
    out.emit(
      'IncidentReworkRequested',
      {
        notes: data.notes,
        reworkCount: s.reworkCount + 1,
        handlingDue: iso(due(ctx, t, handling, [])),
        measures: stageMeasures(ctx, s, 'handling'),
        ...photosField(photos.photos),
      },
      actor,
      t,
    );
  }
  return undefined;
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
