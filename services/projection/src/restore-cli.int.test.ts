import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandEnvelope } from '@gridgov/contracts';
import { DurableProducer, highWatermarks } from '@gridgov/kafka';
import {
  createTestInfra,
  eventually,
  readTopic,
  signedForTest,
  testEventVerifier,
  startService,
  type RunningService,
  type TestInfra,
  loadXinhuiAreas,
  XINHUI_AREAS_FILE,
} from '@gridgov/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaseViewProjector } from './projector/case-views/projector.ts';
import { CaseViewStore } from './projector/case-views/store.ts';
import { restoreReadSide } from './restore-cli.ts';
import { nextOffset } from './projector/restore-watch.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const areas = loadXinhuiAreas();
const grids = areas
  .ofLevel('grid')
  .slice(10, 14)
  .map((g) => g.code);
const daze = areas.ofLevel('town').find((t) => t.name === '大泽镇')!.code;

/** Every key of the test's prefix with its value, by type; what differs between two equal states by design is masked. */
async function snapshot(infra: TestInfra): Promise<Record<string, unknown>> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await infra.redis.scan(cursor, 'MATCH', `${infra.keyPrefix}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...found);
  } while (cursor !== '0');
  const out: Record<string, unknown> = {};
  for (const key of keys.sort()) {
    // The fencing token is new after every restore; restored marks hold the instant they were set.
    if (key.endsWith(':epoch')) continue;
    if (/:restored(:events|:outcomes)?$/.test(key)) {
      out[key] = 'marked';
      continue;
    }
    const type = await infra.redis.type(key);
    if (type === 'string') out[key] = await infra.redis.get(key);
    else if (type === 'hash') out[key] = await infra.redis.hgetall(key);
    else if (type === 'zset') out[key] = await infra.redis.zrange(key, 0, -1, 'WITHSCORES');
    else if (type === 'list') out[key] = await infra.redis.lrange(key, 0, -1);
    else if (type === 'set') out[key] = (await infra.redis.smembers(key)).sort();
    else out[key] = `(${type})`;
  }
  return out;
}

/** Runs the dispatch worker's restore command (services/dispatch-worker/src/restore-cli.ts) as an operator would. */
function workerRestoreCli(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/dispatch-worker/src/restore-cli.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((done) => child.once('exit', (code) => done({ code, stdout, stderr })));
}

describe('pnpm restore, after Redis lost the read side and the worker state', () => {
  let infra: TestInfra;
  let worker: RunningService | undefined;
  let readSide: CaseViewProjector | undefined;
  let producer: DurableProducer;

  beforeEach(async () => {
    infra = await createTestInfra({ partitions: { commands: 3, events: 3, outcomes: 3 } });
    producer = new DurableProducer(infra.kafka);
    await producer.connect();
  });

  afterEach(async () => {
    await readSide?.stop();
    await worker?.stop('SIGKILL');
    await producer.disconnect();
    await infra.cleanup();
  });

  const report = (incidentId: string, i: number): CommandEnvelope =>
    signedForTest(
      {
        commandId: randomUUID(),
        incidentId,
        issuedAt: new Date().toISOString(),
        actor: { id: `staff-${i % 3}`, role: 'grid_staff', areas: [grids[i % grids.length]!] },
        command: {
          type: 'ReportIncident',
          data: {
            reportId: `r-${incidentId}`,
            gridCode: grids[i % grids.length]!,
            category: i % 4 === 0 ? 'dispute' : 'dirty_road',
            urgency: 'normal',
            description: '道路不洁',
            location: { lat: 22.5, lng: 113.0 },
            occurredAt: new Date(Date.now() - 60_000).toISOString(),
          },
        },
      },
      infra.topics.commands,
    );
  const escalate = (incidentId: string, area: string): CommandEnvelope =>
    signedForTest(
      {
        commandId: randomUUID(),
        incidentId,
        issuedAt: new Date().toISOString(),
        actor: { id: 'dispatcher-9', role: 'dispatcher', areas: [area] },
        command: { type: 'EscalateIncident', data: { reason: '督办' } },
      },
      infra.topics.commands,
    );

  it('brings back exactly the same keys and values: views, histories, lists, outcomes, states, timers, checkpoints', async () => {
    // The real worker decides; the real read side folds what it decided.
    worker = await startService('dispatch-worker', { ...infra.env(), AREAS_FILE: XINHUI_AREAS_FILE });
    const store = new CaseViewStore(infra.redis, infra.keyPrefix, 3600);
    readSide = new CaseViewProjector({
      kafka: infra.kafka,
      store,
      areas,
      topics: infra.topics,
      groupId: `${infra.topicPrefix}case-views`,
      logger: infra.logger,
      partitionsConcurrently: 3,
      eventVerifier: testEventVerifier,
      watchMs: 200,
    });
    await readSide.start();

    const ids = Array.from({ length: 12 }, () => randomUUID());
    const commands = ids.map((id, i) => report(id, i));
    const accepted = escalate(ids[0]!, '440705');
    // Accepted, rejected (outside the dispatcher's areas), and a retry of a decided command (decided once). A command
    // follows the retry on its partition: a repeat leaves no trace on the log, so a restore's checkpoint stops before
    // a repeat that comes last (the worker then reads it again and again decides nothing).
    commands.push(accepted, escalate(ids[1]!, daze), escalate(ids[2]!, '440705'), accepted, escalate(ids[0]!, '440705'));
    for (const c of commands) await producer.send(infra.topics.commands, [{ key: c.incidentId, value: JSON.stringify(c) }]);
    const decided = new Set(commands.map((c) => c.commandId));
    await eventually(
      async () =>
        new Set(
          (await readTopic(infra.kafka, infra.topics.outcomes)).map((r) => (JSON.parse(r.value!) as { commandId: string }).commandId),
        ),
      (seen) => [...decided].every((id) => seen.has(id)),
    );
    // The read side has folded both logs to their ends and marked every partition whole.
    const caughtUp = async () => {
      const ends = await Promise.all([
        highWatermarks(infra.kafka, infra.topics.events),
        highWatermarks(infra.kafka, infra.topics.outcomes),
      ]);
      const positions = await Promise.all(
        [0, 1, 2].flatMap((p) =>
          (['events', 'outcomes'] as const).map(async (log, i) => ({ p, end: ends[i]!.get(p) ?? 0n, ...(await store.position(p, log)) })),
        ),
      );
      return positions.every((x) => x.restored && nextOffset(x.checkpoint) >= x.end);
    };
    await eventually(caughtUp, (done) => done);
    // Everything settled: the worker's outbox relayed, nothing more to fold.
    expect(await worker.stop('SIGTERM')).toBe(0);
    worker = undefined;
    await readSide.stop();
    readSide = undefined;

    const before = await snapshot(infra);
    const kinds = (pattern: RegExp) => Object.keys(before).filter((k) => pattern.test(k)).length;
    expect(kinds(/:incident:/)).toBe(12);
    expect(kinds(/:history:/)).toBe(12);
    expect(kinds(/:cases:/)).toBeGreaterThan(0);
    expect(kinds(/:reported-by:/)).toBe(3);
    // The filter and text indexes (ADR 0015): the cases' facets, the bigrams of 道路不洁, the searchable texts.
    expect(kinds(/:idx:(category|urgency|department|area|flag):/)).toBeGreaterThan(0);
    expect(kinds(/:idx:text:/)).toBe(3);
    expect(kinds(/:search-text:/)).toBe(12);
    expect(kinds(/:outcome:/)).toBe(16);
    // The worker's state: every partition has its log positions; one that holds cases (the ids are random, so a
    // partition may hold none) has their states, timers, decided ids and its checkpoint too.
    expect(kinds(/\{w\d\}:log$/)).toBe(3);
    const holding = [0, 1, 2].filter((p) => before[`${infra.keyPrefix}:{w${p}}:incidents`] !== undefined);
    expect(holding.length).toBeGreaterThan(0);
    for (const p of holding)
      for (const key of ['timers', 'decided', 'checkpoint'])
        expect(before, `{w${p}}:${key}`).toHaveProperty([`${infra.keyPrefix}:{w${p}}:${key}`]);
    // The read side's fold of each partition that holds cases: states and both checkpoints.
    for (const p of holding)
      for (const key of ['incidents', 'checkpoint:events', 'checkpoint:outcomes'])
        expect(before, `{c${p}}:${key}`).toHaveProperty([`${infra.keyPrefix}:{c${p}}:${key}`]);

    // Redis loses it all.
    const lost = Object.keys(before);
    await infra.redis.del(...lost, ...lost.map((k) => k.replace(/:restored$/, ':epoch')));
    expect(await snapshot(infra)).toEqual({});

    const cli = await workerRestoreCli(infra.env());
    expect(cli.stderr).not.toContain('restore failed');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toMatch(/dispatch worker restored: [\d,]+ events and 16 outcomes/);
    const readSideRestore = () =>
      restoreReadSide({
        kafka: infra.kafka,
        store,
        areas,
        topics: infra.topics,
        logger: infra.logger,
        eventVerifier: testEventVerifier,
        groupPrefix: `${infra.topicPrefix}case-views-restore`,
      });
    const restored = await readSideRestore();
    expect(restored.outcomes).toBe(16);
    expect(restored.partitions.every((p) => p.lost)).toBe(true);

    expect(await snapshot(infra)).toEqual(before);

    // Run again on a whole state: nothing to read, nothing changes.
    const again = await readSideRestore();
    expect([again.events, again.outcomes]).toEqual([0, 0]);
    expect(await snapshot(infra)).toEqual(before);
  });
});
