import { calendarBench } from './calendar.ts';
import { duplicatesBench } from './duplicates.ts';
import { encryptionBench } from './encryption.ts';
import { endToEndBench } from './end-to-end.ts';
import { eventSignaturesBench } from './event-signatures.ts';
import { gridLookupBench } from './grid-lookup.ts';
import { importBench } from './import.ts';
import { intakeBench } from './intake.ts';
import { kafkaProducerBench } from './kafka-producer.ts';
import { CLIENT_ROUNDS, DEFAULT_QUERY_RATES, FULL_QUERY_RATES, projectionBench, replayBench, type QueryRates } from './projection.ts';
import { restoreBench } from './restore.ts';
import { searchBench } from './search.ts';
import { summaryTable, writeSummary, type SummaryRun } from './summary.ts';
import { ensureBundles, type SuiteRows } from './support.ts';
import { timerLateness } from './timers.ts';
import { tokensBench } from './tokens.ts';
import { whatIfBench } from './what-if.ts';

/**
 * `bash scripts/bench [suite ...] [--full]`: benchmarks, not tests. Each suite prints its own table
 * and writes its JSON; the run ends with one summary of every figure beside its reference, written
 * as JSON too. Default sizes finish in about 10 minutes on a 2-core machine; --full runs the large ones.
 * `end-to-end` takes `--rates=100,1000` and `--seconds=30` (offered reports a second, and how long each rate runs):
 * a longer run at one rate, to watch or profile the pipeline at it; and `--warm-up=60`, the seconds of unmeasured
 * traffic at 100/s before the first rate (the processes just started compile what they run: docs/performance.md).
 * `projection` takes `--query-rate=1000`: the projection's figures and rankings asked that many times a second (at
 * default sizes, to see a query path at `--full`'s rate without its hour of replay).
 */
const args = process.argv.slice(2);
const full = args.includes('--full');
const suites = args.filter((a) => !a.startsWith('--'));

/** The value of `--name=…` as positive integers (comma-separated), or undefined when not given; a bad one ends the run. */
function positiveIntegers(name: string): number[] | undefined {
  const given = args.find((a) => a.startsWith(`--${name}=`));
  if (given === undefined) return undefined;
  const values = given
    .slice(name.length + 3)
    .split(',')
    .map(Number);
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v <= 0)) {
    console.error(`--${name} takes positive whole numbers, comma-separated (got ${given})`);
    process.exit(2);
  }
  return values;
}
const known = new Set(['--full']);
const unknownFlags = args.filter((a) => a.startsWith('--') && !known.has(a) && !/^--(rates|seconds|warm-up|query-rate)=/.test(a));
if (unknownFlags.length > 0) {
  console.error(
    `unknown option ${unknownFlags.join(', ')}; known: --full, --rates=R[,R…], --seconds=S, --warm-up=S (end-to-end), --query-rate=R (projection)`,
  );
  process.exit(2);
}
const rates = positiveIntegers('rates') ?? (full ? [100, 1_000, 5_000] : [100, 1_000]);
const seconds = positiveIntegers('seconds')?.[0] ?? (full ? 30 : 8);
const warmUpSeconds = positiveIntegers('warm-up')?.[0] ?? 60;
const queryRate = positiveIntegers('query-rate')?.[0];
const queryRates = (rates: QueryRates): QueryRates => (queryRate ? { ...rates, figures: queryRate, rankings: queryRate } : rates);
const all: Record<string, () => Promise<SuiteRows>> = {
  calendar: () => Promise.resolve(calendarBench(full ? 1_000_000 : 100_000)),
  intake: () => intakeBench(full ? 30 : 8),
  'end-to-end': () => endToEndBench(rates, seconds, warmUpSeconds),
  projection: () =>
    full
      ? projectionBench(1_000_000, 20, queryRates(FULL_QUERY_RATES), 1)
      : projectionBench(30_000, 5, queryRates(DEFAULT_QUERY_RATES), CLIENT_ROUNDS),
  replay: () => replayBench(full ? 100_000 : 10_000),
  timers: () => timerLateness(full ? 1_000_000 : 100_000),
  restore: () => restoreBench(full ? 1_000_000 : 30_000),
  search: () => searchBench(100_000, full ? 30 : 10),
  duplicates: () => duplicatesBench(100_000, full ? 100_000 : 20_000),
  encryption: () => Promise.resolve(encryptionBench(full ? 20_000 : 2_000)),
  'event-signatures': () => Promise.resolve(eventSignaturesBench(full ? 100_000 : 20_000)),
  'grid-lookup': () => Promise.resolve(gridLookupBench(full ? 2_000_000 : 200_000)),
  tokens: () => tokensBench(full ? 100_000 : 20_000),
  import: () => importBench(full ? [1_000_000, 3_000_000] : [100_000, 1_000_000]),
  'what-if': () => whatIfBench(full ? 100_000 : 5_000),
  'kafka-producer': () => kafkaProducerBench(full ? 4 : 1),
};
// replay is the projection suite's replay row alone, run by name (the projection suite measures it already).
const chosen = suites.length > 0 ? suites : Object.keys(all).filter((name) => name !== 'replay');
const unknown = chosen.filter((name) => !all[name]);
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(all).join(', ')}`);
  process.exit(2);
}
// Built before any suite: a suite's timed span (the replay's from-start figure) must not hold the build.
const IN_PROCESS = new Set(['calendar', 'encryption', 'event-signatures', 'grid-lookup']);
if (chosen.some((name) => !IN_PROCESS.has(name))) ensureBundles();
const began = performance.now();
const run: SummaryRun & { suites: SummaryRun['suites'][number][] } = { full, suites: [], seconds: 0 };
const failed: string[] = [];
for (const name of chosen) {
  const started = performance.now();
  try {
    const rows = await all[name]!();
    run.suites.push({ name, seconds: (performance.now() - started) / 1000, rows });
  } catch (err) {
    console.error(`\n${name} failed:`, err);
    failed.push(name);
  }
}
const summary = { ...run, seconds: (performance.now() - began) / 1000 };
console.log(`\n${summaryTable(summary)}`);
console.log(`  → ${writeSummary(summary)} (and bench-results/latest.json)`);
if (failed.length > 0) console.error(`failed: ${failed.join(', ')}`);
process.exit(failed.length > 0 ? 1 : 0);
