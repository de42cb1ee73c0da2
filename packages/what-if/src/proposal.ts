import { AreaCode, CategoryCode, Urgency } from '@gridgov/contracts';
import { type ConfigSnapshot, DurationData, PolicyDocument } from '@gridgov/config-data';
import { z } from 'zod';

/**
 * A proposed change of the rules, as a leader writes it (policy.json, or the console's 假设分析 page): handling deadlines
 * per category and urgency, and the deadlines, warnings and escalation ladder of the deadline policy. Anything left out
 * stays as it is in force now.
 */
export const WhatIfPolicy = z.strictObject({
  /** A name for the proposal, shown on the report. */
  name: z.string().trim().min(1).max(100).optional(),
  /** Handling deadline (dispatch to resolved) per category, per urgency: `{ "dirty_road": { "normal": {"unit":"working_hours","amount":8} } }`. */
  handling: z
    .record(CategoryCode, z.partialRecord(Urgency, DurationData))
    .refine((r) => Object.keys(r).length <= 2_000, 'at most 2000 categories')
    .default({}),
  dispatch: DurationData.optional(),
  signFor: DurationData.optional(),
  verification: DurationData.optional(),
  /** 督办 ladder: after the handling deadline, each further period overdue escalates one level (community → town → district → city). */
  escalationEvery: DurationData.optional(),
  /** 临期预警: fractions of a stage's time at which the assignee is warned, ascending, in (0, 1). */
  warningFractions: PolicyDocument.shape.warningFractions.optional(),
});
export type WhatIfPolicy = z.infer<typeof WhatIfPolicy>;

/** Why a proposal does not fit the configuration in force: it names a category the catalog does not have. */
export class ProposalError extends Error {
  readonly code = 'WHAT_IF_POLICY_INVALID';
}

/** A proposal's parse problems as one line per field (`handling.dirty_road.normal.amount: a duration is more than 0`). */
export function policyIssues(json: unknown): { ok: true; policy: WhatIfPolicy } | { ok: false; issues: string[] } {
  const parsed = WhatIfPolicy.safeParse(json);
  if (parsed.success) return { ok: true, policy: parsed.data };
  return { ok: false, issues: parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(policy)'}: ${i.message}`) };
}

/**
 * The configuration the proposal would make: the one in force with the proposal's deadlines in its catalog and policy,
 * checked as any configuration change is (a category the catalog lacks is refused). Its version is the current one:
 * nothing of it is ever written or served.
 */
export function proposedConfiguration(current: ConfigSnapshot, policy: WhatIfPolicy): ConfigSnapshot {
  const { catalog, policy: rules } = current.documents;
  const known = new Set(catalog.categories.map((c) => c.code));
  const unknown = Object.keys(policy.handling).filter((code) => !known.has(code));
  if (unknown.length > 0) throw new ProposalError(`handling: ${unknown.join(', ')} not in the catalog in force`);
  const categories = catalog.categories.map((c) => ({ ...c, handling: { ...c.handling, ...policy.handling[c.code] } }));
  const proposedRules = {
    ...rules,
    ...(policy.dispatch ? { dispatch: policy.dispatch } : {}),
    ...(policy.signFor ? { signFor: policy.signFor } : {}),
    ...(policy.verification ? { verification: policy.verification } : {}),
    ...(policy.escalationEvery ? { escalationEvery: policy.escalationEvery } : {}),
    ...(policy.warningFractions ? { warningFractions: policy.warningFractions } : {}),
  };
  return current.with('catalog', { ...catalog, categories }, current.version).with('policy', proposedRules, current.version);
}

/** The proposal that changes nothing: the rules in force now, written as a proposal (what the console's form starts from). */
export type CompletePolicy = Omit<WhatIfPolicy, 'name' | keyof PolicyDocument> & Omit<PolicyDocument, 'retentionMs'>;

export function currentPolicy(current: ConfigSnapshot): CompletePolicy {
  const { catalog, policy } = current.documents;
  return {
    handling: Object.fromEntries(catalog.categories.map((c) => [c.code, c.handling])),
    dispatch: policy.dispatch,
    signFor: policy.signFor,
    verification: policy.verification,
    escalationEvery: policy.escalationEvery,
    warningFractions: policy.warningFractions,
  };
}

const Day = z.iso.date('a date YYYY-MM-DD');

/** What a run compares: cases reported from `from` to `to` (Asia/Shanghai dates, both included), optionally in one area. */
export const WhatIfScopeInput = z
  .strictObject({
    from: Day,
    to: Day,
    area: AreaCode.optional(),
  })
  .refine((s) => s.from <= s.to, { message: '`from` is after `to`', path: ['to'] })
  .refine((s) => Date.parse(s.to) - Date.parse(s.from) <= 3 * 366 * 86_400_000, { message: 'at most three years at once', path: ['to'] });

/** A what-if run as the console asks for it: the scope and the proposal. */
export const WhatIfRequest = z.strictObject({ scope: WhatIfScopeInput, policy: WhatIfPolicy });
export type WhatIfRequest = z.infer<typeof WhatIfRequest>;
