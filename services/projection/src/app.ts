import type { AreaTree, Catalog } from '@gridgov/domain';
import { ApiError, createHttpServer, parseOr400 } from '@gridgov/http';
import { parseLocalDate, WindowKinds } from '@gridgov/domain';
import type { Logger } from '@gridgov/runtime';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { CounterStore } from './counter-store.ts';
import { readFigures, todayInShanghai } from './figures.ts';

export interface ProjectionAppDeps {
  readonly logger: Logger;
  readonly store: CounterStore;
  readonly areas: AreaTree;
  readonly catalog: Catalog;
  readonly partitions: number;
  readonly clock: () => Date;
  readonly ready: () => Promise<boolean>;
}

const FiguresQuery = z.object({
  area: z.string().regex(/^\d{6}(\d{3}){0,3}$/, 'an area code has 6, 9, 12 or 15 digits'),
  window: z.enum(WindowKinds).default('all'),
  at: z
    .string()
    .optional()
    .refine((s) => s === undefined || parseLocalDate(s) !== undefined, 'at is a date YYYY-MM-DD'),
  category: z.string().max(48).optional(),
  department: z.string().max(48).optional(),
});

export function buildProjectionApp(deps: ProjectionAppDeps): FastifyInstance {
  const app = createHttpServer({ logger: deps.logger, ready: deps.ready });

  app.get('/v1/figures', async (request) => {
    const q = parseOr400(FiguresQuery, 'query', request.query);
    if (!deps.areas.has(q.area)) throw new ApiError(404, 'UNKNOWN_AREA', `query.area: no area ${q.area}`);
    if (q.category && !deps.catalog.category(q.category))
      throw new ApiError(400, 'UNKNOWN_CATEGORY', `query.category: no category ${q.category}`);
    if (q.department && !deps.catalog.department(q.department)) {
      throw new ApiError(400, 'UNKNOWN_DEPARTMENT', `query.department: no department ${q.department}`);
    }
    if (q.category && q.department) throw new ApiError(400, 'SCOPE_TOO_NARROW', 'query: give category or department, not both');
    const at = q.at ? parseLocalDate(q.at) : todayInShanghai(deps.clock());
    return readFigures(deps.store, deps.areas, deps.partitions, {
      area: q.area,
      window: q.window,
      at: at!,
      category: q.category,
      department: q.department,
    });
  });

  return app;
}
