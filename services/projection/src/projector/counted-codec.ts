import type { CountedIncident } from '@gridgov/domain';

/** The yes/no facts of a counted incident, each a bit of one number in the stored form, in this order. */
const FLAGS = ['dispatched', 'rejected', 'closed', 'closedOnTime', 'overdue', 'reworked', 'extended', 'escalated', 'merged'] as const;

/**
 * A counted incident as the projection stores it in its partition's incidents hash, one per case of the history:
 * `[version, gridCode, category, reportedAt, department, flags, handlingMs]`, the yes/no facts as the bits of `flags`
 * (ADR 0005, amended): about 90 bytes where the object's JSON took some 290, the names of its fields not stored.
 */
export function encodeCounted(i: CountedIncident): string {
  let flags = 0;
  FLAGS.forEach((name, bit) => {
    if (i[name] === true) flags |= 1 << bit;
  });
  return JSON.stringify([i.version, i.gridCode, i.category, i.reportedAt, i.department, flags, i.handlingMs]);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isWhole = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * A stored counted incident read back: the array `encodeCounted` writes, or the object JSON written before it (a
 * Redis of an earlier version folds on without a rebuild). Anything else is an error naming the case: a counter
 * folded from a guess would be wrong without a trace.
 */
export function decodeCounted(incidentId: string, stored: string): CountedIncident {
  const fail = (why: string) => new Error(`the counted incident ${incidentId} in Redis is not one: ${why}`);
  let value: unknown;
  try {
    value = JSON.parse(stored);
  } catch {
    throw fail('not JSON');
  }
  if (!Array.isArray(value)) {
    if (typeof value !== 'object' || value === null) throw fail('neither an array nor an object');
    return value as CountedIncident;
  }
  const [version, gridCode, category, reportedAt, department, flags, handlingMs] = value as unknown[];
  if (value.length !== 7) throw fail(`an array of ${value.length} values, not 7`);
  if (!isWhole(version) || !isString(gridCode) || !isString(category) || !isString(reportedAt))
    throw fail('version, grid, category or report time');
  if (department !== null && !isString(department)) throw fail('department');
  if (!isWhole(flags) || flags >= 1 << FLAGS.length) throw fail('flags');
  if (typeof handlingMs !== 'number' || !Number.isFinite(handlingMs)) throw fail('handling time');
  const bit = (name: (typeof FLAGS)[number]) => (flags & (1 << FLAGS.indexOf(name))) !== 0;
  return {
    version,
    gridCode,
    category,
    reportedAt,
    department,
    dispatched: bit('dispatched'),
    rejected: bit('rejected'),
    closed: bit('closed'),
    closedOnTime: bit('closedOnTime'),
    overdue: bit('overdue'),
    reworked: bit('reworked'),
    extended: bit('extended'),
    escalated: bit('escalated'),
    handlingMs,
    ...(bit('merged') ? { merged: true } : {}),
  };
}
