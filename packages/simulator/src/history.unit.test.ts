import { GridEvent, type GridEventType } from '@gridgov/contracts';
import { defaultDecisionContext } from '@gridgov/testing';
import { describe, expect, it } from 'vitest';
import { generateHistory, type SimulatedIncident } from './history.ts';
import { mulberry32 } from './random.ts';

/** The worker's default world: 新会区, the seed catalog, the published holidays. */
const ctx = defaultDecisionContext();
const FROM = Date.parse('2025-11-24T00:00:00+08:00');
const TO = FROM + 60 * 86_400_000;
// Erasure of personal data (ADR 0016) is an admin's act or the retention policy's, years after closing: not part of
// simulated traffic; test/encryption.e2e.test.ts drives it.
/** What live work makes: not an erasure (an admin's or the retention's), nor a legacy import (pnpm import-cases, ADR 0030). */
const NOT_SIMULATED = new Set(['IncidentErased', 'IncidentImported']);
const EVERY_EVENT_TYPE = GridEvent.options.map((o) => o.shape.type.value).filter((t) => !NOT_SIMULATED.has(t));

describe('mulberry32', () => {
  it('gives the same sequence for a seed, another for another seed, always in [0, 1)', () => {
    const draw = (seed: number) => Array.from({ length: 1000 }, mulberry32(seed));
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(42).every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe('generateHistory', () => {
  // The oracle test's history (test/projection-oracle.e2e.test.ts): the same seed, world and period.
  const history: SimulatedIncident[] = generateHistory({ seed: 20251124, incidents: 5_000, ctx, from: FROM, to: TO });
  const events = history.flatMap((i) => i.events);
  const has = (i: SimulatedIncident, type: GridEventType) => i.events.some((e) => e.type === type);

  it('is deterministic for a seed', () => {
    const small = (seed: number) => generateHistory({ seed, incidents: 200, ctx, from: FROM, to: TO });
    expect(small(7)).toEqual(small(7));
    expect(small(7)).not.toEqual(small(8));
  });

  it('gives each incident consecutive versions from a report, with valid events', () => {
    expect(history).toHaveLength(5_000);
    expect(new Set(history.map((i) => i.incidentId)).size).toBe(5_000);
    for (const incident of history) {
      expect(incident.events[0]?.type).toBe('IncidentReported');
      expect(incident.events.map((e) => e.metadata.version)).toEqual(incident.events.map((_, v) => v + 1));
      expect(incident.events.every((e) => e.metadata.incidentId === incident.incidentId)).toBe(true);
    }
    for (const event of events) expect(GridEvent.safeParse(event).success).toBe(true);
  });

  it('makes every kind of event happen, and every kind of transition', () => {
    const seen = new Set(events.map((e) => e.type));
    expect([...seen].sort()).toEqual([...EVERY_EVENT_TYPE].sort());
    const count = (p: (i: SimulatedIncident) => boolean) => history.filter(p).length;
    // Rejection at triage only after a return (routing dispatches every report at once).
    expect(count((i) => has(i, 'IncidentRejected'))).toBeGreaterThan(50);
    expect(count((i) => has(i, 'IncidentRejected') && !has(i, 'IncidentReturned'))).toBe(0);
    expect(events.filter((e) => e.type === 'IncidentDispatched' && e.data.by === 'dispatcher').length).toBeGreaterThan(100);
    expect(events.filter((e) => e.type === 'IncidentEscalated' && e.data.manual).length).toBeGreaterThan(100);
    expect(events.filter((e) => e.type === 'IncidentEscalated' && !e.data.manual).length).toBeGreaterThan(100);
    expect(events.filter((e) => e.type === 'IncidentClosed' && e.data.onTime).length).toBeGreaterThan(500);
    expect(events.filter((e) => e.type === 'IncidentClosed' && !e.data.onTime).length).toBeGreaterThan(500);
    expect(count((i) => has(i, 'IncidentReworkRequested') && has(i, 'IncidentClosed'))).toBeGreaterThan(100);
  });

  it('leaves open cases whose missed deadline each way out has just cleared (what "overdue now" must forget)', () => {
    // For each event that ends an overdue spell, some open case has it as the only one since its last missed
    // handling deadline: a projection that forgot to clear 超期 on it would miscount these.
    const clears = ['IncidentResolved', 'IncidentReturned', 'IncidentReassigned', 'ExtensionApproved'] as const;
    const lastWord = new Map<string, number>();
    for (const incident of history) {
      const missed = incident.events.findLastIndex((e) => e.type === 'DeadlineMissed' && e.data.stage === 'handling');
      if (missed < 0) continue;
      const since = new Set(incident.events.slice(missed + 1).map((e) => e.type));
      const cleared = clears.filter((type) => since.has(type));
      if (cleared.length === 1 && !since.has('IncidentClosed')) lastWord.set(cleared[0]!, (lastWord.get(cleared[0]!) ?? 0) + 1);
    }
    for (const type of clears) expect(lastWord.get(type) ?? 0, type).toBeGreaterThanOrEqual(3);
  });

  it('reports inside the period, some reaching the system days late, and leaves some cases open and overdue', () => {
    const reports = events.filter((e) => e.type === 'IncidentReported');
    expect(reports.every((e) => Date.parse(e.data.reportedAt) >= FROM && Date.parse(e.data.reportedAt) < TO)).toBe(true);
    expect(events.every((e) => Date.parse(e.metadata.occurredAt) <= TO)).toBe(true);
    expect(history.filter((i) => i.arrivalDelayMs > 86_400_000).length).toBeGreaterThan(100);
    const open = history.filter((i) => !has(i, 'IncidentClosed') && !has(i, 'IncidentRejected'));
    expect(open.length).toBeGreaterThan(250);
    const overdue = open.filter((i) => i.events.findLast((e) => e.type === 'DeadlineMissed' && e.data.stage === 'handling'));
    expect(overdue.length).toBeGreaterThan(50);
  });
});
