import { randomUUID } from 'node:crypto';
import type { ConfigSnapshot } from '@gridgov/config-data';
import { compareAndDelete, type Redis } from '@gridgov/redis';
import type { Logger } from '@gridgov/runtime';
import { proposedConfiguration, type WhatIfProgress, type WhatIfReport, type WhatIfRequest } from '@gridgov/what-if';

/** A what-if run as GET /v1/what-if/:runId answers it: going on (with its progress), done (with the report), or failed. */
export interface WhatIfRunState {
  readonly runId: string;
  readonly status: 'running' | 'done' | 'failed';
  readonly startedAt: string;
  readonly finishedAt?: string;
  /** Who started it (the leader's id). */
  readonly by: string;
  readonly request: WhatIfRequest;
  readonly progress: WhatIfProgress;
  readonly report?: WhatIfReport;
  readonly error?: string;
}

export interface WhatIfRunsDeps {
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly logger: Logger;
  /** The configuration in force now (grid.config): the current rules a run compares the proposal with. */
  readonly configuration: () => ConfigSnapshot;
  /** Runs one what-if from the log (`runWhatIf` of @gridgov/what-if, with the service's Kafka and event verifier). */
  readonly run: (current: ConfigSnapshot, request: WhatIfRequest, onProgress: (p: WhatIfProgress) => void) => Promise<WhatIfReport>;
  readonly clock: () => Date;
}

/** How long a run's state and result stay readable. */
const KEEP_SECONDS = 86_400;
/** The one-run-at-a-time lock lasts this long without news from its run (an instance that died mid-run frees it). */
const LOCK_MS = 120_000;
/** Progress is written at most this often. */
const PROGRESS_EVERY_MS = 1_000;

export type StartAnswer = { readonly started: WhatIfRunState } | { readonly busy: string };

/**
 * The what-if runs of a deployment (ADR 0033): one at a time across every projection instance (a lock in Redis), each
 * run's state and result under its own key for a day, apart from the counters: nothing here is a generation, and no
 * figure query reads it. The run itself goes on in the instance that took the request.
 */
export class WhatIfRuns {
  constructor(private readonly deps: WhatIfRunsDeps) {}

  /** The configuration in force now: the current rules. */
  configuration(): ConfigSnapshot {
    return this.deps.configuration();
  }

  private lockKey(): string {
    return `${this.deps.keyPrefix}:projection:what-if:lock`;
  }

  private runKey(runId: string): string {
    return `${this.deps.keyPrefix}:projection:what-if:run:${runId}`;
  }

  /**
   * Starts a run, unless one is going on (`busy`: its id). The proposal is checked against the configuration in force
   * first: a ProposalError or InvalidConfigError is thrown, nothing started.
   */
  async start(request: WhatIfRequest, by: string): Promise<StartAnswer> {
    const current = this.deps.configuration();
    proposedConfiguration(current, request.policy);
    const runId = randomUUID();
    const taken = await this.deps.redis.set(this.lockKey(), runId, 'PX', LOCK_MS, 'NX');
    if (taken !== 'OK') return { busy: (await this.deps.redis.get(this.lockKey())) ?? '' };
    const state: WhatIfRunState = {
      runId,
      status: 'running',
      startedAt: this.deps.clock().toISOString(),
      by,
      request,
      progress: { phase: 'reading', done: 0, total: 0 },
    };
    await this.save(state);
    this.deps.logger.info({ runId, by, scope: request.scope, policy: request.policy.name }, 'what-if run started');
    void this.execute(state, current);
    return { started: state };
  }

  async get(runId: string): Promise<WhatIfRunState | undefined> {
    const json = await this.deps.redis.get(this.runKey(runId));
    return json === null ? undefined : (JSON.parse(json) as WhatIfRunState);
  }

  private async save(state: WhatIfRunState): Promise<void> {
    await this.deps.redis.set(this.runKey(state.runId), JSON.stringify(state), 'EX', KEEP_SECONDS);
  }

  private async execute(state: WhatIfRunState, current: ConfigSnapshot): Promise<void> {
    let lastWrite = 0;
    let writing: Promise<unknown> = Promise.resolve();
    const onProgress = (progress: WhatIfProgress) => {
      const now = Date.now();
      if (now - lastWrite < PROGRESS_EVERY_MS) return;
      lastWrite = now;
      // News of the run keeps its lock; writes queue one behind the other, so the last progress is the last written.
      writing = writing
        .then(() => Promise.all([this.save({ ...state, progress }), this.deps.redis.pexpire(this.lockKey(), LOCK_MS)]))
        .catch((err: unknown) => this.deps.logger.warn({ err, runId: state.runId }, 'what-if progress not written'));
    };
    let finished: WhatIfRunState;
    try {
      const report = await this.deps.run(current, state.request, onProgress);
      finished = {
        ...state,
        status: 'done',
        finishedAt: this.deps.clock().toISOString(),
        progress: { phase: 'done', done: report.cases, total: report.cases },
        report,
      };
      this.deps.logger.info({ runId: state.runId, cases: report.cases, changed: report.changedTotal }, 'what-if run done');
    } catch (err) {
      finished = {
        ...state,
        status: 'failed',
        finishedAt: this.deps.clock().toISOString(),
        error: err instanceof Error ? err.message : String(err),
      };
      this.deps.logger.error({ err, runId: state.runId }, 'what-if run failed');
    }
    try {
      await writing;
      await this.save(finished);
    } catch (err) {
      this.deps.logger.error({ err, runId: state.runId }, 'what-if result not written');
    } finally {
      await compareAndDelete
        .run(this.deps.redis, { key: this.lockKey() }, { expected: state.runId })
        .catch((err: unknown) => this.deps.logger.warn({ err, runId: state.runId }, 'what-if lock not released: it lapses by itself'));
    }
  }
}
