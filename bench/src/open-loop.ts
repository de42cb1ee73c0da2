import { monitorEventLoopDelay } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { keptAliveClient, type KeptAliveClient } from '@gridgov/simulator';

/** What an open-loop run measured: each request's latency, ms, sorted (a failed one is infinitely late), and the failures. */
export interface Answered {
  readonly latencies: number[];
  readonly failed: number;
  /** The asking thread's event loop while it asked, ms: a request due while the loop is held is sent, and counted, late. */
  readonly loopDelayMs: { readonly p99: number; readonly max: number };
}

/** One open-loop run: these URLs in turn, `ratePerSecond` for `seconds`, with these headers. */
export interface OpenLoopRun {
  readonly urls: readonly string[];
  readonly ratePerSecond: number;
  readonly seconds: number;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Open-loop load: requests start on schedule whether or not earlier ones have answered. A request that fails (a refused
 * or reset connection, a status other than 2xx) counts as infinitely late, so that a percentile it reaches prints "—",
 * and the run goes on: one reset among 20,000 requests must not lose the hour of replay before it (it did, 2026-12-03).
 */
async function fixedRate(client: KeptAliveClient, run: OpenLoopRun): Promise<Answered & { readonly firstFailure?: string }> {
  const { urls, ratePerSecond, seconds, headers } = run;
  const latencies: number[] = [];
  const inflight: Promise<void>[] = [];
  let failed = 0;
  let firstFailure: string | undefined;
  const total = ratePerSecond * seconds;
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const url = urls[i % urls.length]!;
    inflight.push(
      client.request('GET', url, headers).then(({ status, error }) => {
        if (status >= 200 && status < 300) return void latencies.push(performance.now() - due);
        failed++;
        firstFailure ??= `${url}: ${status === 0 ? `no answer (${error})` : status}`;
        latencies.push(Number.POSITIVE_INFINITY);
      }),
    );
  }
  await Promise.all(inflight);
  loop.disable();
  return {
    latencies: latencies.sort((a, b) => a - b),
    failed,
    loopDelayMs: { p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
    ...(firstFailure === undefined ? {} : { firstFailure }),
  };
}

/**
 * Asks in a thread of its own: the bench's main thread holds a whole history's facts, and its collections held the
 * asking loop for up to 54 ms at a time (docs/performance.md), which the questions' latencies then counted. The thread
 * keeps one kept-alive client for all its runs, as fetch keeps its connections: the warm-up's carry the measured
 * questions. Its CPU is the process's, so the bench's own CPU per question still counts it.
 */
export class OpenLoopAsker {
  private readonly worker = new Worker(new URL(import.meta.url));
  private queue: Promise<unknown> = Promise.resolve();

  /** One run at a time, in the order asked; rejected if the run threw in the thread, or the thread failed or ended. */
  ask(run: OpenLoopRun): Promise<Answered> {
    const asked = this.queue.then(
      () =>
        new Promise<Answered>((resolve, reject) => {
          const settle = () => {
            this.worker.off('message', answered);
            this.worker.off('error', failed);
            this.worker.off('exit', ended);
          };
          const failed = (err: Error) => {
            settle();
            reject(err);
          };
          const ended = (code: number) => failed(new Error(`the asking thread ended (exit code ${code}) before it answered`));
          const answered = (reply: Reply) => {
            settle();
            if ('error' in reply) return reject(new Error(`the asking thread's run failed: ${reply.error}`));
            const { firstFailure, ...answer } = reply.answer;
            if (firstFailure !== undefined)
              console.error(
                `\nprojection: ${answer.failed} of ${answer.latencies.length} requests failed at ${run.ratePerSecond}/s; the first: ${firstFailure}`,
              );
            resolve(answer);
          };
          this.worker.on('message', answered);
          this.worker.on('error', failed);
          this.worker.on('exit', ended);
          this.worker.postMessage(run);
        }),
    );
    this.queue = asked.catch(() => undefined);
    return asked;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** What the thread posts back for a run: its answer, or why it threw. */
type Reply = { readonly answer: Answered & { readonly firstFailure?: string } } | { readonly error: string };

if (!isMainThread && parentPort) {
  const port = parentPort;
  const client = keptAliveClient();
  port.on('message', (run: OpenLoopRun) => {
    void fixedRate(client, run).then(
      (answer) => port.postMessage({ answer } satisfies Reply),
      (err: unknown) => port.postMessage({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies Reply),
    );
  });
}
