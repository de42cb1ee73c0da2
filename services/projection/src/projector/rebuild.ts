import type { EventVerifier } from '@gridgov/auth';
/**
 * Rebuilds the projection from grid.events into a fresh generation and switches queries to it
 * (ADR 0005). The library: call `rebuildProjection` (tests, `pnpm restore`); the command
 * `pnpm rebuild-projection [--drop-old] [--grace <s>]` is `../rebuild-cli.ts`.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Topics } from '@gridgov/contracts';
import type { AreaTree } from '@gridgov/domain';
import { KafkaAdmin, type KafkaClient } from '@gridgov/kafka';
import { compareAndDelete, defineScript, integerReply, type Redis } from '@gridgov/redis';
import type { Logger, Progress } from '@gridgov/runtime';
import { FIRST_GENERATION, ProjectionKeys } from './counter-store.ts';
import { dropGeneration, ProjectionGenerations } from './generation.ts';
import { Projector } from './projector.ts';

export interface RebuildOptions {
  readonly kafka: KafkaClient;
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly topics: Topics;
  readonly areas: AreaTree;
  /** The live projector's group (TOPIC_PREFIX + PROJECTION_GROUP_ID): the rebuild's own group is named after it. */
  readonly groupId: string;
  readonly logger: Logger;
  /** Checks each event before it counts (ADR 0019). */
  readonly eventVerifier: EventVerifier;
  /** The DLQ time of a malformed record; the rebuild sends none, the projector wants one. */
  readonly clock: () => Date;
  /** Partitions folded at once (default: all). */
  readonly partitionsConcurrently?: number;
  /** The most writes one apply script makes (default APPLY_WRITES): live queries wait behind each. */
  readonly applyWrites?: number;
  /** Delete the replaced generation after `graceMs` (default: keep it). */
  readonly dropOld?: boolean;
  /** How long the replaced generation stays after the switch before `dropOld` deletes it (default 60 s). */
  readonly graceMs?: number;
  /** Catch-up rounds at most before switching anyway (default 5): the live projector applies the rest. */
  readonly maxRounds?: number;
  /** How often the checkpoints are compared with the targets (default 100 ms). */
  readonly pollMs?: number;
  readonly progress?: Progress;
  readonly signal?: AbortSignal;
  /** Called once caught up, the replay stopped, right before the switch (tests put events there). */
  readonly beforeSwitch?: () => Promise<void>;
}

export interface RebuildReport {
  readonly generation: number;
  readonly previous: number;
  /** Catch-up rounds: 1 + how often the high watermarks had moved when the last target was reached. */
  readonly rounds: number;
  /** High watermarks at the switch, which the new generation's checkpoints had reached. */
  readonly switchedAt: Readonly<Record<number, string>>;
  /** Events read: applied + duplicates + gaps + deadLetters. */
  readonly events: number;
  readonly applied: number;
  readonly duplicates: number;
  readonly gaps: number;
  readonly deadLetters: number;
  /** Incidents the new generation knows. */
  readonly incidents: number;
  /** From the start (group join included) until caught up and stopped, right before the switch. */
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Keys of the replaced generation deleted (dropOld), or null when it was kept. */
  readonly dropped: number | null;
}

export class RebuildRefused extends Error {
  readonly code = 'REBUILD_REFUSED';
}

/** Extends the rebuild lock by `ttlMs` while it still holds this rebuild's token: 1, else 0 (the lock was lost). */
const renewRebuildLock = defineScript({
  name: 'projectionRenewRebuildLock',
  keys: ['lockKey'],
  argv: ['token', 'ttlMs'],
  lua: `
local lockKey = KEYS[1]
local token = ARGV[1]
local ttlMs = ARGV[2]
if redis.call('GET', lockKey) == token then return redis.call('PEXPIRE', lockKey, ttlMs) end
return 0
`,
  reply: integerReply,
});

/** One rebuild at a time: a key with a TTL, renewed while the rebuild runs, so a killed one frees it. */
export class RebuildLock {
  private lost = false;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly token: string,
    private readonly ttlMs: number,
    logger: Logger,
  ) {
    this.timer = setInterval(() => {
      this.renew().catch((err: unknown) => logger.warn({ err }, 'could not renew the rebuild lock'));
    }, ttlMs / 3);
    this.timer.unref();
  }

  static async acquire(redis: Redis, key: string, logger: Logger, ttlMs = 30_000): Promise<RebuildLock> {
    const token = JSON.stringify({ host: hostname(), pid: process.pid, id: randomUUID(), since: new Date().toISOString() });
    if ((await redis.set(key, token, 'PX', ttlMs, 'NX')) !== 'OK') {
      const holder = await redis.get(key);
      throw new RebuildRefused(
        `another rebuild holds ${key}: ${holder ?? '(just released)'}; it frees within ${ttlMs / 1000} s of that rebuild's end`,
      );
    }
    return new RebuildLock(redis, key, token, ttlMs, logger);
  }

  /** Extends the lock if it is still this rebuild's (every third of its TTL); once it is not, the lock is lost. */
  async renew(): Promise<boolean> {
    const renewed = (await renewRebuildLock.run(this.redis, { lockKey: this.key }, { token: this.token, ttlMs: this.ttlMs })) === 1;
    if (!renewed) this.lost = true;
    return renewed;
  }

  assertHeld(): void {
    if (this.lost) throw new RebuildRefused('the rebuild lock expired (Redis unreachable for too long?): not switching');
  }

  /** Stops renewing and frees the lock, if it is still this rebuild's (never another's that took it after it expired). */
  async release(): Promise<void> {
    clearInterval(this.timer);
    await compareAndDelete.run(this.redis, { key: this.key }, { expected: this.token });
  }
}

interface Watermarks {
  readonly low: bigint;
  readonly high: bigint;
}

async function watermarks(admin: KafkaAdmin, topic: string): Promise<Map<number, Watermarks>> {
  const offsets = await admin.watermarks(topic);
  return new Map(offsets.map((o) => [o.partition, { low: o.low, high: o.high }]));
}

const eventsTo = (marks: ReadonlyMap<number, Watermarks>) => [...marks.values()].reduce((n, m) => n + Number(m.high - m.low), 0);

/** Every partition's checkpoint is at or beyond the last offset below its high watermark. */
function caughtUp(marks: ReadonlyMap<number, Watermarks>, checkpoints: readonly string[]): boolean {
  return [...marks].every(
    ([p, m]) => m.high <= m.low || (checkpoints[p] !== undefined && checkpoints[p] !== '' && BigInt(checkpoints[p]) + 1n >= m.high),
  );
}

/**
 * Replays grid.events from the beginning into generation N+1 (left-overs of an unfinished one
 * removed first), until its checkpoints reach the high watermarks measured when the previous
 * target was reached; then makes it current and tells every instance. The live projector
 * re-positions itself at the new generation's checkpoints: nothing is lost or counted twice.
 */
export async function rebuildProjection(options: RebuildOptions): Promise<RebuildReport> {
  const { kafka, redis, topics, logger } = options;
  const keys = new ProjectionKeys(options.keyPrefix, FIRST_GENERATION);
  const generations = new ProjectionGenerations(redis, keys, logger);
  const lock = await RebuildLock.acquire(redis, keys.rebuildLock(), logger);
  const admin = new KafkaAdmin(kafka);
  try {
    await admin.connect();
    const previous = await generations.read();
    const generation = previous + 1;
    const target = generations.store(generation);
    const leftovers = await dropGeneration(redis, keys.at(generation));
    if (leftovers > 0) logger.warn({ generation, keys: leftovers }, 'removed the left-overs of an unfinished rebuild');

    const started = performance.now();
    let marks = await watermarks(admin, topics.events);
    // 0..P-1: checkpoints[p] below is partition p's.
    const partitions = [...marks.keys()].sort((a, b) => a - b);
    const groupId = `${options.groupId}-rebuild-g${generation}-${randomUUID().slice(0, 8)}`;
    logger.info({ generation, previous, events: eventsTo(marks), partitions: partitions.length, groupId }, 'rebuild started');
    let crashed: Error | undefined;
    const projector = new Projector({
      kafka,
      generations,
      generation,
      areas: options.areas,
      topics,
      groupId,
      logger,
      partitionsConcurrently: options.partitionsConcurrently ?? Math.max(1, partitions.length),
      ...(options.applyWrites ? { applyWrites: options.applyWrites } : {}),
      clock: options.clock,
      eventVerifier: options.eventVerifier,
      deadLetters: 'count',
      onCrash: (err) => (crashed = err),
    });
    const seconds = () => (performance.now() - started) / 1000;
    options.progress?.start(() => ({ done: projector.totals.records, total: eventsTo(marks), seconds: seconds() }));

    let rounds = 1;
    let checkpoints: string[] = [];
    await projector.start();
    try {
      for (;;) {
        // Wait for this round's target.
        for (;;) {
          if (options.signal?.aborted)
            throw new RebuildRefused(`rebuild aborted; generation ${generation} left unfinished (the next rebuild clears it)`);
          if (crashed) throw crashed;
          lock.assertHeld();
          checkpoints = await target.checkpoints(partitions);
          if (caughtUp(marks, checkpoints)) break;
          await sleep(options.pollMs ?? 100);
        }
        // Events that arrived meanwhile: another round, unless none did.
        const now = await watermarks(admin, topics.events);
        if (caughtUp(now, checkpoints)) {
          marks = now;
          break;
        }
        if (rounds >= (options.maxRounds ?? 5)) {
          logger.warn({ rounds }, 'events keep arriving: switching now, the live projector applies the rest');
          break;
        }
        marks = now;
        rounds++;
      }
    } finally {
      await projector.stop();
      options.progress?.stop();
      // Its offsets mean nothing once it stopped (the checkpoints say where the generation is).
      await admin
        .deleteGroups([groupId])
        .catch((err: unknown) => logger.warn({ err, groupId }, 'could not delete the rebuild consumer group'));
    }

    const elapsed = seconds();
    const totals = projector.totals;
    await options.beforeSwitch?.();
    lock.assertHeld();
    // Caught up: the new generation is whole (ADR 0009), so queries may read it the moment it is current.
    // Read again: the projector folded on until it stopped. A checkpoint that moves after that is not this rebuild's.
    checkpoints = await target.checkpoints(partitions);
    for (const [i, p] of partitions.entries()) {
      if (!(await target.markRestored(p, checkpoints[i] ?? '', new Date())))
        throw new RebuildRefused(`generation ${generation}: partition ${p}'s checkpoint moved after the rebuild stopped; not switched`);
    }
    await generations.switchTo(previous, generation);
    const incidents = await target.incidentCount(partitions.length);
    logger.info({ generation, previous, ...totals, incidents, seconds: elapsed }, 'projection generation switched');

    let dropped: number | null = null;
    if (options.dropOld) dropped = await dropAfterGrace(options, generations, previous);
    return {
      generation,
      previous,
      rounds,
      switchedAt: Object.fromEntries([...marks].map(([p, m]) => [p, m.high.toString()])),
      events: totals.records,
      applied: totals.applied,
      duplicates: totals.duplicates,
      gaps: totals.gaps,
      deadLetters: totals.deadLetters,
      incidents,
      seconds: elapsed,
      eventsPerSecond: elapsed > 0 ? totals.records / elapsed : 0,
      dropped,
    };
  } finally {
    await admin.disconnect().catch(() => undefined);
    await lock.release().catch((err: unknown) => logger.warn({ err }, 'could not release the rebuild lock: it expires by itself'));
  }
}

/**
 * Deletes the replaced generation once every instance has surely followed the switch (a missed
 * notice is caught by the GENERATION_REFRESH_MS poll) and the live projector's last batches there
 * are done; not if the pointer went back to it meanwhile.
 */
async function dropAfterGrace(options: RebuildOptions, generations: ProjectionGenerations, old: number): Promise<number | null> {
  const { logger } = options;
  const graceMs = options.graceMs ?? 60_000;
  logger.info({ generation: old, graceMs }, 'dropping the replaced generation after the grace period');
  try {
    await sleep(graceMs, undefined, options.signal ? { signal: options.signal } : {});
  } catch {
    logger.warn({ generation: old }, 'interrupted during the grace period: the replaced generation is kept');
    return null;
  }
  if ((await generations.read()) === old) {
    logger.warn({ generation: old }, 'the replaced generation is current again: kept');
    return null;
  }
  return dropGeneration(options.redis, generations.keys.at(old));
}

export function summary(report: RebuildReport): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const lines = [
    `projection rebuilt: generation ${report.generation} is current (was ${report.previous})`,
    `  ${n(report.events)} events read in ${report.seconds.toFixed(1)} s (${n(Math.round(report.eventsPerSecond))} events/s, group join included), ${report.rounds} catch-up round${report.rounds === 1 ? '' : 's'}`,
    `  ${n(report.applied)} applied, ${n(report.duplicates)} duplicates skipped, ${n(report.gaps)} version gaps, ${n(report.deadLetters)} malformed (already in the DLQ)`,
    `  ${n(report.incidents)} incidents`,
    report.dropped === null
      ? `  generation ${report.previous} kept: drop it with --drop-generation ${report.previous} once no longer wanted`
      : `  generation ${report.previous} dropped (${n(report.dropped)} keys)`,
  ];
  return lines.join('\n');
}
