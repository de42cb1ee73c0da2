import { CommonConfig } from '@gridgov/config';
import { z } from 'zod';

export const WorkerConfig = CommonConfig.extend({
  /** Consumer group of the dispatch workers (prefixed with TOPIC_PREFIX). */
  WORKER_GROUP_ID: z.string().min(1).default('dispatch-worker'),
  /** How many partitions one worker handles at once. */
  WORKER_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(64).default(4),
  /** How long a command outcome stays readable by GET /v1/commands/:id. */
  OUTCOME_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(7 * 86_400),
});
export type WorkerConfig = z.infer<typeof WorkerConfig>;
