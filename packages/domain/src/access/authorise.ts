import type { Actor, PersonRole } from '@gridgov/contracts';
import type { AreaTree } from '../areas/area-tree.ts';
import { ACCESS, type Action } from './table.ts';

/** What an action is done to: the area it concerns and, for a case, who has it and who reported it. */
export interface AccessTarget {
  /** A case's grid, or the area a query or bulletin is about (none: no area rule can be met). */
  readonly area?: string;
  /** The department the case is with (null before dispatch). */
  readonly department?: string | null;
  /** Who reported the case. */
  readonly reporterId?: string;
  /** Who gave the command (for its outcome). */
  readonly issuerId?: string;
}

export type AccessDenialCode = 'FORBIDDEN_ROLE' | 'OUT_OF_JURISDICTION' | 'NOT_ASSIGNED' | 'NOT_OWN_REPORT' | 'NOT_OWN_COMMAND';

export type AccessDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly code: AccessDenialCode; readonly message: string };

const ALLOWED: AccessDecision = { allowed: true };
const deny = (code: AccessDenialCode, message: string): AccessDecision => ({ allowed: false, code, message });

const isPerson = (role: Actor['role']): role is PersonRole => role !== 'system';
const who = (actor: Actor) => `${actor.role} ${actor.id}`;
const held = (actor: Actor) => (actor.areas?.length ? actor.areas.join(', ') : 'no area');

/** True when `area` is one of the actor's areas or lies below one. */
export function withinJurisdiction(actor: Actor, area: string | undefined, areas: AreaTree): boolean {
  return area !== undefined && (actor.areas ?? []).some((a) => areas.isWithin(area, a));
}

/** Whether the role may ever do the action, wherever: the check an edge makes before it knows the target. */
export function roleMay(role: Actor['role'], action: Action): boolean {
  return isPerson(role) && ACCESS[action][role] !== 'never';
}

/**
 * May `actor` do `action` to `target`? Pure: the table, the actor's claims and the area tree decide.
 * A denial says what is not allowed and why, in a stable code and a message for people.
 */
export function authorise(actor: Actor, action: Action, target: AccessTarget, areas: AreaTree): AccessDecision {
  if (!isPerson(actor.role) || ACCESS[action][actor.role] === 'never') {
    return deny('FORBIDDEN_ROLE', `${action} is not for the ${actor.role} role (${actor.id})`);
  }
  const rule = ACCESS[action][actor.role];
  switch (rule) {
    case 'subtree':
      return withinJurisdiction(actor, target.area, areas)
        ? ALLOWED
        : deny(
            'OUT_OF_JURISDICTION',
            `${who(actor)} may not ${action} in ${target.area ?? 'no area'}: outside their areas (${held(actor)})`,
          );
    case 'ownGrid':
      return target.area !== undefined && (actor.areas ?? []).includes(target.area)
        ? ALLOWED
        : deny(
            'OUT_OF_JURISDICTION',
            `${who(actor)} may not ${action} in ${target.area ?? 'no area'}: not one of their grids (${held(actor)})`,
          );
    case 'assigned':
      if (!actor.department || target.department !== actor.department) {
        return deny(
          'NOT_ASSIGNED',
          `${who(actor)} may not ${action}: the case is assigned to ${target.department ?? 'no department'}, not to ${actor.department ?? 'no department'}`,
        );
      }
      return withinJurisdiction(actor, target.area, areas)
        ? ALLOWED
        : deny(
            'OUT_OF_JURISDICTION',
            `${who(actor)} may not ${action} in ${target.area ?? 'no area'}: outside their areas (${held(actor)})`,
          );
    case 'ownReport':
      return target.reporterId !== undefined && target.reporterId === actor.id
        ? ALLOWED
        : deny('NOT_OWN_REPORT', `${who(actor)} may not ${action}: grid staff see only the cases they reported`);
    case 'issuer':
      return target.issuerId === undefined || target.issuerId === actor.id
        ? ALLOWED
        : deny('NOT_OWN_COMMAND', `${who(actor)} may not ${action}: the command was given by someone else`);
    case 'never':
      return deny('FORBIDDEN_ROLE', `${action} is not for the ${actor.role} role (${actor.id})`);
    default: {
      const unknown: never = rule;
      throw new Error(`authorise: unknown rule ${String(unknown)}`);
    }
  }
}
