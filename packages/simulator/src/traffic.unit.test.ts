import { ReportIncident, type CommandType } from '@gridgov/contracts';
import { defaultDecisionContext } from '@gridgov/testing';
import { describe, expect, it } from 'vitest';
import { categoryMix, DEFAULT_PROFILE } from './profile.ts';
import { planTraffic, requestOf, type PlannedCase, type TrafficOptions } from './traffic.ts';

const ctx = defaultDecisionContext();
const options: TrafficOptions = { seed: 7, ctx, rate: 100, durationMs: 60_000, timeScale: 600, runId: 'test' };
const plan = (o: Partial<TrafficOptions> = {}) => [...planTraffic({ ...options, ...o })];
/** The schedule as a client sees it: when, who, which request (the report's instants as of a fixed sending time). */
const schedule = (cases: readonly PlannedCase[]) =>
  cases.flatMap((c) => c.steps.map((s) => ({ at: s.atMs, actor: s.actor, request: requestOf(c, s, 'incident', 1_800_000_000_000) })));
const share = <T>(items: readonly T[], p: (t: T) => boolean) => items.filter(p).length / items.length;

describe('planTraffic', () => {
  const cases = plan();
  const long = plan({ durationMs: 30_000, untilMs: 30_000 + 3_600_000, timeScale: 3_600 });
  const steps = long.flatMap((c) => c.steps.slice(1));
  const commands = (type: CommandType) => steps.filter((s) => s.command.type === type);

  it('gives the same schedule of requests for a seed, and another for another seed', () => {
    expect(schedule(plan())).toEqual(schedule(cases));
    expect(schedule(plan({ seed: 8 }))).not.toEqual(schedule(cases));
    // Only the run's tag differs between two runs of one seed: the report ids.
    const other = schedule(plan({ runId: 'other' }));
    expect(other.map((r) => r.at)).toEqual(schedule(cases).map((r) => r.at));
    expect(other).not.toEqual(schedule(cases));
  });

  it('offers the rate: Poisson arrivals inside the run, in order, or evenly spaced', () => {
    expect(cases.length).toBeGreaterThan(6_000 * 0.95);
    expect(cases.length).toBeLessThan(6_000 * 1.05);
    const arrivals = cases.map((c) => c.steps[0]!.atMs);
    expect(arrivals.every((at, i) => at >= 0 && at < 60_000 && (i === 0 || at >= arrivals[i - 1]!))).toBe(true);
    const gaps = arrivals.slice(1).map((at, i) => at - arrivals[i]!);
    // Exponential gaps: about as many under the mean's ln 2 as over it.
    expect(share(gaps, (g) => g < 10 * Math.LN2)).toBeCloseTo(0.5, 1);
    const uniform = plan({ arrivals: 'uniform' }).map((c) => c.steps[0]!.atMs);
    expect(uniform).toHaveLength(6_000);
    expect(uniform.slice(0, 3)).toEqual([0, 10, 20]);
  });

  it('mixes categories, urgencies and late phones as the profile says', () => {
    const mix = categoryMix(DEFAULT_PROFILE, ctx.catalog);
    const total = mix.reduce((sum, [, w]) => sum + w, 0);
    for (const [code, weight] of mix)
      expect(
        share(cases, (c) => c.category === code),
        code,
      ).toBeCloseTo(weight / total, 1);
    for (const [urgency, weight] of DEFAULT_PROFILE.urgencies) expect(share(cases, (c) => c.urgency === urgency)).toBeCloseTo(weight, 1);
    const late = share(cases, (c) => c.reportedBeforeMs >= DEFAULT_PROFILE.lateDelayMs.lo);
    expect(Math.abs(late - DEFAULT_PROFILE.latePhones)).toBeLessThan(0.02);
    expect(cases.some((c) => c.reportedBeforeMs > 3 * 3_600_000)).toBe(true);
    expect(new Set(cases.map((c) => c.gridCode)).size).toBeGreaterThan(600);
  });

  it('sends valid reports from each grid’s own staff, with instants as of sending', () => {
    for (const c of cases.slice(0, 500)) {
      const report = c.steps[0]!;
      expect(report.actor).toEqual({ id: `gs-${c.gridCode}`, role: 'grid_staff', areas: [c.gridCode] });
      const { path, body } = requestOf(c, report, undefined, 1_800_000_000_000);
      expect(path).toBe('/v1/incidents');
      const data = ReportIncident.shape.data.parse(body);
      expect(Date.parse(data.reportedAt!)).toBe(1_800_000_000_000 - c.reportedBeforeMs);
      expect(Date.parse(data.occurredAt)).toBeLessThanOrEqual(Date.parse(data.reportedAt!));
    }
    expect(new Set(cases.map((c) => (c.steps[0]!.command.data as { reportId: string }).reportId)).size).toBe(cases.length);
  });

  it('plans reports alone the same as reports with their lifecycles', () => {
    const alone = plan({ lifecycle: false });
    expect(alone.every((c) => c.steps.length === 1)).toBe(true);
    expect(alone.map((c) => c.steps[0])).toEqual(cases.map((c) => c.steps[0]));
  });

  it('follows cases through their lifecycle: sign-for, returns, reassignments, extensions, reworks, closing', () => {
    for (const c of long) {
      expect(c.steps.every((s, i) => i === 0 || s.atMs >= c.steps[i - 1]!.atMs)).toBe(true);
      expect(c.steps.every((s) => s.atMs < 30_000 + 3_600_000)).toBe(true);
    }
    const accepted = share(long, (c) => c.steps.some((s) => s.command.type === 'AcceptIncident'));
    expect(accepted).toBeGreaterThan(0.6);
    expect(commands('ResolveIncident').length).toBeGreaterThan(1_000);
    const verdicts = commands('VerifyIncident').map((s) => (s.command.data as { passed: boolean }).passed);
    // Reworks: the profile's 17 of 92 verifications fail.
    expect(share(verdicts, (passed) => !passed)).toBeCloseTo(0.17 / 0.92, 1);
    for (const type of ['ReturnIncident', 'ReassignIncident', 'RequestExtension', 'ApproveExtension', 'DispatchIncident'] as const) {
      expect(commands(type).length, type).toBeGreaterThan(30);
    }
    // Each command comes from the role the API lets give it.
    const roles = new Map(steps.map((s) => [s.command.type, s.actor.role]));
    expect(roles.get('AcceptIncident')).toBe('handler');
    expect(roles.get('ReassignIncident')).toBe('dispatcher');
    expect(roles.get('VerifyIncident')).toBe('grid_staff');
    expect(steps.filter((s) => s.actor.role === 'handler').every((s) => s.actor.department)).toBe(true);
    const { path } = requestOf(long[0]!, { ...steps[0]!, command: { type: 'ApproveExtension', data: {} } }, 'id-1', 0);
    expect(path).toBe('/v1/incidents/id-1/extension-requests/approve');
  });
});
