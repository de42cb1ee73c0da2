/**
 * A signing thread of the importer (signing-pool.ts): Ed25519 is most of an import's CPU, so each core signs its own
 * batches. Told the key once (workerData), then batches of records; answers each batch's signature headers in order.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { EventSigner } from '@gridgov/auth';

interface Job {
  readonly id: number;
  readonly topic: string;
  readonly records: readonly { readonly key: string; readonly value: string; readonly partition: number }[];
}

const signer = new EventSigner((workerData as { privateKey: string }).privateKey);
parentPort!.on('message', (job: Job) => {
  const signatures = job.records.map((r) => signer.sign(job.topic, r.partition, r.key, r.value));
  parentPort!.postMessage({ id: job.id, signatures });
});
