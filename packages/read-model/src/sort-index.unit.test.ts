import { describe, expect, it } from 'vitest';
import { sortedQueueKey, sortIndexChange, sortScores } from './sort-index.ts';

type Facts = Parameters<typeof sortIndexChange>[1];
const at = (over: Partial<Facts>): Facts => ({
  status: 'dispatched',
  reportedAt: '2026-11-23T01:00:00.000Z',
  deadlines: [{ stage: 'handling', due: '2026-11-24T01:00:00.000Z', overdue: false }],
  escalationLevel: 0,
  pendingExtension: null,
  suspended: false,
  ...over,
});
const REPORTED = Date.parse('2026-11-23T01:00:00.000Z');
const DUE = Date.parse('2026-11-24T01:00:00.000Z');

describe('sort indexes (ADR 0014)', () => {
  it('lays out one sorted set per order, area and queue; report time is the work list itself', () => {
    expect(sortedQueueKey('grid', '440705', 'new', 'reportedAt')).toBe('grid:cases:440705:new');
    expect(sortedQueueKey('grid', '440705', 'new', 'deadline')).toBe('grid:cases-by-deadline:440705:new');
    expect(sortedQueueKey('grid', '440705', 'new', 'escalation')).toBe('grid:cases-by-escalation:440705:new');
  });

  it('scores by report time, by the current deadline (none: after every deadline), and by level then report time', () => {
    expect(sortScores(at({}))).toEqual({ reportedAt: REPORTED, deadline: DUE, escalation: REPORTED });
    const none = sortScores(at({ deadlines: [] }));
    expect(none.deadline).toBeGreaterThan(Date.parse('2100-01-01T00:00:00Z'));
    // A later report without a deadline comes after an earlier one without, both after any deadline.
    expect(sortScores(at({ deadlines: [], reportedAt: '2026-11-23T02:00:00.000Z' })).deadline).toBeGreaterThan(none.deadline);
    // Level 2 before level 1 before level 0, whatever the report times; within a level the oldest first.
    const l2 = sortScores(at({ escalationLevel: 2, reportedAt: '2026-11-30T00:00:00.000Z' })).escalation;
    const l1old = sortScores(at({ escalationLevel: 1, reportedAt: '2026-01-01T00:00:00.000Z' })).escalation;
    const l1new = sortScores(at({ escalationLevel: 1, reportedAt: '2026-11-01T00:00:00.000Z' })).escalation;
    expect(l2).toBeLessThan(l1old);
    expect(l1old).toBeLessThan(l1new);
    expect(l1new).toBeLessThan(REPORTED);
    for (const s of [l2, l1old, l1new]) expect(Number.isSafeInteger(s)).toBe(true);
  });

  it('sets the scores of lists joined, and of lists kept only when a score moved; removes lists left', () => {
    expect(sortIndexChange(null, at({ status: 'reported', deadlines: [] }))).toEqual({
      set: [
        { sort: 'deadline', queue: 'new', score: sortScores(at({ deadlines: [] })).deadline },
        { sort: 'escalation', queue: 'new', score: REPORTED },
      ],
      remove: [],
    });
    // Nothing moved: nothing written.
    expect(sortIndexChange(at({}), at({}))).toEqual({ set: [], remove: [] });
    // A new deadline (an extension) moves the deadline score only.
    const later = at({ deadlines: [{ stage: 'handling', due: '2026-11-25T01:00:00.000Z', overdue: false }] });
    expect(sortIndexChange(at({}), later)).toEqual({
      set: [{ sort: 'deadline', queue: 'handling', score: Date.parse('2026-11-25T01:00:00.000Z') }],
      remove: [],
    });
    // 督办: joins escalated (both orders), and handling's escalation score moves.
    const escalated = at({ escalationLevel: 1 });
    expect(sortIndexChange(at({}), escalated).set).toEqual([
      { sort: 'deadline', queue: 'escalated', score: DUE },
      { sort: 'escalation', queue: 'escalated', score: sortScores(escalated).escalation },
      { sort: 'escalation', queue: 'handling', score: sortScores(escalated).escalation },
    ]);
    expect(sortIndexChange(escalated, at({ status: 'closed', escalationLevel: 1 }))).toEqual({
      set: [],
      remove: ['escalated', 'handling'],
    });
  });
});
