import type { CountedIncident } from '@gridgov/domain';
import { describe, expect, it } from 'vitest';
import { decodeCounted, encodeCounted } from './counted-codec.ts';

const FLAGS = ['dispatched', 'rejected', 'closed', 'closedOnTime', 'overdue', 'reworked', 'extended', 'escalated'] as const;

const incident = (over: Partial<CountedIncident> = {}): CountedIncident => ({
  version: 12,
  gridCode: '440705001001001',
  category: 'exposed_rubbish',
  reportedAt: '2026-06-01T02:03:04.000Z',
  department: 'sanitation',
  dispatched: true,
  rejected: false,
  closed: true,
  closedOnTime: false,
  overdue: false,
  reworked: true,
  extended: false,
  escalated: false,
  handlingMs: 93_600_000,
  ...over,
});

describe("a counted incident's stored form", () => {
  it('reads back every fact as written, each yes/no alone and all together, with a department or none, merged or not', () => {
    const cases = [
      incident(),
      incident({ department: null, dispatched: false, closed: false, reworked: false, handlingMs: 0 }),
      incident({ merged: true }),
      ...FLAGS.map((only) => incident({ ...Object.fromEntries(FLAGS.map((f) => [f, f === only])) })),
      incident({ ...Object.fromEntries(FLAGS.map((f) => [f, true])), merged: true }),
    ];
    for (const i of cases) expect(decodeCounted('c1', encodeCounted(i))).toEqual(i);
  });

  it("is a third of the object's JSON", () => {
    const i = incident();
    expect(encodeCounted(i).length * 3).toBeLessThanOrEqual(JSON.stringify(i).length);
  });

  it('still reads the object JSON of an earlier version, so a Redis folded before goes on without a rebuild', () => {
    const i = incident({ merged: true });
    expect(decodeCounted('c1', JSON.stringify(i))).toEqual(i);
  });

  it('refuses what is no counted incident, naming the case', () => {
    const good = JSON.parse(encodeCounted(incident())) as unknown[];
    const bad = [
      'not json',
      '7',
      'null',
      JSON.stringify(good.slice(0, 6)),
      JSON.stringify([-1, ...good.slice(1)]),
      JSON.stringify([...good.slice(0, 1), 440705, ...good.slice(2)]),
      JSON.stringify([...good.slice(0, 4), 5, ...good.slice(5)]),
      JSON.stringify([...good.slice(0, 5), 1 << 9, good[6]]),
      JSON.stringify([...good.slice(0, 6), 'soon']),
    ];
    for (const stored of bad) expect(() => decodeCounted('case-7', stored)).toThrow(/counted incident case-7 in Redis is not one/);
  });
});
