import { stampEvents, type GridEvent } from '@gridgov/contracts';
import { describe, expect, it } from 'vitest';
import { decide } from './decide.ts';
import { incidentDecider } from './decider.ts';
import { evolve } from './evolve.ts';
import { initialState } from './state.ts';
import { ctx, envelope, GRID, GRID_LOCATION, INCIDENT, instant, iso, STAFF } from './test-support.ts';
import { nextTimerAt, tick } from './timers.ts';

describe('incidentDecider', () => {
  it('is the decider’s parts in one value', () => {
    expect(incidentDecider).toEqual({ decide, evolve, initialState, tick, nextTimerAt });
  });

  it('runs a case the way the worker does: decide, stamp, evolve; then the timers, until nothing is left to fire', () => {
    const { decide, evolve, initialState, tick, nextTimerAt } = incidentDecider;
    const report = envelope(
      {
        type: 'ReportIncident',
        data: {
          reportId: 'rpt-20261124-0001',
          gridCode: GRID,
          category: 'exposed_rubbish',
          urgency: 'normal',
          description: '路边垃圾堆放未清运',
          location: GRID_LOCATION,
          occurredAt: iso('2026-11-24 08:50'),
        },
      },
      STAFF,
      '2026-11-24 09:00',
    );
    const decision = decide(report, initialState, ctx, instant('2026-11-24 09:00'));
    if (decision.kind !== 'accepted') throw new Error(decision.rejection.code);
    const log: GridEvent[] = stampEvents(decision.events, { incidentId: INCIDENT, version: 0, commandId: report.commandId });
    let state = log.reduce(evolve, initialState);
    expect(state).toMatchObject({ status: 'dispatched', department: 'sanitation', version: 2 });
    // Nobody acts: every warning, missed deadline and escalation fires once, at the instant nextTimerAt names.
    for (let next = nextTimerAt(state, ctx); next !== null; next = nextTimerAt(state, ctx)) {
      const fired = stampEvents(tick(state, ctx, new Date(next)), { incidentId: INCIDENT, version: state!.version });
      expect(fired.length).toBeGreaterThan(0);
      log.push(...fired);
      state = fired.reduce(evolve, state);
    }
    expect(log.map((e) => e.metadata.version)).toEqual(log.map((_, i) => i + 1));
    expect(state).toMatchObject({ escalationLevel: 4, nextEscalationAt: null });
  });
});
