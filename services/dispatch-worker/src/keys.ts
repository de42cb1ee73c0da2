/**
 * Redis keys of one commands partition. They share the hash tag {w<partition>}, so one Lua
 * script may touch all of them on a Redis Cluster too.
 */
export interface PartitionKeys {
  /** Fencing token: bumped by each new owner; writes carrying an older one are refused. */
  readonly epoch: string;
  /** Offset of the last command applied. */
  readonly checkpoint: string;
  /** Hash: incident id → state JSON. */
  readonly incidents: string;
  /** List of records decided but not yet produced (events, notifications, outcomes, dead letters). */
  readonly outbox: string;
  /** Sorted set: incident id scored by when it next needs a tick (a warning, a deadline, an escalation). */
  readonly timers: string;
}

export function partitionKeys(prefix: string, partition: number): PartitionKeys {
  const tag = `${prefix}:{w${partition}}`;
  return {
    epoch: `${tag}:epoch`,
    checkpoint: `${tag}:checkpoint`,
    incidents: `${tag}:incidents`,
    outbox: `${tag}:outbox`,
    timers: `${tag}:timers`,
  };
}
