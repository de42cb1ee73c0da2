import { EVENT_SIGNATURE_HEADER, EventSigner, EventVerifier, generateEventSigningKey, type EventRecordRef } from '@gridgov/auth';
import { simulateHistory } from '@gridgov/simulator';
import { report, summaryRow, type Figure, type SuiteRows } from './support.ts';
import { simulationContext } from './traffic-world.ts';

/** The worker's relay chunk (RELAY_CHUNK): what one chunk signature covers at most. */
const RELAY_CHUNK = 1000;

/**
 * What signing grid.events costs (ADR 0019, 0035), in process on simulated events of one partition: the worker signing
 * each record on its own (`ed25519`, the log before ADR 0035, the importer) against a relay chunk of 1,000 signed once
 * over its Merkle tree (`ed25519m`), and a reader verifying each way (a fresh verifier: every chunk seen first). One
 * core, one record after another; also the header's bytes per record. No broker: the cost is CPU.
 */
export function eventSignaturesBench(n: number): SuiteRows {
  const ctx = simulationContext();
  const from = Date.parse('2026-03-01T00:00:00+08:00');
  const records: { key: string; value: string }[] = [];
  for (const c of simulateHistory({ seed: 20261201, incidents: Math.ceil(n / 4), ctx, from, to: from + 60 * 86_400_000 })) {
    for (const e of c.events) if (records.length < n) records.push({ key: c.incidentId, value: JSON.stringify(e) });
  }
  const pair = generateEventSigningKey();
  const signer = new EventSigner(pair.privateKey);
  const topic = 'grid.events';

  /** The best of three timed runs after a warm-up, in µs per record. */
  const timed = <T>(body: () => T): { micros: number; result: T } => {
    let result = body();
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      const began = performance.now();
      result = body();
      best = Math.min(best, performance.now() - began);
    }
    return { micros: (best * 1000) / records.length, result };
  };
  const single = timed(() => records.map((r) => signer.sign(topic, 0, r.key, r.value)));
  const chunked = timed(() => {
    const headers: string[] = [];
    for (let i = 0; i < records.length; i += RELAY_CHUNK) headers.push(...signer.signChunk(topic, 0, records.slice(i, i + RELAY_CHUNK)));
    return headers;
  });
  const refs = (headers: readonly string[]): EventRecordRef[] =>
    records.map((r, i) => ({
      topic,
      partition: 0,
      key: r.key,
      value: Buffer.from(r.value),
      headers: { [EVENT_SIGNATURE_HEADER]: headers[i]! },
    }));
  const verify = (log: readonly EventRecordRef[]) => () => {
    const verifier = new EventVerifier([pair.publicKey]);
    for (const r of log) {
      const problem = verifier.problem(r);
      if (problem !== undefined) throw new Error(problem);
    }
  };
  const verifySingle = timed(verify(refs(single.result)));
  const verifyChunked = timed(verify(refs(chunked.result)));
  const bytes = (headers: readonly string[]) => Math.round(headers.reduce((n, h) => n + h.length, 0) / headers.length);
  const eventBytes = Math.round(records.reduce((n, r) => n + Buffer.byteLength(r.value), 0) / records.length);
  const us = (v: number) => Math.round(v * 100) / 100;
  const figures: Figure[] = [
    { name: 'reader: verify, chunk of 1,000 (ed25519m)', value: us(verifyChunked.micros), unit: 'µs/record' },
    { name: 'reader: verify, one signature each (ed25519)', value: us(verifySingle.micros), unit: 'µs/record' },
    { name: 'relay: sign, chunk of 1,000 (ed25519m)', value: us(chunked.micros), unit: 'µs/record' },
    { name: 'relay: sign, one signature each (ed25519)', value: us(single.micros), unit: 'µs/record' },
    { name: 'header bytes per record, chunk of 1,000', value: bytes(chunked.result), unit: 'B' },
    { name: 'header bytes per record, one signature each', value: bytes(single.result), unit: 'B' },
    { name: 'event value bytes per record (for scale)', value: eventBytes, unit: 'B' },
  ];
  report('event-signatures', figures, { records: records.length });
  return [
    summaryRow('event signatures: reader verifies, µs/record', figures[0]!.value, 'µs', 'one signature per record', figures[1]!.value),
    summaryRow('event signatures: relay signs, µs/record', figures[2]!.value, 'µs', 'one signature per record', figures[3]!.value),
    summaryRow('event signatures: header bytes/record', figures[4]!.value, 'B', 'one signature per record', figures[5]!.value),
  ];
}
