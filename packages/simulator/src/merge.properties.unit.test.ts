import { stampEvents, type Command, type GridEvent } from '@gridgov/contracts';
import { applyEvent, decide, evolve, spelledCounterField, type CountedIncident, type Incident, type IncidentState } from '@gridgov/domain';
import { defaultDecisionContext } from '@gridgov/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { simulateCase, simulationWorld } from './history.ts';
import { DEFAULT_PROFILE } from './profile.ts';
import { mulberry32 } from './random.ts';

/*
 * 合并 then its undoing leaves the figures as they were (issue 21, ADR 0032). Random lives of a case from the
 * simulator, driven through the real decider, are cut at a random point where the case is open; there a dispatcher
 * merges it into another case and, an hour later, undoes the merge. The counters the projection keeps (every area,
 * window and scope) are folded with the projection's own reducer before and after.
 */

const ctx = defaultDecisionContext();
const FROM = Date.parse('2026-03-02T00:00:00+08:00');
const TO = FROM + 30 * 86_400_000;
const SURVIVOR = '0b9e8c71-2f3a-4d5b-8c6d-7e8f9a0b1c2d';
const DISPATCHER = { id: 'dispatcher-1', role: 'dispatcher' as const, areas: ['440705'] };
const HOUR = 3_600_000;

/** The counters a list of events (one case's, in order) adds up to: `area|window|field` → value (the field spelled out), zeros left out. */
function counters(events: readonly GridEvent[]): Map<string, number> {
  const sums = new Map<string, number>();
  let counted: CountedIncident | undefined;
  for (const event of events) {
    const result = applyEvent(ctx.areas, counted, event);
    if (result.kind !== 'applied') throw new Error(`counters: ${event.type} #${event.metadata.version} was ${result.kind}`);
    counted = result.incident;
    for (const d of result.deltas) {
      const key = `${d.area}|${d.window}|${spelledCounterField(d.field)}`;
      sums.set(key, (sums.get(key) ?? 0) + d.by);
    }
  }
  for (const [k, v] of sums) if (v === 0) sums.delete(k);
  return sums;
}

/** The case merged at `at` and its merge undone an hour later, through the decider: the two events, stamped. */
function mergedAndUndone(incidentId: string, past: readonly GridEvent[], state: Incident, at: number): GridEvent[] {
  const out: GridEvent[] = [];
  let s: IncidentState = state;
  const steps: [number, Command][] = [
    [at, { type: 'MergeIncident', data: { into: SURVIVOR } }],
    [at + HOUR, { type: 'UnmergeIncident', data: {} }],
  ];
  for (const [when, command] of steps) {
    const envelope = { commandId: `${incidentId}-${when}`, incidentId, issuedAt: new Date(when).toISOString(), actor: DISPATCHER, command };
    const decision = decide(envelope, s, ctx, new Date(when));
    if (decision.kind !== 'accepted') throw new Error(`${command.type} refused: ${decision.rejection.code} ${decision.rejection.message}`);
    for (const event of stampEvents(decision.events, { incidentId, version: past.length + out.length })) {
      s = evolve(s, event);
      out.push(event);
    }
  }
  return out;
}

/** Figures of the whole area and per category: what a merge and its undoing restore whatever the case's state. */
const unscoped = (m: Map<string, number>) =>
  new Map([...m].filter(([k]) => !k.includes('|d|') && !k.includes('|cd|') && !k.includes('|overdue')));

describe('merging then undoing the merge', () => {
  const life = fc.record({ seed: fc.integer(), cut: fc.nat({ max: 1_000 }), after: fc.integer({ min: 1, max: 72 }) });

  it('leaves every figure as it was, for a case awaiting dispatch; the area and category figures for any open case', () => {
    let awaiting = 0;
    fc.assert(
      fc.property(life, ({ seed, cut, after }) => {
        const world = simulationWorld(mulberry32(seed), ctx, DEFAULT_PROFILE);
        const sim = simulateCase(world, {
          gridCode: world.grids[Math.abs(seed) % world.grids.length]!,
          category: 'exposed_rubbish',
          timing: () => ({ reportedAt: FROM, arrivedAt: FROM }),
          to: TO,
          steps: DEFAULT_PROFILE.maxSteps,
          finalTick: false,
        });
        // The open, unsuspended moments of its life: after each of its events.
        const states: { past: GridEvent[]; state: Incident }[] = [];
        let s: IncidentState = null;
        for (const [i, event] of sim.events.entries()) {
          s = evolve(s, event);
          const open = !['closed', 'rejected', 'merged'].includes(s.status) && s.suspendedAt === null;
          if (open) states.push({ past: sim.events.slice(0, i + 1), state: s });
        }
        if (states.length === 0) return;
        const { past, state } = states[cut % states.length]!;
        const at = Date.parse(past.at(-1)!.metadata.occurredAt) + after * 60_000;
        const both = [...past, ...mergedAndUndone(sim.incidentId, past, state, at)];
        const before = counters(past);
        const undone = counters(both);
        if (state.status === 'reported' || state.status === 'returned') {
          awaiting++;
          expect(undone).toEqual(before);
        } else {
          // With a department the case goes back to 待派遣: its department's figures follow it, as after a return.
          expect(unscoped(undone)).toEqual(unscoped(before));
        }
        // While merged, it counted for nothing at all.
        expect(counters(both.slice(0, -1))).toEqual(new Map());
      }),
      { numRuns: 200, seed: 20261201 },
    );
    expect(awaiting).toBeGreaterThan(20);
  });
});
