import { z } from 'zod';
import { AreaRef } from './answers.ts';

/**
 * The what-if answers (POST /v1/what-if, GET /v1/what-if/:runId; ADR 0033): a run's progress, then its comparison of
 * the rules in force with a proposal. The request's schema is the what-if package's (`WhatIfRequest`); here it is kept
 * as given.
 */
const Duration = z.object({ unit: z.enum(['working_hours', 'working_days', 'natural_hours', 'natural_minutes']), amount: z.number() });

export const WhatIfProposal = z.object({
  name: z.string().optional(),
  handling: z.record(z.string(), z.object({ normal: Duration, urgent: Duration, very_urgent: Duration }).partial()),
  dispatch: Duration.optional(),
  signFor: Duration.optional(),
  verification: Duration.optional(),
  escalationEvery: Duration.optional(),
  warningFractions: z.array(z.number()).optional(),
});
export type WhatIfProposal = z.infer<typeof WhatIfProposal>;

export const WhatIfFiguresAnswer = z.object({
  reported: z.number().int(),
  registered: z.number().int(),
  closed: z.number().int(),
  closedOnTime: z.number().int(),
  onTimeClosureRate: z.number().nullable().describe('按期结案率: closedOnTime / registered, as GET /v1/figures'),
  overdue: z.number().int().describe('超期数'),
  escalated: z.number().int().describe('督办数'),
});
export type WhatIfFiguresAnswer = z.infer<typeof WhatIfFiguresAnswer>;

const Outcome = z.enum(['on_time', 'late', 'overdue', 'open', 'rejected']);
const CaseSide = z.object({ outcome: Outcome, escalated: z.boolean() });

export const WhatIfReportAnswer = z.object({
  scope: z.object({ from: z.string(), to: z.string(), area: z.string().optional() }),
  asOf: z.string().describe("The replay's now: timers of both sides fired up to the latest event on the log"),
  eventsRead: z.number().int(),
  cases: z.number().int(),
  rows: z.array(z.object({ area: AreaRef, month: z.string(), current: WhatIfFiguresAnswer, proposed: WhatIfFiguresAnswer })).readonly(),
  changed: z
    .array(
      z.object({
        incidentId: z.string(),
        gridCode: z.string(),
        category: z.string(),
        reportedAt: z.string(),
        current: CaseSide,
        proposed: CaseSide,
      }),
    )
    .readonly(),
  changedTotal: z.number().int(),
  refusedActions: z.number().int(),
  currentDiffersFromLog: z.number().int(),
  limits: z.string(),
});
export type WhatIfReportAnswer = z.infer<typeof WhatIfReportAnswer>;

export const WhatIfRunAnswer = z.object({
  runId: z.string(),
  status: z.enum(['running', 'done', 'failed']),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  by: z.string(),
  request: z.object({ scope: z.object({ from: z.string(), to: z.string(), area: z.string().optional() }), policy: WhatIfProposal }),
  progress: z.object({ phase: z.enum(['reading', 'deciding', 'done']), done: z.number().int(), total: z.number().int() }),
  report: WhatIfReportAnswer.optional(),
  error: z.string().optional(),
});
export type WhatIfRunAnswer = z.infer<typeof WhatIfRunAnswer>;

/** The rules in force as a proposal that changes nothing: what the console's form starts from (GET /v1/what-if/policy). */
export const WhatIfCurrentPolicyAnswer = z.object({
  policy: WhatIfProposal.required({ dispatch: true, signFor: true, verification: true, escalationEvery: true, warningFractions: true }),
  categories: z.array(z.object({ code: z.string(), name: z.string() })),
});
export type WhatIfCurrentPolicyAnswer = z.infer<typeof WhatIfCurrentPolicyAnswer>;
