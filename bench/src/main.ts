import { calendarBench } from './calendar.ts';
import { endToEndBench } from './end-to-end.ts';
import { intakeBench } from './intake.ts';
import { projectionBench } from './projection.ts';
import { timerLateness } from './timers.ts';

/** `bash scripts/bench [suite] [--full]`: benchmarks, not tests; each prints its figures and writes JSON. */
const args = process.argv.slice(2);
const full = args.includes('--full');
const suites = args.filter((a) => !a.startsWith('--'));
const all: Record<string, () => Promise<void>> = {
  calendar: () => Promise.resolve(calendarBench(full ? 1_000_000 : 100_000)),
  intake: () => intakeBench(full ? 60 : 15),
  'end-to-end': () => endToEndBench(full ? [100, 1_000, 5_000] : [100, 1_000], full ? 30 : 10),
  projection: () => projectionBench(full ? 1_000_000 : 100_000),
  timers: () => timerLateness(full ? 1_000_000 : 100_000),
};
const chosen = suites.length > 0 ? suites : Object.keys(all);
for (const name of chosen) {
  const suite = all[name];
  if (!suite) {
    console.error(`unknown benchmark ${name}; known: ${Object.keys(all).join(', ')}`);
    process.exit(2);
  }
  await suite();
}
process.exit(0);
