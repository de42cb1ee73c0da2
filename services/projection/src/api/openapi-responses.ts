import { AreaRef, Figures, FiguresAnswer, RankingAnswer, RankingRow, TrendAnswer, Weights } from '@gridgov/projection-api';
import { ErrorAnswer } from '@gridgov/http';
import { z } from 'zod';
import type { Bulletin } from './bulletin.ts';

/**
 * The answers' shapes for /openapi.json: figures, rankings and trends are the schemas of `@gridgov/projection-api`
 * (their types are those schemas'); the bulletin's type stays in bulletin.ts, and the check at the end fails to
 * compile when its schema here and that type part ways.
 */
export const BulletinDoc = z.object({
  month: z.string(),
  area: AreaRef,
  frozenAt: z.string().describe('When it was frozen (ISO-8601, UTC)'),
  ranking: RankingAnswer,
  frozenBy: z.string().optional().describe("Who froze it: a user's id, or `schedule` (BULLETIN_FREEZE_AT)"),
  daily: z
    .array(z.object({ date: z.string(), reported: z.number().int(), closed: z.number().int() }))
    .optional()
    .describe("The area's 上报数 and 结案数 day by day over the month, as they stood when frozen"),
});

export const FreezeAnswer = z.object({ created: z.boolean().describe('false when the month was frozen before'), bulletin: BulletinDoc });

/** Registered under these names in components.schemas. */
export const ResponseSchemas = {
  Figures,
  AreaRef,
  FiguresAnswer,
  Weights,
  RankingRow,
  Ranking: RankingAnswer,
  Trend: TrendAnswer,
  Bulletin: BulletinDoc,
  FreezeAnswer,
  Error: ErrorAnswer,
} as const;

/** Readonly or not is no difference on the wire. */
type Loose<T> = T extends readonly (infer U)[] ? Loose<U>[] : T extends object ? { -readonly [K in keyof T]: Loose<T[K]> } : T;
type Same<A, B> = [Loose<A>] extends [Loose<B>] ? ([Loose<B>] extends [Loose<A>] ? true : false) : false;
const _bulletin: Same<z.infer<typeof BulletinDoc>, Bulletin> = true;
