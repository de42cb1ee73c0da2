import { type Actor, type GridEvent } from '@gridgov/contracts';
import { describe, expect, it } from 'vitest';
import { type Incident } from './state.ts';
import {
  areas,
  catalog,
  DISPATCHER,
  dispatched,
  event,
  fold,
  GRID,
  handler,
  history,
  COMMAND,
  INCIDENT,
  iso,
  measures,
  reported,
  STAFF,
  SYSTEM,
  TONGDE,
  SANITATION,
  accepted,
  resolved,
} from './test-support.ts';
import { auditTrail, casePhotos, historyEntry, incidentView, visibleHistory, visibleIncident, type Viewer } from './view.ts';

/* What GET /v1/incidents/:id shows: the case view and its history, given the events so far. */

const POLICE = handler('public_security');
/** A confidential lead (涉黑涉恶线索): 10 working days to handle at normal urgency. */
const LEAD = { category: 'gang_crime_lead' } as const;

const as = (actor: Actor): Viewer => ({ actor, areas, catalog });
/** A dispatcher of 新会区: may see everything, the reporter of a confidential lead included. */
const AREA_DISPATCHER = as(DISPATCHER);
const LEADER = as({ id: 'leader-tongde', role: 'leader', areas: [TONGDE.code] });
const OTHER_DISPATCHER = as({ id: 'dispatcher-elsewhere', role: 'dispatcher', areas: ['440705100'] });

const view = (events: readonly GridEvent[], viewer: Viewer = AREA_DISPATCHER) =>
  visibleIncident(incidentView(INCIDENT, fold(events) as Incident), viewer);
const historyOf = (events: readonly GridEvent[], viewer: Viewer = as(POLICE)) =>
  visibleHistory(events.map(historyEntry), incidentView(INCIDENT, fold(events) as Incident), viewer);

describe('incidentView', () => {
  it('shows a dispatched case with its deadlines, none overdue', () => {
    const events = history(
      reported('2026-11-24 09:00'),
      dispatched('2026-11-24 09:00', 'sanitation', { signFor: '2026-11-24 11:00', handling: '2026-11-25 09:00' }),
    );
    expect(view(events)).toEqual({
      incidentId: INCIDENT,
      version: 2,
      status: 'dispatched',
      gridCode: GRID,
      category: 'exposed_rubbish',
      urgency: 'normal',
      reportedAt: iso('2026-11-24 09:00'),
      reporterId: STAFF.id,
      department: 'sanitation',
      suspended: false,
      deadlines: [
        { stage: 'sign_for', due: iso('2026-11-24 11:00'), overdue: false },
        { stage: 'handling', due: iso('2026-11-25 09:00'), overdue: false },
      ],
      escalationLevel: 0,
      reworkCount: 0,
      extensionCount: 0,
      pendingExtension: null,
      mergedDuplicates: [],
      possibleDuplicateOf: [],
    });
  });

  it('shows what is overdue, escalated, extended, pending and parked', () => {
    const events = history(
      reported('2026-11-24 09:00'),
      dispatched('2026-11-24 09:00', 'sanitation', { signFor: '2026-11-24 11:00', handling: '2026-11-25 09:00' }),
      event('DeadlineMissed', { stage: 'sign_for', due: iso('2026-11-24 11:00') }, '2026-11-24 11:00', SYSTEM),
      event('ExtensionRequested', { unit: 'working_days', amount: 1, reason: '需协调' }, '2026-11-24 11:30', SANITATION),
      event(
        'ExtensionApproved',
        { previousDue: iso('2026-11-25 09:00'), handlingDue: iso('2026-11-26 09:00') },
        '2026-11-24 12:00',
        DISPATCHER,
      ),
      event('ExtensionRequested', { unit: 'working_hours', amount: 3, reason: '再需协调' }, '2026-11-24 14:30', SANITATION),
      event(
        'IncidentEscalated',
        { level: 1, area: '440705001001', manual: true, reason: '群众反映', nextAt: null },
        '2026-11-24 15:00',
        DISPATCHER,
      ),
      event('IncidentSuspended', { reason: '待拆迁' }, '2026-11-24 15:30', DISPATCHER),
    );
    expect(view(events)).toMatchObject({
      version: 8,
      status: 'dispatched',
      suspended: true,
      deadlines: [
        { stage: 'sign_for', due: iso('2026-11-24 11:00'), overdue: true },
        { stage: 'handling', due: iso('2026-11-26 09:00'), overdue: false },
      ],
      escalationLevel: 1,
      extensionCount: 1,
      pendingExtension: { unit: 'working_hours', amount: 3 },
    });
  });

  it('shows the reporter of a confidential lead (涉黑涉恶线索) to the dispatchers of its area only', () => {
    const events = history(
      reported('2026-11-24 09:00', LEAD),
      dispatched('2026-11-24 09:00', 'public_security', { signFor: '2026-11-24 11:00', handling: '2026-12-08 09:00' }, 'routing', LEAD),
    );
    expect(view(events, AREA_DISPATCHER).reporterId).toBe(STAFF.id);
    for (const viewer of [as(POLICE), LEADER, OTHER_DISPATCHER, as({ id: 'admin', role: 'admin', areas: ['440700'] })]) {
      expect(view(events, viewer).reporterId).toBeNull();
      expect(JSON.stringify(view(events, viewer))).not.toContain(STAFF.id);
    }
    // The reporter knows who they are.
    expect(view(events, as(STAFF)).reporterId).toBe(STAFF.id);
  });

  it('shows the grid of a confidential lead only to those who may see its reporter; the others see its community', () => {
    const events = history(
      reported('2026-11-24 09:00', LEAD),
      dispatched('2026-11-24 09:00', 'public_security', { signFor: '2026-11-24 11:00', handling: '2026-12-08 09:00' }, 'routing', LEAD),
    );
    // A grid is one staff member's: its code would name the reporter.
    for (const viewer of [as(POLICE), LEADER, OTHER_DISPATCHER, as({ id: 'admin', role: 'admin', areas: ['440700'] })]) {
      expect(view(events, viewer).gridCode).toBe(TONGDE.code);
      expect(JSON.stringify(view(events, viewer))).not.toContain(GRID);
      expect(JSON.stringify(historyOf(events, viewer))).not.toContain(GRID);
      expect(historyOf(events, viewer)[0]?.data).toMatchObject({ gridCode: TONGDE.code });
    }
    expect(view(events, AREA_DISPATCHER).gridCode).toBe(GRID);
    expect(view(events, as(STAFF)).gridCode).toBe(GRID);
    expect(historyOf(events, AREA_DISPATCHER)[0]?.data).toMatchObject({ gridCode: GRID });
    // An ordinary case shows its grid to everyone who reads it.
    const ordinary = history(reported('2026-11-24 09:00'));
    expect(view(ordinary, as(POLICE)).gridCode).toBe(GRID);
    expect(view(ordinary, LEADER).gridCode).toBe(GRID);
  });

  it('shows the reporter of an ordinary case to whoever reads it', () => {
    const events = history(reported('2026-11-24 09:00'));
    expect(view(events, as(POLICE)).reporterId).toBe(STAFF.id);
    expect(view(events, LEADER).reporterId).toBe(STAFF.id);
  });
});

describe('historyEntry', () => {
  it('shows who did what, when, for an ordinary case', () => {
    const events = history(
      reported('2026-11-24 09:00'),
      dispatched('2026-11-24 09:00', 'sanitation', { signFor: '2026-11-24 11:00', handling: '2026-11-25 09:00' }),
    );
    expect(historyOf(events)).toEqual([
      { version: 1, type: 'IncidentReported', at: iso('2026-11-24 09:00'), actor: STAFF, commandId: COMMAND, data: events[0]!.data },
      {
        version: 2,
        type: 'IncidentDispatched',
        at: iso('2026-11-24 09:00'),
        actor: events[1]!.metadata.actor,
        commandId: COMMAND,
        data: events[1]!.data,
      },
    ]);
  });

  it('leaves the reporter, the report id and the command id out of a confidential lead’s report', () => {
    const events = history(reported('2026-11-24 09:00', LEAD));
    for (const viewer of [as(POLICE), LEADER]) {
      const [entry] = historyOf(events, viewer);
      expect(entry?.actor).toEqual({ id: 'confidential', role: 'grid_staff' });
      expect(entry?.data).not.toHaveProperty('reporterId');
      // With the incident id (derived from reporter and report id) it would let anyone try staff ids until one fits.
      expect(entry?.data).not.toHaveProperty('reportId');
      expect(entry?.commandId).toBeNull();
      expect(entry?.data).toMatchObject({ gridCode: TONGDE.code, category: 'gang_crime_lead' });
    }
    // The dispatchers of the area see it whole.
    expect(historyOf(events, AREA_DISPATCHER)[0]).toMatchObject({ actor: STAFF, data: { reporterId: STAFF.id } });
  });

  it('names no grid staff anywhere in a confidential lead’s history: the reporter is often the one who verifies', () => {
    const events = history(
      reported('2026-11-24 09:00', LEAD),
      dispatched('2026-11-24 09:00', 'public_security', { signFor: '2026-11-24 11:00', handling: '2026-12-08 09:00' }, 'routing', LEAD),
      accepted('2026-11-24 10:30', 'public_security'),
      resolved('2026-11-24 11:00', { notes: '已核实', handlingMs: 5_400_000, verificationDue: '2026-11-25 11:00' }, POLICE),
      event(
        'IncidentReworkRequested',
        { notes: '线索未查清', reworkCount: 1, handlingDue: iso('2026-11-26 10:00'), measures: measures(['handling'], LEAD) },
        '2026-11-25 10:00',
        STAFF,
      ),
      resolved('2026-11-25 15:00', { notes: '已查处', handlingMs: 12_000_000, verificationDue: '2026-11-26 15:00' }, POLICE),
      event('IncidentClosed', { onTime: true, handlingMs: 12_000_000 }, '2026-11-26 09:00', STAFF),
    );
    const entries = historyOf(events);
    expect(JSON.stringify(entries)).not.toContain(STAFF.id);
    // Who acted is still there by role, and the departments' handlers by name.
    expect(entries.map((e) => e.actor.role)).toEqual(['grid_staff', 'system', 'handler', 'handler', 'grid_staff', 'handler', 'grid_staff']);
    expect(entries[2]?.actor).toEqual(POLICE);
    // The audit trail keeps the same secret from a leader, and shows it to the area's dispatchers.
    const record = incidentView(INCIDENT, fold(events) as Incident);
    expect(JSON.stringify(auditTrail(events.map(historyEntry), record, LEADER))).not.toContain(STAFF.id);
    expect(auditTrail(events.map(historyEntry), record, AREA_DISPATCHER)[4]).toEqual({
      version: 5,
      at: iso('2026-11-25 10:00'),
      type: 'IncidentReworkRequested',
      actor: STAFF,
      commandId: null,
    });
  });

  describe('photos', () => {
    const BEFORE = { key: 'b0'.repeat(16), sha256: 'b1'.repeat(32), contentType: 'image/jpeg' } as const;
    const AFTER = { key: 'a0'.repeat(16), sha256: 'a1'.repeat(32), contentType: 'image/webp' } as const;
    /** A case reported with a photo (处置前) and resolved with one (处置后). */
    const pictured = (options: { category?: string } = {}) => {
      const [report, ...rest] = history(
        reported('2026-11-24 09:00', options),
        dispatched('2026-11-24 09:00', 'sanitation', { signFor: '2026-11-24 11:00', handling: '2026-11-25 09:00' }, 'routing', options),
        accepted('2026-11-24 10:30'),
        resolved('2026-11-24 11:00', { notes: '已清运', handlingMs: 5_400_000, verificationDue: '2026-11-25 11:00', photos: [AFTER] }),
      );
      return [{ ...report!, data: { ...report!.data, photos: [BEFORE] } } as GridEvent, ...rest];
    };
    const photosOf = (events: readonly GridEvent[], viewer: Viewer) =>
      casePhotos(events.map(historyEntry), incidentView(INCIDENT, fold(events) as Incident), viewer);

    it('lists the report’s and the resolution’s photos of an ordinary case, by stage, for anyone who may read it', () => {
      expect(photosOf(pictured(), as(SANITATION))).toEqual([
        { ...BEFORE, stage: 'report', at: iso('2026-11-24 09:00') },
        { ...AFTER, stage: 'resolution', at: iso('2026-11-24 11:00') },
      ]);
    });

    it('shows a confidential lead’s photos only to those who may see its reporter, in the list and in the history', () => {
      const events = pictured(LEAD);
      expect(photosOf(events, AREA_DISPATCHER).map((p) => p.key)).toEqual([BEFORE.key, AFTER.key]);
      for (const viewer of [as(POLICE), LEADER]) {
        expect(photosOf(events, viewer)).toEqual([]);
        const history = JSON.stringify(historyOf(events, viewer));
        expect(history).not.toContain(BEFORE.key);
        expect(history).not.toContain(AFTER.key);
      }
    });
  });
});
