/** An instant as the calendar takes it: a Date or epoch milliseconds. */
export type InstantInput = Date | number;

/**
 * A span of time that does not count, such as a suspension (挂账): [from, to). Spans may overlap each other and
 * the range measured. A suspension still open may end at `Infinity` (epoch ms).
 */
export interface ExcludedInterval {
  readonly from: InstantInput;
  readonly to: InstantInput;
}

export const toMs = (instant: InstantInput): number => {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`not an instant: ${String(instant)}`);
  return ms;
};

type Span = readonly [from: number, to: number];

/** Excluded intervals as disjoint [from, to) spans in ascending order, empty ones dropped, touching ones joined. */
export function mergeIntervals(excluded: readonly ExcludedInterval[]): Span[] {
  const spans = excluded
    .map((e): Span => [toMs(e.from), toMs(e.to)])
    .filter(([from, to]) => from < to)
    .sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [from, to] of spans) {
    const last = merged[merged.length - 1];
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  return merged;
}

/** A way of measuring time: how much counts in [from, to), and the earliest instant by which `ms` more has counted. */
export interface Clock {
  between(from: number, to: number): number;
  add(from: number, ms: number): number;
}

/** Time counted by `clock` in [from, to), less the parts inside excluded spans. */
export function measureExcluding(clock: Clock, from: number, to: number, spans: readonly Span[]): number {
  if (to <= from) return 0;
  let total = clock.between(from, to);
  for (const [a, b] of spans) {
    if (b <= from) continue;
    if (a >= to) break;
    total -= clock.between(Math.max(a, from), Math.min(b, to));
  }
  return total;
}

/** The earliest instant t ≥ from by which `ms` (> 0) has counted on `clock`, skipping excluded spans. */
export function addExcluding(clock: Clock, from: number, ms: number, spans: readonly Span[]): number {
  let cursor = from;
  let remaining = ms;
  for (const [a, b] of spans) {
    if (b <= cursor) continue;
    if (a > cursor) {
      const available = clock.between(cursor, a);
      if (remaining <= available) return clock.add(cursor, remaining);
      remaining -= available;
    }
    if (b === Infinity) return Infinity;
    cursor = b;
  }
  return clock.add(cursor, remaining);
}
