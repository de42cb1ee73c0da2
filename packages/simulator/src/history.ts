import type { Actor, Command, CommandEnvelope, GridEvent, Urgency } from '@gridgov/contracts';
import { decide, evolve, MAX_ESCALATION_LEVEL, tick, type DecisionContext, type Incident, type IncidentState } from '@gridgov/domain';
import { int, logUniform, mulberry32, pick, uuid, weighted, type Random } from './random.ts';

export interface HistoryOptions {
  readonly seed: number;
  /** How many cases to report. */
  readonly incidents: number;
  /** The decider's world (areas, catalog, routing, policy, calendar); `defaultDecisionContext()` in the tests. */
  readonly ctx: DecisionContext;
  /** Reports are made at instants in [from, to), epoch ms. */
  readonly from: number;
  /**
   * The end of the history, also its "now": nothing happens at or after it, and every case still open
   * is ticked at `to`, so a case past its deadline by then has missed it (超期).
   */
  readonly to: number;
}

/** A command the decider accepted, with the instant (the worker's clock) it was decided at. */
export interface SimulatedCommand {
  readonly at: number;
  readonly envelope: CommandEnvelope;
}

export interface SimulatedIncident {
  readonly incidentId: string;
  /** Everything that happened to the case, as the real decider said: versions 1, 2, 3, ... */
  readonly events: readonly GridEvent[];
  readonly commands: readonly SimulatedCommand[];
  /** How long the report took to reach the system after it was made (a phone offline), ms. */
  readonly arrivalDelayMs: number;
  /** Commands the decider turned down (an extension asked too late, ...): they change nothing. */
  readonly refused: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A case takes at most this many steps (commands); the rest of its life is left open. */
const MAX_STEPS = 40;
/** Share of reports that reach the system late (the phone was offline), and how late. */
const LATE_PHONES = 0.15;
const URGENCIES: readonly (readonly [Urgency, number])[] = [
  ['normal', 0.7],
  ['urgent', 0.2],
  ['very_urgent', 0.1],
];
/** How quickly the people around a case act: the spread of the gaps between its steps. */
const PACES: readonly (readonly [{ lo: number; hi: number }, number])[] = [
  [{ lo: 5 * MINUTE, hi: 8 * HOUR }, 0.35],
  [{ lo: 10 * MINUTE, hi: 1.5 * DAY }, 0.45],
  [{ lo: HOUR, hi: 5 * DAY }, 0.2],
];
/** At each step, the chance that nobody touches the case again before the end (it stays open). */
const STALL = 0.03;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A seeded random history of grid incidents, each driven through the real decider: a grid staff
 * report (sometimes reaching the system days after it was made), then a random walk over the
 * commands that apply to the case's state, given by plausible actors at increasing instants (minutes
 * to days apart), with the case's timers ticked before each step so that warnings, missed deadlines
 * and escalations happen as they would. Pure: the same options give the same history.
 */
export function generateHistory(options: HistoryOptions): SimulatedIncident[] {
  const { ctx, from, to } = options;
  if (!(to > from)) throw new Error('generateHistory: `to` must be after `from`');
  const random = mulberry32(options.seed);
  const grids = ctx.areas.ofLevel('grid').map((g) => g.code);
  const categories = ctx.catalog.allCategories().map((c) => c.code);
  const departments = ctx.catalog.allDepartments().map((d) => d.code);
  if (grids.length === 0 || categories.length === 0 || departments.length === 0) throw new Error('generateHistory: empty context');
  const world: World = { random, ctx, departments };
  return Array.from({ length: options.incidents }, () => simulateIncident(world, pick(random, grids), pick(random, categories), from, to));
}

interface World {
  readonly random: Random;
  readonly ctx: DecisionContext;
  readonly departments: readonly string[];
}

function simulateIncident(world: World, gridCode: string, category: string, from: number, to: number): SimulatedIncident {
  const { random, ctx } = world;
  const incidentId = uuid(random);
  // Grid staff act in their own grid; the district's dispatch centre and departments cover the district.
  const reporter: Actor = { id: `gs-${gridCode}`, role: 'grid_staff', areas: [gridCode] };
  const reportedAt = from + Math.floor(random() * (to - from));
  const delay = random() < LATE_PHONES ? logUniform(random, 10 * MINUTE, 3 * DAY) : random() * 20_000;
  const arrivedAt = Math.min(Math.round(reportedAt + delay), to - 1);
  const pace = weighted(random, PACES);

  let state: IncidentState = null;
  const events: GridEvent[] = [];
  const commands: SimulatedCommand[] = [];
  let refused = 0;
  const record = (happened: readonly GridEvent[]) => {
    for (const event of happened) {
      if (event.metadata.version !== events.length + 1) throw new Error(`generateHistory: version ${event.metadata.version} out of turn`);
      state = evolve(state, event, ctx);
      events.push(event);
    }
  };
  const give = (at: number, actor: Actor, command: Command): void => {
    const envelope: CommandEnvelope = { commandId: uuid(random), incidentId, issuedAt: iso(at), actor, command };
    const decision = decide(envelope, state, ctx, new Date(at));
    if (decision.kind === 'rejected') {
      refused++;
      return;
    }
    commands.push({ at, envelope });
    record(decision.events);
  };

  give(arrivedAt, reporter, {
    type: 'ReportIncident',
    data: {
      reportId: `r-${incidentId}`,
      gridCode,
      category,
      urgency: weighted(random, URGENCIES),
      description: `模拟事件 ${category}`,
      location: { lat: 22.4 + random() * 0.2, lng: 112.9 + random() * 0.3, address: `网格 ${gridCode}` },
      occurredAt: iso(reportedAt - Math.round(logUniform(random, MINUTE, 6 * HOUR))),
      reportedAt: iso(reportedAt),
    },
  });
  // `state` moves on inside record(): read it through here, never from a narrowed copy.
  const incident = (): Incident => {
    if (!state) throw new Error(`generateHistory: the report of ${incidentId} was refused`);
    return state;
  };
  incident();

  let now = arrivedAt;
  for (let step = 0; step < MAX_STEPS; step++) {
    if (incident().status === 'closed' || incident().status === 'rejected') break;
    if (random() < STALL) break;
    now += Math.round(gapAfter(random, incident(), events.at(-1), pace));
    if (now >= to) break;
    record(tick(incidentId, incident(), ctx, new Date(now)));
    const move = nextMove(world, incident(), reporter, now);
    give(now, move.actor, move.command);
  }
  record(tick(incidentId, incident(), ctx, new Date(to)));
  return { incidentId, events, commands, arrivalDelayMs: arrivedAt - reportedAt, refused };
}

/**
 * How long until someone next acts on the case. A request for more time often waits on a dispatcher
 * past the deadline it was meant to move; once granted, the handler takes the time it was given.
 */
function gapAfter(random: Random, s: Incident, last: GridEvent | undefined, pace: { lo: number; hi: number }): number {
  if (s.pendingExtension !== null) return logUniform(random, 30 * MINUTE, 3 * DAY);
  if (last?.type === 'ExtensionApproved') return logUniform(random, HOUR, 15 * DAY);
  return logUniform(random, pace.lo, pace.hi);
}

interface Move {
  readonly actor: Actor;
  readonly command: Command;
}

const REASONS = ['不属于本单位职责', '现场核实情况不符', '需协调多部门', '群众反映强烈', '天气原因无法施工'] as const;

/** What someone does next to a case, among the commands its state allows. */
function nextMove(world: World, s: Incident, reporter: Actor, now: number): Move {
  const { random, departments } = world;
  const district = s.gridCode.slice(0, 6);
  const dispatcher: Actor = { id: `dispatcher-${1 + int(random, 4)}`, role: 'dispatcher', areas: [district] };
  const handler: Actor = {
    id: `${s.department ?? 'none'}-${1 + int(random, 3)}`,
    role: 'handler',
    department: s.department ?? undefined,
    areas: [district],
  };
  const reason = pick(random, REASONS);
  const canEscalate = s.escalationLevel < MAX_ESCALATION_LEVEL ? 1 : 0;
  const by = (actor: Actor, command: Command): Move => ({ actor, command });
  const otherDepartment = () =>
    pick(
      random,
      departments.filter((d) => d !== s.department),
    );

  const escalate = () => by(dispatcher, { type: 'EscalateIncident', data: { reason: `督办: ${reason}` } });
  const suspend = () => by(dispatcher, { type: 'SuspendIncident', data: { reason: `挂账: ${reason}` } });

  if (s.suspendedAt !== null) {
    return weighted(random, [
      [() => by(dispatcher, { type: 'ResumeIncident', data: {} }), 0.9],
      [escalate, 0.1 * canEscalate],
    ])();
  }

  const dispatch = () => {
    const routed = world.ctx.routing.route(s.category, s.gridCode);
    const department = routed && random() < 0.5 ? routed : pick(random, departments);
    return by(dispatcher, { type: 'DispatchIncident', data: { department } });
  };
  const reject = () => by(dispatcher, { type: 'RejectIncident', data: { reason: '不予立案: 不属于受理范围' } });
  const accept = () => by(handler, { type: 'AcceptIncident', data: {} });
  const giveBack = () => by(handler, { type: 'ReturnIncident', data: { reason } });
  const reassign = () => by(dispatcher, { type: 'ReassignIncident', data: { department: otherDepartment(), reason } });
  const askMore = () => {
    // Sometimes a little more time, sometimes much more: a long extension can outlast the history.
    const [unit, most] = pick(random, [
      ['working_hours', 24],
      ['working_days', 15],
      ['natural_hours', 72],
    ] as const);
    return by(handler, { type: 'RequestExtension', data: { unit, amount: 1 + int(random, most), reason } });
  };
  const approve = () => by(dispatcher, { type: 'ApproveExtension', data: {} });
  const deny = () => by(dispatcher, { type: 'DenyExtension', data: { reason: '延期理由不充分' } });
  const resolve = () =>
    by(handler, {
      type: 'ResolveIncident',
      data: { notes: '已处置完毕', photoRefs: random() < 0.5 ? [`photo-${int(random, 1e6)}.jpg`] : [] },
    });
  const verify = (passed: boolean) => () =>
    by(reporter, { type: 'VerifyIncident', data: { passed, notes: passed ? '核查通过' : '现场仍未整改' } });

  const pending = s.pendingExtension !== null;
  // Handlers ask for more time when a deadline draws near; dispatchers move overdue cases elsewhere.
  const handling = s.clocks.find((c) => c.stage === 'handling');
  const nearDue = handling !== undefined && !handling.missed && handling.due > now && handling.due - now < DAY;
  const overdue = handling?.missed === true;
  switch (s.status) {
    case 'reported':
      return weighted(random, [
        [dispatch, 0.7],
        [reject, 0.2],
        [suspend, 0.05],
        [escalate, 0.05 * canEscalate],
      ])();
    case 'returned':
      return weighted(random, [
        [dispatch, 0.6],
        [reject, 0.3],
        [suspend, 0.05],
        [escalate, 0.05 * canEscalate],
      ])();
    case 'dispatched':
      return weighted(
        random,
        pending
          ? [
              [approve, 0.6],
              [deny, 0.3],
              [accept, 0.1],
            ]
          : [
              [accept, 0.65],
              [giveBack, 0.07],
              [reassign, overdue ? 0.15 : 0.07],
              [askMore, nearDue ? 0.3 : 0.07],
              [suspend, 0.03],
              [escalate, 0.04 * canEscalate],
            ],
      )();
    case 'accepted':
      return weighted(
        random,
        pending
          ? [
              [approve, 0.55],
              [deny, 0.3],
              [resolve, 0.15],
            ]
          : [
              [resolve, 0.62],
              [askMore, nearDue ? 0.3 : 0.1],
              [giveBack, 0.04],
              [reassign, overdue ? 0.15 : 0.05],
              [suspend, 0.04],
              [escalate, 0.04 * canEscalate],
            ],
      )();
    case 'resolved':
      return weighted(random, [
        [verify(true), 0.75],
        [verify(false), 0.17],
        [suspend, 0.03],
        [escalate, 0.05 * canEscalate],
      ])();
    case 'closed':
    case 'rejected':
      throw new Error(`nextMove: the case is ${s.status}`);
  }
}
