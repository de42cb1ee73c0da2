import { CommonConfig, HttpConfig } from '@gridgov/config';
import { z } from 'zod';
import { DEFAULT_WEIGHTS, WeightsText } from './weights.ts';

export const ProjectionConfig = CommonConfig.extend(HttpConfig.shape).extend({
  /** Consumer group of the projection (prefixed with TOPIC_PREFIX). */
  PROJECTION_GROUP_ID: z.string().min(1).default('projection'),
  /** How many partitions one instance folds at once. */
  PROJECTION_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(64).default(4),
  /** Default ranking weights wClosure,wOnTime,wRework (结案率, 按期结案率, 1 − 返工率); they sum to 1. */
  RANKING_WEIGHTS: WeightsText.default(DEFAULT_WEIGHTS),
  /** Shortest time between two re-reads of one live stream's figures, in ms. */
  STREAM_MIN_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
});
export type ProjectionConfig = z.infer<typeof ProjectionConfig>;
