import type { Actor, PersonRole } from '@gridgov/contracts';
import { CASE_QUEUES, caseQueues, DEPARTMENT_QUEUES, departmentQueues, type CaseQueue } from '@gridgov/domain';
import { KafkaAdmin, type PartitionWatermarks } from '@gridgov/kafka';
import {
  IncidentView,
  readModelKeys,
  SORT_KEYS,
  StoredIncident,
  sortedQueueKey,
  sortScores,
  type QueueCounts,
  type SortKey,
} from '@gridgov/read-model';
import { clockKey } from '@gridgov/redis';
import { driveTraffic, planTraffic, type DriveResult } from '@gridgov/simulator';
import {
  bearer,
  createTestInfra,
  defaultDecisionContext,
  eventually,
  startService,
  testToken,
  type RunningService,
  type TestInfra,
  XINHUI_AREAS_FILE,
} from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 23, "Must show: counts under a crash". Simulated traffic (reports and their follow-ups: dispatch, 退回, 签收,
 * 反馈, 核查, 延期, 挂账, 督办) runs through the three services as processes while a moved clock makes deadlines fall due
 * and the dispatch worker is SIGKILLed again and again. Once everything is folded, every queue count the API gives, for
 * every area of the tree, equals a full scan of the case views (the queues each is on, by the domain's `caseQueues`,
 * in its grid and every area above), and the district's sort indexes hold the same cases with the scores their views give.
 */
const PARTITIONS = 3;
const KILLS = 3;
// The moved clock starts now (the simulator stamps reports with the system clock) and runs TIME_SCALE times faster.
const START = Date.now();
const TIME_SCALE = 1_200;
const RATE = 15;
const DRIVE_MS = 12_000;
const FOLLOW_MS = 20_000;
/** Lists (and their counts) are read by the dispatchers and leaders of an area: the city's leader reads every area's. */
const CITY_LEADER = { sub: 'leader-city-counts', role: 'leader', areas: ['440700'] } as const;

describe('queue counts under SIGKILLs of the dispatch worker', () => {
  const ctx = defaultDecisionContext();
  let infra: TestInfra;
  let env: Record<string, string>;
  let admin: KafkaAdmin;
  const services: RunningService[] = [];
  const workers: RunningService[] = [];

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: PARTITIONS, events: PARTITIONS, outcomes: PARTITIONS } });
    await infra.redis.set(clockKey(infra.keyPrefix), String(START));
    env = {
      ...infra.env(),
      AREAS_FILE: XINHUI_AREAS_FILE,
      CLOCK_SOURCE: 'redis',
      TIMER_POLL_MS: '100',
      WORKER_SESSION_TIMEOUT_MS: '6000',
      RATE_LIMIT_PER_USER: '0',
      RATE_LIMIT_PER_IP: '0',
    };
    admin = new KafkaAdmin(infra.kafka);
    await admin.connect();
  });

  afterAll(async () => {
    await Promise.all([...services, ...workers].map((s) => s.stop('SIGKILL')));
    await admin?.disconnect().catch(() => undefined);
    await infra?.cleanup();
  });

  it('gives every area and queue the count a full scan of the case views gives', { timeout: 120_000 }, async () => {
    const [intake, projection, ...started] = await Promise.all([
      startService('intake-api', env),
      startService('projection', env),
      startService('dispatch-worker', env),
      startService('dispatch-worker', env),
    ]);
    services.push(intake, projection);
    workers.push(...started);

    // The clock follows the traffic's case time; the worker is killed and started again while it runs.
    const t0 = performance.now();
    let driving = true;
    const clock = (async () => {
      while (driving) {
        const now = START + Math.round(Math.min(performance.now() - t0, FOLLOW_MS) * TIME_SCALE);
        await infra.redis.set(clockKey(infra.keyPrefix), String(now));
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    let kills = 0;
    const killer = (async () => {
      while (kills < KILLS) {
        await new Promise((r) => setTimeout(r, 3_000 + kills * 1_000));
        const victim = kills % workers.length;
        await workers[victim]!.stop('SIGKILL');
        kills++;
        workers[victim] = await startService('dispatch-worker', env, 90_000);
      }
    })();
    const tokenFor = (actor: Actor) =>
      testToken({
        sub: actor.id,
        role: actor.role as PersonRole,
        areas: actor.areas ?? [],
        ...(actor.department ? { department: actor.department } : {}),
      });
    let driven: DriveResult;
    try {
      driven = await driveTraffic({
        intakeUrl: intake.url!,
        cases: planTraffic({
          seed: 23,
          ctx,
          rate: RATE,
          durationMs: DRIVE_MS,
          untilMs: FOLLOW_MS,
          timeScale: TIME_SCALE,
          runId: infra.id,
          caseClockStart: START,
        }),
        untilMs: FOLLOW_MS,
        tokenFor,
        outcomeWaitMs: 15_000,
      });
      await killer;
    } finally {
      driving = false;
      await clock;
    }
    const end = Number(await infra.redis.get(clockKey(infra.keyPrefix)));

    // Everything folded: no timer due by the clock's last instant, no outbox, the read side at the end of both logs.
    await eventually(
      async () => {
        const pending: string[] = [];
        for (let p = 0; p < PARTITIONS; p++) {
          if ((await infra.redis.zcount(`${infra.keyPrefix}:{w${p}}:timers`, '-inf', end)) > 0) pending.push(`w${p} timers due`);
          if ((await infra.redis.llen(`${infra.keyPrefix}:{w${p}}:outbox`)) > 0) pending.push(`w${p} outbox`);
        }
        const [events, outcomes] = await Promise.all([admin.watermarks(infra.topics.events), admin.watermarks(infra.topics.outcomes)]);
        const last = (ends: readonly PartitionWatermarks[], p: number) => {
          const high = ends.find((e) => e.partition === p)?.high ?? 0n;
          return high === 0n ? '' : (high - 1n).toString();
        };
        for (let p = 0; p < PARTITIONS; p++) {
          const k = readModelKeys(infra.keyPrefix).partition(p);
          const [ev, oc] = await infra.redis.mget(k.eventsCheckpoint, k.outcomesCheckpoint);
          if ((ev ?? '') !== last(events, p)) pending.push(`read side events p${p}`);
          if ((oc ?? '') !== last(outcomes, p)) pending.push(`read side outcomes p${p}`);
        }
        return pending.join(', ') || 'settled';
      },
      (v) => v === 'settled',
      60_000,
      200,
    );

    // The full scan: every case view, the queues it is on, in its grid and every area above.
    const scanned = new Map<string, Record<CaseQueue, number>>();
    const zero = () => Object.fromEntries(CASE_QUEUES.map((q) => [q, 0])) as Record<CaseQueue, number>;
    /** The district's lists by the scan: each case with its score in every order. */
    const districtLists = new Map<CaseQueue, Map<string, Record<SortKey, number>>>(CASE_QUEUES.map((q) => [q, new Map()]));
    let views = 0;
    for (let cursor = '0'; ;) {
      const [next, keys] = await infra.redis.scan(cursor, 'MATCH', `${infra.keyPrefix}:incident:*`, 'COUNT', 500);
      const raw = keys.length > 0 ? await infra.redis.mget(...keys) : [];
      for (const r of raw) {
        const view = IncidentView.parse(JSON.parse(r!));
        views++;
        for (const queue of caseQueues(view)) districtLists.get(queue)!.set(view.incidentId, sortScores(view));
        for (const area of ctx.areas.lineage(view.gridCode)) {
          const counts = scanned.get(area) ?? zero();
          for (const queue of caseQueues(view)) counts[queue]++;
          scanned.set(area, counts);
        }
      }
      cursor = next;
      if (cursor === '0') break;
    }

    // The API's counts, for every area of the tree.
    const mismatches: string[] = [];
    const areas = [...ctx.areas.all()].map((a) => a.code);
    for (let i = 0; i < areas.length; i += 16) {
      await Promise.all(
        areas.slice(i, i + 16).map(async (area) => {
          const res = await fetch(`${intake.url!}/v1/incidents/counts?area=${area}`, { headers: bearer(CITY_LEADER) });
          const body = (await res.json()) as QueueCounts;
          expect(res.status, JSON.stringify(body)).toBe(200);
          const expected = scanned.get(area) ?? zero();
          for (const queue of CASE_QUEUES)
            if (body.counts[queue] !== expected[queue])
              mismatches.push(`${area} ${queue}: counted ${body.counts[queue]}, scanned ${expected[queue]}`);
        }),
      );
    }
    expect(mismatches.slice(0, 20)).toEqual([]);

    // The orders' indexes hold the same cases as the scan, each with the score its view gives (ADR 0014).
    for (const queue of CASE_QUEUES) {
      for (const sort of SORT_KEYS) {
        const flat = await infra.redis.zrange(sortedQueueKey(infra.keyPrefix, '440705', queue, sort), 0, -1, 'WITHSCORES');
        const indexed = new Map<string, number>();
        for (let i = 0; i < flat.length; i += 2) indexed.set(flat[i]!, Number(flat[i + 1]));
        const expected = new Map([...districtLists.get(queue)!].map(([id, scores]) => [id, scores[sort]]));
        expect(indexed, `${queue} by ${sort}`).toEqual(expected);
      }
    }

    // The departments' lists (ADR 0023): each holds exactly the cases the scan of the fold's incident states puts on it,
    // in the district and each town, and the API's counts are their sizes.
    const departmentLists = new Map<string, Set<string>>();
    for (let cursor = '0'; ;) {
      const [next, keys] = await infra.redis.scan(cursor, 'MATCH', `${infra.keyPrefix}:{c*}:incidents`, 'COUNT', 500);
      for (const key of keys) {
        for (const [incidentId, raw] of Object.entries(await infra.redis.hgetall(key))) {
          const state = StoredIncident.parse(JSON.parse(raw));
          for (const queue of departmentQueues(state))
            for (const area of ctx.areas.lineage(state.gridCode)) {
              const list = `${area} ${state.department} ${queue}`;
              departmentLists.set(list, (departmentLists.get(list) ?? new Set()).add(incidentId));
            }
        }
      }
      cursor = next;
      if (cursor === '0') break;
    }
    const departments = [...new Set([...departmentLists.keys()].map((k) => k.split(' ')[1]!))];
    const departmentMismatches: string[] = [];
    for (const area of ['440705', ...ctx.areas.children('440705').map((a) => a.code)]) {
      for (const department of departments) {
        const res = await fetch(`${intake.url!}/v1/incidents/counts?department=${department}&area=${area}`, {
          headers: bearer(CITY_LEADER),
        });
        const body = (await res.json()) as { counts: Record<string, number> };
        expect(res.status, JSON.stringify(body)).toBe(200);
        for (const queue of DEPARTMENT_QUEUES) {
          const expected = departmentLists.get(`${area} ${department} ${queue}`) ?? new Set<string>();
          const listed = new Set(await infra.redis.zrange(readModelKeys(infra.keyPrefix).departmentQueue(area, department, queue), 0, -1));
          if (body.counts[queue] !== expected.size || listed.size !== expected.size || [...listed].some((id) => !expected.has(id)))
            departmentMismatches.push(
              `${area} ${department} ${queue}: counted ${body.counts[queue]}, listed ${listed.size}, scanned ${expected.size}`,
            );
        }
      }
    }
    expect(departmentMismatches.slice(0, 20)).toEqual([]);
    const districtDepartments = Object.fromEntries(
      DEPARTMENT_QUEUES.map((q) => [
        q,
        [...departmentLists].filter(([k]) => k.startsWith('440705 ') && k.endsWith(` ${q}`)).reduce((n, [, ids]) => n + ids.size, 0),
      ]),
    );

    // Not vacuous: the worker was killed, cases were reported and moved on, and several queues hold cases.
    const district = scanned.get('440705') ?? zero();
    console.info(
      `queue counts: ${kills} SIGKILLs, ${driven.reports.accepted} reports and ${driven.followUps.accepted} follow-ups accepted ` +
        `(${JSON.stringify(driven.followUps.byCommand)}; refused ${JSON.stringify(driven.followUps.refused)}, undecided ${driven.followUps.undecided}, failed ${JSON.stringify(driven.followUps.failed)}), ${views} case views, ${areas.length} areas × ${CASE_QUEUES.length} queues equal the scan; ` +
        `district: ${JSON.stringify(district)}; departments' lists (district, all departments): ${JSON.stringify(districtDepartments)}; ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    expect(kills).toBe(KILLS);
    expect(views).toBe(driven.reports.accepted);
    expect(views).toBeGreaterThan(100);
    expect(driven.followUps.accepted).toBeGreaterThan(50);
    expect(CASE_QUEUES.filter((q) => district[q] > 0).length).toBeGreaterThanOrEqual(4);
    expect(DEPARTMENT_QUEUES.filter((q) => districtDepartments[q]! > 0).length).toBeGreaterThanOrEqual(3);
  });
});
