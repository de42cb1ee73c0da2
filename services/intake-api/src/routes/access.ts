import type { Actor } from '@gridgov/contracts';
import { authorise, roleMay, type AccessDecision, type AccessTarget, type Action, type AreaTree } from '@gridgov/domain';
import { ApiError } from '@gridgov/http';
import type { IncidentView } from '@gridgov/read-model';

/** 403 naming what is not allowed, in the access table's code. */
function forbidden(decision: AccessDecision): never {
  if (decision.allowed) throw new Error('forbidden: the decision allowed it');
  throw new ApiError(403, decision.code, decision.message);
}

/**
 * The one answer for a case that does not exist and for a case the caller may not see (issue 20, finding 8): a 403
 * there would tell an outsider which case ids exist, and its message where the case is.
 */
export const unknownIncident = (id: string): ApiError => new ApiError(404, 'UNKNOWN_INCIDENT', `params.id: no incident ${id}`);

/**
 * Why the caller may not act on a case they may see, naming no grid, department or reporter of the case (only the
 * caller, their role and the action).
 */
function caseDenialMessage(decision: Extract<AccessDecision, { allowed: false }>, actor: Actor, action: Action): string {
  const who = `${actor.role} ${actor.id}`;
  switch (decision.code) {
    case 'OUT_OF_JURISDICTION':
      return `${who} may not ${action} on this case: it is outside their areas`;
    case 'NOT_ASSIGNED':
      return `${who} may not ${action} on this case: it is not with their department`;
    case 'NOT_OWN_REPORT':
      return `${who} may not ${action}: grid staff see only the cases they reported`;
    case 'NOT_OWN_COMMAND':
      return `${who} may not ${action}: the command was given by someone else`;
    case 'FORBIDDEN_ROLE':
      return decision.message;
  }
}

/** The access table asked at the edge (the decider asks it again): each check throws 403 when it says no. */
export function accessChecks(areas: AreaTree) {
  /** Whether the caller may see the case at all: read it, or read its audit trail. */
  const maySee = (actor: Actor, target: AccessTarget) =>
    authorise(actor, 'ReadIncident', target, areas).allowed || authorise(actor, 'ReadAudit', target, areas).allowed;
  return {
    may: (actor: Actor, action: Action, target: AccessTarget) => {
      const decision = authorise(actor, action, target, areas);
      if (!decision.allowed) forbidden(decision);
    },
    /**
     * May the caller do `action` to this case? A case they may not see is answered as one that does not exist (404
     * UNKNOWN_INCIDENT); one they see but may not act on 403, with a message that names nothing of the case.
     */
    mayOnCase: (actor: Actor, action: Action, view: IncidentView, id: string) => {
      const target = caseTarget(view);
      const decision = authorise(actor, action, target, areas);
      if (decision.allowed) return;
      if (!maySee(actor, target)) throw unknownIncident(id);
      throw new ApiError(403, decision.code, caseDenialMessage(decision, actor, action));
    },
    /** The role first, before anything is read: the rest of the rule needs the case (or the body). */
    roleMayOrForbid: (actor: Actor, action: Action) => {
      if (!roleMay(actor.role, action)) forbidden(authorise(actor, action, {}, areas));
    },
  };
}

/** What of a case the access table judges. */
export const caseTarget = (view: IncidentView): AccessTarget => ({
  area: view.gridCode,
  department: view.department,
  ...(view.reporterId ? { reporterId: view.reporterId } : {}),
});
