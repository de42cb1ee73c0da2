import type { AreaTree, Catalog } from '@gridgov/domain';
import type { EdgeOptions, HttpServerTimeouts, ObservabilityOptions, ReadinessReport } from '@gridgov/http';
import type { Weights } from '@gridgov/projection-api';
import type { Logger } from '@gridgov/runtime';
import type { BulletinStore } from './bulletin.ts';
import type { PdfPrinter } from './pdf-printer.ts';
import type { CounterReader } from '../projector/counter-store.ts';
import type { FiguresChangeFeed } from './figures-changes.ts';
import type { KeptAnswers } from './kept-answers.ts';
import type { StreamSlots } from '@gridgov/redis';
import type { WhatIfRuns } from '../what-if/runs.ts';

export interface ProjectionAppDeps {
  readonly logger: Logger;
  /** Counters of the current generation (CurrentCounters; a test may pass one generation's store). */
  readonly store: CounterReader;
  readonly bulletins: BulletinStore;
  /** This instance's subscription to figure changes; the composition root starts and closes it. */
  readonly changes: FiguresChangeFeed;
  readonly areas: AreaTree;
  readonly catalog: Catalog;
  readonly partitions: number;
  /** The only clock of the routes: "today", and whether a month has ended. */
  readonly clock: () => Date;
  /** Whether Kafka and Redis answer now (ReadinessProbes in the service; cached briefly). */
  readonly ready: () => Promise<boolean | ReadinessReport>;
  /** Ranking weights when a query gives none (RANKING_WEIGHTS). */
  readonly rankingWeights: Weights;
  readonly stream: {
    readonly minIntervalMs: number;
    readonly keepAliveMs?: number;
    /** The per-user cap on open streams, counted in Redis across instances; the composition root closes it. */
    readonly slots: StreamSlots;
  };
  /** Bearer tokens, rate limits, CORS: every route but the probes and the API document needs a token. */
  readonly edge: EdgeOptions;
  readonly trustProxy?: boolean;
  /** How long a client may take (HTTP_*_TIMEOUT_MS); the defaults of @gridgov/http when unset. */
  readonly timeouts?: HttpServerTimeouts;
  /** Prints bulletin documents as PDF (CHROMIUM_PATH); Debian's Chromium, launched on first use, when unset. Closed with the app. */
  readonly pdf?: PdfPrinter;
  /** Metrics at GET /metrics (METRICS_TOKEN) and per-route counts (ADR 0026); traces are on without it. */
  readonly observability?: ObservabilityOptions;
  /** Whole answers of the figures and rankings routes, kept while nothing they were made from moved (ADR 0046); none: every question is answered afresh. */
  readonly answers?: KeptAnswers;
  /** The what-if runs (ADR 0033); without them the /v1/what-if routes answer 503. */
  readonly whatIf?: WhatIfRuns;
}
