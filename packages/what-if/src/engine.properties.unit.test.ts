import type { Duration } from '@gridgov/domain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WhatIfReplay, type WhatIfReport } from './engine.ts';
import { proposedConfiguration, type WhatIfPolicy } from './proposal.ts';
import { at, current, DISPATCHER, GRIDS, handledCase, handlerOf, incidentIdOf, liveCase, staffOf, type Step } from './test-world.ts';

const HOUR = 3_600_000;
const START = at('2026-03-02 00:00');
const AS_OF = at('2026-05-31 18:00');
const CATEGORIES = ['dirty_road', 'exposed_rubbish', 'manhole_cover'] as const;

/** A case: when reported, how long each person took, whether the department asked for more time, and a failed check. */
const caseArb = fc.record({
  grid: fc.nat({ max: GRIDS.length - 1 }),
  category: fc.constantFrom(...CATEGORIES),
  reportedMinute: fc.nat({ max: 40 * 24 * 60 }),
  acceptAfterMin: fc.nat({ max: 6 * 60 }),
  resolveAfterMin: fc.nat({ max: 80 * 60 }),
  verifyAfterMin: fc.integer({ min: 10, max: 40 * 60 }),
  extensionAfterMin: fc.option(fc.nat({ max: 30 * 60 })),
  reworkAfterMin: fc.option(fc.integer({ min: 60, max: 40 * 60 })),
  open: fc.boolean(),
});
type CaseArb = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

function stepsOf(n: number, c: CaseArb): Step[] {
  const grid = GRIDS[c.grid]!;
  const reported = START + c.reportedMinute * 60_000;
  const accepted = reported + c.acceptAfterMin * 60_000;
  const resolved = accepted + c.resolveAfterMin * 60_000;
  const verified = resolved + c.verifyAfterMin * 60_000;
  const [report, accept, resolve, verify] = handledCase(n, grid, c.category, { reported, accepted, resolved, verified });
  const department = current.catalog.defaultDepartment(c.category)!;
  const steps: Step[] = [report!, accept!];
  if (c.extensionAfterMin !== null) {
    const asked = accepted + c.extensionAfterMin * 60_000;
    if (asked < resolved) {
      steps.push({
        at: asked,
        actor: handlerOf(department),
        command: { type: 'RequestExtension', data: { unit: 'working_hours', amount: 4, reason: '需要协调' } },
      });
      steps.push({ at: asked + 30 * 60_000, actor: DISPATCHER, command: { type: 'ApproveExtension', data: {} } });
    }
  }
  if (c.open) return steps.filter((s) => s.at < resolved);
  steps.push(resolve!);
  if (c.reworkAfterMin !== null) {
    const rework = verified;
    steps.push({
      at: rework,
      actor: staffOf(grid),
      command: { type: 'VerifyIncident', data: { passed: false, notes: '返工', photos: [] } },
    });
    steps.push({ ...resolve!, at: rework + c.reworkAfterMin * 60_000 });
    steps.push({ ...verify!, at: rework + c.reworkAfterMin * 60_000 + 3 * HOUR });
  } else steps.push(verify!);
  return steps.sort((a, b) => a.at - b.at);
}

function compare(cases: readonly CaseArb[], policy: WhatIfPolicy): Promise<WhatIfReport> {
  const replay = new WhatIfReplay(current, proposedConfiguration(current, policy), { from: '2026-03-01', to: '2026-05-31' });
  cases.forEach((c, n) => {
    for (const event of liveCase(incidentIdOf(n), stepsOf(n, c), AS_OF)) replay.add(event);
  });
  return replay.finish(AS_OF);
}

/** Every category's handling time for normal cases scaled by `factor` (rounded up to a whole minute). */
function scaled(factor: number): WhatIfPolicy {
  const handling: Record<string, { normal: Duration }> = {};
  for (const code of CATEGORIES) {
    const d = current.catalog.handling(code, 'normal');
    const minutes = Math.ceil((current.context.time.toMs(d).ms / 60_000) * factor);
    handling[code] = {
      normal: {
        unit: d.unit === 'natural_hours' || d.unit === 'natural_minutes' ? 'natural_minutes' : 'working_hours',
        amount: d.unit.startsWith('natural') ? minutes : minutes / 60,
      },
    };
  }
  return { handling };
}

const histories = fc.array(caseArb, { minLength: 1, maxLength: 25 });

describe('what-if: the on-time rate moves with the deadline, never against it', () => {
  it('a longer deadline never lowers the on-time rate, in any area or month', async () => {
    let flipped = 0;
    await fc.assert(
      fc.asyncProperty(histories, fc.double({ min: 1, max: 4, noNaN: true }), async (cases, factor) => {
        const report = await compare(cases, scaled(factor));
        flipped += report.changed.filter((c) => c.current.outcome === 'late' && c.proposed.outcome === 'on_time').length;
        for (const row of report.rows) expect(row.proposed.closedOnTime).toBeGreaterThanOrEqual(row.current.closedOnTime);
        for (const changed of report.changed)
          expect(changed.current.outcome === 'on_time' && changed.proposed.outcome !== 'on_time').toBe(false);
      }),
      { numRuns: 40 },
    );
    // The histories are such that longer deadlines do turn late cases on time: the property is not vacuous.
    expect(flipped).toBeGreaterThan(0);
  });

  it('a shorter deadline never raises it', async () => {
    let flipped = 0;
    await fc.assert(
      fc.asyncProperty(histories, fc.double({ min: 0.1, max: 1, noNaN: true }), async (cases, factor) => {
        const report = await compare(cases, scaled(factor));
        flipped += report.changed.filter((c) => c.current.outcome === 'on_time').length;
        for (const row of report.rows) {
          expect(row.proposed.closedOnTime).toBeLessThanOrEqual(row.current.closedOnTime);
          expect(row.proposed.reported).toBe(row.current.reported);
        }
      }),
      { numRuns: 40 },
    );
    expect(flipped).toBeGreaterThan(0);
  });
});
