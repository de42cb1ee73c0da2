import { type CaseTurn, type CommandData, due, iso, rejection } from '../decision.ts';
import type { Rejection } from '../rejection.ts';
import { isFinished, stageMeasures } from '../state.ts';

/*
 * 合并 (ADR 0032). A merge touches two cases, and each case is its own stream on its own partition: the duplicate
 * (MergeIncident / UnmergeIncident) and the survivor (AttachDuplicate / DetachDuplicate) each decide their half on
 * their own state. The intake gives both halves of one merge together, after checking both cases on the read side.
 */

/** The duplicate's half of 合并: it closes as a duplicate of `into`; its clocks stop. */
export function mergeIncident(data: CommandData<'MergeIncident'>, { id, s, actor, t, out }: CaseTurn): Rejection | undefined {
  if (data.into === id) return rejection('MERGE_REFUSED', `a case is not merged into itself (${id})`);
  if (isFinished(s.status)) return rejection('MERGE_REFUSED', `the case is ${s.status}: only an open case is merged into another`);
  out.emit('IncidentMerged', { into: data.into, ...(data.note ? { note: data.note } : {}) }, actor, t);
  return undefined;
}

/** The duplicate's half of undoing a merge: its own open case again, awaiting dispatch (待派遣) from now. */
export function unmergeIncident(data: CommandData<'UnmergeIncident'>, { s, actor, ctx, t, out }: CaseTurn): Rejection | undefined {
  if (s.status !== 'merged' || !s.mergedInto) return rejection('MERGE_REFUSED', `the case is ${s.status}, not merged: nothing to undo`);
  out.emit(
    'IncidentUnmerged',
    {
      from: s.mergedInto,
      ...(data.note ? { note: data.note } : {}),
      dispatchDue: iso(due(ctx, t, ctx.policy.dispatch, [])),
      measures: stageMeasures(ctx, s, 'dispatch'),
    },
    actor,
    t,
  );
  return undefined;
}

/** The survivor's half of 合并: it lists the duplicate and its reporter, while it is open and of the same category. */
export function attachDuplicate(data: CommandData<'AttachDuplicate'>, { id, s, actor, t, out }: CaseTurn): Rejection | undefined {
  if (data.duplicateId === id) return rejection('MERGE_REFUSED', `a case is not merged into itself (${id})`);
  if (isFinished(s.status)) return rejection('MERGE_REFUSED', `the case is ${s.status}: nothing is merged into a case that is over`);
  if (data.category !== s.category)
    return rejection(
      'MERGE_REFUSED',
      `the duplicate is of category ${data.category}, the case of ${s.category}: only the same problem merges`,
    );
  if (s.duplicates?.some((d) => d.incidentId === data.duplicateId)) return undefined;
  out.emit('DuplicateAttached', { duplicateId: data.duplicateId, reporterId: data.reporterId }, actor, t);
  return undefined;
}

/** The survivor's half of undoing a merge: only before it closes (its closure told the duplicate's reporter already). */
export function detachDuplicate(data: CommandData<'DetachDuplicate'>, { s, actor, t, out }: CaseTurn): Rejection | undefined {
  if (isFinished(s.status)) return rejection('MERGE_REFUSED', `the case is ${s.status}: a merge into it can no longer be undone`);
  if (!s.duplicates?.some((d) => d.incidentId === data.duplicateId))
    return rejection('MERGE_REFUSED', `${data.duplicateId} is not merged into this case`);
  out.emit('DuplicateDetached', { duplicateId: data.duplicateId }, actor, t);
  return undefined;
}
