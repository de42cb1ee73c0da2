import { describe, expect, it } from 'vitest';
import { caseQueues, queueChanges } from './queues.ts';
import type { IncidentView } from './view.ts';

type Facts = Pick<IncidentView, 'status' | 'deadlines' | 'escalationLevel' | 'pendingExtension' | 'suspended'>;
const base: Facts = { status: 'dispatched', deadlines: [], escalationLevel: 0, pendingExtension: null, suspended: false };
const at = (over: Partial<Facts>): Facts => ({ ...base, ...over });
const missed = [{ stage: 'handling' as const, due: '2026-10-01T01:00:00.000Z', overdue: true }];
const running = [{ stage: 'handling' as const, due: '2026-10-09T01:00:00.000Z', overdue: false }];

describe('work lists of a case', () => {
  it.each([
    ['awaiting dispatch', at({ status: 'reported' }), ['new']],
    ['returned by a department', at({ status: 'returned' }), ['returned']],
    ['with a department, on time', at({ status: 'accepted', deadlines: running }), ['handling']],
    [
      'with a department, past its deadline and escalated',
      at({ status: 'accepted', deadlines: missed, escalationLevel: 2 }),
      ['overdue', 'escalated', 'handling'],
    ],
    ['asking for more time', at({ pendingExtension: { unit: 'working_days', amount: 2 } }), ['extension', 'handling']],
    ['挂账', at({ suspended: true }), ['suspended', 'handling']],
    ['resolved late, waiting for 核查', at({ status: 'resolved', deadlines: missed }), ['verifying']],
    ['closed, even escalated once', at({ status: 'closed', escalationLevel: 1 }), []],
    ['rejected', at({ status: 'rejected' }), []],
  ])('%s', (_what, facts, lists) => {
    expect(caseQueues(facts)).toEqual(lists);
  });

  it('moves a case between lists by what changed only', () => {
    expect(queueChanges(null, at({ status: 'reported' }))).toEqual({ add: ['new'], remove: [] });
    expect(queueChanges(at({ status: 'reported' }), at({ status: 'dispatched' }))).toEqual({ add: ['handling'], remove: ['new'] });
    expect(queueChanges(at({ deadlines: running }), at({ deadlines: missed, escalationLevel: 1 }))).toEqual({
      add: ['overdue', 'escalated'],
      remove: [],
    });
    expect(queueChanges(at({ deadlines: missed, escalationLevel: 1 }), at({ status: 'closed', escalationLevel: 1 }))).toEqual({
      add: [],
      remove: ['overdue', 'escalated', 'handling'],
    });
  });
});
