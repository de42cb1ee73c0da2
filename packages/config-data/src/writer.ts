import { randomUUID } from 'node:crypto';
import { DurableProducer, type KafkaClient } from '@gridgov/kafka';
import type { ConfigKind, ConfigDocuments } from './documents.ts';
import type { ConfigFollower } from './follower.ts';
import { changeKey, type ConfigAuthor, type ConfigChange } from './record.ts';
import type { ConfigSnapshot } from './snapshot.ts';

/** Another change made the version first: the caller's view was stale. */
export class ConfigConflictError extends Error {
  readonly code = 'CONFIG_VERSION_CONFLICT';
  constructor(
    readonly expected: number,
    readonly current: number,
  ) {
    super(`the configuration is at version ${current}, not ${expected}: another change came first; reload and try again`);
  }
}

export interface ProposedChange<K extends ConfigKind> {
  readonly kind: K;
  readonly after: ConfigDocuments[K];
  readonly by: ConfigAuthor;
  readonly summary: string;
  /** The version the admin saw (If-Match): the change is made only on top of it. */
  readonly expectedVersion: number;
  readonly at: Date;
}

/**
 * Writes changes to grid.config, one record per change, and answers only once its own follower has read the record
 * back: the change is then in force here, or was refused because another made that version first (ConfigConflictError).
 */
export class ConfigWriter {
  private readonly producer: DurableProducer;
  private connected: Promise<void> | undefined;

  constructor(
    kafka: KafkaClient,
    private readonly topic: string,
    private readonly follower: ConfigFollower,
    private readonly readBackTimeoutMs = 15_000,
  ) {
    this.producer = new DurableProducer(kafka, { retry: { retries: 3, maxRetryTimeMs: 1_000 } });
  }

  async write<K extends ConfigKind>(change: ProposedChange<K>): Promise<ConfigSnapshot> {
    const current = this.follower.current.version;
    if (change.expectedVersion !== current) throw new ConfigConflictError(change.expectedVersion, current);
    const record: ConfigChange = {
      id: randomUUID(),
      version: current + 1,
      kind: change.kind,
      at: change.at.toISOString(),
      by: change.by,
      summary: change.summary,
      after: change.after,
    };
    this.connected ??= this.producer.connect().catch((err: unknown) => {
      this.connected = undefined;
      throw err;
    });
    await this.connected;
    const [delivered] = await this.producer.send(this.topic, [{ key: changeKey(record), value: JSON.stringify(record) }]);
    await this.follower.reached(BigInt(delivered!.offset) + 1n, this.readBackTimeoutMs);
    if (!this.follower.made(record.id)) throw new ConfigConflictError(change.expectedVersion, this.follower.current.version);
    return this.follower.current;
  }

  async close(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
  }
}
