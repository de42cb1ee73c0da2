import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';

export interface StreamTiming {
  /** Shortest time between two reads of the figures. */
  readonly minIntervalMs: number;
  /** How often a `: keep-alive` comment goes out, so proxies keep an idle stream open. */
  readonly keepAliveMs: number;
}

/**
 * One client's live figures over server-sent events: sent at once, then re-read on each change
 * notice, at most once per `minIntervalMs`, and sent only when they differ from the last sent.
 * The throttle is a cool-down timer after each read, so the stream never reads the clock.
 */
export class FigureStream {
  private lastSent: string | undefined;
  private dirty = false;
  private reading = false;
  private coolDown: NodeJS.Timeout | undefined;
  private readonly keepAlive: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly read: () => Promise<unknown>,
    private readonly timing: StreamTiming,
    private readonly logger: FastifyBaseLogger,
  ) {
    this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), timing.keepAliveMs);
    this.keepAlive.unref();
  }

  start(): void {
    this.write('retry: 2000\n\n');
    void this.refresh();
  }

  /** A change notice: re-read now, or when the cool-down ends. */
  changed(): void {
    if (this.closed) return;
    this.dirty = true;
    if (!this.reading && !this.coolDown) void this.refresh();
  }

  /** Stops timers; the response is ended by the caller or was closed by the client. */
  close(): void {
    this.closed = true;
    clearInterval(this.keepAlive);
    clearTimeout(this.coolDown);
    this.coolDown = undefined;
  }

  private async refresh(): Promise<void> {
    this.dirty = false;
    this.reading = true;
    try {
      const text = JSON.stringify(await this.read());
      if (text !== this.lastSent) {
        this.lastSent = text;
        this.write(`event: figures\ndata: ${text}\n\n`);
      }
    } catch (err) {
      // Redis away for a moment: the next notice (or the reconnect) tries again.
      this.logger.warn({ err }, 'live figures could not be read');
    } finally {
      this.reading = false;
    }
    if (this.closed) return;
    this.coolDown = setTimeout(() => {
      this.coolDown = undefined;
      if (this.dirty && !this.closed) void this.refresh();
    }, this.timing.minIntervalMs);
  }

  private write(chunk: string): void {
    if (!this.closed && !this.res.writableEnded) this.res.write(chunk);
  }
}
