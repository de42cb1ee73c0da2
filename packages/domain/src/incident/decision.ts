import type { Actor, Command, CommandPhoto, DecidedEvent, GridEvent, PhotoRef } from '@gridgov/contracts';
import type { AccessDecision } from '../access/authorise.ts';
import type { AreaTree } from '../areas/area-tree.ts';
import type { Catalog } from '../catalog/categories.ts';
import type { RoutingTable } from '../catalog/routing.ts';
import { evolve } from './evolve.ts';
import type { DeadlinePolicy } from './policy.ts';
import type { Rejection, RejectionCode } from './rejection.ts';
import type { StageTime } from './stage-time.ts';
import { stageDuration, stageMeasures, type Incident, type IncidentState } from './state.ts';

/** What deciding needs besides the state: the area tree, the catalog, routing, the deadline policy and the calendar. */
export interface DecisionContext {
  readonly areas: AreaTree;
  readonly catalog: Catalog;
  readonly routing: RoutingTable;
  readonly policy: DeadlinePolicy;
  readonly time: StageTime;
  /** The configuration version these come from (grid.config, ADR 0024): recorded on the events decided with them. */
  readonly configVersion?: number;
}

export type Decision =
  { readonly kind: 'accepted'; readonly events: readonly DecidedEvent[] } | { readonly kind: 'rejected'; readonly rejection: Rejection };

/** A command on a case that exists: every command but the report. */
export type CaseCommand = Exclude<Command, { type: 'ReportIncident' }>;
export type CommandData<T extends Command['type']> = Extract<Command, { type: T }>['data'];

export const rejection = (code: RejectionCode, message: string): Rejection => ({ code, message });
export const reject = (code: RejectionCode, message: string): Decision => ({ kind: 'rejected', rejection: rejection(code, message) });

/**
 * The photos a command names, as its events carry them, or the rejection when one has no type: the intake fills in
 * each photo's type from what it stored, so a photo without one did not pass its checks.
 */
export function photosOf(photos: readonly CommandPhoto[] = []): { photos: PhotoRef[] } | { rejection: Rejection } {
  const refs: PhotoRef[] = [];
  for (const p of photos) {
    if (!p.contentType) return { rejection: rejection('PHOTO_UNVERIFIED', `photo ${p.key} was not checked by the intake`) };
    refs.push({ key: p.key, sha256: p.sha256, contentType: p.contentType });
  }
  return { photos: refs };
}

/** The photos field of an event: left out when there are none. */
export const photosField = (photos: PhotoRef[]): { photos?: PhotoRef[] } => (photos.length > 0 ? { photos } : {});
/** An access denial as the decider's rejection (reads' codes cannot arise for commands). */
export const denied = (d: Extract<AccessDecision, { allowed: false }>): Decision =>
  reject(d.code === 'NOT_ASSIGNED' || d.code === 'OUT_OF_JURISDICTION' ? d.code : 'FORBIDDEN_ROLE', d.message);
export const iso = (ms: number) => new Date(ms).toISOString();

type EventOf<T extends GridEvent['type']> = Extract<GridEvent, { type: T }>;

/**
 * Builds the events of one decision, each evolving a working copy of the state that the next one is decided on. The
 * events carry what happened, when and by whom; the store stamps where they stand on the log (`stampEvents`).
 */
export class Emitter {
  readonly events: DecidedEvent[] = [];
  constructor(private state: IncidentState) {}

  get current(): IncidentState {
    return this.state;
  }

  emit<T extends GridEvent['type']>(type: T, data: EventOf<T>['data'], actor: Actor, occurredAt: number): Incident {
    const event = { type, data, metadata: { occurredAt: iso(occurredAt), actor } } as DecidedEvent;
    this.events.push(event);
    this.state = evolve(this.state, event);
    return this.state;
  }
}

/**
 * What a command on an existing case is decided with: the case `s` (as it stood before the command), who gives the
 * command, when (`t`, the worker's clock in epoch ms), the context, and where its events go. A command's function
 * emits its events through `out`, or returns why it is refused.
 */
export interface CaseTurn {
  /** The case's id. */
  readonly id: string;
  readonly s: Incident;
  readonly actor: Actor;
  readonly ctx: DecisionContext;
  readonly t: number;
  readonly out: Emitter;
}

/** When a duration from `from` ends, in its own measure, `excluded` spans not counted. */
export function due(
  ctx: DecisionContext,
  from: number,
  duration: Parameters<StageTime['toMs']>[0],
  excluded: Parameters<StageTime['add']>[3],
): number {
  const { ms, measure } = ctx.time.toMs(duration);
  return ctx.time.add(from, ms, measure, excluded);
}

/** The sign-for and handling deadlines a dispatch or reassignment at `t` starts, with their measures. */
export function dispatchDeadlines(s: Incident, ctx: DecisionContext, t: number) {
  return {
    signForDue: iso(due(ctx, t, ctx.policy.signFor, [])),
    handlingDue: iso(due(ctx, t, stageDuration(ctx, s, 'handling'), [])),
    measures: stageMeasures(ctx, s, 'sign_for', 'handling'),
  };
}
