import type { Clock } from '@gridgov/redis';
import type { Logger } from '@gridgov/runtime';
import { freezeBulletin, type BulletinFreezeDeps } from './bulletin-freeze.ts';
import { dueMonth, freezeInstant, monthText, type FreezeAt } from './bulletin-schedule.ts';

export interface BulletinFreezerOptions extends BulletinFreezeDeps {
  readonly at: FreezeAt;
  /** The deployment's clock (CLOCK_SOURCE): tests and demos move it. */
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * 月通报 frozen by themselves (BULLETIN_FREEZE_AT): once the last month's freeze time has passed, its bulletin is
 * frozen for every area that has children to rank (city, district, towns, communities: those a leader may POST for).
 * Every instance runs this; the first freeze of each area and month wins (BulletinStore.freeze claims the key with
 * SET NX before the bulletin goes on grid.bulletins), so the log holds each exactly once, and a freeze by hand before
 * it is kept. Only the latest due month is frozen: a deployment started late does not freeze its history.
 */
export class BulletinFreezer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** The month this instance has seen frozen for every area: nothing to do until the next is due. */
  private done: string | undefined;

  constructor(private readonly options: BulletinFreezerOptions) {}

  /** Checks now, then every `intervalMs`; an error is logged and the next check tries again. */
  start(intervalMs: number): void {
    const tick = () => {
      this.running ??= this.freezeDue()
        .then(() => undefined)
        .catch((err: unknown) => this.options.logger.error({ err }, 'bulletin auto-freeze failed; trying again at the next check'))
        .finally(() => (this.running = undefined));
    };
    tick();
    this.timer = setInterval(tick, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Freezes the due month's bulletins that are missing; answers the month and how many this call froze. */
  async freezeDue(): Promise<{ month: string; frozen: number }> {
    const { at, areas, clock, logger } = this.options;
    const now = await clock();
    const due = dueMonth(now, at);
    const month = monthText(due);
    if (this.done === month) return { month, frozen: 0 };
    let frozen = 0;
    for (const area of areas.all()) {
      if (areas.children(area.code).length === 0) continue;
      const kept = await freezeBulletin(this.options, area, month, now, 'schedule');
      if (kept.created) {
        frozen += 1;
        logger.info({ area: area.code, month, dueAt: freezeInstant(due, at).toISOString() }, 'bulletin frozen by the schedule');
      }
    }
    this.done = month;
    if (frozen > 0) logger.info({ month, frozen }, 'bulletins of the month frozen by the schedule');
    return { month, frozen };
  }
}
