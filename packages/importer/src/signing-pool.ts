import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { EventSigner } from '@gridgov/auth';

/** A record to sign: its key and value as produced, and the partition it lands on (ADR 0019 signs the place too). */
export interface RecordToSign {
  readonly key: string;
  readonly value: string;
  readonly partition: number;
}

/**
 * The signing thread's module: its TypeScript beside this file, or in a bundle (scripts/build.mjs, the image) the
 * bundle built from it beside the bundle that holds this code (packages/importer/dist/sign-worker.js).
 */
function signWorkerUrl(): URL {
  return new URL(import.meta.url.endsWith('.ts') ? './sign-worker.ts' : './sign-worker.js', import.meta.url);
}

/**
 * Signs batches of records on threads of their own, one per core (at most `threads`): the importer's Ed25519
 * signatures (about 70 µs each) would otherwise hold one core and cap an import near 12,000 rows/s. A thread that
 * fails or exits fails the pool: what waits is rejected, and so is every later batch (an import must stop with the
 * reason, never wait for a thread that is gone).
 */
export class SigningPool {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve: (s: string[]) => void; reject: (e: Error) => void }>();
  private next = 0;
  private ids = 0;
  private failed: Error | undefined;

  constructor(privateKey: string, threads = availableParallelism(), url: URL = signWorkerUrl()) {
    // Checks the key here (a clear error at start), and names it as EventSigner does.
    const { keyId } = new EventSigner(privateKey);
    this.workers = Array.from({ length: Math.max(1, threads) }, () => {
      const worker = new Worker(url, { workerData: { privateKey, keyId } });
      worker.on('message', (m: { id: number; signatures: string[] }) => {
        this.waiting.get(m.id)?.resolve(m.signatures);
        this.waiting.delete(m.id);
      });
      worker.on('error', (err: Error) => this.fail(new Error(`a signing thread failed: ${err.message}`, { cause: err })));
      worker.on('exit', (code) => this.fail(new Error(`a signing thread exited (code ${code})`)));
      return worker;
    });
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const w of this.waiting.values()) w.reject(this.failed);
    this.waiting.clear();
  }

  /** The signature header values of `records`, in order. */
  sign(topic: string, records: readonly RecordToSign[]): Promise<string[]> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.ids++;
    const worker = this.workers[this.next++ % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, topic, records });
    });
  }

  async close(): Promise<void> {
    this.failed ??= new Error('the signing pool is closed');
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
