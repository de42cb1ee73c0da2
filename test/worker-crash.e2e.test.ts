import { createHash } from 'node:crypto';
import type { CommandEnvelope, DecidedEvent, GridEvent } from '@gridgov/contracts';
import { evolve, tick, type Incident } from '@gridgov/domain';
import { DurableProducer } from '@gridgov/kafka';
import { clockKey } from '@gridgov/redis';
import {
  createTestInfra,
  defaultDecisionContext,
  eventually,
  readTopic,
  signedForTest,
  startService,
  type RunningService,
  type TestInfra,
} from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distinctPlace } from './support/client.ts';

/**
 * Invariant 2 for the dispatch worker: workers killed with SIGKILL at random moments while
 * thousands of deadlines fall due; afterwards every warning, missed deadline and escalation that
 * the deadlines call for exists exactly once on grid.events.
 */
const INCIDENTS = 2_000;
const KILLS = 20;
const MONDAY_9AM = Date.parse('2026-11-23T01:00:00.000Z');
// Thursday 26 November 18:00 local: the 5-working-hour cases climb to the city by then.
const END = Date.parse('2026-11-26T10:00:00.000Z');
const CATEGORIES = ['dirty_road', 'exposed_rubbish', 'manhole_cover', 'dispute', 'fire_safety'] as const;
const URGENCIES = ['normal', 'urgent', 'very_urgent'] as const;

/** A small seeded generator (mulberry32): the same run every time. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const uuid = (n: number) => {
  const h = createHash('sha256').update(`crash-${n}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** What a deadline event says, without its version: two of these alike would be one deadline fired twice. */
const identity = (e: DecidedEvent) =>
  e.type === 'DeadlineWarned'
    ? `warned:${e.data.stage}:${e.data.fraction}`
    : e.type === 'DeadlineMissed'
      ? `missed:${e.data.stage}`
      : e.type === 'IncidentEscalated'
        ? `escalated:${e.data.level}`
        : e.type;

describe('dispatch worker under SIGKILL while deadlines fall due', () => {
  const ctx = defaultDecisionContext();
  const grids = ctx.areas.ofLevel('grid').map((g) => g.code);
  let infra: TestInfra;
  let env: Record<string, string>;
  const workers: RunningService[] = [];

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 4, events: 4 } });
    env = { ...infra.env(), CLOCK_SOURCE: 'redis', TIMER_POLL_MS: '50', WORKER_SESSION_TIMEOUT_MS: '6000' };
    await infra.redis.set(clockKey(infra.keyPrefix), String(MONDAY_9AM));
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await infra?.cleanup();
  });

  it('fires every expected warning, missed deadline and escalation exactly once', async () => {
    const rnd = random(20261122);
    workers.push(await startService('dispatch-worker', env), await startService('dispatch-worker', env));

    // Thousands of open cases, all dispatched on Monday morning.
    const producer = new DurableProducer(infra.kafka);
    await producer.connect();
    const ids = Array.from({ length: INCIDENTS }, (_, i) => uuid(i));
    const commands = ids.map((incidentId, i): CommandEnvelope => {
      const gridCode = grids[Math.floor(rnd() * grids.length)]!;
      // Signed as the intake signs: the worker decides nothing else (ADR 0006).
      return signedForTest(
        {
          commandId: uuid(INCIDENTS + i),
          incidentId,
          issuedAt: new Date(MONDAY_9AM).toISOString(),
          actor: { id: `staff-${i % 50}`, role: 'grid_staff', areas: [gridCode] },
          command: {
            type: 'ReportIncident',
            data: {
              reportId: `crash-report-${i}`,
              gridCode,
              category: CATEGORIES[i % CATEGORIES.length]!,
              urgency: URGENCIES[Math.floor(rnd() * URGENCIES.length)]!,
              description: '压力测试',
              location: distinctPlace(`crash-report-${i}`),
              occurredAt: new Date(MONDAY_9AM).toISOString(),
            },
          },
        },
        infra.topics.commands,
      );
    });
    for (let i = 0; i < commands.length; i += 500) {
      await producer.send(
        infra.topics.commands,
        commands.slice(i, i + 500).map((c) => ({ key: c.incidentId, value: JSON.stringify(c) })),
      );
    }
    await producer.disconnect();

    // The clock runs to Thursday evening in steps, while workers are killed at random moments.
    const steps = 80;
    let kills = 0;
    const clock = (async () => {
      for (let s = 1; s <= steps; s++) {
        await infra.redis.set(clockKey(infra.keyPrefix), String(MONDAY_9AM + Math.round(((END - MONDAY_9AM) * s) / steps)));
        await new Promise((r) => setTimeout(r, 150 + rnd() * 200));
      }
    })();
    const killer = (async () => {
      while (kills < KILLS) {
        await new Promise((r) => setTimeout(r, 200 + rnd() * 1_300));
        const victim = Math.floor(rnd() * workers.length);
        await workers[victim]!.stop('SIGKILL');
        kills++;
        workers[victim] = await startService('dispatch-worker', env, 90_000);
      }
    })();
    await Promise.all([clock, killer]);
    expect(kills).toBeGreaterThanOrEqual(KILLS);

    // Let the survivors catch up: no timer due by the end, nothing left in any outbox.
    const pendingWork = async () => {
      let due = 0;
      let outbox = 0;
      for (let p = 0; p < 4; p++) {
        due += await infra.redis.zcount(`${infra.keyPrefix}:{w${p}}:timers`, '-inf', END);
        outbox += await infra.redis.llen(`${infra.keyPrefix}:{w${p}}:outbox`);
      }
      const checkpointed = (await Promise.all([0, 1, 2, 3].map((p) => infra.redis.get(`${infra.keyPrefix}:{w${p}}:checkpoint`)))).filter(
        (c) => c !== null,
      ).length;
      return { due, outbox, checkpointed };
    };
    await eventually(pendingWork, (w) => w.due === 0 && w.outbox === 0 && w.checkpointed === 4, 180_000, 500);

    const records = await readTopic(infra.kafka, infra.topics.events, 60_000);
    const byIncident = new Map<string, Map<number, string>>();
    const events = new Map<string, GridEvent[]>();
    for (const r of records) {
      const event = JSON.parse(r.value!) as GridEvent;
      const versions = byIncident.get(r.key!) ?? new Map<number, string>();
      const previous = versions.get(event.metadata.version);
      // A re-sent copy is the same event, byte for byte; never another event under the same version.
      if (previous !== undefined) expect(r.value).toBe(previous);
      else {
        versions.set(event.metadata.version, r.value!);
        events.set(r.key!, [...(events.get(r.key!) ?? []), event]);
      }
      byIncident.set(r.key!, versions);
    }
    expect(byIncident.size).toBe(INCIDENTS);

    let expectedTotal = 0;
    for (const id of ids) {
      const list = (events.get(id) ?? []).sort((a, b) => a.metadata.version - b.metadata.version);
      expect(list.map((e) => e.metadata.version)).toEqual(list.map((_, i) => i + 1));
      // What the deadlines call for, by the pure domain: the case as dispatched, ticked once at the end.
      let state: Incident | null = null;
      for (const e of list.slice(0, 2)) state = evolve(state, e);
      const expected = tick(state, ctx, new Date(END)).map(identity);
      expectedTotal += expected.length;
      const actual = list.slice(2).map(identity);
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        const detail = list.map((e) => `v${e.metadata.version} ${e.type} ${e.metadata.occurredAt} ${JSON.stringify(e.data).slice(0, 160)}`);
        expect.fail(`incident ${id}: expected ${expected.join(', ')}\n got ${actual.join(', ')}\n${detail.join('\n')}`);
      }
    }
    expect(expectedTotal).toBeGreaterThan(INCIDENTS * 3);
    const resent = records.length - [...byIncident.values()].reduce((n, v) => n + v.size, 0);
    console.info(
      `crash test: ${kills} SIGKILLs, ${INCIDENTS} cases, ${expectedTotal} deadline events each exactly once, ${resent} re-sent copies deduplicated by version`,
    );
  });
});
