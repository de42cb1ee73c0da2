import {
  stampEvents,
  type AreaBoundary,
  type Actor,
  type Command,
  type CommandEnvelope,
  type DecidedEvent,
  type GridEvent,
} from '@gridgov/contracts';
import {
  boundaryContains,
  decide,
  evolve,
  MAX_ESCALATION_LEVEL,
  tick,
  type DecisionContext,
  type Incident,
  type IncidentState,
  isFinished,
} from '@gridgov/domain';
import { categoryMix, DEFAULT_PROFILE, type MoveKind, type TrafficProfile, type Weighted } from './profile.ts';
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
  /** How people behave; DEFAULT_PROFILE unless given. */
  readonly profile?: TrafficProfile;
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

const DAY = 86_400_000;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A seeded random history of grid incidents, each driven through the real decider: a grid staff
 * report (sometimes reaching the system days after it was made), then a random walk over the
 * commands that apply to the case's state, given by plausible actors at increasing instants (minutes
 * to days apart), with the case's timers ticked before each step so that warnings, missed deadlines
 * and escalations happen as they would. Pure: the same options give the same history.
 */
export function generateHistory(options: HistoryOptions): SimulatedIncident[] {
  return [...simulateHistory(options)];
}

/** `generateHistory` one incident at a time, for histories too large to hold (a replay benchmark's million cases). */
export function* simulateHistory(options: HistoryOptions): Generator<SimulatedIncident, void, undefined> {
  const { ctx, from, to } = options;
  if (!(to > from)) throw new Error('generateHistory: `to` must be after `from`');
  const world = simulationWorld(mulberry32(options.seed), ctx, options.profile ?? DEFAULT_PROFILE);
  for (let i = 0; i < options.incidents; i++) {
    yield simulateCase(world, {
      gridCode: pick(world.random, world.grids),
      category: weighted(world.random, world.categories),
      timing: (random) => {
        const reportedAt = from + Math.floor(random() * (to - from));
        return { reportedAt, arrivedAt: Math.min(Math.round(reportedAt + arrivalDelay(world)), to - 1) };
      },
      to,
      steps: world.profile.maxSteps,
      finalTick: true,
    });
  }
}

/** The seeded generator, the decider's world and the profile, shared by every case of one run. */
export interface SimulationWorld {
  readonly random: Random;
  readonly ctx: DecisionContext;
  readonly profile: TrafficProfile;
  readonly grids: readonly string[];
  readonly categories: Weighted<string>;
  readonly departments: readonly string[];
}

export function simulationWorld(random: Random, ctx: DecisionContext, profile: TrafficProfile): SimulationWorld {
  const grids = ctx.areas.ofLevel('grid').map((g) => g.code);
  const departments = ctx.catalog.allDepartments().map((d) => d.code);
  if (grids.length === 0 || departments.length === 0) throw new Error('simulation: the context has no grids or no departments');
  return { random, ctx, profile, grids, categories: categoryMix(profile, ctx.catalog), departments };
}

/** How long a report takes to reach the system after it was made: a share of phones were offline. */
export function arrivalDelay(world: SimulationWorld): number {
  const { random, profile } = world;
  return random() < profile.latePhones
    ? logUniform(random, profile.lateDelayMs.lo, profile.lateDelayMs.hi)
    : random() * profile.onTimeDelayMs;
}

export interface CaseInput {
  readonly gridCode: string;
  readonly category: string;
  /** When the report was made on the phone and when it reached the system (epoch ms), drawn after the case's id. */
  readonly timing: (random: Random) => { readonly reportedAt: number; readonly arrivedAt: number };
  /** Nothing happens at or after this instant. */
  readonly to: number;
  /** At most this many steps after the report (0: the report alone). */
  readonly steps: number;
  /** Tick the case's timers at `to` at the end (what a history read at `to` holds). */
  readonly finalTick: boolean;
}

/** One case: its report, then a random walk over the commands its state allows, through the real decider. */
/**
 * Where a simulated report is found, from two uniform draws: a point of the grid's bounding box, or, where that falls
 * outside the grid, the mean of its outer ring's positions (inside: the generated grids are convex). Without a
 * boundary, somewhere in 新会区's box, as before boundaries.
 */
function positionIn(boundary: AreaBoundary | undefined, u: number, v: number): { lat: number; lng: number } {
  if (!boundary) return { lat: 22.4 + u * 0.2, lng: 112.9 + v * 0.3 };
  const ring = (boundary.type === 'Polygon' ? boundary.coordinates[0] : boundary.coordinates[0]?.[0]) ?? [];
  if (ring.length === 0) return { lat: 22.4 + u * 0.2, lng: 112.9 + v * 0.3 };
  const xs = ring.map((p) => p[0]);
  const ys = ring.map((p) => p[1]);
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  const lat = round(Math.min(...ys) + u * (Math.max(...ys) - Math.min(...ys)));
  const lng = round(Math.min(...xs) + v * (Math.max(...xs) - Math.min(...xs)));
  if (boundaryContains(boundary, lng, lat)) return { lat, lng };
  const mean = (values: readonly number[]) => round(values.slice(1).reduce((a, b) => a + b, 0) / (values.length - 1));
  return { lat: mean(ys), lng: mean(xs) };
}

export function simulateCase(world: SimulationWorld, input: CaseInput): SimulatedIncident {
  const { random, ctx, profile } = world;
  const { gridCode, category, to } = input;
  const incidentId = uuid(random);
  // Grid staff act in their own grid; the district's dispatch centre and departments cover the district.
  const reporter: Actor = { id: `gs-${gridCode}`, role: 'grid_staff', areas: [gridCode] };
  const { reportedAt, arrivedAt } = input.timing(random);
  const pace = weighted(random, profile.paces);

  let state: IncidentState = null;
  const events: GridEvent[] = [];
  const commands: SimulatedCommand[] = [];
  let refused = 0;
  /** What a decision or a tick produced, stamped as the worker stores it (after the last version), and folded. */
  const record = (happened: readonly DecidedEvent[], commandId?: string) => {
    for (const event of stampEvents(happened, { incidentId, version: events.length, ...(commandId ? { commandId } : {}) })) {
      state = evolve(state, event);
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
    record(decision.events, envelope.commandId);
  };

  give(arrivedAt, reporter, {
    type: 'ReportIncident',
    data: {
      reportId: `r-${incidentId}`,
      gridCode,
      category,
      urgency: weighted(random, profile.urgencies),
      description: `模拟事件 ${category}`,
      location: { ...positionIn(ctx.areas.find(gridCode)?.boundary, random(), random()), address: `网格 ${gridCode}` },
      occurredAt: iso(reportedAt - Math.round(logUniform(random, profile.occurredBeforeMs.lo, profile.occurredBeforeMs.hi))),
      reportedAt: iso(reportedAt),
    },
  });
  // `state` moves on inside record(): read it through here, never from a narrowed copy.
  const incident = (): Incident => {
    if (!state) throw new Error(`simulation: the report of ${incidentId} was refused`);
    return state;
  };
  incident();

  let now = arrivedAt;
  for (let step = 0; step < input.steps; step++) {
    if (incident().status === 'merged' && random() < profile.merges.undo) {
      // A dispatcher undoes the merge: the case is its own again, awaiting dispatch.
      now += Math.round(gapAfter(world, incident(), events.at(-1), pace));
      if (now >= to) break;
      const district = incident().gridCode.slice(0, 6);
      give(now, { id: `dispatcher-${1 + int(random, 4)}`, role: 'dispatcher', areas: [district] }, { type: 'UnmergeIncident', data: {} });
      continue;
    }
    if (isFinished(incident().status)) break;
    if (random() < profile.stall) break;
    now += Math.round(gapAfter(world, incident(), events.at(-1), pace));
    if (now >= to) break;
    record(tick(incident(), ctx, new Date(now)));
    const move = nextMove(world, incident(), reporter, now);
    give(now, move.actor, move.command);
  }
  if (input.finalTick) record(tick(incident(), ctx, new Date(to)));
  return { incidentId, events, commands, arrivalDelayMs: arrivedAt - reportedAt, refused };
}

/**
 * How long until someone next acts on the case. A request for more time often waits on a dispatcher
 * past the deadline it was meant to move; once granted, the handler takes the time it was given.
 */
function gapAfter(world: SimulationWorld, s: Incident, last: GridEvent | undefined, pace: { lo: number; hi: number }): number {
  const { random, profile } = world;
  if (s.pendingExtension !== null) return logUniform(random, profile.extensionWaitMs.lo, profile.extensionWaitMs.hi);
  if (last?.type === 'ExtensionApproved') return logUniform(random, profile.afterExtensionMs.lo, profile.afterExtensionMs.hi);
  return logUniform(random, pace.lo, pace.hi);
}

interface Move {
  readonly actor: Actor;
  readonly command: Command;
}

const REASONS = ['不属于本单位职责', '现场核实情况不符', '需协调多部门', '群众反映强烈', '天气原因无法施工'] as const;

/** What someone does next to a case, among the commands its state allows, weighted by the profile. */
function nextMove(world: SimulationWorld, s: Incident, reporter: Actor, now: number): Move {
  const { random, departments } = world;
  if (s.status === 'closed' || s.status === 'rejected' || s.status === 'merged') throw new Error(`nextMove: the case is ${s.status}`);
  const district = s.gridCode.slice(0, 6);
  const dispatcher: Actor = { id: `dispatcher-${1 + int(random, 4)}`, role: 'dispatcher', areas: [district] };
  const handler: Actor = {
    id: `${s.department ?? 'none'}-${1 + int(random, 3)}`,
    role: 'handler',
    department: s.department ?? undefined,
    areas: [district],
  };
  const reason = pick(random, REASONS);
  // Handlers ask for more time when a deadline draws near; dispatchers move overdue cases elsewhere.
  const handling = s.clocks.find((c) => c.stage === 'handling');
  const kind = weighted(
    random,
    world.profile.moves({
      status: s.status,
      suspended: s.suspendedAt !== null,
      pendingExtension: s.pendingExtension !== null,
      nearDue: handling !== undefined && !handling.missed && handling.due > now && handling.due - now < DAY,
      overdue: handling?.missed === true,
      canEscalate: s.escalationLevel < MAX_ESCALATION_LEVEL,
      hasDuplicates: (s.duplicates?.length ?? 0) > 0,
      merges: world.profile.merges,
    }),
  );
  const by = (actor: Actor, command: Command): Move => ({ actor, command });
  const moves: Record<MoveKind, () => Move> = {
    dispatch: () => {
      const routed = world.ctx.routing.route(s.category, s.gridCode);
      const department = routed && random() < world.profile.routedDispatch ? routed : pick(random, departments);
      return by(dispatcher, { type: 'DispatchIncident', data: { department } });
    },
    reject: () => by(dispatcher, { type: 'RejectIncident', data: { reason: '不予立案: 不属于受理范围' } }),
    suspend: () => by(dispatcher, { type: 'SuspendIncident', data: { reason: `挂账: ${reason}` } }),
    resume: () => by(dispatcher, { type: 'ResumeIncident', data: {} }),
    escalate: () => by(dispatcher, { type: 'EscalateIncident', data: { reason: `督办: ${reason}` } }),
    accept: () => by(handler, { type: 'AcceptIncident', data: {} }),
    return: () => by(handler, { type: 'ReturnIncident', data: { reason } }),
    reassign: () =>
      by(dispatcher, {
        type: 'ReassignIncident',
        data: {
          department: pick(
            random,
            departments.filter((d) => d !== s.department),
          ),
          reason,
        },
      }),
    requestExtension: () => {
      // Sometimes a little more time, sometimes much more: a long extension can outlast the history.
      const [unit, most] = pick(random, [
        ['working_hours', 24],
        ['working_days', 15],
        ['natural_hours', 72],
      ] as const);
      return by(handler, { type: 'RequestExtension', data: { unit, amount: 1 + int(random, most), reason } });
    },
    approveExtension: () => by(dispatcher, { type: 'ApproveExtension', data: {} }),
    denyExtension: () => by(dispatcher, { type: 'DenyExtension', data: { reason: '延期理由不充分' } }),
    resolve: () => {
      // The draws of the made-up photo reference it once attached half of the time: a seed still gives the same history.
      if (random() < 0.5) int(random, 1e6);
      return by(handler, { type: 'ResolveIncident', data: { notes: '已处置完毕' } });
    },
    verifyPassed: () => by(reporter, { type: 'VerifyIncident', data: { passed: true, notes: '核查通过' } }),
    verifyFailed: () => by(reporter, { type: 'VerifyIncident', data: { passed: false, notes: '现场仍未整改' } }),
    // 合并 (ADR 0032): each case's own half, naming another case of the district (not simulated alongside).
    merge: () => by(dispatcher, { type: 'MergeIncident', data: { into: uuid(random) } }),
    attachDuplicate: () =>
      by(dispatcher, {
        type: 'AttachDuplicate',
        data: { duplicateId: uuid(random), category: s.category, reporterId: `gs-${s.gridCode}` },
      }),
    detachDuplicate: () =>
      by(dispatcher, { type: 'DetachDuplicate', data: { duplicateId: s.duplicates?.[0]?.incidentId ?? uuid(random) } }),
  };
  return moves[kind]();
}
