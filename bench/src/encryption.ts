import { randomBytes } from 'node:crypto';
import { GridEvent } from '@gridgov/contracts';
import { hasSealed, KekFile, LocalKms, openDeep, openEvent, Pseudonyms, sealEvent, type WrappedKey } from '@gridgov/crypto';
import { applyEvent, evolve, historyEntry, incidentView, type CountedIncident, type IncidentState } from '@gridgov/domain';
import { caseChange } from '@gridgov/read-model';
import { simulateHistory } from '@gridgov/simulator';
import { report, summaryRow, type Figure, type SuiteRows } from './support.ts';
import { simulationContext } from './traffic-world.ts';

/**
 * What field-level encryption (ADR 0016) costs, in process, on simulated histories (every kind of event, confidential
 * leads among them): each figure measured twice in the same run over the same events, with sealing on and, as the
 * reference, switched off (the same code without `sealEvent` / with a clear log). No broker or Redis: the cost is CPU.
 * - write side: what the dispatch worker adds to every decided event before the intake's command is told accepted (a
 *   data key made and wrapped per new case, the personal fields sealed, the record serialised);
 * - projection: the counters' and the read side's fold of the log (parse, validate, evolve, counter deltas, case change),
 *   of the sealed log against the clear one (larger records, never decrypted);
 * - intake: a case read by a reader who may see the reporter (view and history opened with the case's unwrapped key).
 */
export function encryptionBench(incidents: number): SuiteRows {
  const ctx = simulationContext();
  const from = Date.parse('2026-03-01T00:00:00+08:00');
  const cases = [...simulateHistory({ seed: 20261130, incidents, ctx, from, to: from + 60 * 86_400_000 })];
  const events = cases.reduce((n, c) => n + c.events.length, 0);
  const kms = new LocalKms(KekFile.parse(LocalKms.newFileContents('bench-kek')));
  const pseudonyms = new Pseudonyms(randomBytes(32).toString('hex'));
  const keys = new Map<string, Buffer>();
  const wrapped = new Map<string, WrappedKey>();

  /** The best of three timed runs after a warm-up: a single run on a shared 2-core machine is mostly noise. */
  const timed = (body: () => void): number => {
    body();
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      const began = performance.now();
      body();
      best = Math.min(best, (performance.now() - began) / 1_000);
    }
    return best;
  };

  // The write side.
  const sealedLog: string[] = [];
  const clearLog: string[] = [];
  const sealSeconds = timed(() => {
    sealedLog.length = 0;
    for (const c of cases) {
      const key = randomBytes(32);
      keys.set(c.incidentId, key);
      wrapped.set(c.incidentId, kms.wrap(key, c.incidentId));
      const confidential = ctx.catalog.isConfidential(c.events[0]!.type === 'IncidentReported' ? c.events[0].data.category : '');
      for (const e of c.events) sealedLog.push(JSON.stringify(sealEvent(e, { key, confidential, pseudonyms })));
    }
  });
  const clearSeconds = timed(() => {
    clearLog.length = 0;
    for (const c of cases) for (const e of c.events) clearLog.push(JSON.stringify(e));
  });

  // The projection's fold, never decrypting.
  const fold = (log: readonly string[]) => () => {
    const states = new Map<string, IncidentState>();
    const counted = new Map<string, CountedIncident | undefined>();
    for (const raw of log) {
      const event = GridEvent.parse(JSON.parse(raw));
      const id = event.metadata.incidentId;
      const before = states.get(id) ?? null;
      const after = evolve(before, event);
      states.set(id, after);
      const applied = applyEvent(ctx.areas, counted.get(id), event);
      if (applied.kind === 'applied') counted.set(id, applied.incident);
      caseChange(id, before, after, [event], ctx.areas, ctx.catalog);
    }
  };
  const foldSealedSeconds = timed(fold(sealedLog));
  const foldClearSeconds = timed(fold(clearLog));

  // The intake's read of a case: its view and history as stored, opened (the key unwrapped first) or clear.
  const stored = (log: readonly string[]) => {
    const byCase = new Map<string, { view: unknown; history: unknown[] }>();
    const states = new Map<string, IncidentState>();
    for (const raw of log) {
      const event = GridEvent.parse(JSON.parse(raw));
      const id = event.metadata.incidentId;
      const after = evolve(states.get(id) ?? null, event);
      states.set(id, after);
      const entry = byCase.get(id) ?? { view: null, history: [] };
      entry.view = incidentView(id, after);
      entry.history.push(historyEntry(event));
      byCase.set(id, entry);
    }
    return byCase;
  };
  const sealedCases = stored(sealedLog);
  const clearCases = stored(clearLog);
  const read = (byCase: ReturnType<typeof stored>) => () => {
    for (const [id, c] of byCase) {
      if (!hasSealed(c)) continue;
      const key = kms.unwrap(wrapped.get(id)!, id);
      openDeep(c, id, key, () => null);
    }
  };
  const readSealedSeconds = timed(read(sealedCases));
  const readClearSeconds = timed(read(clearCases));
  // A check that the sealed log opens to the clear one (the worker's restore does this).
  const first = GridEvent.parse(JSON.parse(sealedLog[0]!));
  const opened = openEvent(first, keys.get(first.metadata.incidentId)!);
  if (opened.type === 'IncidentReported' && opened.data.reporterId.startsWith('enc1.')) throw new Error('the sealed log does not open');

  const bytes = (log: readonly string[]) => log.reduce((n, s) => n + Buffer.byteLength(s), 0) / log.length;
  const perSecond = (n: number, s: number) => Math.round(n / s);
  const figures: Figure[] = [
    { name: 'write side: events sealed and serialised', value: perSecond(events, sealSeconds), unit: 'events/s' },
    { name: 'write side: events serialised, clear (reference)', value: perSecond(events, clearSeconds), unit: 'events/s' },
    { name: 'projection fold: sealed log', value: perSecond(events, foldSealedSeconds), unit: 'events/s' },
    { name: 'projection fold: clear log (reference)', value: perSecond(events, foldClearSeconds), unit: 'events/s' },
    { name: 'intake: case reads opened', value: perSecond(sealedCases.size, readSealedSeconds), unit: 'cases/s' },
    { name: 'intake: case reads, clear (reference)', value: perSecond(clearCases.size, readClearSeconds), unit: 'cases/s' },
    { name: 'bytes per event on grid.events, sealed', value: Math.round(bytes(sealedLog)), unit: 'B' },
    { name: 'bytes per event on grid.events, clear', value: Math.round(bytes(clearLog)), unit: 'B' },
  ];
  report('encryption', figures, { incidents, events });
  return [
    summaryRow('encryption: worker seals, events/s', figures[0]!.value, 'events/s', 'the same, encryption off', figures[1]!.value),
    summaryRow('encryption: projection folds a sealed log, events/s', figures[2]!.value, 'events/s', 'the clear log', figures[3]!.value),
    summaryRow('encryption: intake opens a case read, cases/s', figures[4]!.value, 'cases/s', 'the same, clear', figures[5]!.value),
    summaryRow('encryption: bytes per event', figures[6]!.value, 'B', 'clear', figures[7]!.value),
  ];
}
