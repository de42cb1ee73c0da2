import { type CaseTurn, type CommandData, type DecisionContext, iso, rejection } from '../decision.ts';
import { MAX_ESCALATION_LEVEL } from '../policy.ts';
import type { Rejection } from '../rejection.ts';

/** 督办 by hand: a dispatcher escalates an open case one level, without changing the automatic schedule. */
export function escalateIncident(data: CommandData<'EscalateIncident'>, { s, actor, ctx, t, out }: CaseTurn): Rejection | undefined {
  if (s.escalationLevel >= MAX_ESCALATION_LEVEL) return rejection('ESCALATION_AT_TOP', 'the case is already escalated to the city');
  const level = s.escalationLevel + 1;
  out.emit(
    'IncidentEscalated',
    {
      level,
      area: escalationArea(ctx, s.gridCode, level),
      manual: true,
      reason: data.reason,
      nextAt: s.nextEscalationAt === null ? null : iso(s.nextEscalationAt),
    },
    actor,
    t,
  );
  return undefined;
}

/** Escalation level n goes to the n-th area above the grid: community, town, district, city. */
export function escalationArea(ctx: Pick<DecisionContext, 'areas'>, gridCode: string, level: number): string {
  const lineage = ctx.areas.lineage(gridCode);
  return lineage[Math.min(level, lineage.length - 1)] ?? gridCode;
}
