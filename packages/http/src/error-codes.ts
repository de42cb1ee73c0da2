/**
 * The house error codes of both APIs: every 4xx/5xx is `{error: {code, message, details?, requestId}}` with one of
 * these codes, always with its status. The one list: `ApiError` takes only a code from it, and docs/api.md lists it
 * (`pnpm docs`). A rejected command's outcome carries the decider's codes instead (`RejectionCodes` in the domain).
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, meaning: 'A parameter, query, header or body failed its schema; the message names the field.' },
  INVALID_JSON: { status: 400, meaning: 'The body is not JSON, or is empty though content-type says application/json.' },
  BAD_REQUEST: { status: 400, meaning: 'Another malformed request (a content-length that does not match the body).' },
  BAD_CURSOR: { status: 400, meaning: 'A list cursor this API did not give out.' },
  UNKNOWN_GRID: { status: 400, meaning: 'A report names a grid code that is not a grid of the area tree.' },
  UNKNOWN_CATEGORY: { status: 400, meaning: 'A category that is not in the catalog.' },
  UNKNOWN_DEPARTMENT: { status: 400, meaning: 'A department that is not in the catalog.' },
  CONFIG_INVALID: {
    status: 400,
    meaning:
      'A configuration document (area tree, catalog, routing rules, calendar, policy) is not valid; details.issues name each row and field (e.g. areas.12.parent). Nothing is applied.',
  },
  WHAT_IF_POLICY_INVALID: {
    status: 400,
    meaning: 'A what-if proposal that does not fit the configuration in force (a category the catalog lacks); the message names it.',
  },
  NOTHING_TO_RANK: { status: 400, meaning: 'A ranking asked of a grid, which has no children.' },
  UNAUTHENTICATED: {
    status: 401,
    meaning: 'No bearer token, or one that is malformed, forged or expired; WWW-Authenticate and the message say which.',
  },
  FORBIDDEN_ROLE: { status: 403, meaning: "The caller's role may not do this at all." },
  OUT_OF_JURISDICTION: {
    status: 403,
    meaning: "The area or grid is outside the caller's areas, or a case the caller sees is (the message names nothing of the case).",
  },
  NOT_ASSIGNED: { status: 403, meaning: "A case the caller sees is not dispatched to the caller's department." },
  NOT_OWN_REPORT: { status: 403, meaning: 'Grid staff may verify and read only the cases they reported.' },
  NOT_OWN_COMMAND: {
    status: 403,
    meaning: "Only whoever gave a command may read its outcome (the intake answers someone else's as one not decided yet).",
  },
  CONFIDENTIAL_BELOW_COMMUNITY: {
    status: 403,
    meaning: "A confidential category's figures (举报人保护) asked for a grid, or ranked by grid: they are given for a community or above.",
  },
  INVALID_API_KEY: {
    status: 403,
    meaning: 'POST /open311/v2/requests.{format} without an api_key of a client app of OPEN311_CLIENTS_FILE (ADR 0028).',
  },
  CORS_ORIGIN_NOT_ALLOWED: { status: 403, meaning: 'A browser preflight from an origin not in CORS_ORIGINS.' },
  NOT_FOUND: { status: 404, meaning: 'No such route.' },
  PHOTO_REFUSED: {
    status: 400,
    meaning: 'The body is not a whole JPEG, PNG or WebP image (judged by its bytes: empty, another type, or truncated).',
  },
  UNKNOWN_PHOTO: {
    status: 400,
    meaning: 'A command names a photo that was not uploaded by its caller, has another SHA-256, or has expired.',
  },
  UNKNOWN_INCIDENT: {
    status: 404,
    meaning: 'No case with that id that the caller may see (or its view is not written yet): the same answer whether it exists or not.',
  },
  UNKNOWN_SERVICE: { status: 404, meaning: 'An Open311 service_code that is not a category of the catalog.' },
  UNKNOWN_SERVICE_REQUEST: {
    status: 404,
    meaning:
      'No Open311 service request with that id: no case, or one that did not come in through the Open311 door, or a confidential one.',
  },
  UNKNOWN_AREA: { status: 404, meaning: 'No area with that code (figures, rankings, trends, bulletins).' },
  AREA_NOT_FOUND: { status: 404, meaning: 'No area with that code (the directory and the work lists).' },
  NO_GRID_HERE: { status: 404, meaning: 'No grid boundary holds the position given to GET /v1/grids/locate (ADR 0025).' },
  NO_BULLETIN: { status: 404, meaning: 'No bulletin frozen for that area and month.' },
  WHAT_IF_UNKNOWN_RUN: {
    status: 404,
    meaning: 'No what-if run with that id (GET /v1/what-if/:runId): never started, or its result is older than a day.',
  },
  CONFIG_VERSION_CONFLICT: {
    status: 409,
    meaning: 'The configuration is no longer at the version named in If-Match: another admin changed it first. Reload, then try again.',
  },
  AREA_HAS_CASES: {
    status: 409,
    meaning: 'An area tree would remove areas that still have cases; details.areas lists them. Nothing is applied.',
  },
  VERSION_REQUIRED: {
    status: 428,
    meaning: 'A configuration change names no version to apply on: send If-Match with the version (the ETag of GET /v1/admin/config).',
  },
  MERGE_REFUSED: {
    status: 409,
    meaning:
      'A merge (合并) or its undoing that cannot be, as the read side shows the cases: the same case, another category, a case closed, rejected or merged already, a case not merged, or a survivor closed (ADR 0032).',
  },
  MONTH_NOT_OVER: { status: 409, meaning: 'A bulletin asked for a month that has not ended in Asia/Shanghai.' },
  BODY_TOO_LARGE: {
    status: 413,
    meaning:
      "The body is larger than the limit (BODY_LIMIT_BYTES on the intake, ADMIN_IMPORT_MAX_BYTES for an admin's configuration, PHOTO_MAX_BYTES for a photo, 64 KiB on the projection).",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    meaning: 'The body is not sent as application/json (a photo: as image/jpeg, image/png or image/webp).',
  },
  TOO_MANY_PHOTOS: {
    status: 429,
    meaning: 'The caller has PHOTO_MAX_PENDING photos uploaded and not yet part of a case; report or wait (Retry-After).',
  },
  TOO_MANY_STREAMS: {
    status: 429,
    meaning: 'The user already holds STREAMS_PER_USER live streams open, over every instance; close one first (Retry-After).',
  },
  WHAT_IF_BUSY: {
    status: 429,
    meaning: 'A what-if run is going on already (one at a time per deployment); details.runId names it. Try again when it is done.',
  },
  RATE_LIMITED: { status: 429, meaning: 'Past the per-user or per-address rate limit; Retry-After says when to try again.' },
  INTERNAL: { status: 500, meaning: 'A fault of the service; logged with the request id.' },
  KAFKA_UNAVAILABLE: {
    status: 503,
    meaning:
      'Kafka did not acknowledge the command within PRODUCE_TIMEOUT_MS; send it again with the same reportId or Idempotency-Key (Retry-After).',
  },
  PHOTO_STORE_UNAVAILABLE: {
    status: 503,
    meaning: 'The photo store (S3) did not answer, or photos are not configured (S3_ENDPOINT); nothing was stored (Retry-After).',
  },
  STORE_UNAVAILABLE: {
    status: 503,
    meaning: 'Redis is unreachable, answered nothing for 1.5 s, or is loading; answered within 2 s (Retry-After).',
  },
  PDF_UNAVAILABLE: {
    status: 503,
    meaning: 'The bulletin could not be printed as PDF (no Chromium at CHROMIUM_PATH, or it failed); its HTML document still answers.',
  },
  TOKEN_KEYS_UNAVAILABLE: {
    status: 503,
    meaning: "The token issuer's key set (JWT_JWKS_URL) could not be fetched, so the token was not judged; send it again (Retry-After).",
  },
  SERVER_BUSY: {
    status: 503,
    meaning:
      'The instance is working on as many requests as it takes at once (PROJECTION_MAX_IN_FLIGHT), so this one was refused at once, not queued; ask again (Retry-After: 1).',
  },
  STATE_RESTORING: {
    status: 503,
    meaning: 'Redis lost the figures or case views and they are being restored from the log; nothing is lost, ask again (Retry-After).',
  },
} as const satisfies Record<string, { readonly status: number; readonly meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
/** The status that goes with a code. */
export type StatusOf<C extends ErrorCode> = (typeof ERROR_CODES)[C]['status'];
