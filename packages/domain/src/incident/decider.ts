import { decide } from './decide.ts';
import { evolve } from './evolve.ts';
import { initialState } from './state.ts';
import { nextTimerAt, tick } from './timers.ts';

/**
 * The incident decider in one value, in the shape event-sourcing code expects: `decide` a command against a state,
 * `evolve` a state by an event, the `initialState` before any event, and the timers: `tick` fires what fell due,
 * `nextTimerAt` says when that next is. All pure.
 */
export const incidentDecider = { decide, evolve, initialState, tick, nextTimerAt } as const;
