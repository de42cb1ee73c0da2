import { EventSignaturesFrom, RequiredEventVerifyKeys, TokenConfig } from '@gridgov/auth';
import { BaselineConfig, CommonConfig, HeapGrowingPercent, HttpConfig, StreamConfig } from '@gridgov/config';
import { z } from 'zod';
import { FreezeAtText } from './api/bulletin-schedule.ts';
import { DEFAULT_WEIGHTS, WeightsText } from './api/weights.ts';

export const ProjectionConfig = CommonConfig.extend(HttpConfig.shape)
  .extend(TokenConfig.shape)
  .extend(StreamConfig.shape)
  .extend(BaselineConfig.shape)
  .extend({
    EVENT_VERIFY_KEYS: RequiredEventVerifyKeys.describe(
      "The dispatch worker's public Ed25519 keys, comma-separated, base64url, the current one first, then keys being rotated out: an event on grid.events that none of them signed where it stands is set aside to the DLQ and not counted (ADR 0019). An entry `import:<key>` is `pnpm import-cases`'s public key, believed for IncidentImported events only (ADR 0030).",
    ),
    EVENT_SIGNATURES_FROM: EventSignaturesFrom.describe(
      'For a log written before events were signed: `<partition>:<offset>,…` of grid.events, from which on each partition every event must be signed (the offsets the log had reached when the signing worker first ran); below them events are believed unsigned. Empty: all must be (ADR 0019).',
    ),
    PROJECTION_GROUP_ID: z
      .string()
      .min(1)
      .default('projection')
      .describe(
        "Consumer group of the projection (prefixed with TOPIC_PREFIX): its one consumer of grid.events and grid.outcomes feeds both folds, the counters and the read side (ADR 0040); the counters' rebuild and what-if runs use groups named after it.",
      ),
    PROJECTION_PARTITIONS_CONCURRENTLY: z.coerce
      .number()
      .int()
      .min(1)
      .max(64)
      .default(4)
      .describe(
        'How many partitions one instance folds at once, both folds (counters, read side) of each batch together (ADR 0040). Each holds a fetched batch and its decoded events in memory; 4 keeps as many in flight as the two folds of 2 did before they shared one consumer (docs/performance.md).',
      ),
    PROJECTION_FETCH_BYTES: z.coerce
      .number()
      .int()
      .min(64 * 1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024)
      .describe(
        'The most one fetch brings of one partition (grid.events, grid.outcomes), in bytes, for the one consumer that feeds both folds (ADR 0040): the largest batch the counters and the read side fold and write at once (about 1,000 events a MiB). Larger batches write less per event but hold the partition longer between heartbeats: past PROJECTION_SESSION_TIMEOUT_MS on a starved CPU the group drops the instance.',
      ),
    PROJECTION_APPLY_WRITES: z.coerce
      .number()
      .int()
      .min(100)
      .max(1_000_000)
      .default(10_000)
      .describe(
        'The most counter fields and incidents one apply script writes to Redis; a larger batch is applied in parts, each with its checkpoint. Redis runs one script at a time: queries wait behind it (about 1 ms a thousand writes).',
      ),
    PROJECTION_ANSWER_CACHE_MB: z.coerce
      .number()
      .int()
      .min(0)
      .max(4_096)
      .default(16)
      .describe(
        'The most the cache of whole answers holds, in MiB: the JSON of a figures or rankings answer, sent again while no events partition has moved and the configuration has not changed (ADR 0046); 0 makes every answer afresh. A ranking of 11 areas is about 16 KiB.',
      ),
    PROJECTION_READ_CACHE_MB: z.coerce
      .number()
      .int()
      .min(0)
      .max(4_096)
      .default(32)
      .describe(
        "The most the cache of counter reads holds, in MiB: each events partition's part of a query's read, answered again while that partition's checkpoint has not moved (ADR 0045); 0 reads every query from Redis. A ranking of 11 areas is about 20 KiB.",
      ),
    PROJECTION_HEAP_GROWING_PERCENT: HeapGrowingPercent.describe(
      "How far V8 lets the projection's old generation grow past what a full collection left live before it collects again, in percent (V8's --heap-growing-percent, set at start by the service and by its rebuild, restore and what-if commands); 0 leaves V8's own factor (up to 300 %). A replay allocates some 50 KB an event that lives for a batch; at 100 its peak RSS is a quarter lower than with V8's factor, at the same CPU an event (docs/performance.md).",
    ),
    PROJECTION_MAX_IN_FLIGHT: z.coerce
      .number()
      .int()
      .min(0)
      .max(100_000)
      .default(512)
      .describe(
        'The most questions one instance works on at once (figures, rankings, trends, bulletins, exports; live streams and the probes are not counted); the next is answered 503 SERVER_BUSY with Retry-After at once, before its token is verified, rather than queued. At 1,000 questions a second an instance works on a few at once, and on some 500 through the half-second stalls seen while events are written, which 512 lets through; unbounded, an overload queued until the process held half a gigabyte and more (ADR 0048). 0: no bound.',
      ),
    PROJECTION_SESSION_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(6_000)
      .max(300_000)
      .default(10_000)
      .describe(
        "How soon an instance that died silently loses its partitions to the others, in ms (broker minimum 6 s); the session of the one consumer feeding both folds. A restarted instance waits this long for its predecessor's partitions.",
      ),
    RANKING_WEIGHTS: WeightsText.default(DEFAULT_WEIGHTS).describe(
      'Default ranking weights wClosure,wOnTime,wRework (结案率, 按期结案率, 1 − 返工率), 0.4,0.4,0.2 unless set; they sum to 1.',
    ),
    GENERATION_REFRESH_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(600_000)
      .default(5_000)
      .describe(
        'How often an instance re-reads the current generation (ms) besides the generation-changed notice: the longest a missed notice keeps its queries on the generation before.',
      ),
    CASE_VIEW_GROUP_ID: z
      .string()
      .min(1)
      .default('case-views')
      .describe(
        "Prefix of the consumer groups of `pnpm restore`'s read-side step (prefixed with TOPIC_PREFIX). The live read side is fed by the projection's one consumer, in PROJECTION_GROUP_ID (ADR 0040).",
      ),
    OUTCOME_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .default(7 * 86_400)
      .describe('How long a command outcome stays readable by GET /v1/commands/:id (it stays on grid.outcomes for good).'),
    STREAM_MIN_INTERVAL_MS: z.coerce
      .number()
      .int()
      .min(10)
      .max(60_000)
      .default(500)
      .describe('Shortest time between two re-reads of the figures one or more live streams watch, in ms.'),
    BULLETIN_FREEZE_AT: z
      .string()
      .default('1T09:00')
      .pipe(FreezeAtText)
      .describe(
        "When a month's bulletin (月通报) freezes itself for every area with children: `<day 1-28>T<HH:MM>` of the month after, Asia/Shanghai (e.g. 1T09:00), or `off` (by hand only). The first freeze wins, by hand or not (ADR 0031).",
      ),
    BULLETIN_FREEZE_CHECK_MS: z.coerce
      .number()
      .int()
      .min(1_000)
      .max(3_600_000)
      .default(60_000)
      .describe('How often an instance checks whether a bulletin is due (ms): the longest a bulletin may freeze after its time.'),
    CHROMIUM_PATH: z
      .string()
      .min(1)
      .default('/usr/bin/chromium')
      .describe('The headless Chromium that prints bulletin documents as PDF (GET /v1/bulletins/:month/document.pdf).'),
  });
export type ProjectionConfig = z.infer<typeof ProjectionConfig>;

const mask = <K extends string>(shape: Record<K, unknown>) =>
  Object.fromEntries(Object.keys(shape).map((k) => [k, true])) as Record<K, true>;

/** What the rebuild command reads: the service's variables less those of its HTTP side. */
export const RebuildConfig = ProjectionConfig.omit({
  ...mask(HttpConfig.shape),
  ...mask(TokenConfig.shape),
  RANKING_WEIGHTS: true,
  STREAM_MIN_INTERVAL_MS: true,
  STREAMS_PER_USER: true,
  STREAM_SLOT_LEASE_MS: true,
  BULLETIN_FREEZE_AT: true,
  BULLETIN_FREEZE_CHECK_MS: true,
  CHROMIUM_PATH: true,
  PROJECTION_MAX_IN_FLIGHT: true,
});
export type RebuildConfig = z.infer<typeof RebuildConfig>;
