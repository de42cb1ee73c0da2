import type { CommandType, PersonRole } from '@gridgov/contracts';

/** Everything a person can ask of the system: the commands on a case, and the reads and acts around them. */
export const READ_ACTIONS = [
  /** GET /v1/incidents/:id: the case and its history. */
  'ReadIncident',
  /** GET /v1/incidents?area=&queue=: the work lists of an area. */
  'ListIncidents',
  /** GET /v1/incidents?department=&queue=: a handling department's work lists within an area. */
  'ListDepartmentIncidents',
  /** GET /v1/incidents/:id/audit: who did what, when, with their jurisdiction and command ids. */
  'ReadAudit',
  /** The reporter of a confidential category (涉黑涉恶线索), wherever a case shows its reporter. */
  'SeeConfidentialReporter',
  /** Figures, rankings, trends, bulletins and live streams of an area. */
  'ReadFigures',
  /** GET /v1/commands/:id: what became of a command. */
  'ReadCommandOutcome',
] as const;
export const OTHER_ACTIONS = [
  /** POST /v1/bulletins/:month: freeze a month's ranking (月通报). */
  'FreezeBulletin',
  /** Catalogs, routing tables and calendars (their routes come later; the rule is here already). */
  'Administer',
] as const;
export type Action = CommandType | (typeof READ_ACTIONS)[number] | (typeof OTHER_ACTIONS)[number];

/**
 * Where a role may do an action:
 * - `never`: not this role, anywhere;
 * - `subtree`: the target area (a case's grid, a query's area) is one of the actor's areas or lies below one;
 * - `ownGrid`: the case's grid is one of the actor's areas itself (grid staff hold their grids);
 * - `assigned`: the case is with the actor's department, and in their subtree;
 * - `ownReport`: the actor reported the case;
 * - `issuer`: the actor gave the command.
 */
export type Rule = 'never' | 'subtree' | 'ownGrid' | 'assigned' | 'ownReport' | 'issuer';

/** The roles a person holds; `system` (routing, timers) never acts through this table. */
export const PERSON_ROLES: readonly PersonRole[] = ['grid_staff', 'handler', 'dispatcher', 'leader', 'admin'];

const DISPATCHER_ONLY = { grid_staff: 'never', handler: 'never', dispatcher: 'subtree', leader: 'never', admin: 'never' } as const;
const HANDLER_ONLY = { grid_staff: 'never', handler: 'assigned', dispatcher: 'never', leader: 'never', admin: 'never' } as const;
const GRID_STAFF_ONLY = { grid_staff: 'ownGrid', handler: 'never', dispatcher: 'never', leader: 'never', admin: 'never' } as const;

/**
 * The one authorisation table: role × action → rule. The HTTP edge (intake-api, projection) and the
 * dispatch decider both ask it, so a command that reaches the decider by any road meets the same rule.
 */
export const ACCESS: { readonly [A in Action]: { readonly [R in PersonRole]: Rule } } = {
  // grid staff: report and verify only in their own grids
  ReportIncident: GRID_STAFF_ONLY,
  VerifyIncident: GRID_STAFF_ONLY,
  // dispatcher: triage, dispatch, reassign, extensions, 挂账 and 督办 within their area subtree
  RejectIncident: DISPATCHER_ONLY,
  DispatchIncident: DISPATCHER_ONLY,
  ReassignIncident: DISPATCHER_ONLY,
  ApproveExtension: DISPATCHER_ONLY,
  DenyExtension: DISPATCHER_ONLY,
  SuspendIncident: DISPATCHER_ONLY,
  ResumeIncident: DISPATCHER_ONLY,
  EscalateIncident: DISPATCHER_ONLY,
  // 合并 and its undoing: each half on its own case (ADR 0032)
  MergeIncident: DISPATCHER_ONLY,
  UnmergeIncident: DISPATCHER_ONLY,
  AttachDuplicate: DISPATCHER_ONLY,
  DetachDuplicate: DISPATCHER_ONLY,
  // handler: only cases dispatched to their department
  ReturnIncident: HANDLER_ONLY,
  AcceptIncident: HANDLER_ONLY,
  ResolveIncident: HANDLER_ONLY,
  RequestExtension: HANDLER_ONLY,
  // admin: erase a case's personal data (crypto-shredding, ADR 0016), within their areas
  EraseIncident: { grid_staff: 'never', handler: 'never', dispatcher: 'never', leader: 'never', admin: 'subtree' },
  // reads
  ReadIncident: { grid_staff: 'ownReport', handler: 'assigned', dispatcher: 'subtree', leader: 'subtree', admin: 'never' },
  ListIncidents: { grid_staff: 'never', handler: 'never', dispatcher: 'subtree', leader: 'subtree', admin: 'never' },
  // a handler: their own department's lists within their areas; dispatchers and leaders: any department's in theirs
  ListDepartmentIncidents: { grid_staff: 'never', handler: 'assigned', dispatcher: 'subtree', leader: 'subtree', admin: 'never' },
  ReadAudit: { grid_staff: 'never', handler: 'never', dispatcher: 'subtree', leader: 'subtree', admin: 'subtree' },
  // 举报人保护: only the dispatchers of the area (and the reporter, who knows who they are)
  SeeConfidentialReporter: { grid_staff: 'ownReport', handler: 'never', dispatcher: 'subtree', leader: 'never', admin: 'never' },
  ReadFigures: { grid_staff: 'never', handler: 'never', dispatcher: 'subtree', leader: 'subtree', admin: 'subtree' },
  ReadCommandOutcome: { grid_staff: 'issuer', handler: 'issuer', dispatcher: 'issuer', leader: 'issuer', admin: 'issuer' },
  // acts that are not commands on a case
  FreezeBulletin: { grid_staff: 'never', handler: 'never', dispatcher: 'never', leader: 'subtree', admin: 'subtree' },
  Administer: { grid_staff: 'never', handler: 'never', dispatcher: 'never', leader: 'never', admin: 'subtree' },
};

export const ACTIONS = Object.keys(ACCESS) as Action[];
