import { type CommandEnvelope, type DecidedEvent, type GridEvent, stampEvents } from '@gridgov/contracts';
import { type DecisionContext, type IncidentState, incidentDecider } from '@gridgov/domain';
import { recordedAction } from './recorded-command.ts';

/** A person's action that the proposed rules refuse (an extension asked after the shorter deadline passed, …). */
export interface RefusedAction {
  readonly command: string;
  readonly at: string;
  readonly code: string;
}

export interface ReplayedCase {
  /** The case's stream as the decider decides it under the rules given. */
  readonly events: readonly GridEvent[];
  readonly refused: readonly RefusedAction[];
}

/**
 * One case decided again under `ctx`: each person's action (recorded on `recorded`, the case's stream in version order)
 * is given again at the instant it happened, with the timers that fell due before it fired first, as the dispatch
 * worker's timer does; then the timers due by `asOf`. The rules change, the people do not: an action is given when
 * it was, whatever the new deadlines say, and one the new rules refuse is reported, not given.
 */
export function replayCase(recorded: readonly GridEvent[], ctx: DecisionContext, asOf: number): ReplayedCase {
  const incidentId = recorded[0]?.metadata.incidentId ?? '';
  const events: GridEvent[] = [];
  const refused: RefusedAction[] = [];
  let state: IncidentState = incidentDecider.initialState;
  const record = (decided: readonly DecidedEvent[], commandId?: string) => {
    const stamp = {
      incidentId,
      version: state?.version ?? 0,
      ...(commandId ? { commandId } : {}),
      // As the worker stamps them: the configuration version they were decided under.
      ...(ctx.configVersion === undefined ? {} : { configVersion: ctx.configVersion }),
    };
    for (const event of stampEvents(decided, stamp)) {
      state = incidentDecider.evolve(state, event);
      events.push(event);
    }
  };
  for (let i = 0; i < recorded.length; i++) {
    const event = recorded[i]!;
    const action = recordedAction(event, recorded[i + 1], state?.category ?? '');
    if (action.kind === 'history') record([event], event.metadata.commandId);
    if (action.kind !== 'command') continue;
    const now = new Date(action.at);
    record(incidentDecider.tick(state, ctx, now));
    const envelope: CommandEnvelope = {
      commandId: event.metadata.commandId ?? '00000000-0000-4000-8000-000000000000',
      incidentId,
      issuedAt: now.toISOString(),
      // The actor as the event names them: role, department and jurisdiction as their token granted when they acted.
      actor: event.metadata.actor,
      command: action.command,
    };
    const decision = incidentDecider.decide(envelope, state, ctx, now);
    // The events keep the command that caused them, as the log has it.
    if (decision.kind === 'accepted') record(decision.events, event.metadata.commandId);
    else refused.push({ command: action.command.type, at: now.toISOString(), code: decision.rejection.code });
  }
  if (asOf > 0) record(incidentDecider.tick(state, ctx, new Date(asOf)));
  return { events, refused };
}
