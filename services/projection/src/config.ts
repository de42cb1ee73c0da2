import { CommonConfig, HttpConfig } from '@gridgov/config';
import { z } from 'zod';

export const ProjectionConfig = CommonConfig.extend(HttpConfig.shape).extend({
  /** Consumer group of the projection (prefixed with TOPIC_PREFIX). */
  PROJECTION_GROUP_ID: z.string().min(1).default('projection'),
  /** How many partitions one instance folds at once. */
  PROJECTION_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(64).default(4),
});
export type ProjectionConfig = z.infer<typeof ProjectionConfig>;
