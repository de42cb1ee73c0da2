import { randomUUID } from 'node:crypto';
import type { CommandEnvelope } from '@gridgov/contracts';
import { decide, evolve, type IncidentState } from '@gridgov/domain';
import { defaultDecisionContext } from '@gridgov/testing';
import { describe, expect, it } from 'vitest';
import { InvalidReadModelRecord, parseRecord } from './errors.ts';
import { HistoryEntry, IncidentView, StoredIncident } from './schemas.ts';
import { caseChange } from './writer.ts';

const context = defaultDecisionContext();
const grid = context.areas.ofLevel('grid')[0]!.code;

/** A case reported and routed by the real decider, as the read side would fold it. */
function reportedCase() {
  const incidentId = randomUUID();
  const now = new Date();
  const envelope: CommandEnvelope = {
    commandId: randomUUID(),
    incidentId,
    issuedAt: now.toISOString(),
    actor: { id: 'staff-001', role: 'grid_staff', areas: [grid] },
    command: {
      type: 'ReportIncident',
      data: {
        reportId: 'r-1',
        gridCode: grid,
        category: 'exposed_rubbish',
        urgency: 'normal',
        description: '垃圾',
        location: { lat: 22.5, lng: 113 },
        occurredAt: now.toISOString(),
      },
    },
  };
  const decision = decide(envelope, null, context, now);
  if (decision.kind !== 'accepted') throw new Error(decision.rejection.code);
  let state: IncidentState = null;
  for (const e of decision.events) state = evolve(state, e);
  return { incidentId, state: state!, change: caseChange(incidentId, null, state!, decision.events, context.areas) };
}

describe('the read model schemas', () => {
  it('accept what the domain makes: the view, the history lines and the state, through JSON', () => {
    const { incidentId, state, change } = reportedCase();
    expect(parseRecord(IncidentView, JSON.stringify(change.view), 'k', incidentId)).toEqual(change.view);
    for (const line of change.history) expect(parseRecord(HistoryEntry, JSON.stringify(line), 'k', incidentId)).toEqual(line);
    expect(parseRecord(StoredIncident, JSON.stringify(state), 'k', incidentId)).toEqual(state);
    expect(change).toMatchObject({ score: state.reportedAt, reporterId: 'staff-001', remove: [] });
    expect(change.areas).toContain(grid);
    expect(change.areas).toContain('440700');
  });

  it('refuse a damaged record with an error naming the key, the incident and the field', () => {
    const { incidentId, change } = reportedCase();
    const bad = JSON.stringify({ ...change.view, status: 'lost' });
    expect(() => parseRecord(IncidentView, bad, 'grid:incident:x', incidentId)).toThrow(InvalidReadModelRecord);
    expect(() => parseRecord(IncidentView, bad, 'grid:incident:x', incidentId)).toThrow(
      new RegExp(`grid:incident:x \\(${incidentId}\\) fails its schema: status`),
    );
    expect(() => parseRecord(IncidentView, '{not json', 'k', incidentId)).toThrow(/not JSON/);
  });
});
