import type { CommandOutcome } from '@gridgov/contracts';
import type { Incident, IncidentState } from '@gridgov/domain';
import { parseRecord, readModelKeys, ReadModelWriter, StoredIncident, type CaseChange, type ReadModelKeys } from '@gridgov/read-model';
import { defineScript, okReply, setWhileEquals, type Redis } from '@gridgov/redis';

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

export type Log = 'events' | 'outcomes';

/**
 * The read side in Redis: case views, histories, work lists and command outcomes, written for the API through the
 * read model's one writer, and per partition the incidents' states they are built from, the checkpoints and the
 * restored mark (ADR 0008, 0009).
 */
export class CaseViewStore {
  private readonly writer: ReadModelWriter;
  private readonly keyLayout: ReadModelKeys;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    /** How long an outcome stays readable by GET /v1/commands/:id. */
    outcomeTtlSeconds: number,
  ) {
    this.writer = new ReadModelWriter(redis, keyPrefix, outcomeTtlSeconds);
    this.keyLayout = readModelKeys(keyPrefix);
  }

  private keys(partition: number) {
    return this.keyLayout.partition(partition);
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

  /**
   * Marks one log's partition whole, only while its checkpoint is still the one its caller saw at the log's end
   * (`checkpoint`, '' for none): Redis that lost the state meanwhile is not marked whole over nothing. Answers whether
   * it was marked.
   */
  async markRestored(partition: number, log: Log, checkpoint: string, at: Date): Promise<boolean> {
    const k = this.keys(partition);
    const keys =
      log === 'events' ? { guard: k.eventsCheckpoint, key: k.eventsRestored } : { guard: k.outcomesCheckpoint, key: k.outcomesRestored };
    return (await setWhileEquals.run(this.redis, keys, { expected: checkpoint, value: at.toISOString() })) === 1;
  }

  /** The states the partition's cases are folded from: a state that fails its schema is an error naming the incident. */
  async loadStates(partition: number, ids: readonly string[]): Promise<Map<string, IncidentState>> {
    const states = new Map<string, IncidentState>();
    if (ids.length === 0) return states;
    const key = this.keys(partition).incidents;
    const raw = await this.redis.hmget(key, ...ids);
    ids.forEach((id, i) => states.set(id, raw[i] ? parseRecord(StoredIncident, raw[i], key, id) : null));
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
    await this.writer.writeCases(changes);
    const k = this.keys(partition);
    const args: string[] = [];
    for (const [id, state] of states) args.push(id, JSON.stringify(state));
    await this.advance(k.eventsCheckpoint, k.incidents, fromCheckpoint, toCheckpoint, args);
  }

  /** Stores outcomes for the API (without their position), then moves the outcomes checkpoint. */
  async applyOutcomes(partition: number, fromCheckpoint: string, toCheckpoint: string, outcomes: readonly CommandOutcome[]): Promise<void> {
    await this.writer.writeOutcomes(outcomes);
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
