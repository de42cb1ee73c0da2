import { describe, expect, it } from 'vitest';
import { currentPolicy, policyIssues, ProposalError, proposedConfiguration } from './proposal.ts';
import { current } from './test-world.ts';

describe('a what-if proposal', () => {
  it('names every field it cannot take, one line each', () => {
    const parsed = policyIssues({
      handling: { dirty_road: { normal: { unit: 'hours', amount: 8 } }, 'Bad Code': {} },
      escalationEvery: { unit: 'working_days', amount: 0 },
      warningFractions: [0.8, 0.5],
      colour: 'red',
    });
    expect(parsed.ok).toBe(false);
    const issues = parsed.ok ? [] : parsed.issues;
    expect(issues.some((i) => i.startsWith('handling.dirty_road.normal.unit:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('handling.Bad Code:'))).toBe(true);
    expect(issues).toContain('escalationEvery.amount: a duration is more than 0');
    expect(issues).toContain('warningFractions: warning fractions ascend');
    expect(issues.some((i) => i.includes('colour'))).toBe(true);
  });

  it('changes only what it names: the rest stays as in force', () => {
    const parsed = policyIssues({ name: '道路不洁 8 小时', handling: { dirty_road: { normal: { unit: 'working_hours', amount: 8 } } } });
    if (!parsed.ok) throw new Error(parsed.issues.join('; '));
    const proposed = proposedConfiguration(current, parsed.policy);
    expect(proposed.catalog.handling('dirty_road', 'normal')).toEqual({ unit: 'working_hours', amount: 8 });
    expect(proposed.catalog.handling('dirty_road', 'urgent')).toEqual(current.catalog.handling('dirty_road', 'urgent'));
    expect(proposed.catalog.handling('exposed_rubbish', 'normal')).toEqual(current.catalog.handling('exposed_rubbish', 'normal'));
    expect(proposed.policy).toEqual(current.policy);
    // Written back as a proposal, the rules in force change nothing.
    const same = proposedConfiguration(current, currentPolicy(current));
    expect(same.documents).toEqual(current.documents);
  });

  it('refuses a category the catalog in force does not have', () => {
    expect(() => proposedConfiguration(current, { handling: { potholes: { normal: { unit: 'working_hours', amount: 8 } } } })).toThrow(
      new ProposalError('handling: potholes not in the catalog in force'),
    );
  });
});
