import { CASE_QUEUES, DEPARTMENT_QUEUES, type CaseQueue, type DepartmentQueue } from '@gridgov/domain';
import { z } from 'zod';

/**
 * GET /v1/incidents/counts: how many cases each work list of an area holds, the size of the list's sorted set
 * (`ReadModelReader.queueCounts`, ADR 0014).
 */
export const QueueCounts = z.object({
  area: z.string(),
  counts: z.object(Object.fromEntries(CASE_QUEUES.map((q) => [q, z.number().int().min(0)])) as Record<CaseQueue, z.ZodNumber>),
});
export type QueueCounts = z.infer<typeof QueueCounts>;

/** GET /v1/incidents/counts?department=: how many cases each of a department's work lists holds in an area (exact, as above). */
export const DepartmentQueueCounts = z.object({
  area: z.string(),
  department: z.string(),
  counts: z.object(Object.fromEntries(DEPARTMENT_QUEUES.map((q) => [q, z.number().int().min(0)])) as Record<DepartmentQueue, z.ZodNumber>),
});
export type DepartmentQueueCounts = z.infer<typeof DepartmentQueueCounts>;
