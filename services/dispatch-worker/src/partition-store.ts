import type { Redis, ScriptArg } from '@gridgov/redis';
import type { Incident, IncidentState } from '@gridgov/domain';
import { partitionKeys, type PartitionKeys } from './keys.ts';
import { applyBatch, batchReads, dueTimerStates, finishRestore, restoreChunk, takeOwnership, relayed } from './partition-scripts.ts';

/** A record decided but not yet produced: an event, a notification, an outcome or a dead letter. */
export interface OutboxEntry {
  readonly topic: string;
  readonly key: string;
  readonly value: string;
  /** The trace of the command that caused it (W3C traceparent), sent as a header (ADR 0026). */
  readonly traceparent?: string;
}

/** How far a partition's state has folded the log: the next offsets of grid.events and grid.outcomes. */
export interface LogPositions {
  readonly events: bigint;
  readonly outcomes: bigint;
}

export interface BatchWrite {
  readonly epoch: number;
  /** The checkpoint the batch was decided from ('' when the partition has none yet). */
  readonly fromCheckpoint: string;
  readonly toCheckpoint: string;
  readonly states: ReadonlyMap<string, Incident>;
  /** Command id → its outcome's status, for every command the batch decided. */
  readonly decided: ReadonlyMap<string, string>;
  /** Incident id → when it next needs a tick (epoch ms), or null for none. */
  readonly timers: ReadonlyMap<string, number | null>;
  readonly outbox: readonly OutboxEntry[];
}

/** An incident whose timer is due: when it fell due (epoch ms), and its state. */
export interface DueTimer {
  readonly incidentId: string;
  readonly dueAt: number;
}

/** What a timer pass reads in one round trip; `restored: false` (Redis lost the state) carries nothing else. */
export type TimerPassReads =
  | { readonly restored: false }
  | {
      readonly restored: true;
      readonly checkpoint: string;
      readonly outboxDepth: number;
      readonly due: readonly DueTimer[];
      readonly states: Map<string, IncidentState>;
    };

/** What a batch of commands reads in one round trip; `restored: false` carries nothing else. */
export type BatchReads =
  | { readonly restored: false }
  | {
      readonly restored: true;
      readonly checkpoint: string;
      readonly states: Map<string, IncidentState>;
      readonly decidedBefore: Set<string>;
    };

/** The most ids one read script takes (Lua's unpack has a limit of its own, near 8,000). */
export const MAX_READ_IDS = 2_000;

export type RestoreChunk = Omit<BatchWrite, 'fromCheckpoint' | 'toCheckpoint'>;

/**
 * The dispatch worker's state of one commands partition: a cache of the log, plus the outbox and the fence. A write
 * of a stale owner is refused with `Fenced` (another epoch, or its outbox relayed by another) or `CheckpointConflict`
 * (the batch was decided from another checkpoint), both from @gridgov/redis.
 */
export class PartitionStore {
  readonly keys: PartitionKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly partition: number,
  ) {
    this.keys = partitionKeys(prefix, partition);
  }

  /** Takes ownership: a new epoch that fences out every earlier owner. */
  async takeOwnership(): Promise<number> {
    return takeOwnership.run(this.redis, { epochKey: this.keys.epoch }, { nowMs: Date.now() });
  }

  async checkpoint(): Promise<string> {
    return (await this.redis.get(this.keys.checkpoint)) ?? '';
  }

  /** Whether the state was restored (or found whole) since Redis last lost it. */
  async isRestored(): Promise<boolean> {
    return (await this.redis.exists(this.keys.restored)) === 1;
  }

  async logPositions(): Promise<LogPositions> {
    const [events, outcomes] = await this.redis.hmget(this.keys.log, 'events', 'outcomes');
    return { events: BigInt(events ?? '0'), outcomes: BigInt(outcomes ?? '0') };
  }

  async loadStates(incidentIds: readonly string[]): Promise<Map<string, IncidentState>> {
    const states = new Map<string, IncidentState>();
    if (incidentIds.length === 0) return states;
    const values = await this.redis.hmget(this.keys.incidents, ...incidentIds);
    incidentIds.forEach((id, i) => {
      const raw = values[i];
      states.set(id, raw ? (JSON.parse(raw) as Incident) : null);
    });
    return states;
  }

  /** Which of these command ids were decided already. */
  async decidedAmong(commandIds: readonly string[]): Promise<Set<string>> {
    if (commandIds.length === 0) return new Set();
    const values = await this.redis.hmget(this.keys.decided, ...commandIds);
    return new Set(commandIds.filter((_, i) => values[i] !== null));
  }

  /**
   * Applies a decided batch; answers the outbox entries it pushed, as stored, and the outbox's length after the write
   * (equal to their count when they are the whole outbox).
   */
  async apply(write: BatchWrite): Promise<Applied> {
    const { epoch, checkpoint, incidents, outbox, timers, decided } = this.keys;
    const pushed = write.outbox.map((entry) => JSON.stringify(entry));
    const outboxDepth = await applyBatch.run(
      this.redis,
      { epochKey: epoch, checkpointKey: checkpoint, incidentsKey: incidents, outboxKey: outbox, timersKey: timers, decidedKey: decided },
      { epoch: write.epoch, fromCheckpoint: write.fromCheckpoint, toCheckpoint: write.toCheckpoint },
      { argv: stateArgs(write, pushed) },
    );
    return { pushed, outboxDepth };
  }

  async applyRestored(chunk: RestoreChunk): Promise<void> {
    const { epoch, incidents, decided, timers, outbox } = this.keys;
    await restoreChunk.run(
      this.redis,
      { epochKey: epoch, incidentsKey: incidents, decidedKey: decided, timersKey: timers, outboxKey: outbox },
      { epoch: chunk.epoch },
      {
        argv: stateArgs(
          chunk,
          chunk.outbox.map((entry) => JSON.stringify(entry)),
        ),
      },
    );
  }

  async finishRestore(epoch: number, checkpoint: string, positions: LogPositions, at: Date): Promise<void> {
    const { epoch: epochKey, checkpoint: checkpointKey, log, restored } = this.keys;
    await finishRestore.run(
      this.redis,
      { epochKey, checkpointKey, logKey: log, restoredKey: restored },
      {
        epoch,
        checkpoint,
        eventsNext: positions.events.toString(),
        outcomesNext: positions.outcomes.toString(),
        restoredAt: at.toISOString(),
      },
    );
  }

  /** Records this owner wrote to one log at [from, next): the state holds them, so its position moves past them. */
  /**
   * One timer pass's reads, atomically: the restored mark, the checkpoint, the outbox's depth, and up to `limit`
   * incidents due at `now` or before (earliest first) with their states.
   */
  async timerPass(now: number, limit: number): Promise<TimerPassReads> {
    if (limit > MAX_READ_IDS) throw new Error(`at most ${MAX_READ_IDS} timers a pass, not ${limit}`);
    const { restored, checkpoint, outbox, timers, incidents } = this.keys;
    const raw = await dueTimerStates.run(
      this.redis,
      { restoredKey: restored, checkpointKey: checkpoint, outboxKey: outbox, timersKey: timers, incidentsKey: incidents },
      { now, limit },
    );
    if (raw[0] !== 1) return { restored: false };
    const [, cp, depth] = raw;
    if (typeof cp !== 'string' || typeof depth !== 'number' || (raw.length - 3) % 3 !== 0) {
      throw new Error(`workerDueTimerStates answered an unexpected shape (${raw.length} items)`);
    }
    const due: DueTimer[] = [];
    const states = new Map<string, IncidentState>();
    for (let i = 3; i < raw.length; i += 3) {
      const [id, score, state] = [raw[i], raw[i + 1], raw[i + 2]];
      if (typeof id !== 'string' || typeof score !== 'string' || !(state === null || typeof state === 'string')) {
        throw new Error(`workerDueTimerStates answered an unexpected timer at ${i}`);
      }
      due.push({ incidentId: id, dueAt: Number(score) });
      states.set(id, state ? (JSON.parse(state) as Incident) : null);
    }
    return { restored: true, checkpoint: cp, outboxDepth: depth, due, states };
  }

  /** A batch's reads, atomically: the restored mark, the checkpoint, its incidents' states, its command ids decided. */
  async batchReads(incidentIds: readonly string[], commandIds: readonly string[]): Promise<BatchReads> {
    if (incidentIds.length + commandIds.length > MAX_READ_IDS) {
      throw new Error(`at most ${MAX_READ_IDS} ids a read, not ${incidentIds.length + commandIds.length}`);
    }
    const { restored, checkpoint, incidents, decided } = this.keys;
    const raw = await batchReads.run(
      this.redis,
      { restoredKey: restored, checkpointKey: checkpoint, incidentsKey: incidents, decidedKey: decided },
      { incidentCount: incidentIds.length },
      { argv: [...incidentIds, ...commandIds] },
    );
    if (raw[0] !== 1) return { restored: false };
    const cp = raw[1];
    if (typeof cp !== 'string' || raw.length !== 2 + incidentIds.length + commandIds.length) {
      throw new Error(`workerBatchReads answered an unexpected shape (${raw.length} items)`);
    }
    const states = new Map<string, IncidentState>();
    incidentIds.forEach((id, i) => {
      const state = raw[2 + i];
      if (!(state === null || typeof state === 'string')) throw new Error(`workerBatchReads answered an unexpected state at ${i}`);
      states.set(id, state ? (JSON.parse(state) as Incident) : null);
    });
    const decidedBefore = new Set(commandIds.filter((_, i) => raw[2 + incidentIds.length + i] === 1));
    return { restored: true, checkpoint: cp, states, decidedBefore };
  }

  /** What a scrape shows of the partition (ADR 0026): entries not yet relayed, and timers due at `now` not yet fired. */
  async backlog(now: number): Promise<{ outboxDepth: number; timersDue: number }> {
    const [outboxDepth, timersDue] = await Promise.all([
      this.redis.llen(this.keys.outbox),
      this.redis.zcount(this.keys.timers, '-inf', now),
    ]);
    return { outboxDepth, timersDue };
  }

  async timerCount(): Promise<number> {
    return this.redis.zcard(this.keys.timers);
  }

  /** The oldest entries not yet relayed, as stored (raw) and parsed. */
  async pendingOutbox(limit: number): Promise<{ raw: string[]; entries: OutboxEntry[] }> {
    const raw = await this.redis.lrange(this.keys.outbox, 0, limit - 1);
    return { raw, entries: raw.map((r) => JSON.parse(r) as OutboxEntry) };
  }

  /**
   * After the first `count` outbox entries were produced (the last of them `lastRaw`, as stored): moves the log
   * positions past what this owner wrote where each stood, and drops the entries, in one fenced script. An outbox whose
   * `count`-th entry is no longer `lastRaw` (another relay trimmed it) is refused with GRIDGOV_OUTBOX_MOVED.
   */
  async relayed(epoch: number, count: number, lastRaw: string, moves: readonly LogMove[]): Promise<void> {
    const argv = moves.flatMap((m) => [m.log, m.from.toString(), m.next.toString()]);
    await relayed.run(
      this.redis,
      { epochKey: this.keys.epoch, outboxKey: this.keys.outbox, logKey: this.keys.log },
      { epoch, count, lastSent: lastRaw },
      { argv },
    );
  }
}

/** Moves a log position from `from` (where this owner's records began) to `next`, if it still stands at `from`. */
export interface LogMove {
  readonly log: keyof LogPositions;
  readonly from: bigint;
  readonly next: bigint;
}

/** What `apply` pushed to the outbox (each entry as stored) and the outbox's length after it. */
export interface Applied {
  readonly pushed: readonly string[];
  readonly outboxDepth: number;
}

function stateArgs(write: RestoreChunk, outbox: readonly string[]): ScriptArg[] {
  const args: ScriptArg[] = [write.states.size];
  for (const [id, state] of write.states) args.push(id, JSON.stringify(state));
  args.push(write.decided.size);
  for (const [id, status] of write.decided) args.push(id, status);
  args.push(write.timers.size);
  for (const [id, at] of write.timers) args.push(id, at === null ? '-1' : at);
  args.push(...outbox);
  return args;
}
