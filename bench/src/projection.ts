import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableProducer, topicWatermarks, type OutgoingRecord } from '@gridgov/kafka';
import { kafkajsRead, kafkajsWrite, platformaticRead, platformaticWrite, producerTopic, roundsNote, takingTurns } from './kafka-clients.ts';
import { dropPostgres, loadPostgres, PG_DEFAULT, startPgServer } from './postgres.ts';
import { OpenLoopAsker, type Answered } from './open-loop.ts';
import { fillFromSimulator } from './replay-history.ts';
import {
  bareProcessRss,
  benchInfra,
  cpuSeconds,
  freePort,
  MiB,
  peakRss,
  percentile,
  redisInfoNumber,
  redisInfoNumbers,
  repoRoot,
  report,
  signedEvents,
  startProcess,
  stopProcess,
  tokenFor,
  type BenchInfra,
  type Figure,
  type SuiteRows,
} from './support.ts';
import { readModelKeys } from '@gridgov/read-model';
import { loadXinhuiAreas } from '@gridgov/testing';

/** Kafka's own consumer benchmark (ConsumerPerformance, from the broker's jars) on the same topic. */
async function kafkaConsumerPerformance(infra: BenchInfra, events: number): Promise<{ total: number; fetch: number }> {
  const { execFile } = await import('node:child_process');
  const brokers = process.env['KAFKA_BROKERS']!;
  // The broker's login (ADR 0017), as the bench's own clients use it: without it the tool read nothing for its whole
  // timeout and printed 0 messages a second.
  const config = join(tmpdir(), `${infra.id}-consumer-perf.properties`);
  writeFileSync(
    config,
    infra.sasl
      ? [
          'security.protocol=SASL_PLAINTEXT',
          'sasl.mechanism=SCRAM-SHA-256',
          `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${infra.sasl.username}" password="${infra.sasl.password}";`,
          '',
        ].join('\n')
      : '',
    { mode: 0o600 },
  );
  const output = await new Promise<string>((resolve, reject) =>
    execFile(
      'java',
      [
        '-Xmx512m',
        '-cp',
        `${repoRoot}/infra/kafka/lib/*`,
        'org.apache.kafka.tools.ConsumerPerformance',
        '--bootstrap-server',
        brokers,
        '--topic',
        infra.topics.events,
        '--messages',
        String(events),
        '--group',
        `${infra.id}-perf`,
        '--timeout',
        '60000',
        '--consumer.config',
        config,
      ],
      { maxBuffer: 1 << 20 },
      (err: Error | null, stdout: string) => (err ? reject(err) : resolve(stdout)),
    ),
  ).finally(() => rmSync(config, { force: true }));
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const line = output.trim().split('\n').pop() ?? '';
  const cols = line.split(',').map((c) => c.trim());
  // A reference that read nothing is no reference: the row fails rather than print 0.
  if (!(Number(cols[4]) >= events))
    throw new Error(`Kafka ConsumerPerformance read ${cols[4] ?? 'nothing'} of ${events} events:\n${output}`);
  return { total: Number(cols[5]), fetch: Number(cols[9]) };
}

/** CPU seconds Redis has used (INFO cpu: user + system of its main thread and the rest). */
async function redisCpuSeconds(infra: BenchInfra): Promise<number> {
  const [user, system] = await redisInfoNumbers(infra.redis, 'cpu', ['used_cpu_user', 'used_cpu_sys']);
  return user! + system!;
}

/** Bytes Redis has read from its clients (INFO stats: total_net_input_bytes). */
const redisBytesIn = (infra: BenchInfra) => redisInfoNumber(infra.redis, 'stats', 'total_net_input_bytes');

/** Redis's time in each command since the last `CONFIG RESETSTAT` (INFO commandstats), most first: [command, µs, calls]. */
async function redisCommandTimes(infra: BenchInfra): Promise<[string, number, number][]> {
  const info = await infra.redis.info('commandstats');
  return [...info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)]
    .map(([, name, calls, usec]): [string, number, number] => [name!, Number(usec), Number(calls)])
    .sort((a, b) => b[1] - a[1]);
}

const usedMemory = (infra: BenchInfra) => redisInfoNumber(infra.redis, 'memory', 'used_memory');
/** How many times Redis has forked (an append-only file rewrite: a child walking the whole dataset on the same cores). */
const redisForks = (infra: BenchInfra) => redisInfoNumber(infra.redis, 'stats', 'total_forks');

/** Events written by each producer of the client comparison, in sends of SEND (the intake's group commit sends up to 500). */
const PRODUCED = 100_000;
const SEND = 500;
/**
 * Each client reads and writes this many times, taking turns; its best round is its figure. `--full` reads once: a
 * million cases' topic read twelve times took some 43 minutes of its run.
 */
export const CLIENT_ROUNDS = 3;

/** How long a replay took: from the process's start, and from its first folded batch to the last event folded. */
export interface ReplayTimes {
  /** Process start (tsx load, connections, group joins) to the last event folded by both consumer groups, in s. */
  readonly fromStartSeconds: number;
  /** The first checkpoint written (of either group) to the last event folded by both, in s. */
  readonly foldSeconds: number;
  /** Events the counters had folded when the first checkpoint was seen (not counted in the fold rate). */
  readonly foldedBefore: number;
  /** What `atFirst` returned when the first checkpoint was seen (the replay row: the projection's CPU seconds then). */
  readonly atFirst: number;
}

/** Events per second over the fold alone, as the bare consumer is measured (first records to last). */
export const foldRate = (events: number, t: ReplayTimes): number => (events - t.foldedBefore) / t.foldSeconds;

/**
 * Waits until the projection has folded every record of grid.events: both its consumer groups, the counters (their
 * checkpoints in generation 1) and the read side (its events checkpoints), reach each partition's end. Polls every
 * 25 ms; the fold is timed from the first checkpoint seen, as a bare consumer is timed from its first records.
 */
async function caughtUp(
  infra: BenchInfra,
  startedAt: number,
  timeoutMs: number,
  atFirst: () => number = () => Number.NaN,
): Promise<ReplayTimes> {
  const ends = await topicWatermarks(infra.kafka, infra.topics.events);
  const last = new Map(ends.map((p) => [p.partition, p.high - 1n]));
  const partitions = [...last.keys()];
  const counters = partitions.map((p) => `${infra.id}:g1:{pj${p}}:checkpoint`);
  const caseViews = partitions.map((p) => readModelKeys(infra.id).partition(p).eventsCheckpoint);
  const behind = (checkpoints: readonly (string | null)[]) =>
    partitions.filter((p, i) => last.get(p)! >= 0n && BigInt(checkpoints[i] ?? -1) < last.get(p)!).length;
  const giveUpAt = Date.now() + timeoutMs;
  let firstAt = 0;
  let foldedBefore = 0;
  let first = Number.NaN;
  for (;;) {
    const [folded, viewed] = [await infra.redis.mget(...counters), await infra.redis.mget(...caseViews)];
    const now = performance.now();
    if (firstAt === 0 && [...folded, ...viewed].some((c) => c !== null)) {
      firstAt = now;
      foldedBefore = folded.reduce((sum, c) => sum + (c === null ? 0 : Number(c) + 1), 0);
      first = atFirst();
    }
    const left = behind(folded) + behind(viewed);
    if (left === 0)
      return { fromStartSeconds: (now - startedAt) / 1000, foldSeconds: (now - firstAt) / 1000, foldedBefore, atFirst: first };
    if (Date.now() > giveUpAt) throw new Error(`the projection did not catch up in ${timeoutMs / 1000} s (${left} partitions behind)`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Events a second written while the last way is asked: a busy hour of a province is a few a second, this is more. */
const LIVE_WRITES_PER_SECOND = 100;

/**
 * Runs `during` while writing `perSecond` of `records` to grid.events (none at 0): events already folded, sent again,
 * which the folds count as duplicates (nothing counted twice) while each batch still moves its partition's checkpoint,
 * so the questions meet partitions that move as a live log moves them. Answers how many were written meanwhile.
 */
async function writing<T>(
  infra: BenchInfra,
  records: readonly OutgoingRecord[],
  perSecond: number,
  during: () => Promise<T>,
): Promise<{ result: T; written: number }> {
  if (perSecond <= 0 || records.length === 0) return { result: await during(), written: 0 };
  const producer = new DurableProducer(infra.kafka);
  await producer.connect();
  let written = 0;
  let next = 0;
  const sends: Promise<void>[] = [];
  const timer = setInterval(() => {
    const record = records[next++ % records.length]!;
    sends.push(producer.send(infra.topics.events, signedEvents(infra, [record])).then(() => void written++));
  }, 1000 / perSecond);
  try {
    const result = await during();
    return { result, written };
  } finally {
    clearInterval(timer);
    await Promise.allSettled(sends);
    await producer.disconnect();
  }
}

/** A process's /metrics as text ('' when it does not answer). */
const metricsOf = (url: string): Promise<string> =>
  fetch(`${url}/metrics`)
    .then((res) => (res.ok ? res.text() : ''))
    .catch(() => '');

/** A sample's value in a /metrics text: the first of `name` whose labels hold `label` (any, or none, when not given); NaN when none. */
function sampleOf(text: string, name: string, label?: string): number {
  const labels = label === undefined ? '(?:\\{[^}]*\\})?' : `\\{[^}]*${label}[^}]*\\}`;
  return Number(new RegExp(`^${name}${labels} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

/**
 * The shares of a projection cache's counter (ADR 0045's parts, ADR 0046's answers) by result, from its /metrics: `hit`
 * (answered as kept), `joined` (answers only: waited for while another question made it) and `miss` (made).
 */
async function cacheShares(url: string, counter: string): Promise<{ readonly hit: number; readonly joined: number }> {
  const text = await metricsOf(url);
  const count = (result: string) => sampleOf(text, counter, `result="${result}"`) || 0;
  const [hits, joined, misses] = [count('hit'), count('joined'), count('miss')];
  const all = hits + joined + misses;
  return all === 0 ? { hit: Number.NaN, joined: Number.NaN } : { hit: hits / all, joined: joined / all };
}

/** A process's V8 heap (reserved and used) and its memory outside the heap, MiB, from prom-client's gauges on /metrics. */
async function heapAtStart(url: string): Promise<{ readonly total: number; readonly used: number; readonly external: number }> {
  const text = await metricsOf(url);
  const gauge = (name: string) => Math.round(sampleOf(text, name) / MiB);
  return {
    total: gauge('nodejs_heap_size_total_bytes'),
    used: gauge('nodejs_heap_size_used_bytes'),
    external: gauge('nodejs_external_memory_bytes'),
  };
}

/** A number with one decimal. */
const tenths = (n: number) => Math.round(n * 10) / 10;

/** A share as a percentage with one decimal. */
const percent = (share: number) => tenths(share * 100);

/** Requests a second of each question, open loop: asked of the projection, and of PostgreSQL. */
export interface QueryRates {
  readonly figures: number;
  readonly rankings: number;
  /**
   * PostgreSQL's GROUP BY is asked at rates of its own: over a million cases a query reads some 100,000 rows, and at the
   * projection's rates the reference would measure its queue, not its queries. Its p50 is the reference either way.
   */
  readonly pgFigures: number;
  readonly pgRankings: number;
}

/** Default sizes: both asked alike. */
export const DEFAULT_QUERY_RATES: QueryRates = { figures: 200, rankings: 50, pgFigures: 200, pgRankings: 50 };
/** `--full` (a million cases): the projection at issue 19's 1,000 requests a second, PostgreSQL at what it carries. */
export const FULL_QUERY_RATES: QueryRates = { figures: 1_000, rankings: 1_000, pgFigures: 20, pgRankings: 5 };

/**
 * Projection: replay events/s rebuilding its counters from a simulated history on grid.events,
 * beside a bare kafkajs consumer and Kafka's ConsumerPerformance reading the same topic; figures
 * and rankings at a fixed request rate beside the same questions asked of PostgreSQL (GROUP BY
 * over one row per case, the same cases); memory per million cases beside PostgreSQL's table.
 */
export async function projectionBench(
  incidents: number,
  querySeconds: number,
  rates: QueryRates = DEFAULT_QUERY_RATES,
  clientRounds = CLIENT_ROUNDS,
): Promise<SuiteRows> {
  const infra = await benchInfra(12);
  // The questions are asked from a thread of their own (see OpenLoopAsker), one run at a time.
  const asker = new OpenLoopAsker();
  const fixedRate = (urls: readonly string[], ratePerSecond: number, seconds: number, headers: Record<string, string> = {}) =>
    asker.ask({ urls, ratePerSecond, seconds, headers });
  try {
    const redisBefore = await usedMemory(infra);
    const { events, facts, produceRate, sample } = await fillFromSimulator(infra, incidents, PRODUCED);

    // The client libraries alone, taking turns on the same topic: kafkajs (as packages/kafka reads) and @platformatic/kafka.
    const topic = infra.topics.events;
    const reads = await takingTurns(clientRounds, {
      kafkajs: async () => (await kafkajsRead(infra, topic, events, false)).perSecond,
      platformatic: async () => (await platformaticRead(infra, topic, events, false)).perSecond,
      kafkajsParsed: async () => (await kafkajsRead(infra, topic, events, true)).perSecond,
      platformaticParsed: async () => (await platformaticRead(infra, topic, events, true)).perSecond,
    });
    const { best: bare } = reads.kafkajs;
    const { best: platformatic } = reads.platformatic;
    const { best: bareParsed } = reads.kafkajsParsed;
    const { best: platformaticParsed } = reads.platformaticParsed;
    // And writing: the same records, in the same sends, to one topic of as many partitions.
    const produced = await producerTopic(infra, 12);
    const writes = await takingTurns(clientRounds, {
      kafkajs: async () => (await kafkajsWrite(infra, produced.name, sample, SEND)).perSecond,
      platformatic: async () => (await platformaticWrite(infra, produced.name, sample, SEND, false)).perSecond,
      idempotent: async () => (await platformaticWrite(infra, produced.name, sample, SEND, true)).perSecond,
    }).finally(() => produced.remove().catch(() => undefined));
    const perf = await kafkaConsumerPerformance(infra, events);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const leader = { authorization: `Bearer ${tokenFor(infra, { role: 'leader', areas: ['440700'], sub: 'leader-bench' })}` };
    const started = performance.now();
    // Polled from the spawn on: the projection folds before it answers /readyz.
    const folding = caughtUp(infra, started, 60_000 + events);
    folding.catch(() => undefined); // awaited below; not unhandled if the start fails first
    const projection = await startProcess(
      'projection',
      { ...infra.env, PORT: String(port), LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'warn' },
      `${url}/readyz`,
    );
    const times = await folding;
    const replayed = foldRate(events, times);
    const redisAfter = await usedMemory(infra);

    const areas = loadXinhuiAreas();
    const towns = areas.children('440705').map((t) => t.code);
    const figureUrls = ['440700', '440705', ...towns].map((a) => `${url}/v1/figures?area=${a}&window=month&at=2026-06-15`);
    const rankingUrls = [`${url}/v1/rankings?area=440705&window=month&at=2026-06-15`];
    /** The figures, then the rankings, after a warm-up; and the projection's CPU per question over both. */
    const askAll = async (pid: number | undefined) => {
      await fixedRate([...figureUrls, ...rankingUrls], 50, 2, leader); // warm-up
      const cpuBefore = cpuSeconds(pid);
      const benchBefore = process.cpuUsage();
      const figures = await fixedRate(figureUrls, rates.figures, querySeconds, leader);
      const rankings = await fixedRate(rankingUrls, rates.rankings, querySeconds, leader);
      const questions = figures.latencies.length + rankings.latencies.length;
      const bench = process.cpuUsage(benchBefore);
      return {
        // The asking thread's loop: a request due while it was held was sent, and counted, late.
        benchLoopMs: {
          p99: Math.max(figures.loopDelayMs.p99, rankings.loopDelayMs.p99),
          max: Math.max(figures.loopDelayMs.max, rankings.loopDelayMs.max),
        },
        figures,
        rankings,
        cpuUs: ((cpuSeconds(pid) - cpuBefore) / questions) * 1e6,
        // The bench's own, asking (and writing, in the ways that write): it shares the two cores with the projection.
        benchCpuUs: (bench.user + bench.system) / questions,
      };
    };
    const projectionRss = peakRss(projection.pid);
    await stopProcess(projection);

    // The questions are asked of the projection restarted in the same group (nothing left to fold: it is ready once it
    // joins), so that each way is asked of a process alike, none of them right after a replay: with everything kept,
    // then with whole answers made afresh, as when some partition moved between two questions (ADR 0046), then with
    // every partition's part read too, as when each has moved (ADR 0045).
    const askedAgain = async (caches: Record<string, string>, writesPerSecond = 0) => {
      const again = await startProcess(
        'projection',
        { ...infra.env, PORT: String(port), LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'warn', ...caches },
        `${url}/readyz`,
      );
      // What it held to start (modules, connections, the group's join, its configuration): the floor under the rest.
      const startRss = peakRss(again.pid);
      try {
        const startHeap = await heapAtStart(url);
        const forksBefore = await redisForks(infra);
        const { result: answered, written } = await writing(infra, sample, writesPerSecond, () => askAll(again.pid));
        const forks = (await redisForks(infra)) - forksBefore;
        const partShare = (await cacheShares(url, 'gridgov_projection_read_cache_parts_total')).hit;
        const answerShares = await cacheShares(url, 'gridgov_projection_answer_cache_answers_total');
        return { ...answered, partShare, answerShares, written, forks, startRss, startHeap, rss: peakRss(again.pid) };
      } finally {
        await stopProcess(again);
      }
    };
    const asked = await askedAgain({});
    const [figureAnswers, rankingAnswers] = [asked.figures, asked.rankings];
    const [figureLatency, rankingLatency] = [figureAnswers.latencies, rankingAnswers.latencies];
    const partsOnly = await askedAgain({ PROJECTION_ANSWER_CACHE_MB: '0' });
    const uncached = await askedAgain({ PROJECTION_ANSWER_CACHE_MB: '0', PROJECTION_READ_CACHE_MB: '0' });
    // Everything kept again, while events are written: partitions move under the questions, as on a live log.
    const live = await askedAgain({}, LIVE_WRITES_PER_SECOND);
    // Whole answers kept and no parts, while events are written: every answer made reads every partition, as when all
    // of them move between two questions, and the questions that come while it is made wait for it (ADR 0046).
    const answersOnly = await askedAgain({ PROJECTION_READ_CACHE_MB: '0' }, LIVE_WRITES_PER_SECOND);

    // The same questions asked of PostgreSQL, GROUP BY over a table of the same cases.
    const askedOfPostgres = async (table: string) => {
      const bytes = await loadPostgres(table, facts);
      const pgServer = await startPgServer(table);
      try {
        const pgFigureUrls = figureUrls.map((u) => u.replace(url, pgServer.url));
        const pgRankingUrls = rankingUrls.map((u) => u.replace(url, pgServer.url));
        await fixedRate([...pgFigureUrls, ...pgRankingUrls], 50, 2); // warm-up
        return {
          bytes,
          figures: (await fixedRate(pgFigureUrls, rates.pgFigures, querySeconds)).latencies,
          rankings: (await fixedRate(pgRankingUrls, rates.pgRankings, querySeconds)).latencies,
        };
      } finally {
        await stopProcess(pgServer.child);
      }
    };
    const table = `${infra.id}_incidents`;
    const postgres = await askedOfPostgres(table).catch((err: unknown) => {
      console.error(`\nprojection: the PostgreSQL reference is left out (${String(err)}); PG_URL names the server (default ${PG_DEFAULT})`);
      return { bytes: Number.NaN, figures: [] as number[], rankings: [] as number[] };
    });
    await dropPostgres(table).catch(() => undefined);
    const { bytes: pgBytes, figures: pgFigureLatency, rankings: pgRankingLatency } = postgres;

    /** When some failed (each counted infinitely late above): how late the others were answered. */
    const answeredNote = (way: { readonly figures: Answered; readonly rankings: Answered; readonly forks?: number }): string => {
      const forked = way.forks ? `; Redis forked ${way.forks} times meanwhile (an append-only file rewrite)` : '';
      if (way.figures.failed + way.rankings.failed === 0) return forked;
      const answered = (a: Answered) => a.latencies.slice(0, a.latencies.length - a.failed);
      const ms = (a: Answered, p: number) => percentile(answered(a), p).toFixed(1);
      return `; those answered: figures p50 ${ms(way.figures, 50)} / p99 ${ms(way.figures, 99)} ms, rankings p50 ${ms(way.rankings, 50)} / p99 ${ms(way.rankings, 99)} ms${forked}`;
    };
    /** A way's rows: figures and rankings at p50 and p99, then the questions that failed (the first row named in full). */
    const wayRows = (
      way: { readonly figures: Answered; readonly rankings: Answered; readonly forks?: number },
      first: string,
      label: string,
      note: string,
    ): Figure[] => [
      { name: `figures p50 @ ${rates.figures}/s, ${first}`, value: percentile(way.figures.latencies, 50), unit: 'ms', note },
      { name: `figures p99 @ ${rates.figures}/s, ${label}`, value: percentile(way.figures.latencies, 99), unit: 'ms' },
      { name: `rankings p50 @ ${rates.rankings}/s, ${label}`, value: percentile(way.rankings.latencies, 50), unit: 'ms' },
      { name: `rankings p99 @ ${rates.rankings}/s, ${label}`, value: percentile(way.rankings.latencies, 99), unit: 'ms' },
      {
        name: `queries failed, ${label}`,
        value: way.figures.failed + way.rankings.failed,
        unit: '',
        note: `of ${way.figures.latencies.length + way.rankings.latencies.length}${answeredNote(way)}`,
      },
    ];
    const figures: Figure[] = [
      {
        name: 'events in grid.events',
        value: events,
        unit: '',
        note: `${incidents.toLocaleString('en-US')} simulated cases, 12 partitions`,
      },
      { name: 'fill (produce, acks=all)', value: Math.round(produceRate), unit: 'events/s' },
      { name: 'bare kafkajs consumer', value: Math.round(bare), unit: 'events/s', note: `reads only; ${roundsNote(reads.kafkajs)}` },
      {
        name: 'bare kafkajs consumer + JSON.parse',
        value: Math.round(bareParsed),
        unit: 'events/s',
        note: roundsNote(reads.kafkajsParsed),
      },
      {
        name: 'bare @platformatic/kafka consumer',
        value: Math.round(platformatic),
        unit: 'events/s',
        note: `reads only; ${roundsNote(reads.platformatic)}`,
      },
      {
        name: 'bare @platformatic/kafka consumer + JSON.parse',
        value: Math.round(platformaticParsed),
        unit: 'events/s',
        note: roundsNote(reads.platformaticParsed),
      },
      {
        name: 'bare kafkajs producer',
        value: Math.round(writes.kafkajs.best),
        unit: 'events/s',
        note: `${sample.length.toLocaleString('en-US')} of these events, sends of ${SEND}, acks=all; ${roundsNote(writes.kafkajs)}`,
      },
      {
        name: 'bare @platformatic/kafka producer',
        value: Math.round(writes.platformatic.best),
        unit: 'events/s',
        note: `the same; ${roundsNote(writes.platformatic)}`,
      },
      {
        name: 'bare @platformatic/kafka producer, idempotent',
        value: Math.round(writes.idempotent.best),
        unit: 'events/s',
        note: roundsNote(writes.idempotent),
      },
      {
        name: 'Kafka ConsumerPerformance (Java)',
        value: Math.round(perf.total),
        unit: 'events/s',
        note: `${Math.round(perf.fetch).toLocaleString('en-US')}/s not counting the group join`,
      },
      {
        name: 'projection replay',
        value: Math.round(replayed),
        unit: 'events/s',
        note: 'first batch folded to the last event folded by the counters and the read side',
      },
      {
        name: 'projection replay from process start',
        value: Math.round(events / times.fromStartSeconds),
        unit: 'events/s',
        note: `incl. ${(times.fromStartSeconds - times.foldSeconds).toFixed(1)} s of module load, connections and group joins`,
      },
      { name: 'projection / bare consumer + JSON.parse', value: Math.round((replayed / bareParsed) * 1000) / 10, unit: '%' },
      { name: `figures p50 @ ${rates.figures}/s`, value: percentile(figureLatency, 50), unit: 'ms' },
      { name: `figures p99 @ ${rates.figures}/s`, value: percentile(figureLatency, 99), unit: 'ms' },
      { name: `rankings p50 @ ${rates.rankings}/s`, value: percentile(rankingLatency, 50), unit: 'ms', note: '11 towns' },
      { name: `rankings p99 @ ${rates.rankings}/s`, value: percentile(rankingLatency, 99), unit: 'ms' },
      {
        name: 'queries failed',
        value: figureAnswers.failed + rankingAnswers.failed,
        unit: '',
        note: `of ${figureLatency.length + rankingLatency.length}; counted infinitely late${answeredNote(asked)}`,
      },
      {
        name: 'projection CPU per question',
        value: Math.round(asked.cpuUs),
        unit: 'µs',
        note: `figures and rankings; ${Math.round(partsOnly.cpuUs)} µs with parts kept and answers made, ${Math.round(uncached.cpuUs)} µs with nothing kept`,
      },
      {
        name: "the bench's own CPU per question",
        value: Math.round(asked.benchCpuUs),
        unit: 'µs',
        note: `asking, on the same two cores as the projection and Redis; its asking thread's loop held ${tenths(asked.benchLoopMs.p99)} ms at p99, ${tenths(asked.benchLoopMs.max)} ms at most`,
      },
      {
        name: 'answers sent as kept',
        value: percent(asked.answerShares.hit),
        unit: '%',
        note: `ADR 0046; nothing is written while these are asked; ${percent(asked.answerShares.joined)} % waited for while made`,
      },
      ...wayRows(
        partsOnly,
        'parts kept, answers made',
        'parts kept, answers made',
        'restarted without kept answers, as when some partition moved',
      ),
      {
        name: 'partition parts answered from the read cache',
        value: percent(partsOnly.partShare),
        unit: '%',
        note: 'ADR 0045, answers made',
      },
      ...wayRows(
        live,
        `everything kept, ${LIVE_WRITES_PER_SECOND} events/s written`,
        'events written',
        `${live.written.toLocaleString('en-US')} events written while asked (folded again: duplicates)`,
      ),
      {
        name: 'answers sent as kept, events written',
        value: percent(live.answerShares.hit),
        unit: '%',
        note: `parts from the read cache: ${percent(live.partShare)} %; CPU per question ${Math.round(live.cpuUs)} µs`,
      },
      {
        name: 'answers waited for while another question made them, events written',
        value: percent(live.answerShares.joined),
        unit: '%',
        note: 'asked at the version being made',
      },
      ...wayRows(
        answersOnly,
        'answers kept, parts read, events written',
        'answers kept, parts read',
        `read cache off: an answer made reads every partition; ${answersOnly.written.toLocaleString('en-US')} events written`,
      ),
      {
        name: 'answers sent as kept, answers kept, parts read',
        value: percent(answersOnly.answerShares.hit),
        unit: '%',
        note: `${percent(answersOnly.answerShares.joined)} % waited for while another question made them; CPU per question ${Math.round(answersOnly.cpuUs)} µs`,
      },
      ...wayRows(uncached, 'read cache off', 'read cache off', 'nothing kept: every partition read, as when all moved'),
      {
        name: `PostgreSQL figures p50 @ ${rates.pgFigures}/s`,
        value: percentile(pgFigureLatency, 50),
        unit: 'ms',
        note: 'GROUP BY over the same cases, indexed',
      },
      { name: `PostgreSQL figures p99 @ ${rates.pgFigures}/s`, value: percentile(pgFigureLatency, 99), unit: 'ms' },
      { name: `PostgreSQL rankings p50 @ ${rates.pgRankings}/s`, value: percentile(pgRankingLatency, 50), unit: 'ms' },
      { name: `PostgreSQL rankings p99 @ ${rates.pgRankings}/s`, value: percentile(pgRankingLatency, 99), unit: 'ms' },
      {
        name: 'Redis memory per million cases',
        value: Math.round((((redisAfter - redisBefore) / incidents) * 1e6) / MiB),
        unit: 'MiB',
        note: 'projection counters and case facts',
      },
      {
        name: 'PostgreSQL table per million cases',
        value: Math.round(((pgBytes / incidents) * 1e6) / MiB),
        unit: 'MiB',
        note: 'one row a case, 5 indexes',
      },
      { name: 'projection peak RSS', value: Math.round(projectionRss / MiB), unit: 'MiB', note: 'its replay' },
      {
        name: 'projection peak RSS, restarted, ready',
        value: Math.round(asked.startRss / MiB),
        unit: 'MiB',
        note: `nothing folded, nothing asked yet: what starting took; V8 heap ${asked.startHeap.total} MiB (${asked.startHeap.used} MiB used), ${asked.startHeap.external} MiB outside it`,
      },
      {
        name: 'projection peak RSS, restarted, everything kept',
        value: Math.round(asked.rss / MiB),
        unit: 'MiB',
        note: 'no replay: its queries only',
      },
      {
        name: 'projection peak RSS, restarted with the read cache off',
        value: Math.round(uncached.rss / MiB),
        unit: 'MiB',
        note: 'no replay: its queries only',
      },
    ];
    report('projection', figures, { incidents, events, querySeconds });
    const replay = Math.round(replayed);
    // The reference's own rate is named where it differs from the projection's.
    const pg = (name: 'figures' | 'rankings', at: number, latencies: readonly number[], p: number) => ({
      name: `PostgreSQL GROUP BY, ${name} p${p}${at === rates[name] ? '' : ` @ ${at}/s`}`,
      value: Math.round(percentile(latencies, p) * 10) / 10,
      unit: 'ms',
    });
    const query = (name: 'figures' | 'rankings', latencies: readonly number[], pgLatencies: readonly number[], p: number) => ({
      figure: `queries: ${name} p${p} @ ${rates[name]}/s`,
      value: Math.round(percentile(latencies, p) * 10) / 10,
      unit: 'ms',
      reference: pg(name, name === 'figures' ? rates.pgFigures : rates.pgRankings, pgLatencies, p),
    });
    const cases = `${(incidents / 1000).toLocaleString('en-US')}k cases`;
    return [
      {
        figure: `projection replay: events/s, ${events.toLocaleString('en-US')} events, first fold to last`,
        value: replay,
        unit: '/s',
        reference: { name: 'bare kafkajs consumer + JSON.parse', value: Math.round(bareParsed), unit: '/s' },
      },
      {
        figure: `@platformatic/kafka consumer: events/s, ${events.toLocaleString('en-US')} events, reads only`,
        value: Math.round(platformatic),
        unit: '/s',
        reference: { name: 'bare kafkajs consumer', value: Math.round(bare), unit: '/s' },
      },
      {
        figure: '@platformatic/kafka consumer: events/s, with JSON.parse',
        value: Math.round(platformaticParsed),
        unit: '/s',
        reference: { name: 'bare kafkajs consumer + JSON.parse', value: Math.round(bareParsed), unit: '/s' },
      },
      {
        figure: `@platformatic/kafka producer: events/s, acks=all, sends of ${SEND}`,
        value: Math.round(writes.platformatic.best),
        unit: '/s',
        reference: { name: 'bare kafkajs producer', value: Math.round(writes.kafkajs.best), unit: '/s' },
      },
      {
        figure: 'projection replay: events/s (same run)',
        value: replay,
        unit: '/s',
        reference: { name: 'Kafka ConsumerPerformance', value: Math.round(perf.total), unit: '/s' },
      },
      query('figures', figureLatency, pgFigureLatency, 50),
      query('figures', figureLatency, pgFigureLatency, 99),
      query('rankings', rankingLatency, pgRankingLatency, 50),
      query('rankings', rankingLatency, pgRankingLatency, 99),
      {
        figure: 'queries: projection CPU per question, answers kept',
        value: Math.round(asked.cpuUs),
        unit: 'µs',
        reference: { name: 'the same, parts kept and answers made', value: Math.round(partsOnly.cpuUs), unit: 'µs' },
      },
      {
        ...query('rankings', partsOnly.rankings.latencies, pgRankingLatency, 50),
        figure: `queries: rankings p50 @ ${rates.rankings}/s, parts kept, answers made`,
      },
      {
        ...query('rankings', partsOnly.rankings.latencies, pgRankingLatency, 99),
        figure: `queries: rankings p99 @ ${rates.rankings}/s, parts kept, answers made`,
      },
      {
        ...query('rankings', live.rankings.latencies, pgRankingLatency, 99),
        figure: `queries: rankings p99 @ ${rates.rankings}/s, ${LIVE_WRITES_PER_SECOND} events/s written`,
      },
      {
        ...query('rankings', answersOnly.rankings.latencies, pgRankingLatency, 99),
        figure: `queries: rankings p99 @ ${rates.rankings}/s, answers kept, parts read, events written`,
      },
      {
        ...query('figures', uncached.figures.latencies, pgFigureLatency, 99),
        figure: `queries: figures p99 @ ${rates.figures}/s, read cache off`,
      },
      {
        ...query('rankings', uncached.rankings.latencies, pgRankingLatency, 50),
        figure: `queries: rankings p50 @ ${rates.rankings}/s, read cache off`,
      },
      {
        ...query('rankings', uncached.rankings.latencies, pgRankingLatency, 99),
        figure: `queries: rankings p99 @ ${rates.rankings}/s, read cache off`,
      },
      {
        figure: 'memory: Redis per million cases',
        value: Math.round((((redisAfter - redisBefore) / incidents) * 1e6) / MiB),
        unit: 'MiB',
        reference: { name: 'PostgreSQL table + indexes', value: Math.round(((pgBytes / incidents) * 1e6) / MiB), unit: 'MiB' },
      },
      {
        figure: `memory: projection peak RSS after replaying ${cases}`,
        value: Math.round(projectionRss / MiB),
        unit: 'MiB',
        reference: { name: 'bare Fastify process', value: Math.round((await bareProcessRss()) / MiB), unit: 'MiB' },
      },
    ];
  } finally {
    await asker.close();
    await infra.cleanup();
  }
}

/**
 * The projection's replay row alone (`bash scripts/bench replay`): the same history on grid.events, the projection
 * started on it, events/s from its first folded batch to the last event folded by both its consumer groups (as the
 * bare consumer is timed from its first records), and from process start as a second figure. Beside a bare kafkajs
 * consumer of the same topic (one round), without the client comparison, the PostgreSQL reference and the queries.
 */
export async function replayBench(incidents: number): Promise<SuiteRows> {
  const infra = await benchInfra(12);
  try {
    const { events } = await fillFromSimulator(infra, incidents);
    const bare = (await kafkajsRead(infra, infra.topics.events, events, true)).perSecond;
    const port = await freePort();
    const redisCpuBefore = await redisCpuSeconds(infra);
    const redisBytesBefore = await redisBytesIn(infra);
    await infra.redis.config('RESETSTAT');
    const started = performance.now();
    let pid: number | undefined;
    // Polled from the spawn on: the projection folds before it answers /readyz. A loaded machine folds slowly: 2 ms an event.
    const folding = caughtUp(infra, started, 60_000 + 2 * events, () => cpuSeconds(pid));
    folding.catch(() => undefined); // awaited below; not unhandled if the start fails first
    const projection = await startProcess(
      'projection',
      { ...infra.env, PORT: String(port), LOG_LEVEL: process.env['BENCH_LOG_LEVEL'] ?? 'warn' },
      `http://127.0.0.1:${port}/readyz`,
      undefined,
      (child) => (pid = child.pid),
    );
    // Not caught up in time: the projection is stopped before its topics are removed (it would go on retrying them).
    const times = await folding.catch(async (err: unknown) => {
      await stopProcess(projection);
      throw err;
    });
    const cpu = cpuSeconds(projection.pid);
    const redisCpu = (await redisCpuSeconds(infra)) - redisCpuBefore;
    const redisBytes = (await redisBytesIn(infra)) - redisBytesBefore;
    const commands = await redisCommandTimes(infra);
    const rss = peakRss(projection.pid);
    await stopProcess(projection);
    const replay = Math.round(foldRate(events, times));
    const fromStart = Math.round(events / times.fromStartSeconds);
    const startup = `${(times.fromStartSeconds - times.foldSeconds).toFixed(1)} s`;
    // CPU per event of the fold alone (first checkpoint to the last event folded), and over the process's life.
    const foldCpu = Math.round(((cpu - times.atFirst) / (events - times.foldedBefore)) * 1e6);
    const lifeCpu = Math.round((cpu / events) * 1e6);
    report(
      'replay',
      [
        { name: 'projection replay', value: replay, unit: 'events/s', note: `${events} events, first batch folded to the last` },
        { name: 'projection replay from process start', value: fromStart, unit: 'events/s', note: `incl. ${startup} of start-up` },
        { name: 'bare kafkajs consumer + JSON.parse', value: Math.round(bare), unit: 'events/s' },
        { name: 'projection / bare consumer + JSON.parse', value: Math.round((replay / bare) * 1000) / 10, unit: '%' },
        { name: 'projection CPU per event, fold', value: foldCpu, unit: 'µs', note: 'user + system, first fold to last' },
        { name: 'projection CPU per event, whole life', value: lifeCpu, unit: 'µs', note: `${cpu.toFixed(1)} s in all` },
        { name: 'projection peak RSS', value: Math.round(rss / MiB), unit: 'MiB' },
        {
          name: 'Redis CPU per event',
          value: Math.round((redisCpu / events) * 1e6),
          unit: 'µs',
          note: `${redisCpu.toFixed(1)} s from the spawn to the last event folded (the bench's own polls included)`,
        },
        { name: 'bytes written to Redis per event', value: Math.round(redisBytes / events), unit: 'B', note: 'commands, the same span' },
        // Where Redis's time went: its five costliest commands (a script's own calls are counted apart from its EVALSHA).
        ...commands.slice(0, 5).map(([command, usec, calls]) => ({
          name: `Redis ${command}, µs per event`,
          value: Math.round((usec / events) * 10) / 10,
          unit: 'µs',
          note: `${calls.toLocaleString('en-US')} calls, ${(usec / calls).toFixed(1)} µs each`,
        })),
      ],
      { incidents, events },
    );
    return [
      {
        figure: `projection replay: events/s, ${events.toLocaleString('en-US')} events, first fold to last`,
        value: replay,
        unit: '/s',
        reference: { name: 'bare kafkajs consumer + JSON.parse', value: Math.round(bare), unit: '/s' },
      },
      {
        figure: `projection replay from process start: events/s (incl. ${startup} of start-up)`,
        value: fromStart,
        unit: '/s',
        reference: { name: 'bare kafkajs consumer + JSON.parse', value: Math.round(bare), unit: '/s' },
      },
    ];
  } finally {
    await infra.cleanup();
  }
}
