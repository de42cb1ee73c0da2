import { TokenConfig } from '@gridgov/auth';
import { CommonConfig, HttpConfig } from '@gridgov/config';
import { z } from 'zod';
import { DEFAULT_WEIGHTS, WeightsText } from './api/weights.ts';

export const ProjectionConfig = CommonConfig.extend(HttpConfig.shape)
  .extend(TokenConfig.shape)
  .extend({
    /** Consumer group of the projection (prefixed with TOPIC_PREFIX). */
    PROJECTION_GROUP_ID: z.string().min(1).default('projection'),
    /** How many partitions one instance folds at once. */
    PROJECTION_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(64).default(4),
    /** How soon an instance that died silently loses its partitions to the others, in ms (broker minimum 6 s). */
    PROJECTION_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(10_000),
    /** Default ranking weights wClosure,wOnTime,wRework (结案率, 按期结案率, 1 − 返工率); they sum to 1. */
    RANKING_WEIGHTS: WeightsText.default(DEFAULT_WEIGHTS),
    /**
     * How often an instance re-reads the current generation (ms) besides the generation-changed
     * notice: the longest a missed notice keeps its queries on the generation before.
     */
    GENERATION_REFRESH_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
    /** Consumer group of the read side: case views, lists and command outcomes (prefixed with TOPIC_PREFIX). */
    CASE_VIEW_GROUP_ID: z.string().min(1).default('case-views'),
    /** How long a command outcome stays readable by GET /v1/commands/:id (it stays on grid.outcomes for good). */
    OUTCOME_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .default(7 * 86_400),
    /** Shortest time between two re-reads of one live stream's figures, in ms. */
    STREAM_MIN_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
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
});
export type RebuildConfig = z.infer<typeof RebuildConfig>;
