import { readFileSync } from 'node:fs';
import { HolidayData, WorkingCalendar } from '@gridgov/domain';
import { repoRoot, report, type Figure, type SuiteRows } from './support.ts';

/** How fast the working calendar computes deadlines: pure arithmetic, no broker or Redis involved. */
export function calendarBench(n: number): SuiteRows {
  const calendar = new WorkingCalendar({
    holidays: HolidayData.parse(JSON.parse(readFileSync(`${repoRoot}/data/calendars/cn-public-holidays.json`, 'utf8'))),
  });
  const first = Date.parse('2025-01-01T00:00:00+08:00');
  // Starts spread over two years at an odd step, so they fall at every time of day and on every kind of day.
  const starts = Array.from({ length: n }, (_, i) => first + ((i * 631_117) % (730 * 86_400_000)));
  const fifteenDays = { unit: 'working_days', amount: 15 } as const;
  const figures: Figure[] = [];
  const run = (name: string, body: (start: number) => number) => {
    let check = 0;
    for (let i = 0; i < 1_000; i++) check += body(starts[i % n]!); // warm up
    const began = performance.now();
    for (const start of starts) check += body(start);
    const seconds = (performance.now() - began) / 1_000;
    figures.push({ name, value: Math.round(n / seconds), unit: '/s', note: `checksum ${Math.round(check) % 1_000}` });
  };
  run('deadline, 15 working days', (start) => calendar.deadline(start, fifteenDays));
  run('deadline, 15 working days, 2 suspensions', (start) =>
    calendar.deadline(start, fifteenDays, [
      { from: start + 3_600_000, to: start + 2 * 86_400_000 },
      { from: start + 5 * 86_400_000, to: start + 6 * 86_400_000 },
    ]),
  );
  run('workingMsBetween, one year', (start) => calendar.workingMsBetween(start, start + 365 * 86_400_000));
  run('elapsedFraction, 15 working days', (start) =>
    calendar.elapsedFraction(start, start + 30 * 86_400_000, start + 86_400_000, 'working_days'),
  );
  report('calendar', figures, { n });
  const [plain, suspended] = figures;
  return [
    {
      figure: 'calendar: deadlines/s, 15 working days, 2 suspensions',
      value: suspended?.value ?? Number.NaN,
      unit: '/s',
      reference: { name: 'the same without suspensions', value: plain?.value ?? Number.NaN, unit: '/s' },
    },
  ];
}
