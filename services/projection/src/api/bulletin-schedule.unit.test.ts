import { describe, expect, it } from 'vitest';
import { dueMonth, FreezeAtText, freezeInstant, monthText } from './bulletin-schedule.ts';

describe('BULLETIN_FREEZE_AT', () => {
  it('reads <day>T<HH:MM> and off, and refuses anything else naming the form', () => {
    expect(FreezeAtText.parse('1T09:00')).toEqual({ day: 1, hour: 9, minute: 0 });
    expect(FreezeAtText.parse(' 28T23:59 ')).toEqual({ day: 28, hour: 23, minute: 59 });
    expect(FreezeAtText.parse('off')).toBeNull();
    for (const bad of ['0T09:00', '29T09:00', '1T24:00', '1T09:60', '1 09:00', '1T9:00', '', 'monthly']) {
      const result = FreezeAtText.safeParse(bad);
      expect(result.success, bad).toBe(false);
      expect(result.error?.issues[0]?.message).toContain('<day 1-28>T<HH:MM>');
    }
  });

  it('puts the freeze in Asia/Shanghai: 09:00 on 1 December there is 01:00 UTC', () => {
    expect(freezeInstant({ year: 2026, month: 11 }, { day: 1, hour: 9, minute: 0 }).toISOString()).toBe('2026-12-01T01:00:00.000Z');
    expect(freezeInstant({ year: 2026, month: 12 }, { day: 3, hour: 0, minute: 30 }).toISOString()).toBe('2027-01-02T16:30:00.000Z');
  });

  it('makes a month due once its freeze time has passed, across a year end', () => {
    const at = { day: 1, hour: 9, minute: 0 };
    expect(monthText(dueMonth(new Date('2026-12-01T00:59:59Z'), at))).toBe('2026-10');
    expect(monthText(dueMonth(new Date('2026-12-01T01:00:00Z'), at))).toBe('2026-11');
    expect(monthText(dueMonth(new Date('2026-12-31T15:59:59Z'), at))).toBe('2026-11');
    // 00:00 on 1 January in Shanghai is 16:00 UTC on 31 December: December is over, not yet due.
    expect(monthText(dueMonth(new Date('2026-12-31T16:00:00Z'), at))).toBe('2026-11');
    expect(monthText(dueMonth(new Date('2027-01-01T01:00:00Z'), at))).toBe('2026-12');
    expect(monthText(dueMonth(new Date('2027-01-01T00:00:00Z'), { day: 1, hour: 0, minute: 0 }))).toBe('2026-12');
  });
});
