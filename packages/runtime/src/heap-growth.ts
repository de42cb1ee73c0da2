import { setFlagsFromString } from 'node:v8';

/**
 * Pins how far V8 lets the old generation grow past what the last full collection left live before it collects
 * again (`--heap-growing-percent`; PROJECTION_HEAP_GROWING_PERCENT, WORKER_RESTORE_HEAP_GROWING_PERCENT): a fold's
 * batch-lived garbage is promoted, and at V8's own factor (up to 300 %) the heap swells to several times what is live.
 * Set at start, in the process, since Node refuses the flag in NODE_OPTIONS; it takes effect from the next
 * collection. 0 leaves V8's factor.
 */
export function limitHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
