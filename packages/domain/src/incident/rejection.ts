/** Stable codes a caller can act on; the message is for people. */
export const RejectionCodes = [
  'UNKNOWN_GRID',
  'UNKNOWN_CATEGORY',
  'NO_ROUTE',
  'FORBIDDEN_ROLE',
  'INCIDENT_EXISTS',
  'REPORTED_IN_FUTURE',
] as const;
export type RejectionCode = (typeof RejectionCodes)[number];

export interface Rejection {
  readonly code: RejectionCode;
  readonly message: string;
}
