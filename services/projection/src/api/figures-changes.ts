import type { Redis } from '@gridgov/redis';
import type { Logger } from '@gridgov/runtime';

/** Tells every projection instance that counters changed (the projector's `onApplied`). */
export class FiguresChangePublisher {
  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
    private readonly logger: Logger,
  ) {}

  /** Fire and forget: a lost notice delays a live stream until the next batch, it loses no count. */
  applied(partition: number, events: number): void {
    if (events === 0) return;
    this.redis.publish(this.channel, JSON.stringify({ partition, events })).catch((err: unknown) => {
      this.logger.warn({ err, partition }, 'could not publish figures-changed');
    });
  }
}

/**
 * One instance's subscription to the figures-changed channel, on its own connection (a subscribed
 * connection can run no other command), fanned out to the live streams of this instance.
 */
export class FiguresChangeFeed {
  private readonly listeners = new Set<() => void>();
  private subscribed = false;

  constructor(
    private readonly subscriber: Redis,
    readonly channel: string,
    private readonly logger: Logger,
  ) {
    subscriber.on('message', (channel: string) => {
      if (channel === this.channel) this.notify();
    });
    // Notices sent while the connection was down are lost: after a reconnect every stream re-reads.
    subscriber.on('ready', () => {
      if (this.subscribed) this.notify();
    });
  }

  async start(): Promise<void> {
    await this.subscriber.subscribe(this.channel);
    this.subscribed = true;
  }

  /** Calls `listener` on every change; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells this instance's streams to re-read, as a notice would (e.g. the generation changed). */
  notifyAll(): void {
    this.notify();
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.subscribed = false;
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }

  private notify(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch (err) {
        this.logger.error({ err }, 'figures-changed listener failed');
      }
    }
  }
}
