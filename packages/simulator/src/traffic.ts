import type { Actor, Command, CommandType, Urgency } from '@gridgov/contracts';
import type { DecisionContext } from '@gridgov/domain';
import { arrivalDelay, simulateCase, simulationWorld } from './history.ts';
import { DEFAULT_PROFILE, type TrafficProfile } from './profile.ts';
import { mulberry32, pick, weighted } from './random.ts';

export interface TrafficOptions {
  readonly seed: number;
  /** The world the cases are planned in: the same area tree, catalog and routing as the stack driven. */
  readonly ctx: DecisionContext;
  /** Reports offered per second. */
  readonly rate: number;
  /** Reports arrive in [0, durationMs) from the start of the run. */
  readonly durationMs: number;
  /** Follow-ups are planned up to this offset (default `durationMs`); a case's later steps are left out. */
  readonly untilMs?: number;
  /** Gaps between reports: exponential, a Poisson process (default), or all equal. */
  readonly arrivals?: 'poisson' | 'uniform';
  /** Case time runs this many times faster than the run: a step an hour after the last comes 3600/timeScale s later. */
  readonly timeScale: number;
  /** Follow each case through its lifecycle (default); false: reports only. */
  readonly lifecycle?: boolean;
  /** Tags this run's report ids: a run with another tag never repeats an earlier run's reports (the API takes a repeat as a retry). */
  readonly runId: string;
  /** The case clock at the start of the run, epoch ms, for the working calendar (default Monday 2026-03-02 09:00, Asia/Shanghai). */
  readonly caseClockStart?: number;
  readonly profile?: TrafficProfile;
}

/** One command of a case, due `atMs` after the start of the run (a follow-up also waits for the one before it to be decided). */
export interface PlannedStep {
  readonly atMs: number;
  readonly actor: Actor;
  readonly command: Command;
}

export interface PlannedCase {
  /** Arrival order, from 0. */
  readonly index: number;
  readonly gridCode: string;
  readonly category: string;
  readonly urgency: Urgency;
  /** How long before it reached the API the phone made the report, ms (a late phone: hours). */
  readonly reportedBeforeMs: number;
  /** How long before the report the thing was seen, ms. */
  readonly occurredBeforeMs: number;
  /** steps[0] is the report (ReportIncident); then the follow-ups, in order. */
  readonly steps: readonly PlannedStep[];
}

export const DEFAULT_CASE_CLOCK_START = Date.parse('2026-03-02T09:00:00+08:00');

/**
 * The traffic of a run, case by case in arrival order: pure and lazy, the same options give the same
 * cases. Each case is planned on a stream of its own (seed × arrival index), through the real decider
 * with the profile `generateHistory` uses, in case time (`timeScale` times faster than the run), so
 * that every step planned is one the decider accepted in its turn; a case's report does not depend
 * on whether its follow-ups are planned.
 */
export function* planTraffic(options: TrafficOptions): Generator<PlannedCase, void, undefined> {
  const { rate, durationMs, timeScale } = options;
  if (!(rate > 0) || !(durationMs > 0) || !(timeScale > 0)) throw new Error('planTraffic: rate, duration and timeScale are more than 0');
  const untilMs = Math.max(options.untilMs ?? durationMs, durationMs);
  const clockStart = options.caseClockStart ?? DEFAULT_CASE_CLOCK_START;
  // Live traffic merges nothing: a merge names another case, which the plan does not know (ADR 0032).
  const profile = options.profile ?? DEFAULT_PROFILE;
  const base = simulationWorld(mulberry32(options.seed), options.ctx, { ...profile, merges: { merge: 0, attach: 0, detach: 0, undo: 0 } });
  const arrivals = mulberry32(options.seed);
  let arrivalMs = 0;
  for (let index = 0; ; index++) {
    arrivalMs = options.arrivals === 'uniform' ? (index * 1000) / rate : arrivalMs - (Math.log(1 - arrivals()) / rate) * 1000;
    if (arrivalMs >= durationMs) return;
    const world = { ...base, random: mulberry32(caseSeed(options.seed, index)) };
    const arrivedAt = Math.round(clockStart + arrivalMs * timeScale);
    const sim = simulateCase(world, {
      gridCode: pick(world.random, world.grids),
      category: weighted(world.random, world.categories),
      timing: () => ({ arrivedAt, reportedAt: arrivedAt - Math.round(arrivalDelay(world)) }),
      to: clockStart + untilMs * timeScale,
      steps: options.lifecycle === false ? 0 : world.profile.maxSteps,
      finalTick: false,
    });
    const [report, ...followUps] = sim.commands;
    if (report?.envelope.command.type !== 'ReportIncident') throw new Error(`planTraffic: case ${index}: the report was refused`);
    const data = report.envelope.command.data;
    const reportedAt = Date.parse(data.reportedAt ?? report.envelope.issuedAt);
    yield {
      index,
      gridCode: data.gridCode,
      category: data.category,
      urgency: data.urgency,
      reportedBeforeMs: arrivedAt - reportedAt,
      occurredBeforeMs: reportedAt - Date.parse(data.occurredAt),
      steps: [
        {
          atMs: arrivalMs,
          actor: report.envelope.actor,
          // As simulated, in case time; its instants are set again when it is sent (requestOf), its id names this run.
          command: { type: 'ReportIncident', data: { ...data, reportId: `sim-${options.runId}-${index}` } },
        },
        ...followUps.map((c) => ({
          atMs: arrivalMs + (c.at - arrivedAt) / timeScale,
          actor: c.envelope.actor,
          command: c.envelope.command,
        })),
      ],
    };
  }
}

/** A stream of its own for each case: the seed and the arrival index mixed (the first draws of nearby seeds are unrelated). */
function caseSeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) + Math.imul(index + 1, 0x165667b1)) | 0;
}

/** The intake's route of each command on an incident (docs/api.md). */
const PATHS: Record<Exclude<CommandType, 'ReportIncident' | 'AttachDuplicate' | 'DetachDuplicate'>, string> = {
  RejectIncident: 'reject',
  DispatchIncident: 'dispatch',
  ReassignIncident: 'reassign',
  ReturnIncident: 'return',
  AcceptIncident: 'accept',
  ResolveIncident: 'resolve',
  VerifyIncident: 'verify',
  RequestExtension: 'extension-requests',
  ApproveExtension: 'extension-requests/approve',
  DenyExtension: 'extension-requests/deny',
  SuspendIncident: 'suspend',
  ResumeIncident: 'resume',
  EscalateIncident: 'escalate',
  EraseIncident: 'erase',
  MergeIncident: 'merge',
  UnmergeIncident: 'unmerge',
};

/** The HTTP request of a planned step, sent at `sentAt` (epoch ms) about the incident the API named in the report's answer. */
export function requestOf(
  planned: PlannedCase,
  step: PlannedStep,
  incidentId: string | undefined,
  sentAt: number,
): { readonly path: string; readonly body: unknown } {
  const { command } = step;
  if (command.type === 'ReportIncident') {
    const reportedAt = sentAt - planned.reportedBeforeMs;
    return {
      path: '/v1/incidents',
      body: {
        ...command.data,
        reportedAt: new Date(reportedAt).toISOString(),
        occurredAt: new Date(reportedAt - planned.occurredBeforeMs).toISOString(),
      },
    };
  }
  if (!incidentId) throw new Error(`requestOf: ${command.type} before the report was accepted`);
  // A merge's survivor half is the intake's to give, with the merge: a plan never names it.
  if (command.type === 'AttachDuplicate' || command.type === 'DetachDuplicate') throw new Error(`requestOf: ${command.type} has no route`);
  return { path: `/v1/incidents/${incidentId}/${PATHS[command.type]}`, body: command.data };
}
