/**
 * Redis keys of one commands partition. They share the hash tag {w<partition>}, so one Lua
 * script may touch all of them on a Redis Cluster too. Everything here but the epoch and the
 * outbox is a cache of grid.events and grid.outcomes, restored from them (ADR 0009).
 */
export interface PartitionKeys {
  /** Fencing token: bumped by each new owner; writes carrying an older one are refused. */
  readonly epoch: string;
  /** Offset of the last command decided. */
  readonly checkpoint: string;
  /** Hash: incident id → state JSON. */
  readonly incidents: string;
  /** Hash: command id → 'accepted' | 'rejected', for every command decided: a repeated id is not decided again. */
  readonly decided: string;
  /** List of records decided but not yet produced (events, notifications, outcomes, dead letters). */
  readonly outbox: string;
  /** Sorted set: incident id scored by when it next needs a tick (a warning, a deadline, an escalation). */
  readonly timers: string;
  /** Hash: how far the state has folded grid.events and grid.outcomes of this partition (next offsets). */
  readonly log: string;
  /**
   * Set once the state was restored from the log (or found complete): its absence while the epoch is gone means
   * Redis lost the partition's state, and the worker restores it before deciding anything.
   */
  readonly restored: string;
}

export function partitionKeys(prefix: string, partition: number): PartitionKeys {
  const tag = `${prefix}:{w${partition}}`;
  return {
    epoch: `${tag}:epoch`,
    checkpoint: `${tag}:checkpoint`,
    incidents: `${tag}:incidents`,
    decided: `${tag}:decided`,
    outbox: `${tag}:outbox`,
    timers: `${tag}:timers`,
    log: `${tag}:log`,
    restored: `${tag}:restored`,
  };
}
