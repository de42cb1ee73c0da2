import { CommandSigningKey, EventSignaturesFrom, EventSigningKey, EventVerifyKeys } from '@gridgov/auth';
import { BaselineConfig, CommonConfig, EncryptionConfig, HeapGrowingPercent, HttpTimeoutConfig } from '@gridgov/config';
import { z } from 'zod';

export const WorkerConfig = CommonConfig.extend(HttpTimeoutConfig.shape).extend({
  ...EncryptionConfig.shape,
  ...BaselineConfig.shape,
  HOST: z.string().default('127.0.0.1').describe("Address of the worker's HTTP port (/healthz, /readyz, /metrics)."),
  WORKER_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(3003)
    .describe("Port of the worker's HTTP port (/healthz, /readyz, /metrics); 0 picks a free one."),
  COMMAND_SIGNING_KEY: CommandSigningKey.describe(
    'Key the intake signs command envelopes with (HMAC-SHA256, ADR 0006); a command it did not sign goes to the DLQ.',
  ),
  COMMAND_SIGNING_PREVIOUS_KEYS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .pipe(z.array(CommandSigningKey))
    .describe('Keys being rotated out, comma-separated: envelopes signed with them are still believed meanwhile.'),
  COMMAND_MAX_AGE_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(86_400_000)
    .default(300_000)
    .describe(
      'Longest time from the intake signing a command to its landing on grid.commands (broker append time), in ms: a command older than that is refused (COMMAND_EXPIRED), a replay (ADR 0019).',
    ),
  EVENT_SIGNING_KEY: EventSigningKey.describe(
    "The worker's private Ed25519 key for grid.events, base64url of its 32 bytes (ADR 0019): only the worker has it. `bash scripts/dev-secrets` writes one.",
  ),
  EVENT_VERIFY_KEYS: EventVerifyKeys.default([]).describe(
    "Public keys whose event signatures a restore believes besides this worker's own (keys being rotated out), comma-separated, base64url; `import:<key>` for `pnpm import-cases`'s key (IncidentImported events only, ADR 0030).",
  ),
  EVENT_SIGNATURES_FROM: EventSignaturesFrom.describe(
    'For a log written before events were signed: `<partition>:<offset>,…` of grid.events, from which on each partition every event must be signed (the offsets the log had reached when the signing worker first ran); below them events are believed unsigned. Empty: all must be (ADR 0019).',
  ),
  WORKER_GROUP_ID: z
    .string()
    .min(1)
    .default('dispatch-worker')
    .describe('Consumer group of the dispatch workers (prefixed with TOPIC_PREFIX).'),
  WORKER_PARTITIONS_CONCURRENTLY: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(4)
    .describe('How many partitions one worker handles at once.'),
  WORKER_SESSION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(6_000)
    .max(300_000)
    .default(10_000)
    .describe('How soon a worker that died silently loses its partitions to the others, in ms.'),
  TIMER_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(250).describe('How often due deadline timers are looked for, in ms.'),
  WORKER_RESTORE_HEAP_GROWING_PERCENT: HeapGrowingPercent.describe(
    "How far V8 lets the worker's restore command (`pnpm restore`) grow its old generation past what a full collection left live before it collects again, in percent (V8's --heap-growing-percent, set at start by the command); 0 leaves V8's own factor (up to 300 %). At 100 its peak RSS is about a sixth lower (docs/performance.md). The service itself caps its old generation in NODE_OPTIONS (docker-compose.yml) and does not read it.",
  ),
});
export type WorkerConfig = z.infer<typeof WorkerConfig>;
