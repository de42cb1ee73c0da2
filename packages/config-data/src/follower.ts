import { randomUUID } from 'node:crypto';
import { highWatermarks, readTopic, runBatchConsumer, type KafkaClient, type RunningConsumer } from '@gridgov/kafka';
import type { Logger } from 'pino';
import { ConfigHistory, type AuditEntry } from './history.ts';
import type { ConfigSnapshot } from './snapshot.ts';

/** The follower did not read grid.config as far as asked in time (the broker slow or away). */
export class ConfigNotReadError extends Error {
  readonly code = 'CONFIG_NOT_READ';
}

export interface ConfigFollowerOptions {
  readonly kafka: KafkaClient;
  /** grid.config, with the deployment's prefix. */
  readonly topic: string;
  /** Version 0: the deployment's files (loadBaseline). */
  readonly baseline: ConfigSnapshot;
  readonly logger: Logger;
  /** How long `start` waits to have read the topic to its end (default 30 s). */
  readonly catchUpTimeoutMs?: number;
  /** Told of each new version, after it is in force. */
  readonly onChange?: (snapshot: ConfigSnapshot, entry: AuditEntry) => void;
}

/**
 * Follows grid.config for one service instance: reads it from the start (a consumer group of its own, so every instance
 * reads every change), folds it into the versions (ConfigHistory) and swaps the snapshot in force as each change comes,
 * without a restart. `start` resolves once the topic is read to where it ended when the service started.
 */
export class ConfigFollower {
  private readonly history: ConfigHistory;
  private consumer: RunningConsumer | undefined;
  /** The offset after the last record folded. */
  private next = 0n;
  private waiters: { offset: bigint; resolve: () => void }[] = [];
  private readonly versionWaiters = new Set<() => void>();

  constructor(private readonly options: ConfigFollowerOptions) {
    this.history = new ConfigHistory(options.baseline);
  }

  /** The configuration in force now. */
  get current(): ConfigSnapshot {
    return this.history.current;
  }

  get changes(): readonly AuditEntry[] {
    return this.history.changes;
  }

  /** Whether the change with this id made a version (read so far). */
  made(id: string): boolean {
    return this.history.made(id);
  }

  async start(): Promise<void> {
    const { kafka, topic, logger } = this.options;
    const marks = await watermarksOf(kafka, topic);
    // One partition: the changes are in one order, which every instance folds alike.
    if (marks.size !== 1)
      throw new Error(`${topic} has ${marks.size} partitions: the configuration topic has exactly one (infra/topics.json)`);
    const end = marks.get(0) ?? 0n;
    const caughtUp = this.reached(end, this.options.catchUpTimeoutMs ?? 30_000);
    this.consumer = await runBatchConsumer({
      kafka,
      groupId: `${kafka.clientId}-config-${randomUUID()}`,
      topics: [topic],
      logger,
      fromBeginning: true,
      onBatch: (batch) => {
        for (const record of batch.records) this.fold(record.offset, record.value);
        return Promise.resolve();
      },
    });
    await caughtUp;
    logger.info({ configVersion: this.current.version, changes: this.changes.length }, 'configuration read from grid.config');
  }

  /** Resolves once every record before `offset` is folded; rejects after `timeoutMs`. */
  reached(offset: bigint, timeoutMs: number): Promise<void> {
    if (this.next >= offset) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new ConfigNotReadError(`grid.config not read up to offset ${offset} within ${timeoutMs} ms (at ${this.next})`));
      }, timeoutMs);
      const waiter = {
        offset,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  /**
   * Resolves once the version in force is `version` or later, or after `timeoutMs` (logged: the caller goes on with the
   * version it has; a version an intake stamped and this instance cannot reach means their baselines differ).
   */
  async versionReached(version: number, timeoutMs = 5_000): Promise<void> {
    if (this.current.version >= version) return;
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const check = () => {
        if (this.current.version >= version || Date.now() - started >= timeoutMs) {
          this.versionWaiters.delete(check);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(check, timeoutMs);
      this.versionWaiters.add(check);
    });
    if (this.current.version < version) {
      this.options.logger.warn(
        { wanted: version, configVersion: this.current.version },
        'configuration version not reached in time: going on with the one in force',
      );
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
  }

  private fold(offset: string, value: Buffer | null): void {
    const { logger } = this.options;
    const applied = this.history.applyRecord(value);
    if (applied.ok) {
      const { entry } = applied;
      logger.info(
        { configVersion: entry.version, kind: entry.kind, by: entry.by.id, summary: entry.summary },
        'configuration version in force',
      );
      this.options.onChange?.(this.current, entry);
    } else {
      logger.error(
        { offset, reason: applied.reason, configVersion: this.current.version },
        'grid.config record refused: configuration unchanged',
      );
    }
    this.next = BigInt(offset) + 1n;
    const ready = this.waiters.filter((w) => this.next >= w.offset);
    this.waiters = this.waiters.filter((w) => this.next < w.offset);
    for (const w of ready) w.resolve();
    for (const check of [...this.versionWaiters]) check();
  }
}

/** The topic's high watermarks; a topic just created may have no leader yet for a moment: asked again, for up to 10 s. */
async function watermarksOf(kafka: KafkaClient, topic: string): Promise<Map<number, bigint>> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await highWatermarks(kafka, topic);
    } catch (err) {
      if (attempt >= 50 || !(err as { retriable?: boolean }).retriable) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * The configuration in force now, read once from grid.config (what a restore or rebuild command decides and folds
 * with, as the running services do): the baseline, then every valid change; refused records are logged.
 */
export async function readConfiguration(
  options: Pick<ConfigFollowerOptions, 'kafka' | 'topic' | 'baseline' | 'logger'>,
): Promise<ConfigSnapshot> {
  const history = new ConfigHistory(options.baseline);
  for (const record of await readTopic(options.kafka, options.topic)) {
    const applied = history.applyRecord(record.value);
    if (!applied.ok)
      options.logger.error({ offset: record.offset, reason: applied.reason }, 'grid.config record refused: configuration unchanged');
  }
  options.logger.info({ configVersion: history.current.version }, 'configuration read from grid.config');
  return history.current;
}
