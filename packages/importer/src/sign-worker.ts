/**
 * A signing thread of the importer (signing-pool.ts): Ed25519 is most of an import's CPU, so each core signs its own
 * batches. Told the key once (workerData), then batches of records; answers each batch's signature headers in order.
 *
 * Self-contained on purpose: a worker thread may run under Node's own type stripping, without the tsx loader of its
 * parent (in tests), so it imports no workspace source. It signs exactly as `EventSigner.sign` (packages/auth, ADR
 * 0019): `ed25519:<key id>:<base64url signature>` over `JSON.stringify([topic, partition, key])`, a newline, then
 * the value's bytes. The import test has the projection verify what it signs.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

interface Job {
  readonly id: number;
  readonly topic: string;
  readonly records: readonly { readonly key: string; readonly value: string; readonly partition: number }[];
}

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const { privateKey, keyId } = workerData as { privateKey: string; keyId: string };
const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, Buffer.from(privateKey, 'base64url')]), format: 'der', type: 'pkcs8' });

parentPort!.on('message', (job: Job) => {
  const signatures = job.records.map((r) => {
    const bytes = Buffer.concat([
      Buffer.from(`${JSON.stringify([job.topic, r.partition, r.key])}\n`, 'utf8'),
      Buffer.from(r.value, 'utf8'),
    ]);
    return `ed25519:${keyId}:${sign(null, bytes, key).toString('base64url')}`;
  });
  parentPort!.postMessage({ id: job.id, signatures });
});
