import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { progressLine } from '@gridgov/runtime';
import { driveTraffic, planTraffic, type DriveResult } from '@gridgov/simulator';
import { percentile } from './support.ts';
import { DEFAULT_AREAS_FILE, jwtSecret, simulationContext, tokenMinter } from './traffic-world.ts';

const USAGE = `Drives the intake-api with simulated grid traffic, open loop, deterministic from a seed.

  node --import tsx bench/src/simulate.ts [options]

  --intake <url>        the intake-api (default $INTAKE_URL or http://127.0.0.1:3000)
  --rate <n>            reports offered per second (default 50)
  --duration <s>        seconds of reports (default 60)
  --tail <s>            keep following the cases this long after the last report (default 0)
  --seed <n>            the same seed gives the same requests (default 1)
  --areas <file>        the stack's areas file, AREAS_FILE (default $AREAS_FILE or data/areas/xinhui.json)
  --time-scale <n>      case time runs n times faster than the run (default 600: an hour of a case in 6 s)
  --reports-only        send the reports alone, no follow-ups
  --arrivals <kind>     poisson (default) or uniform gaps between reports
  --run-id <id>         tags the report ids (default: new each run; the same id repeats a run's reports, which the API takes as retries)
  --routing-rules <f>   the stack's ROUTING_RULES_FILE, if it has one (default $ROUTING_RULES_FILE)
  --json <file>         also write the figures as JSON
  --quiet               no progress line

Tokens are minted for each simulated person with JWT_SECRET, or the local stack's .local/secrets.env.
A stack with the default rate limits answers 429 past 3,000 requests a minute from one address: start it with
RATE_LIMIT_PER_IP=0 RATE_LIMIT_PER_USER=0 for more.`;

const { values: args } = parseArgs({
  options: {
    intake: { type: 'string', default: process.env['INTAKE_URL'] ?? 'http://127.0.0.1:3000' },
    rate: { type: 'string', default: '50' },
    duration: { type: 'string', default: '60' },
    tail: { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    areas: { type: 'string', default: process.env['AREAS_FILE'] ?? DEFAULT_AREAS_FILE },
    'time-scale': { type: 'string', default: '600' },
    'reports-only': { type: 'boolean', default: false },
    arrivals: { type: 'string', default: 'poisson' },
    'run-id': { type: 'string' },
    'routing-rules': { type: 'string', default: process.env['ROUTING_RULES_FILE'] },
    json: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const number = (name: string, text: string, min: number) => {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min) {
    console.error(`--${name}: a number, at least ${min} (got ${JSON.stringify(text)})\n\n${USAGE}`);
    process.exit(2);
  }
  return n;
};
const rate = number('rate', args.rate, 0.001);
const durationMs = number('duration', args.duration, 0.001) * 1000;
const untilMs = durationMs + number('tail', args.tail, 0) * 1000;
const seed = Math.trunc(number('seed', args.seed, -(2 ** 31)));
const timeScale = number('time-scale', args['time-scale'], 0.001);
if (args.arrivals !== 'poisson' && args.arrivals !== 'uniform') {
  console.error(`--arrivals: poisson or uniform (got ${args.arrivals})`);
  process.exit(2);
}
const runId = args['run-id'] ?? `${seed}-${Date.now().toString(36)}`;
const ctx = simulationContext(args.areas, args['routing-rules']);
const grids = ctx.areas.ofLevel('grid').length;

console.error(
  `simulating ${args.areas} (${grids.toLocaleString('en-US')} grids): ${rate} reports/s for ${durationMs / 1000} s, ` +
    `${args['reports-only'] ? 'reports only' : `their follow-ups until ${untilMs / 1000} s, case time ×${timeScale}`}, ` +
    `seed ${seed}, run ${runId} → ${args.intake}`,
);
const result = await driveTraffic({
  intakeUrl: args.intake.replace(/\/$/, ''),
  cases: planTraffic({
    seed,
    ctx,
    rate,
    durationMs,
    untilMs,
    arrivals: args.arrivals,
    timeScale,
    lifecycle: !args['reports-only'],
    runId,
  }),
  untilMs,
  tokenFor: tokenMinter(jwtSecret()),
  progress: progressLine({ label: 'simulated', unit: 'reports', total: Math.round((rate * durationMs) / 1000), enabled: !args.quiet }),
});
const summary = summarize(result);
printSummary(summary);
if (args.json)
  writeFileSync(args.json, JSON.stringify({ seed, runId, rate, durationMs, untilMs, timeScale, areas: args.areas, ...summary }, null, 2));
const throttled = Object.entries({ ...result.reports.failed, ...result.followUps.failed }).some(([key]) => key.startsWith('429'));
if (throttled)
  console.error(
    '\nsome requests were answered 429: the stack limits requests per user and address (RATE_LIMIT_PER_IP=0 RATE_LIMIT_PER_USER=0 lifts that)',
  );
process.exit(0);

function latency(sorted: readonly number[]) {
  const round = (n: number) => Math.round(n * 10) / 10;
  return { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? Number.NaN) };
}

function summarize(r: DriveResult) {
  const { latencyMs: reportLatency, ...reports } = r.reports;
  const { latencyMs: followUpLatency, ...followUps } = r.followUps;
  return {
    seconds: Math.round(r.seconds * 10) / 10,
    reports: { ...reports, latencyMs: latency(reportLatency) },
    followUps: { ...followUps, latencyMs: latency(followUpLatency) },
    maxSendLagMs: Math.round(r.maxSendLagMs),
  };
}

function printSummary(s: ReturnType<typeof summarize>): void {
  const n = (x: number) => x.toLocaleString('en-US');
  const failed = (f: Record<string, number>) =>
    Object.keys(f).length === 0
      ? ''
      : `; not accepted: ${Object.entries(f)
          .map(([k, v]) => `${k} ×${n(v)}`)
          .join(', ')}`;
  const line = (name: string, t: typeof s.reports) =>
    `  ${name.padEnd(11)} ${n(t.sent).padStart(8)} sent ${n(t.accepted).padStart(8)} accepted (202)   ` +
    `from due to answer p50 ${t.latencyMs.p50} ms, p99 ${t.latencyMs.p99} ms, max ${t.latencyMs.max} ms${failed(t.failed)}`;
  console.log(`\nsimulated traffic, ${s.seconds} s`);
  console.log(line('reports', s.reports));
  console.log(line('follow-ups', s.followUps));
  const by = Object.entries(s.followUps.byCommand).sort(([, a], [, b]) => b - a);
  if (by.length > 0) console.log(`  follow-ups by command: ${by.map(([k, v]) => `${k} ${n(v)}`).join(', ')}`);
  const refused = Object.entries(s.followUps.refused);
  if (refused.length > 0)
    console.log(`  cases stopped where the decider refused a step: ${refused.map(([k, v]) => `${k} ${n(v)}`).join(', ')}`);
  console.log(
    `  steps left for later (due after the run) ${n(s.followUps.leftForLater)}; cases whose step was not decided in time ${n(s.followUps.undecided)}; ` +
      `the driver fell behind by at most ${n(s.maxSendLagMs)} ms`,
  );
}
