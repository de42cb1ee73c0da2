import type { GridEvent } from '@gridgov/contracts';
import { DurableProducer, type OutgoingRecord } from '@gridgov/kafka';
import { progressLine } from '@gridgov/runtime';
import { simulateHistory } from '@gridgov/simulator';
import { signedEvents, type BenchInfra } from './support.ts';
import { simulationContext } from './traffic-world.ts';

/** What a conventional system would keep of a case: one row, the same facts the projection counts. */
export interface CaseFacts {
  readonly id: string;
  readonly grid: string;
  readonly category: string;
  /** With whom the case is now (none after a return). */
  readonly department: string | null;
  readonly reportedAt: number;
  readonly rejected: boolean;
  readonly closed: boolean;
  readonly closedOnTime: boolean;
  /** Its handling deadline is missed and nothing has moved it since. */
  readonly overdue: boolean;
  readonly reworked: boolean;
  readonly extended: boolean;
  readonly escalated: boolean;
  readonly handlingMs: number;
}

/** The events that end an overdue spell. */
const CLEARS_OVERDUE = new Set<GridEvent['type']>([
  'IncidentResolved',
  'IncidentReturned',
  'IncidentReassigned',
  'ExtensionApproved',
  'IncidentClosed',
  'IncidentRejected',
]);

/** One case's facts from its events (in version order). */
export function factsOf(events: readonly GridEvent[]): CaseFacts {
  const first = events[0];
  if (first?.type !== 'IncidentReported') throw new Error('factsOf: a case starts with its report');
  let department: string | null = null;
  let overdue = false;
  const facts = {
    id: first.metadata.incidentId,
    grid: first.data.gridCode,
    category: first.data.category,
    reportedAt: Date.parse(first.data.reportedAt),
    rejected: false,
    closed: false,
    closedOnTime: false,
    reworked: false,
    extended: false,
    escalated: false,
    handlingMs: 0,
  };
  for (const e of events) {
    if (CLEARS_OVERDUE.has(e.type)) overdue = false;
    switch (e.type) {
      case 'IncidentDispatched':
      case 'IncidentReassigned':
        department = e.data.department;
        break;
      case 'IncidentReturned':
        department = null;
        break;
      case 'IncidentRejected':
        facts.rejected = true;
        break;
      case 'IncidentClosed':
        facts.closed = true;
        facts.closedOnTime = e.data.onTime;
        facts.handlingMs = e.data.handlingMs;
        break;
      case 'IncidentReworkRequested':
        facts.reworked = true;
        break;
      case 'ExtensionApproved':
        facts.extended = true;
        break;
      case 'IncidentEscalated':
        facts.escalated = true;
        break;
      case 'DeadlineMissed':
        if (e.data.stage === 'handling') overdue = true;
        break;
      default:
        break;
    }
  }
  return { ...facts, department, overdue };
}

export interface FilledHistory {
  readonly events: number;
  readonly facts: readonly CaseFacts[];
  /** Events/s of the producer alone (acks=all), not counting the simulation. */
  readonly produceRate: number;
  /** The first `keep` records written, as they were sent (for the client benchmarks). */
  readonly sample: readonly OutgoingRecord[];
}

/**
 * Writes a seeded history of `incidents` cases in 新会区 straight to grid.events, as the worker would
 * have (keyed by incident, in version order): the simulator's, every case driven through the real
 * decider over 300 days of 2026, warnings, escalations, returns and reworks included.
 */
export async function fillFromSimulator(infra: BenchInfra, incidents: number, keep = 0, seed = 20260101): Promise<FilledHistory> {
  const from = Date.parse('2026-01-01T00:00:00+08:00');
  const history = simulateHistory({ seed, incidents, ctx: simulationContext(), from, to: from + 300 * 86_400_000 });
  const producer = new DurableProducer(infra.kafka);
  await producer.connect();
  const progress = progressLine({ label: 'projection: history', total: incidents, unit: 'cases' });
  const facts: CaseFacts[] = [];
  let events = 0;
  let producing = 0;
  let records: OutgoingRecord[] = [];
  // A send carries each partition's records as one batch, which the broker refuses past its 1 MiB message size: about
  // 400 signed events a partition at most (an event and its chunk signature header are about 1 KB).
  const flushAt = Math.min(5_000, 400 * infra.partitions);
  const sample: OutgoingRecord[] = [];
  const flush = async () => {
    const began = performance.now();
    await producer.send(infra.topics.events, signedEvents(infra, records));
    producing += performance.now() - began;
    sample.push(...records.slice(0, Math.max(0, keep - sample.length)));
    events += records.length;
    records = [];
  };
  for (const incident of history) {
    facts.push(factsOf(incident.events));
    for (const e of incident.events) records.push({ key: incident.incidentId, value: JSON.stringify(e) });
    if (records.length >= flushAt) await flush();
    progress.update(facts.length, `${events.toLocaleString('en-US')} events`);
  }
  if (records.length > 0) await flush();
  await producer.disconnect();
  progress.finish(`${events.toLocaleString('en-US')} events`);
  return { events, facts, produceRate: events / (producing / 1000), sample };
}
