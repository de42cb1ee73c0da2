import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableProducer, partitionCount, withAdmin } from '@gridgov/kafka';
import type { WhatIfRunAnswer } from '@gridgov/projection-api';
import { generateHistory } from '@gridgov/simulator';
import {
  bearer,
  createTestInfra,
  defaultDecisionContext,
  eventually,
  signedEventRecords,
  startService,
  type RunningService,
  type TestInfra,
} from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { factsOf } from './support/reference-figures.ts';

/**
 * What-if checks itself against the real pipeline (issue 21, ADR 0033): a seeded district history driven through the
 * real decider goes onto grid.events signed, the projection folds it, and a what-if run with the rules in force (started
 * from the leader's API, read from the broker) gives, for every area and month, exactly the figures the projection
 * answers live. Then a proposal that lengthens 道路不洁's deadline, and the CLI.
 */
const SEED = 20260301;
const INCIDENTS = 800;
const FROM = Date.parse('2026-01-05T00:00:00+08:00');
const TO = Date.parse('2026-03-25T00:00:00+08:00');
const DISTRICT_LEADER = bearer({ role: 'leader', areas: ['440705'] });
const DISPATCHER = bearer({ role: 'dispatcher', areas: ['440705'] });
const SCOPE = { from: '2026-01-01', to: '2026-03-31', area: '440705' };

let infra: TestInfra;
let projection: RunningService;

const ctx = defaultDecisionContext();
const history = generateHistory({ seed: SEED, incidents: INCIDENTS, ctx, from: FROM, to: TO });
/** Cases merged into another at the history's end (合并, ADR 0032): the projection counts them for nothing. */
const MERGED_AWAY = history.filter((i) => factsOf(i.events).merged).length;

async function api(path: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
  return fetch(`${projection.url!}${path}`, {
    ...init,
    headers: { ...DISTRICT_LEADER, ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers },
  });
}

async function finishedRun(runId: string): Promise<WhatIfRunAnswer> {
  const run = await eventually(
    async () => (await (await api(`/v1/what-if/${runId}`)).json()) as WhatIfRunAnswer,
    (r) => r.status !== 'running',
    120_000,
    250,
  );
  expect(run.status, run.error).toBe('done');
  return run;
}

/** Starts a run; one may still be finishing its lock's release, which WHAT_IF_BUSY tells: start again then. */
async function startRun(body: unknown): Promise<WhatIfRunAnswer> {
  const res = await eventually(
    () => api('/v1/what-if', { method: 'POST', body: JSON.stringify(body) }),
    (r) => r.status !== 429,
    30_000,
    200,
  );
  expect(res.status).toBe(202);
  return (await res.json()) as WhatIfRunAnswer;
}

beforeAll(async () => {
  infra = await createTestInfra({ partitions: { events: 2 } });
  projection = await startService('projection', infra.env());
  const producer = new DurableProducer(infra.kafka);
  const partitions = await partitionCount(infra.kafka, infra.topics.events);
  await producer.connect();
  try {
    const records = history.flatMap((i) => i.events.map((e) => ({ key: i.incidentId, value: JSON.stringify(e) })));
    for (let i = 0; i < records.length; i += 1_000)
      await producer.send(infra.topics.events, signedEventRecords(infra.topics.events, partitions, records.slice(i, i + 1_000)));
  } finally {
    await producer.disconnect();
  }
  // Until the projection has folded everything: every report counted, its group at the end of the log.
  await eventually(
    async () => {
      const res = await api('/v1/figures?area=440705&window=all');
      return res.ok ? ((await res.json()) as { figures: { reported: number } }).figures.reported : -1;
    },
    (n) => n === INCIDENTS - MERGED_AWAY,
    120_000,
    250,
  );
  await eventually(
    () =>
      withAdmin(infra.kafka, async (admin) => {
        const ends = await admin.watermarks(infra.topics.events);
        const committed = await admin.committedOffsets(`${infra.topicPrefix}projection`, infra.topics.events);
        return ends.every((e) => committed.get(e.partition) === e.high);
      }),
    (done) => done,
    60_000,
    250,
  );
}, 240_000);

afterAll(async () => {
  await projection?.stop();
  await infra?.cleanup();
});

describe('what-if against the live projection', () => {
  it('the history has late, overdue, escalated and merged cases to get right', () => {
    const types = new Set(history.flatMap((i) => i.events.map((e) => e.type)));
    for (const t of ['IncidentClosed', 'DeadlineMissed', 'IncidentEscalated', 'IncidentRejected', 'IncidentMerged', 'IncidentUnmerged'])
      expect(types).toContain(t);
    expect(MERGED_AWAY).toBeGreaterThan(0);
  });

  it("replaying with the rules in force reproduces the projection's live figures exactly, every area and month", async () => {
    const started = await startRun({ scope: SCOPE, policy: {} });
    expect(started.status).toBe('running');
    const { report } = await finishedRun(started.runId);
    expect(report!.cases).toBe(INCIDENTS);
    expect(report!.currentDiffersFromLog).toBe(0);
    expect(report!.changedTotal).toBe(0);
    const levels = new Set(report!.rows.map((r) => r.area.level));
    expect([...levels].sort()).toEqual(['community', 'district', 'town']);
    const mismatches: string[] = [];
    for (const row of report!.rows) {
      const res = await api(`/v1/figures?area=${row.area.code}&window=month&at=${row.month}-15`);
      expect(res.status).toBe(200);
      const live = ((await res.json()) as { figures: Record<string, number | null> }).figures;
      for (const f of ['reported', 'registered', 'closed', 'closedOnTime', 'onTimeClosureRate', 'overdue', 'escalated'] as const) {
        if (live[f] !== row.current[f]) mismatches.push(`${row.area.code} ${row.month} ${f}: live ${live[f]}, what-if ${row.current[f]}`);
        if (row.proposed[f] !== row.current[f]) mismatches.push(`${row.area.code} ${row.month} ${f}: proposed differs`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('a longer 道路不洁 deadline turns late cases on time and never lowers an on-time rate', async () => {
    const policy = { name: '道路不洁 8 小时', handling: { dirty_road: { normal: { unit: 'working_hours', amount: 8 } } } };
    const { report } = await finishedRun((await startRun({ scope: SCOPE, policy })).runId);
    expect(report!.changedTotal).toBeGreaterThan(0);
    for (const c of report!.changed) {
      expect(c.category).toBe('dirty_road');
      // Late or overdue cases come on time or back in time; or a case (rejected, say) was 督办 before and is not now.
      if (c.current.outcome !== c.proposed.outcome) expect(['late', 'overdue']).toContain(c.current.outcome);
      else expect([c.current.escalated, c.proposed.escalated]).toEqual([true, false]);
    }
    for (const row of report!.rows) expect(row.proposed.closedOnTime).toBeGreaterThanOrEqual(row.current.closedOnTime);
  });

  it('the CLI prints the same comparison as JSON, with its progress on stderr', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'what-if-'));
    const file = join(dir, 'policy.json');
    writeFileSync(file, JSON.stringify({ handling: { dirty_road: { normal: { unit: 'working_hours', amount: 8 } } } }));
    const env = { ...process.env, ...infra.env() };
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'services/projection/src/what-if-cli.ts',
          '--from',
          SCOPE.from,
          '--to',
          SCOPE.to,
          '--area',
          '440705',
          '--policy',
          file,
          '--json',
        ],
        { cwd: new URL('..', import.meta.url), env },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
    expect(code, stderr).toBe(0);
    // The last state of the progress bar: every event of the log read, the cases decided.
    const total = history.reduce((n, i) => n + i.events.length, 0).toLocaleString('en-US');
    expect(stderr).toContain(`what-if: ${total}/${total} events`);
    expect(stderr).toContain(`deciding cases: ${INCIDENTS}/${INCIDENTS}`);
    const report = JSON.parse(stdout) as NonNullable<WhatIfRunAnswer['report']>;
    const { report: viaApi } = await finishedRun(
      (await startRun({ scope: SCOPE, policy: { handling: { dirty_road: { normal: { unit: 'working_hours', amount: 8 } } } } })).runId,
    );
    expect(report.rows).toEqual(viaApi!.rows);
    expect(report.changedTotal).toBe(viaApi!.changedTotal);
  });

  it('is for leaders of the area, names unknown runs, and refuses a proposal the catalog cannot take', async () => {
    expect(
      (await api('/v1/what-if', { method: 'POST', body: JSON.stringify({ scope: SCOPE, policy: {} }), headers: DISPATCHER })).status,
    ).toBe(403);
    const elsewhere = bearer({ role: 'leader', areas: ['440703'] });
    const outside = await api('/v1/what-if', { method: 'POST', body: JSON.stringify({ scope: SCOPE, policy: {} }), headers: elsewhere });
    expect(outside.status).toBe(403);
    const unknown = await api('/v1/what-if/00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('WHAT_IF_UNKNOWN_RUN');
    const bad = await api('/v1/what-if', {
      method: 'POST',
      body: JSON.stringify({ scope: SCOPE, policy: { handling: { no_such_thing: { normal: { unit: 'working_hours', amount: 8 } } } } }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'WHAT_IF_POLICY_INVALID',
      message: expect.stringContaining('no_such_thing') as unknown,
    });
    const invalid = await api('/v1/what-if', {
      method: 'POST',
      body: JSON.stringify({ scope: { ...SCOPE, to: '2025-12-01' }, policy: { escalationEvery: { unit: 'weeks', amount: 1 } } }),
    });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
  });
});
