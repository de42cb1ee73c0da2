import type { CommandEnvelope, GridEvent, IncidentImported } from '@gridgov/contracts';
import { describe, expect, it } from 'vitest';
import { applyEvent, spelledCounterField } from '../figures/counters.ts';
import { decide } from './decide.ts';
import { evolve } from './evolve.ts';
import { caseQueues, departmentQueues } from './queues.ts';
import { ctx, DISPATCHER, GRID, INCIDENT, SANITATION, SYSTEM, areas } from './test-support.ts';
import { nextTimerAt, tick } from './timers.ts';
import { incidentView } from './view.ts';

/** A legacy case as `pnpm import-cases` writes it (ADR 0030). */
function imported(data: Partial<IncidentImported['data']> = {}): GridEvent {
  return {
    type: 'IncidentImported',
    data: {
      imported: { source: 'szcg', legacyId: 'SZCG-1', line: 2 },
      gridCode: GRID,
      category: 'exposed_rubbish',
      urgency: 'normal',
      reportedAt: '2025-03-01T00:00:00.000Z',
      dispatchedAt: '2025-03-01T02:00:00.000Z',
      department: 'sanitation',
      reworkCount: 0,
      handlingMs: 0,
      ...data,
    },
    metadata: { eventId: `${INCIDENT}:1`, incidentId: INCIDENT, version: 1, occurredAt: '2025-03-01T02:00:00.000Z', actor: SYSTEM },
  };
}

const FAR_FUTURE = new Date('2040-01-01T00:00:00Z');

describe('an imported legacy case (IncidentImported, ADR 0030)', () => {
  it('given a case still open in the legacy system, when its timers tick years later, then nothing happens', () => {
    const state = evolve(null, imported({ onTime: false }));
    expect(state).toMatchObject({ status: 'dispatched', department: 'sanitation', clocks: [], imported: true });
    expect(nextTimerAt(state, ctx)).toBeNull();
    expect(tick(state, ctx, FAR_FUTURE)).toEqual([]);
  });

  it('given a closed legacy case, when the retention period has long passed, then no timer erases it (it holds no personal data)', () => {
    const state = evolve(null, imported({ resolvedAt: '2025-03-02T00:00:00.000Z', closedAt: '2025-03-03T00:00:00.000Z', onTime: true }));
    expect(state.status).toBe('closed');
    expect(nextTimerAt(state, { ...ctx, policy: { ...ctx.policy, retentionMs: 86_400_000 } })).toBeNull();
    expect(tick(state, { ...ctx, policy: { ...ctx.policy, retentionMs: 86_400_000 } }, FAR_FUTURE)).toEqual([]);
  });

  it('when anyone commands it, then the decider refuses: it is history, worked in the legacy system', () => {
    const state = evolve(null, imported());
    const command = (c: CommandEnvelope['command'], actor = DISPATCHER): CommandEnvelope => ({
      commandId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
      incidentId: INCIDENT,
      issuedAt: '2026-11-24T01:00:00.000Z',
      actor,
      command: c,
    });
    const now = new Date('2026-11-24T01:00:00Z');
    for (const [c, actor] of [
      [{ type: 'EscalateIncident', data: { reason: '督办' } }, DISPATCHER],
      [{ type: 'AcceptIncident', data: {} }, SANITATION],
    ] as const) {
      const decision = decide(command(c, actor), state, ctx, now);
      expect(decision).toMatchObject({ kind: 'rejected', rejection: { code: 'INCIDENT_IMPORTED' } });
    }
  });

  it('is on no work list, whatever state the legacy system left it in', () => {
    for (const e of [
      imported(),
      imported({ dispatchedAt: undefined, department: undefined }),
      imported({ resolvedAt: '2025-03-02T00:00:00.000Z' }),
    ]) {
      const state = evolve(null, e);
      expect(caseQueues(incidentView(INCIDENT, state))).toEqual([]);
      expect(departmentQueues(state)).toEqual([]);
    }
  });

  it('counts in the month of its report, at every level, as the legacy system left it', () => {
    const closed = applyEvent(
      areas,
      undefined,
      imported({
        resolvedAt: '2025-03-02T02:00:00.000Z',
        closedAt: '2025-03-03T00:00:00.000Z',
        onTime: true,
        reworkCount: 2,
        handlingMs: 86_400_000,
      }),
    );
    if (closed.kind !== 'applied') throw new Error(closed.kind);
    const month = (field: string) =>
      closed.deltas.filter((d) => d.area === '440700' && d.window === 'm2025-03' && spelledCounterField(d.field) === field);
    for (const field of ['reported', 'dispatched', 'closed', 'closedOnTime', 'reworked', 'closed|c|exposed_rubbish', 'closed|d|sanitation'])
      expect(month(field).map((d) => d.by)).toEqual([1]);
    expect(month('handlingMsClosed').map((d) => d.by)).toEqual([86_400_000]);
    expect(month('overdue')).toEqual([]);
    expect(new Set(closed.deltas.map((d) => d.area))).toEqual(new Set(areas.lineage(GRID)));

    // Still in handling there and not on time: overdue (超期), as a live case past its handling deadline.
    const late = applyEvent(areas, undefined, imported({ onTime: false }));
    if (late.kind !== 'applied') throw new Error(late.kind);
    expect(
      late.deltas.filter((d) => d.area === GRID && d.window === 'all' && spelledCounterField(d.field) === 'overdue').map((d) => d.by),
    ).toEqual([1]);
    // Imported again (the same id, version 1): nothing changes.
    expect(applyEvent(areas, late.incident, imported({ onTime: false })).kind).toBe('duplicate');
  });
});
