import { describe, expect, it } from 'vitest';
import { InvalidReadModelRecord, parseRecord } from './errors.ts';
import { HistoryEntry, IncidentView, StoredIncident } from './schemas.ts';
import { grid, reportedCase } from './test-support.ts';

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
