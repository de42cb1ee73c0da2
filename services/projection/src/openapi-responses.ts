import { WindowKinds } from '@gridgov/domain';
import { ErrorAnswer } from '@gridgov/http';
import { z } from 'zod';
import type { Bulletin } from './bulletin.ts';
import { FigureNames, type FiguresAnswer, type Figures as FiguresType } from './figures.ts';
import type { RankingAnswer } from './ranking.ts';
import type { TrendAnswer } from './trend.ts';

/**
 * The answers' shapes for /openapi.json. The TypeScript types stay the source; the checks at the
 * end fail to compile when a schema here and its type part ways.
 */
const rate = z.number().nullable();

export const Figures = z.object({
  reported: z.number().int().describe('上报数'),
  dispatched: z.number().int().describe('派遣数'),
  registered: z.number().int().describe('立案数: reported minus rejected at triage'),
  closed: z.number().int().describe('结案数'),
  closureRate: rate.describe('结案率 = closed / registered; null when nothing is registered'),
  closedOnTime: z.number().int().describe('按期结案数'),
  onTimeClosureRate: rate.describe('按期结案率 = closed on time / registered'),
  overdue: z.number().int().describe('超期数: open cases past their handling deadline now'),
  reworkRate: rate.describe('返工率 = cases reworked at least once / registered'),
  extensionRate: rate.describe('延期率 = cases extended / registered'),
  escalated: z.number().int().describe('督办数'),
  meanHandlingHours: rate.describe('平均处置时长 in working hours, over closed cases'),
});

export const AreaRef = z.object({ code: z.string(), name: z.string(), level: z.string() });
const Window = z.object({
  kind: z.enum(WindowKinds),
  id: z.string().describe('e.g. d2026-11-22, w2026-W47, m2026-11, q2026-Q4, y2026, all'),
});
const Scope = z.object({ category: z.string().nullable(), department: z.string().nullable() });

export const FiguresAnswerDoc = z.object({ area: AreaRef, window: Window, scope: Scope, figures: Figures });

export const Weights = z.object({ closure: z.number(), onTime: z.number(), rework: z.number() });

export const RankingRow = z.object({
  rank: z.number().int().describe('1 for the best; ties share a rank; unscored children rank last'),
  area: AreaRef,
  score: z
    .number()
    .nullable()
    .describe('wClosure × 结案率 + wOnTime × 按期结案率 + wRework × (1 − 返工率); null when nothing is registered'),
  bottom: z.boolean().describe('末位: among the `bottom` lowest scores'),
  figures: Figures,
});

export const Ranking = z.object({
  area: AreaRef,
  window: Window,
  scope: Scope,
  weights: Weights,
  bottom: z.number().int(),
  rows: z.array(RankingRow),
});

export const Trend = z.object({
  area: AreaRef,
  figure: z.enum(FigureNames),
  scope: Scope,
  from: z.string(),
  to: z.string(),
  series: z.array(z.object({ date: z.string(), value: z.number().nullable() })),
});

export const BulletinDoc = z.object({
  month: z.string(),
  area: AreaRef,
  frozenAt: z.string().describe('When it was frozen (ISO-8601, UTC)'),
  ranking: Ranking,
});

export const FreezeAnswer = z.object({ created: z.boolean().describe('false when the month was frozen before'), bulletin: BulletinDoc });

/** Registered under these names in components.schemas. */
export const ResponseSchemas = {
  Figures,
  AreaRef,
  FiguresAnswer: FiguresAnswerDoc,
  Weights,
  RankingRow,
  Ranking,
  Trend,
  Bulletin: BulletinDoc,
  FreezeAnswer,
  Error: ErrorAnswer,
} as const;

/** Readonly or not is no difference on the wire. */
type Loose<T> = T extends readonly (infer U)[] ? Loose<U>[] : T extends object ? { -readonly [K in keyof T]: Loose<T[K]> } : T;
type Same<A, B> = [Loose<A>] extends [Loose<B>] ? ([Loose<B>] extends [Loose<A>] ? true : false) : false;
const _figures: Same<z.infer<typeof Figures>, FiguresType> = true;
const _figuresAnswer: Same<z.infer<typeof FiguresAnswerDoc>, FiguresAnswer> = true;
const _ranking: Same<z.infer<typeof Ranking>, RankingAnswer> = true;
const _trend: Same<z.infer<typeof Trend>, TrendAnswer> = true;
const _bulletin: Same<z.infer<typeof BulletinDoc>, Bulletin> = true;
