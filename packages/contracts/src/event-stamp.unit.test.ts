import { describe, expect, it } from 'vitest';
import { stampEvents, type DecidedEvent } from './event-stamp.ts';
import { GridEvent } from './events.ts';

const INCIDENT = '7d3f2a10-5b6c-4d8e-9f01-23456789abcd';
const COMMAND = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const DISPATCHER = { id: 'dispatcher-07', role: 'dispatcher' as const, areas: ['440705'] };
const SYSTEM = { id: 'system', role: 'system' as const };

const decided: DecidedEvent[] = [
  { type: 'IncidentSuspended', data: { reason: '等待业主' }, metadata: { occurredAt: '2026-11-24T02:00:00.000Z', actor: DISPATCHER } },
  {
    type: 'IncidentResumed',
    data: { suspendedAt: '2026-11-24T02:00:00.000Z', deadlines: [], nextEscalationAt: null },
    metadata: { occurredAt: '2026-11-24T03:00:00.000Z', actor: DISPATCHER },
  },
];

describe('stampEvents: the store numbers and names what the decider decided', () => {
  it('numbers the events on from the stream’s version, ids <incidentId>:<version>, with the command’s id and position', () => {
    const position = { partition: 3, offset: '41' };
    const events = stampEvents(decided, { incidentId: INCIDENT, version: 4, commandId: COMMAND, position });
    expect(events.map((e) => e.metadata)).toEqual([
      {
        eventId: `${INCIDENT}:5`,
        incidentId: INCIDENT,
        version: 5,
        occurredAt: '2026-11-24T02:00:00.000Z',
        commandId: COMMAND,
        actor: DISPATCHER,
        position,
      },
      {
        eventId: `${INCIDENT}:6`,
        incidentId: INCIDENT,
        version: 6,
        occurredAt: '2026-11-24T03:00:00.000Z',
        commandId: COMMAND,
        actor: DISPATCHER,
        position,
      },
    ]);
    expect(events.map((e) => [e.type, e.data])).toEqual(decided.map((e) => [e.type, e.data]));
    for (const e of events) expect(GridEvent.parse(e)).toEqual(e);
  });

  it('writes the metadata in the order grid.events has always carried it, and leaves out what a timer’s events have not', () => {
    const [warned] = stampEvents(
      [
        {
          type: 'DeadlineMissed',
          data: { stage: 'handling', due: '2026-11-25T01:00:00.000Z' },
          metadata: { occurredAt: '2026-11-25T01:00:00.000Z', actor: SYSTEM },
        },
      ],
      { incidentId: INCIDENT, version: 0 },
    );
    expect(JSON.stringify(warned)).toBe(
      `{"type":"DeadlineMissed","data":{"stage":"handling","due":"2026-11-25T01:00:00.000Z"},` +
        `"metadata":{"eventId":"${INCIDENT}:1","incidentId":"${INCIDENT}","version":1,"occurredAt":"2026-11-25T01:00:00.000Z",` +
        `"actor":{"id":"system","role":"system"}}}`,
    );
    const [caused] = stampEvents(decided, {
      incidentId: INCIDENT,
      version: 0,
      commandId: COMMAND,
      position: { partition: 0, offset: '7' },
    });
    expect(Object.keys(caused!.metadata)).toEqual(['eventId', 'incidentId', 'version', 'occurredAt', 'commandId', 'actor', 'position']);
  });

  it('gives the same ids to the same decision stamped again (a command decided again after a crash)', () => {
    const stamp = { incidentId: INCIDENT, version: 2, commandId: COMMAND };
    expect(stampEvents(decided, stamp)).toEqual(stampEvents(decided, stamp));
  });

  it('takes only the facts of an event already stamped: a stored event stamped again gets the new place', () => {
    const [once] = stampEvents(decided, { incidentId: INCIDENT, version: 0, commandId: COMMAND });
    const [again] = stampEvents([once!], { incidentId: INCIDENT, version: 9 });
    expect(again!.metadata).toEqual({
      eventId: `${INCIDENT}:10`,
      incidentId: INCIDENT,
      version: 10,
      occurredAt: '2026-11-24T02:00:00.000Z',
      actor: DISPATCHER,
    });
  });
});
