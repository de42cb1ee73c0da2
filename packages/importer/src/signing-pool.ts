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
 * Signs batches of records on threads of their own, one per core (at most `threads`): the importer's Ed25519
 * signatures (about 70 µs each) would otherwise hold one core and cap an import near 12,000 rows/s.
 */
export class SigningPool {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve: (s: string[]) => void; reject: (e: Error) => void }>();
  private next = 0;
  private ids = 0;

  constructor(privateKey: string, threads = availableParallelism()) {
    const url = new URL('./sign-worker.ts', import.meta.url);
    // Checks the key here (a clear error at start), and names it as EventSigner does.
    const { keyId } = new EventSigner(privateKey);
    this.workers = Array.from({ length: Math.max(1, threads) }, () => {
      const worker = new Worker(url, { workerData: { privateKey, keyId } });
      worker.on('message', (m: { id: number; signatures: string[] }) => {
        this.waiting.get(m.id)?.resolve(m.signatures);
        this.waiting.delete(m.id);
      });
      worker.on('error', (err: Error) => {
        for (const w of this.waiting.values()) w.reject(err);
        this.waiting.clear();
      });
      return worker;
    });
  }

  /** The signature header values of `records`, in order. */
  sign(topic: string, records: readonly RecordToSign[]): Promise<string[]> {
    const id = this.ids++;
    const worker = this.workers[this.next++ % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, topic, records });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
