import type { GridEvent } from '@gridgov/contracts';
import { DurableProducer, partitionCount, withAdmin, type OutgoingRecord } from '@gridgov/kafka';
import { generateHistory, int, mulberry32, type Random, type SimulatedIncident } from '@gridgov/simulator';
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
import { describe, expect, it, type TestContext } from 'vitest';
import {
  datesFrom,
  expectedFigures,
  factsOf,
  rangeCounts,
  recount,
  refKey,
  shanghaiDay,
  windowsOfDate,
  zeroCounts,
  type ExpectedFigures,
  type Reference,
  type ReportWindow,
  type ScopeKey,
} from './support/reference-figures.ts';
import { keptAliveGets } from './support/client.ts';

/** The city's leader may read every figure of every area below it. */
const CITY_LEADER = bearer({ role: 'leader', areas: ['440700'] });

/**
 * Invariant 2 for the projection, as an oracle test: a seeded random history of thousands of
 * incidents, driven through the real decider (every kind of transition), is sent through the real
 * broker shuffled across incidents, with re-sent duplicates and whole incidents arriving late into
 * past windows; every figure the projection answers over HTTP must equal a recount by a small
 * reference function over the raw event list. Then again, with the projection SIGKILLed at random
 * moments while it folds.
 *
 * What is compared, for every window holding at least one report in the area (day, week, month,
 * quarter, year, all) plus one empty window of each calendar kind:
 * - the whole scope of every area of 新会区 at every level (city, district, 11 towns, 31 communities, 662 grids);
 * - every category and every department scope of the city, the district and the 11 towns;
 * - every (category, department) pair with cases, and one without, of the city, the district and the 11 towns, in
 *   the month and all windows.
 * And for ranges of local dates (`from`/`to`) across month and year boundaries, some holding whole months or a whole
 * year, one empty: the whole scope of the city, the district, the towns and a sample of communities and grids, and
 * the category and department scopes (and over the first three ranges the pairs) of the city, the district and the
 * towns; the reference sums a range day by day. Each answer's window id is checked against the reference's own calendar arithmetic too.
 * And each of those ranges of the whole scope again as a trend (/v1/trends: the reports day by day), which is read
 * from the same day counters as the range, one row a day where the range is one row.
 */
const SEED = 20251124;
const INCIDENTS = 5_000;
/** 60 days of reports around the new year: ISO week 2026-W01 starts in 2025, 元旦 is a holiday. */
const FROM = Date.parse('2025-11-24T00:00:00+08:00');
const TO = FROM + 60 * 86_400_000;
/** A date with no reports anywhere: its day, week, month, quarter and year windows are empty. */
const EMPTY_DATE = '2024-06-12';
const DUPLICATE_SHARE = 0.03;
const LATE_SHARE = 0.1;
const BATCH = 1_000;
const KILLS = 10;
const CONCURRENCY = 32;

interface Stream {
  readonly records: OutgoingRecord[];
  readonly events: GridEvent[];
  readonly duplicates: number;
  readonly lateIncidents: number;
  readonly lateEvents: number;
}

/** Interleaves the incidents' events at random, each incident's in version order (it is one partition's order). */
function interleave(random: Random, incidents: readonly SimulatedIncident[]): GridEvent[] {
  const turns = incidents.flatMap((incident, i) => incident.events.map(() => i));
  for (let i = turns.length - 1; i > 0; i--) {
    const j = int(random, i + 1);
    [turns[i], turns[j]] = [turns[j]!, turns[i]!];
  }
  const next = incidents.map(() => 0);
  return turns.map((i) => incidents[i]!.events[next[i]!++]!);
}

/** The order events reach grid.events: shuffled, a share of incidents held back to the end, some re-sent later. */
function buildStream(history: readonly SimulatedIncident[], random: Random): Stream {
  const late = history.filter(() => random() < LATE_SHARE);
  const lateIds = new Set(late.map((i) => i.incidentId));
  const sequence = [
    ...interleave(
      random,
      history.filter((i) => !lateIds.has(i.incidentId)),
    ),
    ...interleave(random, late),
  ];
  // A re-send (an outbox relay that crashed after producing) comes after the original, anywhere later.
  const copiesBefore = new Map<number, GridEvent[]>();
  let duplicates = 0;
  sequence.forEach((event, i) => {
    if (random() >= DUPLICATE_SHARE) return;
    const at = i + 1 + int(random, sequence.length - i);
    copiesBefore.set(at, [...(copiesBefore.get(at) ?? []), event]);
    duplicates++;
  });
  const events: GridEvent[] = [];
  for (let i = 0; i <= sequence.length; i++) {
    events.push(...(copiesBefore.get(i) ?? []));
    if (i < sequence.length) events.push(sequence[i]!);
  }
  return {
    records: events.map((e) => ({ key: e.metadata.incidentId, value: JSON.stringify(e) })),
    events,
    duplicates,
    lateIncidents: late.length,
    lateEvents: late.reduce((n, i) => n + i.events.length, 0),
  };
}

/** Ranges of report time, [from, to] local dates: across month and year ends, whole months, a whole year, nothing. */
const RANGES: readonly (readonly [string, string])[] = [
  ['2025-11-24', '2026-01-22'], // the whole history
  ['2025-11-30', '2026-02-01'], // December and January whole, a day either side
  ['2025-12-15', '2026-01-15'], // across the new year
  ['2025-12-31', '2026-01-01'], // two days, two years
  ['2025-12-01', '2025-12-31'], // one whole month
  ['2025-01-01', '2025-12-31'], // a whole year
  ['2025-11-27', '2025-12-03'], // across a month end
  ['2024-06-01', '2024-06-30'], // nothing reported
];

interface Query {
  readonly area: string;
  /** A window or a range asks /v1/figures; a trend asks /v1/trends for its days' reports, one value a day. */
  readonly window:
    | ReportWindow
    | { readonly kind: 'range'; readonly from: string; readonly to: string }
    | { readonly kind: 'trend'; readonly from: string; readonly to: string };
  readonly scope: ScopeKey;
}

function plan(reference: Reference, ctx: ReturnType<typeof defaultDecisionContext>): Query[] {
  const empty = windowsOfDate(EMPTY_DATE).filter((w) => w.kind !== 'all');
  const scoped: ScopeKey[] = [
    ...ctx.catalog.allCategories().map((c) => `c:${c.code}` as const),
    ...ctx.catalog.allDepartments().map((d) => `d:${d.code}` as const),
  ];
  const queries: Query[] = [];
  for (const area of ctx.areas.all()) {
    const windows = new Map(reference.windowsWithReports.get(area.code) ?? []);
    if (!windows.has('all')) windows.set('all', { kind: 'all', id: 'all', at: EMPTY_DATE });
    for (const w of empty) windows.set(w.id, w);
    const leaders = ['city', 'district', 'town'].includes(area.level);
    const scopes: ScopeKey[] = ['', ...(leaders ? scoped : [])];
    for (const window of windows.values()) for (const scope of scopes) queries.push({ area: area.code, window, scope });
    // Pairs of a category and a department: those with cases here, and one with none.
    const pairs: ScopeKey[] = leaders
      ? [
          ...new Set(
            [...reference.counts.keys()].filter((k) => k.startsWith(`${area.code}|all|p:`)).map((k) => k.split('|all|')[1] as ScopeKey),
          ),
        ]
      : [];
    pairs.push('p:gang_crime_lead|housing');
    for (const window of windows.values()) {
      if (!['month', 'all'].includes(window.kind)) continue;
      for (const scope of leaders ? pairs : []) queries.push({ area: area.code, window, scope });
    }
    // Ranges: the whole scope of the areas leaders read and a sample below them; the narrower scopes where leaders rank.
    const rangeScopes: ScopeKey[] = leaders ? ['', ...scoped] : area.code.endsWith('1') ? [''] : [];
    RANGES.forEach(([from, to], i) => {
      // Pairs over the first three ranges (across the new year), to keep the comparison in minutes.
      for (const scope of [...rangeScopes, ...(i < 3 ? pairs : [])]) {
        queries.push({ area: area.code, window: { kind: 'range', from, to }, scope });
        // The same days as a trend (one row a day where the range is one row): the two are summed from the same
        // stored hashes, and neither may be answered the other's sums.
        if (scope === '') queries.push({ area: area.code, window: { kind: 'trend', from, to }, scope });
      }
    });
  }
  return queries;
}

/** The query string of a scope. */
function scopeQuery(scope: ScopeKey): string {
  if (scope === '') return '';
  const [kind, value] = [scope.slice(0, 2), scope.slice(2)];
  if (kind === 'c:') return `&category=${value}`;
  if (kind === 'd:') return `&department=${value}`;
  const [category, department] = value.split('|');
  return `&category=${category}&department=${department}`;
}

const close = (a: number | null, b: number | null) =>
  a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));

/**
 * Whether the projection must refuse a query: a confidential category's figures for a grid (举报人保护, issue 20) are
 * answered 403 CONFIDENTIAL_BELOW_COMMUNITY, whatever the reference holds.
 */
function refusedAtGrid(ctx: ReturnType<typeof defaultDecisionContext>, q: Query): boolean {
  if (ctx.areas.get(q.area).level !== 'grid') return false;
  const category = q.scope.startsWith('c:') ? q.scope.slice(2) : q.scope.startsWith('p:') ? q.scope.slice(2).split('|')[0] : undefined;
  return category !== undefined && ctx.catalog.isConfidential(category);
}

/** Asks the projection for every query, CONCURRENCY at a time; returns what differs from the reference (or from a refusal). */
async function compare(url: string, queries: readonly Query[], reference: Reference, refused: (q: Query) => boolean): Promise<string[]> {
  const mismatches: string[] = [];
  const http = keptAliveGets(CONCURRENCY);
  let next = 0;
  const worker = async () => {
    for (let q = queries[next++]; q; q = queries[next++]) {
      const w = q.window;
      if (w.kind === 'trend') {
        const path = `/v1/trends?area=${q.area}&figure=reported&from=${w.from}&to=${w.to}${scopeQuery(q.scope)}`;
        const res = await http.get(url + path, CITY_LEADER);
        if (res.status !== 200) {
          mismatches.push(`${path}: HTTP ${res.status} ${res.body}`);
          continue;
        }
        const { series } = JSON.parse(res.body) as { series: { date: string; value: number | null }[] };
        const expected = datesFrom(w.from, w.to).map((date) => ({
          date,
          value: expectedFigures(rangeCounts(reference, q.area, q.scope, date, date)).reported,
        }));
        const wrong = expected.filter((e, i) => series[i]?.date !== e.date || series[i]?.value !== e.value);
        if (series.length !== expected.length || wrong.length > 0) {
          const first = wrong[0] ?? expected[series.length];
          const got = series.find((d) => d.date === first?.date);
          mismatches.push(`${path}: ${series.length} days of ${expected.length}; ${first?.date} ${got?.value} ≠ ${first?.value}`);
        }
        continue;
      }
      const period = w.kind === 'range' ? `from=${w.from}&to=${w.to}` : `window=${w.kind}&at=${w.at}`;
      const path = `/v1/figures?area=${q.area}&${period}${scopeQuery(q.scope)}`;
      const res = await http.get(url + path, CITY_LEADER);
      if (refused(q)) {
        if (res.status !== 403 || !res.body.includes('"CONFIDENTIAL_BELOW_COMMUNITY"'))
          mismatches.push(`${path}: HTTP ${res.status} ${res.body}, not refused`);
        continue;
      }
      if (res.status !== 200) {
        mismatches.push(`${path}: HTTP ${res.status} ${res.body}`);
        continue;
      }
      const answer = JSON.parse(res.body) as { window: { id: string }; figures: ExpectedFigures };
      const expected = expectedFigures(
        w.kind === 'range'
          ? rangeCounts(reference, q.area, q.scope, w.from, w.to)
          : (reference.counts.get(refKey(q.area, w.id, q.scope)) ?? zeroCounts()),
      );
      const id = w.kind === 'range' ? `r${w.from}..${w.to}` : w.id;
      if (answer.window.id !== id) mismatches.push(`${path}: window ${answer.window.id}, reference ${id}`);
      const wrong = (Object.keys(expected) as (keyof ExpectedFigures)[]).filter((f) => !close(answer.figures[f], expected[f]));
      if (wrong.length > 0) {
        mismatches.push(`${path}: ${wrong.map((f) => `${f} ${answer.figures[f]} ≠ ${expected[f]}`).join(', ')}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  } finally {
    http.close();
  }
  return mismatches;
}

/** Why the projection is not running any more (with what it said last), or undefined while it runs. */
function deathOf(projection: RunningService): string | undefined {
  const { exitCode, signalCode } = projection.process;
  if (exitCode === null && signalCode === null) return undefined;
  return `the projection died (${exitCode ?? signalCode}); it said last:\n${projection.output().slice(-6_000)}`;
}

async function cityFigures(projection: RunningService): Promise<ExpectedFigures> {
  const res = await fetch(`${projection.url!}/v1/figures?area=440700&window=all`, { headers: CITY_LEADER });
  if (!res.ok) throw new Error(`figures ${res.status}`);
  return ((await res.json()) as { figures: ExpectedFigures }).figures;
}

/** Per events partition, how many records the projection's group has not committed yet. */
async function lagOf(infra: TestInfra): Promise<number[]> {
  return withAdmin(infra.kafka, async (admin) => {
    const ends = await admin.watermarks(infra.topics.events);
    const committed = await admin.committedOffsets(`${infra.topicPrefix}projection`, infra.topics.events);
    return ends.map((e) => Number(e.high - (committed.get(e.partition) ?? 0n)));
  });
}

/**
 * Until the projection has applied everything: every report counted (`reports`: those not merged into another case),
 * the group's offsets at the end, the figures still.
 */
async function waitUntilApplied(infra: TestInfra, projection: RunningService, timeoutMs: number, reports: number): Promise<void> {
  const counted = await eventually(
    async () => deathOf(projection) ?? (await cityFigures(projection)).reported,
    (reported) => typeof reported === 'string' || reported === reports,
    timeoutMs,
    250,
  );
  if (typeof counted === 'string') throw new Error(counted);
  await eventually(
    () => lagOf(infra),
    (lags) => lags.every((lag) => lag === 0),
    timeoutMs,
    250,
  );
  const first = JSON.stringify(await cityFigures(projection));
  await new Promise((r) => setTimeout(r, 500));
  expect(JSON.stringify(await cityFigures(projection))).toBe(first);
}

/** Writes events as the worker would have: signed for the partition each key lands on (ADR 0019). */
async function produce(infra: TestInfra, records: readonly OutgoingRecord[]): Promise<void> {
  const producer = new DurableProducer(infra.kafka);
  const partitions = await partitionCount(infra.kafka, infra.topics.events);
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += BATCH) {
      await producer.send(infra.topics.events, signedEventRecords(infra.topics.events, partitions, records.slice(i, i + BATCH)));
    }
  } finally {
    await producer.disconnect();
  }
}

describe('projection oracle: every figure equals a recount of the raw events', () => {
  const ctx = defaultDecisionContext();
  const history = generateHistory({ seed: SEED, incidents: INCIDENTS, ctx, from: FROM, to: TO });
  const stream = buildStream(history, mulberry32(SEED + 1));
  const reference = recount(stream.events, (code) => ctx.areas.get(code).parent);
  const queries = plan(reference, ctx);
  /** Cases merged into another at the history's end (合并, ADR 0032): counted for nothing. */
  const stillMerged = history.filter((i) => factsOf(i.events).merged).length;
  const describeRun = (run: string, ms: number, comparisons: number, kills: number) =>
    `projection oracle (${run}): ${INCIDENTS} incidents, ${stream.events.length} events ` +
    `(${stream.duplicates} duplicates, ${stream.lateEvents} events of ${stream.lateIncidents} late incidents), ` +
    `${comparisons} figure sets compared, ${kills} SIGKILLs, ${(ms / 1000).toFixed(1)} s`;

  /** A run's own topics, keys and projection, gone when its test finishes. */
  const runOf = async ({ onTestFinished }: TestContext) => {
    const run: { infra: TestInfra; projection?: RunningService } = { infra: await createTestInfra({ partitions: { events: 4 } }) };
    onTestFinished(async () => {
      await run.projection?.stop('SIGKILL');
      await run.infra.cleanup();
    });
    return run;
  };

  it('holds merges (合并) and undone merges, so the figures compared include them (ADR 0032)', () => {
    const undone = history.filter((i) => i.events.some((e) => e.type === 'IncidentUnmerged')).length;
    expect(stillMerged).toBeGreaterThan(20);
    expect(undone).toBeGreaterThan(5);
    // A merged duplicate is recounted as nothing: the whole district's 上报数 is the stories less the merged ones.
    const district = reference.counts.get(refKey('440705', 'all', ''));
    expect(district?.reported).toBe(history.length - stillMerged);
  });

  it('the reference recount counts stories and calendar windows as docs/domain.md says', () => {
    // ISO weeks across the new year, and the Shanghai day of an instant late in the UTC day.
    expect(windowsOfDate('2025-12-28').map((w) => w.id)).toEqual(['d2025-12-28', 'w2025-W52', 'm2025-12', 'q2025-Q4', 'y2025', 'all']);
    expect(windowsOfDate('2025-12-29')[1]!.id).toBe('w2026-W01');
    expect(windowsOfDate('2026-01-04')[1]!.id).toBe('w2026-W01');
    expect(windowsOfDate('2026-01-05')[1]!.id).toBe('w2026-W02');
    expect(windowsOfDate('2020-12-31')[1]!.id).toBe('w2020-W53');
    expect(shanghaiDay('2025-12-31T16:00:00.000Z')).toBe('2026-01-01');
    expect(shanghaiDay('2025-12-31T15:59:59.999Z')).toBe('2025-12-31');
    // A returned case is with no department; a reassigned one is with the new one; a missed deadline
    // stops being overdue when an extension moves it.
    const returned = history.find((i) => i.events.at(-1)?.type === 'IncidentReturned')!;
    expect(factsOf(returned.events).department).toBeNull();
    const moved = history.find(
      (i) => i.events.findLast((e) => e.type === 'IncidentReassigned' || e.type === 'IncidentReturned')?.type === 'IncidentReassigned',
    )!;
    const reassigned = moved.events.flatMap((e) => (e.type === 'IncidentReassigned' ? [e.data.department] : []));
    expect(factsOf(moved.events).department).toBe(reassigned.at(-1));
    const rescued = history.find((i) => {
      const missed = i.events.findLastIndex((e) => e.type === 'DeadlineMissed' && e.data.stage === 'handling');
      return missed >= 0 && i.events.slice(missed).some((e) => e.type === 'ExtensionApproved');
    })!;
    expect(factsOf([...rescued.events].reverse()).overdue).toBe(false);
    // A case with a department counts for its (category, department) pair; a range is summed day by day.
    const withDepartment = history.find((i) => factsOf(i.events).department !== null)!;
    const facts = factsOf(withDepartment.events);
    const day = shanghaiDay(facts.reportedAt);
    expect(reference.counts.get(refKey(facts.gridCode, `d${day}`, `p:${facts.category}|${facts.department}`))!.reported).toBeGreaterThan(0);
    expect(datesFrom('2025-12-30', '2026-01-02')).toEqual(['2025-12-30', '2025-12-31', '2026-01-01', '2026-01-02']);
    expect(rangeCounts(reference, '440700', '', '2025-11-24', '2026-01-22').reported).toBe(INCIDENTS - stillMerged);
    // Every incident counted once, in the city's whole scope, whatever the duplicated records; a merged duplicate not at all.
    expect(reference.incidents).toBe(INCIDENTS);
    expect(reference.counts.get(refKey('440700', 'all', ''))!.reported).toBe(INCIDENTS - stillMerged);
    expect(stream.duplicates).toBeGreaterThan(0.02 * (stream.events.length - stream.duplicates));
  });

  // The waits are bounds, not speeds: this file runs beside the other kill tests (vitest.config.ts), on 2 cores. The
  // two runs go one after the other: side by side (tried 2026-12-02) their two projections folding at once kept Redis
  // busy past the store's timeout, and the clean run's compare was answered 503 STORE_UNAVAILABLE 29 times in one CI run.
  it('equals the reference after the history went through the broker', { timeout: 480_000 }, async (context) => {
    const started = Date.now();
    const run = await runOf(context);
    const { infra } = run;
    const projection = (run.projection = await startService('projection', infra.env()));
    await produce(infra, stream.records);
    const produced = Date.now();
    await waitUntilApplied(infra, projection, 240_000, INCIDENTS - stillMerged);
    const applied = Date.now();
    const mismatches = await compare(projection.url!, queries, reference, (q) => refusedAtGrid(ctx, q));
    const compared = Date.now();
    console.info(
      `${describeRun('clean', compared - started, queries.length, 0)} ` +
        `[produce ${((produced - started) / 1000).toFixed(1)} s, apply ${((applied - produced) / 1000).toFixed(1)} s, compare ${((compared - applied) / 1000).toFixed(1)} s]`,
    );
    expect(mismatches.length, mismatches.slice(0, 20).join('\n')).toBe(0);
  });

  it('still equals the reference with the projection SIGKILLed at random moments', { timeout: 600_000 }, async (context) => {
    const started = Date.now();
    const random = mulberry32(SEED + 2);
    const run = await runOf(context);
    const { infra } = run;
    // Not read by the projection yet (it keeps kafkajs' 10 s session): once it is, a restarted projection waits
    // 6 s instead of 10 for the group to give up on its SIGKILLed predecessor.
    const env = { ...infra.env(), PROJECTION_SESSION_TIMEOUT_MS: '6000' };
    let projection = (run.projection = await startService('projection', env));
    // The history arrives in chunks while the projection folds; each life of the projection is cut short at random.
    const chunk = Math.ceil(stream.records.length / (KILLS + 1));
    let kills = 0;
    let killedWithWorkLeft = 0;
    for (let k = 0; k <= KILLS; k++) {
      await produce(infra, stream.records.slice(k * chunk, (k + 1) * chunk));
      if (k === KILLS) break;
      await new Promise((r) => setTimeout(r, int(random, 1_500)));
      await projection.stop('SIGKILL');
      kills++;
      if ((await lagOf(infra)).some((lag) => lag > 0)) killedWithWorkLeft++;
      projection = run.projection = await startService('projection', env, 90_000);
    }
    const killed = Date.now();
    await waitUntilApplied(infra, projection, 240_000, INCIDENTS - stillMerged);
    const applied = Date.now();
    const mismatches = await compare(projection.url!, queries, reference, (q) => refusedAtGrid(ctx, q));
    const compared = Date.now();
    console.info(
      `${describeRun('SIGKILL', compared - started, queries.length, kills)} (${killedWithWorkLeft} with work pending) ` +
        `[produce+kills ${((killed - started) / 1000).toFixed(1)} s, apply ${((applied - killed) / 1000).toFixed(1)} s, compare ${((compared - applied) / 1000).toFixed(1)} s]`,
    );
    expect(kills).toBeGreaterThanOrEqual(KILLS);
    expect(mismatches.length, mismatches.slice(0, 20).join('\n')).toBe(0);
  });
});
