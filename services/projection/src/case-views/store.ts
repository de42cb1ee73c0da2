import {
  caseQueueKey,
  caseViewPartitionKeys,
  incidentHistoryKey,
  incidentViewKey,
  outcomeKey,
  reporterCasesKey,
  type CommandOutcome,
} from '@gridgov/contracts';
import type { Incident, IncidentState } from '@gridgov/domain';
import { defineScript, okReply, type Redis } from '@gridgov/redis';

/**
 * Moves a checkpoint from `fromCheckpoint` to `toCheckpoint` and writes the states (id/JSON pairs after the named
 * arguments) with it; refused (GRIDGOV_CHECKPOINT_CONFLICT, a CheckpointConflict) when it moved meanwhile.
 */
const advanceCheckpoint = defineScript({
  name: 'caseViewsAdvanceCheckpoint',
  keys: ['checkpointKey', 'incidentsKey'],
  argv: ['fromCheckpoint', 'toCheckpoint'],
  lua: `
local checkpointKey = KEYS[1]
local incidentsKey = KEYS[2]
local fromCheckpoint = ARGV[1]
local toCheckpoint = ARGV[2]
if (redis.call('GET', checkpointKey) or '') ~= fromCheckpoint then
  return redis.error_reply('GRIDGOV_CHECKPOINT_CONFLICT checkpoint moved: another instance folds this partition')
end
local i = 3
while i < #ARGV do
  redis.call('HSET', incidentsKey, ARGV[i], ARGV[i + 1])
  i = i + 2
end
redis.call('SET', checkpointKey, toCheckpoint)
return 'OK'
`,
  reply: okReply,
});

/** A case's change as the read side writes it: the view, new history lines, the work lists joined and left. */
export interface CaseChange {
  readonly incidentId: string;
  readonly view: string;
  readonly history: readonly (readonly [number, string])[];
  readonly score: number;
  /** The case's grid and every area above it. */
  readonly areas: readonly string[];
  readonly add: readonly string[];
  readonly remove: readonly string[];
  /** Set when the case is new: it joins its reporter's list. */
  readonly reporterId?: string;
}

export type Log = 'events' | 'outcomes';

/**
 * The read side in Redis: case views, histories, work lists and command outcomes, written for the API, and per
 * partition the incidents' states they are built from, the checkpoints and the restored mark (ADR 0008, 0009).
 */
export class CaseViewStore {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    /** How long an outcome stays readable by GET /v1/commands/:id. */
    private readonly outcomeTtlSeconds: number,
  ) {}

  private keys(partition: number) {
    return caseViewPartitionKeys(this.keyPrefix, partition);
  }

  /** The checkpoint of one log's partition ('' when none) and whether the partition is whole. */
  async position(partition: number, log: Log): Promise<{ checkpoint: string; restored: boolean }> {
    const k = this.keys(partition);
    const [checkpoint, restored] = await this.redis.mget(
      log === 'events' ? k.eventsCheckpoint : k.outcomesCheckpoint,
      log === 'events' ? k.eventsRestored : k.outcomesRestored,
    );
    return { checkpoint: checkpoint ?? '', restored: restored !== null };
  }

  async markRestored(partition: number, log: Log, at: Date): Promise<void> {
    const k = this.keys(partition);
    await this.redis.set(log === 'events' ? k.eventsRestored : k.outcomesRestored, at.toISOString());
  }

  async loadStates(partition: number, ids: readonly string[]): Promise<Map<string, IncidentState>> {
    const states = new Map<string, IncidentState>();
    if (ids.length === 0) return states;
    const raw = await this.redis.hmget(this.keys(partition).incidents, ...ids);
    ids.forEach((id, i) => states.set(id, raw[i] ? (JSON.parse(raw[i]) as Incident) : null));
    return states;
  }

  /**
   * Writes the cases' views, history lines and lists (idempotent: a batch folded again writes the same), then the
   * states and the checkpoint together. A crash in between folds the batch again from the old states.
   */
  async applyEvents(
    partition: number,
    fromCheckpoint: string,
    toCheckpoint: string,
    changes: readonly CaseChange[],
    states: ReadonlyMap<string, Incident>,
  ): Promise<void> {
    if (changes.length > 0) {
      const pipeline = this.redis.pipeline();
      for (const c of changes) {
        pipeline.set(incidentViewKey(this.keyPrefix, c.incidentId), c.view);
        if (c.history.length > 0) pipeline.hset(incidentHistoryKey(this.keyPrefix, c.incidentId), ...c.history.flat());
        // Lists after the view: a list never names a case whose view is older than the list.
        for (const area of c.areas) {
          for (const queue of c.remove) pipeline.zrem(caseQueueKey(this.keyPrefix, area, queue), c.incidentId);
          for (const queue of c.add) pipeline.zadd(caseQueueKey(this.keyPrefix, area, queue), c.score, c.incidentId);
        }
        if (c.reporterId) pipeline.zadd(reporterCasesKey(this.keyPrefix, c.reporterId), c.score, c.incidentId);
      }
      await execOrThrow(pipeline);
    }
    const k = this.keys(partition);
    const args: string[] = [];
    for (const [id, state] of states) args.push(id, JSON.stringify(state));
    await this.advance(k.eventsCheckpoint, k.incidents, fromCheckpoint, toCheckpoint, args);
  }

  /** Stores outcomes for the API (without their position), then moves the outcomes checkpoint. */
  async applyOutcomes(partition: number, fromCheckpoint: string, toCheckpoint: string, outcomes: readonly CommandOutcome[]): Promise<void> {
    if (outcomes.length > 0) {
      const pipeline = this.redis.pipeline();
      for (const { position: _position, ...outcome } of outcomes) {
        pipeline.set(outcomeKey(this.keyPrefix, outcome.commandId), JSON.stringify(outcome), 'EX', this.outcomeTtlSeconds);
      }
      await execOrThrow(pipeline);
    }
    const k = this.keys(partition);
    await this.advance(k.outcomesCheckpoint, k.incidents, fromCheckpoint, toCheckpoint);
  }

  private async advance(
    checkpointKey: string,
    incidentsKey: string,
    fromCheckpoint: string,
    toCheckpoint: string,
    states: readonly string[] = [],
  ): Promise<void> {
    await advanceCheckpoint.run(this.redis, { checkpointKey, incidentsKey }, { fromCheckpoint, toCheckpoint }, { argv: states });
  }
}

async function execOrThrow(pipeline: ReturnType<Redis['pipeline']>): Promise<void> {
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([err]) => err);
  if (failed?.[0]) throw failed[0];
}
