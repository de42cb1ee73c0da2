import type { Topics } from '@gridgov/contracts';
import type { Kms, Pseudonyms } from '@gridgov/crypto';
import type { AreaTree, Catalog } from '@gridgov/domain';
import type { EdgeOptions, HttpServerTimeouts, ObservabilityOptions, ReadinessReport } from '@gridgov/http';
import type { GroupCommitProducer } from '@gridgov/kafka';
import type { ReadModelReader } from '@gridgov/read-model';
import type { Clock, Redis } from '@gridgov/redis';
import type { Logger } from '@gridgov/runtime';
import type { Open311Clients } from './open311/clients.ts';
import type { PhotoStore } from './photos/store.ts';
import type { AdminConfig } from './routes/admin.ts';
import type { ReadSideReadiness } from './read-side.ts';
import type { ReportTimeBounds } from './routes/commands.ts';

export interface IntakeDeps {
  readonly logger: Logger;
  /** Where commands go: Kafka, acks=all (a GroupCommitProducer shares round trips under load). */
  readonly producer: Pick<GroupCommitProducer, 'send'>;
  readonly redis: Redis;
  readonly topics: Topics;
  readonly keyPrefix: string;
  /** The area tree and catalog in force (live views of grid.config's current version, ADR 0024). */
  readonly areas: AreaTree;
  readonly catalog: Catalog;
  /**
   * The areas document in force (the same object until the area tree changes): the grid locator is rebuilt when it
   * changes (ADR 0025). Absent: the tree is taken as fixed.
   */
  readonly areasKey?: () => object;
  /** The configuration version in force, stamped on each command (ADR 0024); absent in tests without grid.config. */
  readonly configVersion?: () => number;
  /** The admin routes' configuration (grid.config, ADR 0024); without it there are no /v1/admin routes. */
  readonly admin?: AdminConfig;
  readonly clock: Clock;
  readonly maxOutcomeWaitMs: number;
  readonly bodyLimit: number;
  /** Whether Kafka and Redis answer now (ReadinessProbes in the service; cached briefly). */
  readonly ready: () => Promise<boolean | ReadinessReport>;
  /** Bearer tokens, rate limits, CORS. */
  readonly edge: EdgeOptions;
  readonly trustProxy?: boolean;
  /** How long a client may take (HTTP_*_TIMEOUT_MS); the defaults of @gridgov/http when unset. */
  readonly timeouts?: HttpServerTimeouts;
  /** When a report's occurredAt and reportedAt may fall (REPORT_MAX_AHEAD_S, REPORT_TIME_FLOOR); DEFAULT_REPORT_TIMES when unset. */
  readonly reportTimes?: ReportTimeBounds;
  /** COMMAND_SIGNING_KEY: every envelope is signed with it before it goes to Kafka (ADR 0006). */
  readonly signingKey: string;
  /** Whether the read side is whole: the case routes answer 503 while it is being restored (ADR 0009). */
  readonly readSide: Pick<ReadSideReadiness, 'assertWhole' | 'isWhole'>;
  /**
   * ADR 0016: the KMS that unwraps cases' data keys (the read side keeps personal fields sealed; they are opened here
   * for the readers the access table lets see them), and the pseudonyms of people (ids, a reporter's own list, a
   * command's issuer).
   */
  readonly encryption: { readonly kms: Kms; readonly pseudonyms: Pseudonyms };
  /** Photos (ADR 0021): the store (absent when S3_ENDPOINT is not set) and the limits. */
  readonly photos?: PhotoOptions;
  /** Open311 (ADR 0028): the citizen apps that may POST requests (OPEN311_CLIENTS_FILE); none when absent. */
  readonly open311?: { readonly clients: Open311Clients };
  /** Metrics at GET /metrics (METRICS_TOKEN) and per-route counts (ADR 0026); traces are on without it. */
  readonly observability?: ObservabilityOptions;
}

export interface PhotoOptions {
  readonly store: PhotoStore | undefined;
  /** PHOTO_MAX_BYTES */
  readonly maxBytes: number;
  /** PHOTO_MAX_PENDING: per uploader */
  readonly maxPending: number;
  /** PHOTO_PENDING_TTL_S */
  readonly pendingTtlS: number;
}

/** The limits when a service is built without photo options (tests of other routes). */
export const NO_PHOTO_STORE: PhotoOptions = { store: undefined, maxBytes: 8 * 1024 * 1024, maxPending: 30, pendingTtlS: 24 * 3600 };

/** What the routes use: the service's dependencies and the read model's reader over its Redis. */
export interface RouteDeps extends IntakeDeps {
  readonly reader: ReadModelReader;
}
