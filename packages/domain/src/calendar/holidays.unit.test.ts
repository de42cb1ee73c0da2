import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { HolidayData } from './holidays.ts';

const raw = (): unknown => JSON.parse(readFileSync(new URL('../../../../data/calendars/cn-public-holidays.json', import.meta.url), 'utf8'));

/** The real file with one change applied, parsed; the pretty error text when it fails. */
function parseChanged(change: (data: { timezone: string; years: Record<string, HolidayData['years'][string]> }) => void): string {
  const data = raw() as { timezone: string; years: Record<string, HolidayData['years'][string]> };
  change(data);
  const result = HolidayData.safeParse(data);
  return result.success ? 'ok' : z.prettifyError(result.error);
}

describe('HolidayData', () => {
  it('accepts the published 2025 and 2026 notices in data/calendars', () => {
    const data = HolidayData.parse(raw());
    expect(Object.keys(data.years).sort()).toEqual(['2025', '2026']);
    expect(data.years['2026']!.holidays).toContainEqual({ name: '国庆节', from: '2026-10-01', to: '2026-10-07' });
    expect(data.years['2026']!.makeUpWorkdays).toContain('2026-09-20');
  });

  it('rejects a date that does not exist, naming it and where it is', () => {
    const error = parseChanged((d) => (d.years['2026']!.holidays[1]!.to = '2026-02-30'));
    expect(error).toContain('expected a real date YYYY-MM-DD, got "2026-02-30"');
    expect(error).toContain('years.2026.holidays[1].to');
  });

  it('rejects a date in another format', () => {
    expect(parseChanged((d) => (d.years['2026']!.makeUpWorkdays[0] = '2026/1/4'))).toContain('got "2026/1/4"');
  });

  it('rejects a holiday that ends before it starts', () => {
    expect(parseChanged((d) => (d.years['2026']!.holidays[1]!.to = '2026-02-01'))).toContain(
      'holiday 春节: from 2026-02-15 is after to 2026-02-01',
    );
  });

  it('rejects a year key that is not four digits', () => {
    expect(parseChanged((d) => (d.years['26'] = d.years['2026']!))).toContain('a year key is four digits, like "2026"; got "26"');
  });

  it('rejects a day that is both a holiday and a make-up working day', () => {
    expect(parseChanged((d) => d.years['2026']!.makeUpWorkdays.push('2026-10-03'))).toContain(
      '2026-10-03 is both a make-up working day and a day of the holiday 国庆节',
    );
  });

  it('rejects a date far from the year of its notice (a typo such as 2062)', () => {
    expect(parseChanged((d) => d.years['2026']!.makeUpWorkdays.push('2062-10-10'))).toContain(
      'make-up working day 2062-10-10 is too far from year 2026',
    );
  });

  it('accepts a notice that reaches into the year before (元旦 from 30 December)', () => {
    expect(parseChanged((d) => (d.years['2026']!.holidays[0]!.from = '2025-12-30'))).toBe('ok');
  });

  it('rejects another time zone: the calendar is UTC+8 only', () => {
    expect(parseChanged((d) => (d.timezone = 'UTC'))).toContain('timezone must be "Asia/Shanghai"');
  });
});
