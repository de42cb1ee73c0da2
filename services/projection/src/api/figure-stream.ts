import type { FastifyBaseLogger } from 'fastify';

export interface StreamTiming {
  /** Shortest time between two reads of the same figures. */
  readonly minIntervalMs: number;
  /** How often a `: keep-alive` comment goes out, so proxies keep an idle stream open. */
  readonly keepAliveMs: number;
}

/** Where a watch's figures go: one open stream. */
export type FiguresSink = (text: string) => void;

/**
 * The figures of one query (area, window, scope) for every stream of this instance that watches it: read once per
 * change notice, at most once per `minIntervalMs`, and sent to each of its streams only when they differ from the
 * last sent. The throttle is a cool-down timer after each read, so a watch never reads the clock.
 */
class Watch {
  readonly sinks = new Set<FiguresSink>();
  private lastSent: string | undefined;
  private dirty = false;
  private reading = false;
  private coolDown: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly read: () => Promise<unknown>,
    private readonly timing: StreamTiming,
    private readonly logger: FastifyBaseLogger,
  ) {}

  /** A new stream: what was last read goes to it at once; a watch that has nothing yet reads now. */
  add(sink: FiguresSink): void {
    this.sinks.add(sink);
    if (this.lastSent !== undefined) sink(this.lastSent);
    else this.changed();
  }

  /** A change notice: re-read now, or when the cool-down ends. */
  changed(): void {
    if (this.closed) return;
    this.dirty = true;
    if (!this.reading && !this.coolDown) void this.refresh();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.coolDown);
    this.coolDown = undefined;
  }

  private async refresh(): Promise<void> {
    this.dirty = false;
    this.reading = true;
    try {
      const text = JSON.stringify(await this.read());
      if (text !== this.lastSent && !this.closed) {
        this.lastSent = text;
        for (const sink of this.sinks) sink(text);
      }
    } catch (err) {
      // Redis away for a moment: the next notice (or the reconnect) tries again.
      this.logger.warn({ err, streams: this.sinks.size }, 'live figures could not be read');
    } finally {
      this.reading = false;
    }
    if (this.closed) return;
    this.coolDown = setTimeout(() => {
      this.coolDown = undefined;
      if (this.dirty && !this.closed) void this.refresh();
    }, this.timing.minIntervalMs);
  }
}

/**
 * This instance's live figures, grouped by what the streams watch: a change notice costs one read per distinct query
 * watched, whatever the number of streams (a thousand leaders on the same town's page are one read). The watches
 * listen to the change feed only while there are any.
 */
export class FigureWatches {
  private readonly watches = new Map<string, Watch>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly subscribe: (listener: () => void) => () => void,
    private readonly timing: StreamTiming,
    private readonly logger: FastifyBaseLogger,
  ) {}

  /**
   * Sends the figures of `key` to `sink` now (when known) and whenever they change; `read` reads them (the first
   * stream's reader serves all streams of the key: the key must say everything the read depends on). Returns the
   * unwatch.
   */
  watch(key: string, read: () => Promise<unknown>, sink: FiguresSink): () => void {
    let watch = this.watches.get(key);
    if (!watch) {
      watch = new Watch(read, this.timing, this.logger);
      this.watches.set(key, watch);
      this.unsubscribe ??= this.subscribe(() => this.changed());
    }
    watch.add(sink);
    const mine = watch;
    return () => {
      mine.sinks.delete(sink);
      if (mine.sinks.size > 0 || this.watches.get(key) !== mine) return;
      mine.close();
      this.watches.delete(key);
      if (this.watches.size === 0) {
        this.unsubscribe?.();
        this.unsubscribe = undefined;
      }
    };
  }

  /** How many distinct queries are watched. */
  get size(): number {
    return this.watches.size;
  }

  private changed(): void {
    for (const watch of this.watches.values()) watch.changed();
  }
}
