import type { Actor } from '@gridgov/contracts';
import { authorise, roleMay, type AccessDecision, type AccessTarget, type Action, type AreaTree } from '@gridgov/domain';
import { ApiError } from '@gridgov/http';
import type { IncidentView } from '@gridgov/read-model';

/** 403 naming what is not allowed, in the access table's code. */
function forbidden(decision: AccessDecision): never {
  if (decision.allowed) throw new Error('forbidden: the decision allowed it');
  throw new ApiError(403, decision.code, decision.message);
}

/** The access table asked at the edge (the decider asks it again): each check throws 403 when it says no. */
export function accessChecks(areas: AreaTree) {
  return {
    may: (actor: Actor, action: Action, target: AccessTarget) => {
      const decision = authorise(actor, action, target, areas);
      if (!decision.allowed) forbidden(decision);
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
