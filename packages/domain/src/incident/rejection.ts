/** Stable codes a caller can act on; the message is for people. */
export const RejectionCodes = [
  'UNKNOWN_GRID',
  'UNKNOWN_CATEGORY',
  'UNKNOWN_DEPARTMENT',
  'UNKNOWN_INCIDENT',
  'FORBIDDEN_ROLE',
  'NOT_ASSIGNED',
  'OUT_OF_JURISDICTION',
  'INCIDENT_EXISTS',
  'REPORTED_IN_FUTURE',
  'INVALID_TRANSITION',
  'INCIDENT_SUSPENDED',
  'ALREADY_SUSPENDED',
  'NOT_SUSPENDED',
  'SAME_DEPARTMENT',
  'EXTENSION_PENDING',
  'NO_EXTENSION_PENDING',
  'EXTENSION_TOO_LATE',
  'ESCALATION_AT_TOP',
  'INCIDENT_ERASED',
  /** A legacy case brought in by `pnpm import-cases` (ADR 0030): history, not work. */
  'INCIDENT_IMPORTED',
  'PHOTO_UNVERIFIED',
  /** A merge (合并) or its undoing that cannot be: same case, other category, a case over, not merged (ADR 0032). */
  'MERGE_REFUSED',
  /** Not the decider's: the worker refuses a command that reached grid.commands too long after it was signed (ADR 0019). */
  'COMMAND_EXPIRED',
] as const;
export type RejectionCode = (typeof RejectionCodes)[number];

export interface Rejection {
  readonly code: RejectionCode;
  readonly message: string;
}
