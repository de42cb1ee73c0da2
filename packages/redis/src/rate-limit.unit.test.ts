import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GatheredRateLimitStore, RateLimitKeys, type RateLimitHit } from './rate-limit.ts';

describe('the rate limits key layout', () => {
  it('is <prefix>:ratelimit:<subject>, one key per counter', () => {
    const keys = new RateLimitKeys('grid');
    expect(keys.counter('ip:10.0.0.1')).toBe('grid:ratelimit:ip:10.0.0.1');
    expect(keys.counter('user:staff-001')).toBe('grid:ratelimit:user:staff-001');
  });
});

/** Redis's counters as the script keeps them: a window opened by the hits that make the key, on a clock of the test's. */
class FakeCounters {
  readonly calls: { subject: string; hits: number }[] = [];
  private readonly counters = new Map<string, { count: number; endsAt: number }>();
  failing = false;
  constructor(private readonly clock: { now: number }) {}

  add(subject: string, windowMs: number, hits: number): Promise<RateLimitHit> {
    this.calls.push({ subject, hits });
    if (this.failing) return Promise.reject(new Error('no answer'));
    let counter = this.counters.get(subject);
    if (!counter || this.clock.now >= counter.endsAt) {
      counter = { count: 0, endsAt: this.clock.now + windowMs };
      this.counters.set(subject, counter);
    }
    counter.count += hits;
    return Promise.resolve({ count: counter.count, resetInMs: counter.endsAt - this.clock.now });
  }

  count(subject: string): number {
    return this.counters.get(subject)?.count ?? 0;
  }
}

function gathered(options: { maxSubjects?: number } = {}) {
  const clock = { now: 1_000_000 };
  const redis = new FakeCounters(clock);
  const errors: number[] = [];
  const store = new GatheredRateLimitStore(redis, {
    flushMs: 3_600_000, // flushed by the test
    now: () => clock.now,
    onFlushError: (_err, subjects) => errors.push(subjects),
    ...options,
  });
  return { clock, redis, store, errors };
}

describe('GatheredRateLimitStore', () => {
  it('sends a subject’s first hit at once, counts the next ones itself while well within the limit, and sends them in one call', async () => {
    const { redis, store } = gathered();
    expect(await store.hit('user:a', 60_000, 1_000)).toEqual({ count: 1, resetInMs: 60_000 });
    expect(redis.calls).toEqual([{ subject: 'user:a', hits: 1 }]);
    const counts = [];
    for (let i = 0; i < 5; i++) {
      const answer = store.hit('user:a', 60_000, 1_000);
      // From memory: at once, no promise to wait for.
      expect(answer).not.toBeInstanceOf(Promise);
      counts.push((await answer).count);
    }
    expect(counts).toEqual([2, 3, 4, 5, 6]);
    expect(redis.calls).toHaveLength(1);
    await store.flush();
    expect(redis.calls).toEqual([
      { subject: 'user:a', hits: 1 },
      { subject: 'user:a', hits: 5 },
    ]);
    expect(redis.count('user:a')).toBe(6);
  });

  it('goes to Redis at once when the hits held here reach a hundredth of the limit, sending them with it', async () => {
    const { redis, store } = gathered();
    await store.hit('user:a', 60_000, 1_000); // sent: 1
    for (let i = 0; i < 10; i++) await store.hit('user:a', 60_000, 1_000); // held: 10, a hundredth of 1,000
    expect(redis.calls).toHaveLength(1);
    expect((await store.hit('user:a', 60_000, 1_000)).count).toBe(12);
    expect(redis.calls.at(-1)).toEqual({ subject: 'user:a', hits: 11 });
  });

  it('answers every hit from Redis once the count would pass half the limit, and under a limit of 100 always', async () => {
    const { redis, store } = gathered();
    for (let i = 0; i < 6; i++) await store.hit('ip:small', 60_000, 99);
    expect(redis.calls).toHaveLength(6);
    for (let i = 0; i < 260; i++) await store.hit('user:b', 60_000, 200);
    // Held here at most 2 (a hundredth of 200) at a time, and none once Redis's count is past 100.
    const sent = redis.calls.filter((c) => c.subject === 'user:b');
    expect(sent.every((c) => c.hits <= 3)).toBe(true);
    expect(sent.slice(-160).every((c) => c.hits === 1)).toBe(true);
    expect(redis.count('user:b')).toBe(260);
  });

  it('opens a new window in Redis for the first hit after its window ended; hits held for the ended window are dropped', async () => {
    const { clock, redis, store } = gathered();
    await store.hit('user:a', 60_000, 1_000);
    await store.hit('user:a', 60_000, 1_000); // held
    clock.now += 60_000;
    expect(await store.hit('user:a', 60_000, 1_000)).toEqual({ count: 1, resetInMs: 60_000 });
    expect(redis.calls.at(-1)).toEqual({ subject: 'user:a', hits: 1 });
    await store.flush();
    expect(redis.calls).toHaveLength(2);
    clock.now += 60_000;
    await store.flush();
    expect(store.size).toBe(0);
  });

  it('says how many subjects’ hits a failed send lost, and does not send them again', async () => {
    const { redis, store, errors } = gathered();
    await store.hit('user:a', 60_000, 1_000);
    await store.hit('user:b', 60_000, 1_000);
    await store.hit('user:a', 60_000, 1_000);
    await store.hit('user:b', 60_000, 1_000);
    redis.failing = true;
    await store.flush();
    expect(errors).toEqual([2]);
    redis.failing = false;
    await store.flush();
    expect(redis.calls).toHaveLength(4);
  });

  it('sends once at a time: a Redis that does not answer gets one call a subject, not one every flushMs', async () => {
    const calls: number[] = [];
    let answers = 0;
    const store = new GatheredRateLimitStore(
      {
        add: (_subject, windowMs, hits) => {
          calls.push(hits);
          // The first answer (the subject's first hit) comes; the rest never do.
          return answers++ === 0 ? Promise.resolve({ count: hits, resetInMs: windowMs }) : new Promise<RateLimitHit>(() => undefined);
        },
      },
      { flushMs: 5 },
    );
    await store.hit('user:a', 60_000, 1_000);
    void store.hit('user:a', 60_000, 1_000);
    await new Promise((r) => setTimeout(r, 30));
    void store.hit('user:a', 60_000, 1_000);
    await new Promise((r) => setTimeout(r, 60));
    // The first hit, then one send of what was held; the hit held since waits for that send to end.
    expect(calls).toHaveLength(2);
    void store.close();
  });

  it('keeps at most maxSubjects; the hits of others all go to Redis', async () => {
    const { redis, store } = gathered({ maxSubjects: 1 });
    await store.hit('user:a', 60_000, 1_000);
    await store.hit('user:b', 60_000, 1_000);
    await store.hit('user:b', 60_000, 1_000);
    await store.hit('user:a', 60_000, 1_000);
    expect(redis.calls.map((c) => c.subject)).toEqual(['user:a', 'user:b', 'user:b']);
    expect(store.size).toBe(1);
  });

  it('keeps the latest count of a window when Redis’s answers come back out of order', async () => {
    const clock = { now: 0 };
    const counters = new FakeCounters(clock);
    const held: (() => void)[] = [];
    // Answers computed when asked (Redis's order), handed back when the test says.
    const store = new GatheredRateLimitStore(
      {
        add: (subject, windowMs, hits) =>
          counters.add(subject, windowMs, hits).then((answer) => new Promise<RateLimitHit>((resolve) => held.push(() => resolve(answer)))),
      },
      { flushMs: 3_600_000, now: () => clock.now },
    );
    const first = store.hit('user:a', 60_000, 1_000);
    await Promise.resolve();
    held.shift()!();
    expect((await first).count).toBe(1);
    for (let i = 0; i < 10; i++) await store.hit('user:a', 60_000, 1_000);
    const sentAtOnce = store.hit('user:a', 60_000, 1_000); // the 12th: 11 sent, Redis says 12
    for (let i = 0; i < 3; i++) await store.hit('user:a', 60_000, 1_000); // held: 3
    const flushed = store.flush(); // 3 sent, Redis says 15
    await new Promise((r) => setTimeout(r, 0));
    expect(held).toHaveLength(2);
    held.pop()!(); // 15 first
    await flushed;
    held.pop()!(); // then 12
    expect((await sentAtOnce).count).toBe(12);
    expect((await store.hit('user:a', 60_000, 1_000)).count).toBe(16);
  });

  it('without a limit, counts every hit in Redis', async () => {
    const { redis, store } = gathered();
    for (let i = 0; i < 3; i++) await store.hit('open311:app', 60_000);
    expect(redis.calls).toHaveLength(3);
  });

  it('over instances sharing Redis: never refuses within the limit, accepts at most a hundredth of it more an instance, and every hit reaches Redis', async () => {
    let reached = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 100, max: 600 }),
        // Runs of hits at one instance, each maybe followed by that instance's send.
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 2 }), hits: fc.integer({ min: 1, max: 40 }), send: fc.boolean() }), {
          minLength: 20,
          maxLength: 120,
        }),
        async (limit, runs) => {
          const clock = { now: 0 };
          const redis = new FakeCounters(clock);
          const instances = [0, 1, 2].map(() => new GatheredRateLimitStore(redis, { flushMs: 3_600_000, now: () => clock.now }));
          let hits = 0;
          let accepted = 0;
          let refusedAt: number | undefined;
          for (const run of runs) {
            const instance = instances[run.at]!;
            for (let i = 0; i < run.hits; i++) {
              hits++;
              const { count } = await instance.hit('user:x', 60_000, limit);
              if (count <= limit) accepted++;
              else refusedAt ??= hits;
            }
            if (run.send) await instance.flush();
          }
          for (const instance of instances) await instance.close();
          if (refusedAt !== undefined) {
            reached++;
            expect(refusedAt).toBeGreaterThan(limit);
          }
          expect(accepted).toBeLessThanOrEqual(limit + 3 * Math.floor(limit / 100));
          expect(redis.count('user:x')).toBe(hits);
        },
      ),
      { numRuns: 200 },
    );
    // The runs went past the limit, most of them.
    expect(reached).toBeGreaterThan(100);
  });
});
