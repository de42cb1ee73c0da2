import type { Weights } from '@gridgov/projection-api';
import { z } from 'zod';

export const DEFAULT_WEIGHTS: Weights = { closure: 0.4, onTime: 0.4, rework: 0.2 };

const number = String.raw`\s*(?:\d+(?:\.\d*)?|\.\d+)\s*`;

/** `0.4,0.4,0.2`: wClosure,wOnTime,wRework, non-negative, summing to 1 (as in RANKING_WEIGHTS and `weights=`). */
export const WeightsText = z
  .string()
  .regex(new RegExp(`^${number},${number},${number}$`), 'weights are three numbers wClosure,wOnTime,wRework, e.g. 0.4,0.4,0.2')
  .transform((text): Weights => {
    const [closure = 0, onTime = 0, rework = 0] = text.split(',').map(Number);
    return { closure, onTime, rework };
  })
  // Decimal fractions are not exact in binary: 0.1 + 0.2 + 0.7 is 1.0000000000000002.
  .refine((w) => Math.abs(w.closure + w.onTime + w.rework - 1) < 1e-9, 'weights must sum to 1');
