import { randomUUID } from 'node:crypto';
import { Catalog, counterField } from '@gridgov/domain';
import { createRedis, redisReady, StreamSlots, type Redis } from '@gridgov/redis';
import { Redis as RedisClient } from 'ioredis';
import { bearer, createTestInfra, eventually, loadXinhuiAreas, testToken, testTokenVerifier, type TestInfra } from '@gridgov/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProjectionApp } from './app.ts';
import { BulletinStore } from './bulletin.ts';
import { FiguresChangeFeed, FiguresChangePublisher } from './figures-changes.ts';
import { DEFAULT_WEIGHTS } from './weights.ts';
import { KafkaBulletinLog } from '../projector/bulletin-log.ts';
import { FIRST_GENERATION, ProjectionKeys } from '../projector/counter-store.ts';
import { ProjectionGenerations } from '../projector/generation.ts';

/**
 * The live figure streams as someone holding one valid token would try them (issue 20, finding 4): a stream ends when
 * its token would be refused, one user cannot open streams without end over several instances, and a change costs
 * one read per query watched, not one per stream.
 */
const areas = loadXinhuiAreas();
const [townA, townB] = areas.ofLevel('town');
const NOW = new Date('2026-11-22T02:00:00Z');
const PARTITIONS = 2;
const CAP = 10;
const CITY_LEADER = { role: 'leader', areas: ['440700'] } as const;

interface Instance {
  readonly app: FastifyInstance;
  readonly feed: FiguresChangeFeed;
  readonly slots: StreamSlots;
  readonly url: string;
}

interface SseBlock {
  readonly event: string;
  readonly data: string;
}

describe('live figure streams under a token holder’s attack, on the real Redis', () => {
  let infra: TestInfra;
  let keys: ProjectionKeys;
  /** The connection instances read and count streams with, unless given their own. */
  let reads: Redis;
  const connections: Redis[] = [];
  let publisher: FiguresChangePublisher;
  const instances: Instance[] = [];
  const streams: { close: () => void }[] = [];

  /** A projection instance of this deployment: its own app, subscriber connection and slot renewal. */
  async function instance(redis = reads, leaseMs = 600_000): Promise<Instance> {
    const feed = new FiguresChangeFeed(infra.redis.duplicate(), keys.figuresChanged(), infra.logger);
    await feed.start();
    const slots = new StreamSlots(redis, infra.keyPrefix, { perUser: CAP, leaseMs }, infra.logger);
    const app = buildProjectionApp({
      logger: infra.logger,
      store: new ProjectionGenerations(redis, keys, infra.logger).store(FIRST_GENERATION),
      bulletins: new BulletinStore(redis, keys, new KafkaBulletinLog(infra.kafka, infra.topics.bulletins, infra.logger)),
      changes: feed,
      areas,
      catalog: new Catalog(),
      partitions: PARTITIONS,
      clock: () => NOW,
      ready: () => Promise.resolve(true),
      rankingWeights: DEFAULT_WEIGHTS,
      stream: { minIntervalMs: 50, slots },
      edge: { authenticate: testTokenVerifier().authenticate },
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    const running = { app, feed, slots, url };
    instances.push(running);
    return running;
  }

  /** Opens a stream as a client would; a refusal comes back with its status, headers and body. */
  async function open(url: string, authorization: string) {
    const abort = new AbortController();
    const res = await fetch(url, { signal: abort.signal, headers: { accept: 'text/event-stream', authorization } });
    const close = () => abort.abort();
    if (res.status !== 200) {
      return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { error: { code: string } } };
    }
    streams.push({ close });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let done = false;
    const block = async (): Promise<SseBlock | undefined> => {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const lines = buffer.slice(0, end).split('\n');
          buffer = buffer.slice(end + 2);
          const event = lines.find((l) => l.startsWith('event: '))?.slice('event: '.length);
          // retry: and keep-alive comments are not events
          if (event === undefined) continue;
          return { event, data: lines.find((l) => l.startsWith('data: '))?.slice('data: '.length) ?? '' };
        }
        if (done) return undefined;
        const chunk = await reader.read().catch(() => ({ done: true as const, value: undefined }));
        if (chunk.done) done = true;
        else buffer += chunk.value;
      }
    };
    /** Fails instead of hanging when nothing comes (a safety net, not a timed assertion). */
    const within = <T>(promise: Promise<T>, what: string, ms = 20_000) =>
      Promise.race([
        promise,
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} from ${url} within ${ms} ms`)), ms).unref()),
      ]);
    return {
      status: 200 as const,
      close,
      /** The next `figures` event's answer. */
      figures: () =>
        within(
          (async () => {
            for (;;) {
              const next = await block();
              if (next === undefined) throw new Error('the stream ended');
              if (next.event === 'figures') return JSON.parse(next.data) as { window: { id: string }; figures: { reported: number } };
            }
          })(),
          'no figures',
        ),
      /** Every event up to the end of the stream. */
      untilEnd: () =>
        within(
          (async () => {
            const seen: SseBlock[] = [];
            for (let next = await block(); next !== undefined; next = await block()) seen.push(next);
            return seen;
          })(),
          'no end of the stream',
        ),
    };
  }

  const streamUrl = (at: Instance, area: string) => `${at.url}/v1/streams/figures?area=${area}&window=all`;
  const accepted = <T extends { status: number }>(s: T): Extract<T, { status: 200 }> => {
    expect(s.status).toBe(200);
    return s as Extract<T, { status: 200 }>;
  };

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { events: PARTITIONS } });
    keys = new ProjectionKeys(infra.keyPrefix, FIRST_GENERATION);
    reads = createRedis(infra.redisUrl, 'stream-test-reads');
    await redisReady(reads);
    publisher = new FiguresChangePublisher(infra.redis, keys.figuresChanged(), infra.logger);
  });

  afterAll(async () => {
    for (const s of streams) s.close();
    for (const i of instances) {
      await i.app.close();
      await i.feed.close();
      i.slots.close();
    }
    for (const c of connections) c.disconnect();
    reads?.disconnect();
    await infra?.cleanup();
  });

  it('ends a stream when its token expires, with an event that says why, while the same token gets 401 elsewhere', async () => {
    const one = await instance();
    // Issued 28 s ago for 1 s: refused 30 s (the tolerance) after its exp, 3 s from now.
    const token = testToken({ ...CITY_LEADER, sub: 'leader-expiring', ttlSeconds: 1 }, Date.now() - 28_000);
    const stream = accepted(await open(streamUrl(one, townA!.code), `Bearer ${token}`));
    expect((await stream.figures()).figures.reported).toBe(0);

    const rest = await stream.untilEnd();
    const last = rest.at(-1)!;
    expect(last.event).toBe('token-expired');
    const { error } = JSON.parse(last.data) as { error: { code: string; message: string } };
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.message).toMatch(/^the token expired at .*; reconnect with a fresh one$/);
    const elsewhere = await fetch(`${one.url}/v1/figures?area=${townA!.code}&window=all`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(elsewhere.status).toBe(401);
    // Its slot is given back.
    await eventually(
      () => infra.redis.zcard(one.slots.key('leader-expiring')),
      (n) => n === 0,
    );
  });

  it('refuses one user’s streams beyond the cap, counted over two instances sharing Redis, and frees a slot when a stream ends', async () => {
    const [one, two] = [await instance(), await instance()];
    const greedy = bearer({ ...CITY_LEADER, sub: 'leader-greedy' }).authorization;
    const answers = [];
    for (let i = 0; i < 200; i++) answers.push(await open(streamUrl(i % 2 === 0 ? one : two, townA!.code), greedy));

    const open200 = answers.filter((a) => a.status === 200);
    expect(open200).toHaveLength(CAP);
    // The first CAP, half on each instance: the cap is one count over both.
    expect(answers.slice(0, CAP).every((a) => a.status === 200)).toBe(true);
    const refused = answers.slice(CAP);
    expect(refused).toHaveLength(200 - CAP);
    for (const answer of refused) {
      expect(answer).toMatchObject({ status: 429, body: { error: { code: 'TOO_MANY_STREAMS' } } });
      expect('retryAfter' in answer ? answer.retryAfter : undefined).toMatch(/^\d+$/);
    }
    expect(await infra.redis.zcard(one.slots.key('leader-greedy'))).toBe(CAP);
    // The slots key expires on its own: an instance that died cannot hold it for ever.
    expect(await infra.redis.pttl(one.slots.key('leader-greedy'))).toBeGreaterThan(0);

    // Someone else is not held back by it.
    accepted(await open(streamUrl(two, townA!.code), bearer({ ...CITY_LEADER, sub: 'leader-modest' }).authorization)).close();

    // One stream ends: its slot is free again, on either instance.
    (open200[0] as { close: () => void }).close();
    await eventually(
      () => infra.redis.zcard(one.slots.key('leader-greedy')),
      (n) => n === CAP - 1,
    );
    accepted(await open(streamUrl(two, townA!.code), greedy));
    expect((await open(streamUrl(one, townA!.code), greedy)).status).toBe(429);
  });

  it('frees the slots of an instance that died without closing its streams, once their leases lapse', async () => {
    const lost = createRedis(infra.redisUrl, 'stream-test-crashed');
    connections.push(lost);
    await redisReady(lost);
    const dying = await instance(lost, 1_000);
    const survivor = await instance();
    const user = bearer({ ...CITY_LEADER, sub: 'leader-crashed' }).authorization;
    const held = [];
    for (let i = 0; i < CAP; i++) held.push(accepted(await open(streamUrl(dying, townA!.code), user)));
    expect((await open(streamUrl(survivor, townA!.code), user)).status).toBe(429);

    // The instance dies: its Redis connection goes first, so it neither renews nor gives back its slots.
    lost.disconnect();
    for (const stream of held) stream.close();
    const reopened = await eventually(
      () => open(streamUrl(survivor, townA!.code), user),
      (answer) => answer.status === 200,
    );
    accepted(reopened).close();
  });

  it('reads the figures once per change whatever the number of streams watching them: one read per query watched', async () => {
    // Its own connection: the commands counted are this instance's, none of the other tests' instances.
    const own = createRedis(infra.redisUrl, 'stream-test-counted');
    connections.push(own);
    await redisReady(own);
    const one = await instance(own);
    const ownAddress = /(?:^| )addr=(\S+)/.exec(await own.client('INFO'))![1]!;

    /** What each town's figures say so far, and which town each stream watches. */
    const reported = new Map<string, number>([
      [townA!.code, 0],
      [townB!.code, 0],
    ]);
    const watched = new Map<unknown, string>();
    let windowId = 'all';
    const watch = async (area: string, sub: string) => {
      const s = accepted(await open(streamUrl(one, area), bearer({ ...CITY_LEADER, sub }).authorization));
      windowId = (await s.figures()).window.id;
      watched.set(s, area);
      return s;
    };

    // One stream of townA.
    const single = await watch(townA!.code, 'watcher-0');
    const oneStream = await measure([single]);
    expect(oneStream).toBeGreaterThan(0);

    // Forty-one streams of townA, five for each of eight more users: the same commands.
    const many = [single];
    for (let u = 1; u <= 8; u++) for (let k = 0; k < 5; k++) many.push(await watch(townA!.code, `watcher-${u}`));
    expect(await measure(many)).toBe(oneStream);

    // Ten streams of another town besides: one more read per change, for all ten.
    const others = [];
    for (let k = 0; k < 10; k++) others.push(await watch(townB!.code, `watcher-b${k}`));
    expect(await measure([...many, ...others])).toBe(2 * oneStream);

    /**
     * The commands the instance's connection sends, seen by MONITOR, for one change of both towns' figures: counted
     * from a marker sent before the change to one sent once every stream has received the new figures.
     */
    async function measure(streams: Awaited<ReturnType<typeof watch>>[]): Promise<number> {
      // A connection of its own, without the ready check's INFO (whose reply may cross MONITOR's under load).
      const base = new RedisClient(infra.redisUrl, { enableReadyCheck: false, lazyConnect: true });
      const monitor = await base.monitor();
      const seen: string[][] = [];
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        if (source === ownAddress) seen.push(args);
      });
      const marker = async (name: string) => {
        const text = `${name}-${randomUUID()}`;
        await own.echo(text);
        // MONITOR shows the commands in the order Redis runs them.
        await eventually(
          () => Promise.resolve(seen.some((a) => a[1] === text)),
          (ok) => ok,
        );
        return text;
      };
      await marker('before');
      seen.length = 0;
      for (const [area, n] of reported) {
        await infra.redis.hincrby(keys.counters(0, area, windowId), counterField('reported'), 1);
        reported.set(area, n + 1);
      }
      publisher.applied(0, 1);
      const updates = await Promise.all(streams.map(async (s) => ({ area: watched.get(s)!, answer: await s.figures() })));
      for (const { area, answer } of updates) expect(answer.figures.reported).toBe(reported.get(area));
      const after = await marker('after');
      monitor.disconnect();
      base.disconnect();
      return seen.filter((a) => a[1] !== after).length;
    }
  });
});
