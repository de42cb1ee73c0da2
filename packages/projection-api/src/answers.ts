import { AreaLevels, WindowKinds } from '@gridgov/domain';
import { z } from 'zod';

/**
 * What the projection's API answers (figures, rankings, trends), as zod schemas with their types: the projection
 * builds its answers to these types and documents them in /openapi.json from these schemas; the console reads its
 * answers with these types. One home, no copies.
 */
const rate = z.number().nullable();

/** The figures leaders ask for (docs/domain.md, 考核); rates are null while nothing is registered. */
export const Figures = z.object({
  reported: z.number().int().describe('上报数'),
  dispatched: z.number().int().describe('派遣数'),
  registered: z.number().int().describe('立案数: reported minus rejected at triage'),
  closed: z.number().int().describe('结案数'),
  closureRate: rate.describe('结案率 = closed / registered; null when nothing is registered'),
  closedOnTime: z.number().int().describe('按期结案数'),
  onTimeClosureRate: rate.describe('按期结案率 = closed on time / registered'),
  overdue: z
    .number()
    .int()
    .describe('超期数: cases reported in the window or range that are past their handling deadline now, still unresolved'),
  reworkRate: rate.describe('返工率 = cases reworked at least once / registered'),
  extensionRate: rate.describe('延期率 = cases extended / registered'),
  escalated: z.number().int().describe('督办数'),
  meanHandlingHours: rate.describe('平均处置时长 in working hours, over closed cases'),
});
export type Figures = z.infer<typeof Figures>;

/** The names of the figures, as in the answers (and in `figure=` of trends). */
export const FigureNames = [
  'reported',
  'dispatched',
  'registered',
  'closed',
  'closureRate',
  'closedOnTime',
  'onTimeClosureRate',
  'overdue',
  'reworkRate',
  'extensionRate',
  'escalated',
  'meanHandlingHours',
] as const satisfies readonly (keyof Figures)[];
export type FigureName = (typeof FigureNames)[number];
// Every figure is named above: this fails to compile when Figures grows and the list does not.
const _everyFigureNamed: [Exclude<keyof Figures, FigureName>] extends [never] ? true : false = true;

export const AreaRef = z.object({ code: z.string(), name: z.string(), level: z.enum(AreaLevels) });
export type AreaRef = z.infer<typeof AreaRef>;

/** The window of report time an answer counts: a calendar window, or a range of local dates (`from`/`to`). */
export const AnswerWindow = z.object({
  kind: z.enum([...WindowKinds, 'range']),
  id: z.string().describe('e.g. d2026-11-22, w2026-W47, m2026-11, q2026-Q4, y2026, all; r2026-11-01..2026-11-20 for a range'),
  from: z.string().optional().describe("A range's first day (YYYY-MM-DD, Asia/Shanghai)"),
  to: z.string().optional().describe("A range's last day, included"),
});
export type AnswerWindow = z.infer<typeof AnswerWindow>;
const Window = AnswerWindow;
const Scope = z.object({
  category: z.string().nullable(),
  department: z.string().nullable().describe('Both given: the cases of that category now with that department'),
});

export const FiguresAnswer = z.object({ area: AreaRef, window: Window, scope: Scope, figures: Figures });
export type FiguresAnswer = z.infer<typeof FiguresAnswer>;

/** Weights of the ranking score: wClosure × 结案率 + wOnTime × 按期结案率 + wRework × (1 − 返工率). */
export const Weights = z.object({ closure: z.number(), onTime: z.number(), rework: z.number() });
export type Weights = z.infer<typeof Weights>;

export const RankingRow = z.object({
  rank: z.number().int().describe('1 for the best; equal scores share a rank'),
  area: AreaRef,
  score: z.number().describe('wClosure × 结案率 + wOnTime × 按期结案率 + wRework × (1 − 返工率)'),
  bottom: z
    .boolean()
    .describe(
      '末位: among the `bottom` lowest scores (ties at the boundary included). None is marked while fewer than `bottom` + 1 ' +
        'children are ranked, and never a child that shares the first rank',
    ),
  figures: Figures,
});
export type RankingRow = z.infer<typeof RankingRow>;

/** A child with nothing registered in the window: no score, so not ranked and never 末位 (无数据). */
export const UnrankedRow = z.object({ area: AreaRef, figures: Figures });
export type UnrankedRow = z.infer<typeof UnrankedRow>;

export const RankingAnswer = z.object({
  area: AreaRef,
  window: Window,
  scope: Scope,
  weights: Weights,
  bottom: z.number().int().describe('How many of the lowest scored rows were asked to be marked 末位'),
  rows: z.array(RankingRow).describe('The children with figures (something registered), best first'),
  noData: z
    .array(UnrankedRow)
    .describe('无数据: the children with nothing registered, by area code; listed apart, neither ranked nor 末位'),
});
export type RankingAnswer = z.infer<typeof RankingAnswer>;

export const TrendAnswer = z.object({
  area: AreaRef,
  figure: z.enum(FigureNames),
  scope: Scope,
  from: z.string(),
  to: z.string(),
  /** One point per day of report time; rates and means are null on days with nothing to divide by. */
  series: z.array(z.object({ date: z.string(), value: z.number().nullable() })),
});
export type TrendAnswer = z.infer<typeof TrendAnswer>;

/** One day of a bulletin's month: its 上报数 and 结案数. */
export const BulletinDay = z.object({ date: z.string().describe('YYYY-MM-DD'), reported: z.number().int(), closed: z.number().int() });
export type BulletinDay = z.infer<typeof BulletinDay>;

/** 月通报: the ranking of one month for one area, frozen when it was taken. */
export const Bulletin = z.object({
  month: z.string().describe('YYYY-MM'),
  area: AreaRef,
  frozenAt: z.string().describe('When it was frozen (ISO-8601, UTC)'),
  ranking: RankingAnswer,
  frozenBy: z
    .string()
    .optional()
    .describe('Who froze it: a user id, or `schedule` (BULLETIN_FREEZE_AT); absent on bulletins frozen before it was kept'),
  daily: z
    .array(BulletinDay)
    .optional()
    .describe("The area's 上报数 and 结案数 day by day over the month, as they stood (the document's chart)"),
});
export type Bulletin = z.infer<typeof Bulletin>;

/** POST /v1/bulletins/{month}: the bulletin kept, frozen now or before. */
export const FreezeAnswer = z.object({ created: z.boolean().describe('false when the month was frozen before'), bulletin: Bulletin });
export type FreezeAnswer = z.infer<typeof FreezeAnswer>;

/**
 * The projection's answers by the name they have in components.schemas of its OpenAPI document (one home: the
 * projection answers with them, the console reads with their types).
 */
export const ProjectionAnswers = {
  Figures,
  AreaRef,
  FiguresAnswer,
  Weights,
  RankingRow,
  UnrankedRow,
  Ranking: RankingAnswer,
  Trend: TrendAnswer,
  Bulletin,
  FreezeAnswer,
} as const;
