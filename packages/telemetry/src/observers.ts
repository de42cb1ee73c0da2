import type { HistogramSeries } from './keyed-histogram.ts';
import type { ServiceMetrics } from './metrics.ts';

/**
 * What a Kafka consumer tells (the shape packages/kafka's ConsumerObserver asks for): progress per partition,
 * whether it runs, and crashes.
 */
export interface ConsumerMetricsObserver {
  running(groupId: string, running: boolean): void;
  crashed(groupId: string, restart: boolean): void;
  assigned(groupId: string, topic: string, partitions: readonly number[]): void;
  progress(groupId: string, topic: string, partition: number, lag: number, records: number): void;
}

/** The consumer metrics of a service, for runBatchConsumer's `observer`. */
export function consumerObserver(metrics: ServiceMetrics): ConsumerMetricsObserver {
  const owned = new Map<string, Set<string>>();
  return {
    running: (group, running) => metrics.consumerRunning.set({ group }, running ? 1 : 0),
    crashed: (group, restart) => metrics.consumerCrashes.inc({ group, restart: String(restart) }),
    assigned: (group, topic, partitions) => {
      // A partition given to another member is no longer this one's to report: its series goes.
      const key = `${group}\u0000${topic}`;
      const now = new Set(partitions.map(String));
      for (const p of owned.get(key) ?? []) if (!now.has(p)) metrics.consumerLag.remove({ group, topic, partition: p });
      owned.set(key, now);
    },
    progress: (group, topic, partition, lag, records) => {
      metrics.consumerLag.set({ group, topic, partition: String(partition) }, Math.max(0, lag));
      if (records > 0) metrics.recordsConsumed.inc({ group, topic }, records);
    },
  };
}

/** The part of an ioredis client (and of its commands) timed here. */
interface RedisCommandLike {
  readonly name: string;
  readonly promise: Promise<unknown>;
}
interface RedisLike {
  sendCommand(command: RedisCommandLike, ...rest: never[]): unknown;
}

/**
 * Times every command a Redis client sends, from sending to its answer, by command name (lowercase: get, hmget,
 * evalsha...). Commands of a pipeline or MULTI are timed one by one as ioredis sends them. Each command name's series
 * is looked up once and kept: a command costs a clock read, a bucket search and its promise's callback.
 */
export function instrumentRedis<R extends object>(redis: R, metrics: ServiceMetrics): R {
  const client = redis as unknown as RedisLike;
  const send = client.sendCommand.bind(client) as (command: RedisCommandLike, ...rest: unknown[]) => unknown;
  const byName = new Map<string, HistogramSeries>();
  client.sendCommand = (command: RedisCommandLike, ...rest: unknown[]) => {
    const started = performance.now();
    const result = send(command, ...rest);
    let series = byName.get(command.name);
    if (series === undefined) {
      series = metrics.redisDuration.series(command.name.toLowerCase());
      byName.set(command.name, series);
    }
    const timed = series;
    // A declaration, not a named arrow: the bundles' name helper leaves it alone (scripts/bundle-names.mjs).
    function done() {
      timed.observe((performance.now() - started) / 1000);
    }
    command.promise.then(done, done);
    return result;
  };
  return redis;
}
