import type { CountedIncident, CounterDelta } from '@gridgov/domain';
import type { Redis } from '@gridgov/redis';

/**
 * Redis keys of the projection. Everything one events partition writes shares the hash tag
 * {pj<partition>}, so a batch is one atomic script on a Redis Cluster too; a query sums the
 * partial counters of every partition.
 */
export class ProjectionKeys {
  constructor(readonly prefix: string) {}
  private tag(partition: number): string {
    return `${this.prefix}:{pj${partition}}`;
  }
  checkpoint(partition: number): string {
    return `${this.tag(partition)}:checkpoint`;
  }
  incidents(partition: number): string {
    return `${this.tag(partition)}:incidents`;
  }
  counters(partition: number, area: string, window: string): string {
    return `${this.tag(partition)}:c:${area}:${window}`;
  }
  /** A frozen monthly bulletin (月通报) of an area: one key, written once. */
  bulletin(area: string, month: string): string {
    return `${this.prefix}:bulletin:${area}:${month}`;
  }
  /** Pub/sub channel told after every applied batch, so live streams on every instance re-read. */
  figuresChanged(): string {
    return `${this.prefix}:figures-changed`;
  }
}

/** One counter hash: an area in a window (summed over partitions when read). */
export interface CounterHash {
  readonly area: string;
  readonly window: string;
}

/** Applies a batch's folded deltas, the incidents it touched and the new checkpoint, or nothing. */
const APPLY = `
local cp = redis.call('GET', KEYS[1]) or ''
if cp ~= ARGV[1] then return redis.error_reply('CONFLICT checkpoint moved') end
local i = 4
for _ = 1, tonumber(ARGV[3]) do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
  i = i + 2
end
for k = 3, #KEYS do
  local n = tonumber(ARGV[i])
  i = i + 1
  for _ = 1, n do
    redis.call('HINCRBY', KEYS[k], ARGV[i], ARGV[i + 1])
    i = i + 2
  end
end
redis.call('SET', KEYS[1], ARGV[2])
return 'OK'
`;

export class CheckpointConflict extends Error {
  readonly code = 'CHECKPOINT_CONFLICT';
}

export class CounterStore {
  constructor(
    private readonly redis: Redis,
    readonly keys: ProjectionKeys,
  ) {}

  async checkpoint(partition: number): Promise<string> {
    return (await this.redis.get(this.keys.checkpoint(partition))) ?? '';
  }

  async loadIncidents(partition: number, ids: readonly string[]): Promise<Map<string, CountedIncident>> {
    const found = new Map<string, CountedIncident>();
    if (ids.length === 0) return found;
    const values = await this.redis.hmget(this.keys.incidents(partition), ...ids);
    ids.forEach((id, i) => {
      const raw = values[i];
      if (raw) found.set(id, JSON.parse(raw) as CountedIncident);
    });
    return found;
  }

  async apply(
    partition: number,
    fromCheckpoint: string,
    toCheckpoint: string,
    incidents: ReadonlyMap<string, CountedIncident>,
    deltas: readonly CounterDelta[],
  ): Promise<void> {
    // Fold the batch in memory: one HINCRBY per distinct field.
    const folded = new Map<string, Map<string, number>>();
    for (const d of deltas) {
      const key = this.keys.counters(partition, d.area, d.window);
      const fields = folded.get(key) ?? new Map<string, number>();
      fields.set(d.field, (fields.get(d.field) ?? 0) + d.by);
      folded.set(key, fields);
    }
    const keys = [this.keys.checkpoint(partition), this.keys.incidents(partition), ...folded.keys()];
    const args: (string | number)[] = [fromCheckpoint, toCheckpoint, incidents.size];
    for (const [id, incident] of incidents) args.push(id, JSON.stringify(incident));
    for (const fields of folded.values()) {
      args.push(fields.size);
      for (const [field, by] of fields) args.push(field, by);
    }
    try {
      await this.redis.eval(APPLY, keys.length, ...keys, ...args);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('CONFLICT'))
        throw new CheckpointConflict(`partition ${partition}: ${err.message}`);
      throw err;
    }
  }

  /** Sums one counter hash across every partition's partial counters. */
  async read(partitions: number, area: string, window: string): Promise<Map<string, number>> {
    const pipeline = this.redis.pipeline();
    for (let p = 0; p < partitions; p++) pipeline.hgetall(this.keys.counters(p, area, window));
    const results = (await pipeline.exec()) ?? [];
    const sum = new Map<string, number>();
    for (const [err, value] of results) {
      if (err) throw err;
      for (const [field, n] of Object.entries(value as Record<string, string>)) sum.set(field, (sum.get(field) ?? 0) + Number(n));
    }
    return sum;
  }

  /**
   * Sums several counter hashes across every partition in one pipelined round trip: P × hashes
   * HMGETs. Only the named fields are read: a hash holds every category's and department's fields,
   * a query wants one scope's.
   */
  async readMany(partitions: number, hashes: readonly CounterHash[], fields: readonly string[]): Promise<Map<string, number>[]> {
    if (hashes.length === 0 || fields.length === 0) return hashes.map(() => new Map<string, number>());
    const pipeline = this.redis.pipeline();
    for (const { area, window } of hashes) {
      for (let p = 0; p < partitions; p++) pipeline.hmget(this.keys.counters(p, area, window), ...fields);
    }
    const results = (await pipeline.exec()) ?? [];
    return hashes.map((_, h) => {
      const sum = new Map<string, number>();
      for (let p = 0; p < partitions; p++) {
        const [err, values] = results[h * partitions + p] ?? [new Error('pipeline answered too few replies'), null];
        if (err) throw err;
        (values as (string | null)[]).forEach((value, f) => {
          const field = fields[f];
          if (value !== null && field !== undefined) sum.set(field, (sum.get(field) ?? 0) + Number(value));
        });
      }
      return sum;
    });
  }
}
