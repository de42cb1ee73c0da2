import { randomUUID } from 'node:crypto';
import type { Actor } from '@gridgov/contracts';
import { withinTime } from '@gridgov/runtime';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.ts';

/**
 * What the edge's verifier says of an Authorization header. `unavailable`: the token could not be judged (the issuer's
 * keys could not be fetched), answered 503 rather than 401, since the token may well be good.
 */
export type AuthenticationResult =
  { ok: true; actor: Actor; validUntilMs?: number } | { ok: false; problem: string; unavailable?: boolean | undefined };

/**
 * Verifies the Authorization header: the actor, or why not (the message names the problem). `validUntilMs` is the
 * instant (epoch ms) from which the same token is refused: what a long-lived answer (a live stream) must end by. It may
 * answer later (a key set fetched from the token issuer, ADR 0029).
 */
export type Authenticate = (authorization: string | undefined) => AuthenticationResult | Promise<AuthenticationResult>;

/** A key's hits in its current window, and the ms until the window ends. */
export interface RateLimitCount {
  readonly count: number;
  readonly resetInMs: number;
}

/**
 * Counts hits of a key in its current window (Redis in the services: the count holds across instances). Given the
 * limit, a store may answer a count well below it from what it knows (packages/redis: `GatheredRateLimitStore`).
 */
export interface RateLimitStore {
  /** The count with this hit; at once when the store knows it (no wait, no timer), else a promise of it. */
  hit(key: string, windowMs: number, limit?: number): RateLimitCount | Promise<RateLimitCount>;
  /** Sends what it holds; the edge calls it when the app closes. */
  close?(): Promise<void>;
}

export interface RateLimits {
  readonly store: RateLimitStore;
  readonly windowMs: number;
  /** Requests per window per user (token subject); 0: no limit. */
  readonly perUser: number;
  /** Requests per window per client IP; 0: no limit. */
  readonly perIp: number;
}

export interface EdgeOptions {
  readonly authenticate: Authenticate;
  readonly rateLimits?: RateLimits | undefined;
  /** Origins allowed by CORS; '*' for any; empty for none. */
  readonly corsOrigins?: readonly string[];
  /**
   * The most requests this instance works on at once; the next is answered 503 SERVER_BUSY at once, before its token
   * is verified, instead of waiting in a queue that grows with every second of overload (and the memory with it).
   * Probes, public routes and long-lived ones (`LONG_LIVED_ROUTE`) are not counted. 0 or unset: no bound.
   */
  readonly maxInFlight?: number | undefined;
}

/** Route config of answers that stay open (a live stream): not counted against `maxInFlight`; they have caps of their own. */
export const LONG_LIVED_ROUTE = { longLived: true } as const;

/** Retry-After of a 503 SERVER_BUSY: an overload that lasts longer is answered the same again. */
const BUSY_RETRY_AFTER_S = 1;
/** At most one warning this often while requests are refused as busy, with how many were. */
const BUSY_LOG_EVERY_MS = 10_000;

/** Route config of routes anyone may call: probes, the API document, CORS preflights. */
export const PUBLIC_ROUTE = { public: true } as const;

/** Headers on every answer (as helmet would set for an API that serves no HTML). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'cache-control': 'no-store',
};

/** Retry-After of a 503 TOKEN_KEYS_UNAVAILABLE: about the time a key set takes to be fetchable again. */
const TOKEN_KEYS_RETRY_AFTER_S = 5;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A caller's X-Request-Id when it is a sane one (letters, digits, . _ : -, at most 128), else a new UUID. */
export function requestIdOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && REQUEST_ID.test(value) ? value : randomUUID();
}

const actors = new WeakMap<FastifyRequest, Actor>();
const validUntil = new WeakMap<FastifyRequest, number>();

/** The actor the request's bearer token speaks for (set by the edge before any handler of a non-public route). */
export function requestActor(request: FastifyRequest): Actor {
  const actor = actors.get(request);
  if (!actor) throw new ApiError(401, 'UNAUTHENTICATED', 'headers.authorization: a bearer token is required');
  return actor;
}

/** The instant (epoch ms) from which the request's token is refused, when its verifier says (see `Authenticate`). */
export function requestTokenValidUntil(request: FastifyRequest): number | undefined {
  return validUntil.get(request);
}

const isPublic = (request: FastifyRequest) => (request.routeOptions.config as { public?: boolean } | undefined)?.public === true;
const isLongLived = (request: FastifyRequest) => (request.routeOptions.config as { longLived?: boolean } | undefined)?.longLived === true;

/**
 * The hardened edge: request ids returned, security headers and CORS on every answer, rate limits per IP and
 * per user (429 with Retry-After), and bearer tokens verified before any handler of a non-public route runs.
 */
export function installEdge(app: FastifyInstance, options: EdgeOptions): void {
  const origins = new Set(options.corsOrigins ?? []);
  const allowOrigin = (origin: string | undefined) => (origin && (origins.has('*') || origins.has(origin)) ? origin : undefined);
  const admit = admission(app, options.maxInFlight ?? 0);
  const { rateLimits } = options;
  if (rateLimits?.store.close) app.addHook('onClose', () => rateLimits.store.close!());

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    reply.headers(SECURITY_HEADERS);
    const origin = allowOrigin(request.headers.origin);
    if (origin) {
      reply.header('access-control-allow-origin', origins.has('*') ? '*' : origin);
      reply.header('access-control-expose-headers', 'x-request-id, retry-after, location, content-disposition, etag');
    }
    if (origins.size > 0) reply.header('vary', 'origin');
    // A probe must answer whatever the limits; an unknown route is a 404 for everyone (limited by address).
    const route = request.routeOptions.url;
    if (route === '/healthz' || route === '/readyz' || route === '/metrics') return;
    if (route !== undefined && !isPublic(request) && !isLongLived(request)) admit(reply);

    const auth = route === undefined || isPublic(request) ? undefined : await options.authenticate(request.headers.authorization);
    await enforceRateLimits(request, reply, options.rateLimits, auth?.ok ? auth.actor : undefined);
    if (auth && !auth.ok && auth.unavailable) {
      throw new ApiError(503, 'TOKEN_KEYS_UNAVAILABLE', auth.problem, undefined, { 'retry-after': String(TOKEN_KEYS_RETRY_AFTER_S) });
    }
    if (auth && !auth.ok) {
      throw new ApiError(401, 'UNAUTHENTICATED', auth.problem, undefined, {
        'www-authenticate': `Bearer error="invalid_token", error_description="${auth.problem.replace(/["\\]/g, "'")}"`,
      });
    }
    if (auth?.ok) {
      actors.set(request, auth.actor);
      if (auth.validUntilMs !== undefined) validUntil.set(request, auth.validUntilMs);
    }
  });

  // CORS preflight: answered here, without a token (browsers send none with it).
  app.options('/*', { config: PUBLIC_ROUTE }, async (request, reply) => {
    const origin = allowOrigin(request.headers.origin);
    if (!origin) {
      throw new ApiError(
        403,
        'CORS_ORIGIN_NOT_ALLOWED',
        `headers.origin: ${request.headers.origin ?? '(none)'} is not an allowed origin (CORS_ORIGINS)`,
      );
    }
    return reply
      .status(204)
      .header('access-control-allow-methods', 'GET, POST, PUT, DELETE')
      .header('access-control-allow-headers', 'authorization, content-type, idempotency-key, if-match, x-request-id')
      .header('access-control-max-age', '600')
      .send();
  });
}

/**
 * Counts the requests being worked on (from here until their connection's answer is sent or abandoned) and refuses
 * the one past `max`, 503 SERVER_BUSY with Retry-After: a fast, clear answer, where a queue would only answer later.
 */
function admission(app: FastifyInstance, max: number): (reply: FastifyReply) => void {
  let inFlight = 0;
  let refused = 0;
  let lastWarnAt = Number.NEGATIVE_INFINITY;
  const release = () => {
    inFlight--;
  };
  return (reply) => {
    if (max <= 0) return;
    if (inFlight >= max) {
      refused++;
      const now = Date.now();
      if (now - lastWarnAt >= BUSY_LOG_EVERY_MS) {
        app.log.warn(
          { maxInFlight: max, refused },
          `overloaded: ${max} requests in flight; ${refused} refused 503 SERVER_BUSY since the last such warning`,
        );
        lastWarnAt = now;
        refused = 0;
      }
      throw new ApiError(
        503,
        'SERVER_BUSY',
        `this instance is working on ${max} requests already; ask again in ${BUSY_RETRY_AFTER_S} s`,
        { maxInFlight: max, retryAfterSeconds: BUSY_RETRY_AFTER_S },
        { 'retry-after': String(BUSY_RETRY_AFTER_S) },
      );
    }
    inFlight++;
    // 'close' comes once the answer is sent, and also when the client goes away first.
    reply.raw.once('close', release);
  };
}

/** Longest a request waits for its rate-limit counts before it goes on without them (fail open). */
const RATE_LIMIT_CHECK_TIMEOUT_MS = 300;

async function enforceRateLimits(request: FastifyRequest, reply: FastifyReply, limits: RateLimits | undefined, actor: Actor | undefined) {
  if (!limits) return;
  const checks: { key: string; limit: number; who: string }[] = [];
  if (limits.perIp > 0) checks.push({ key: `ip:${request.ip}`, limit: limits.perIp, who: `this address (${request.ip})` });
  if (actor && limits.perUser > 0) checks.push({ key: `user:${actor.id}`, limit: limits.perUser, who: 'this user' });
  if (checks.length === 0) return;
  const answers = checks.map((c) => limits.store.hit(c.key, limits.windowMs, c.limit));
  let hits: RateLimitCount[];
  if (answers.every((a) => !(a instanceof Promise))) hits = answers as RateLimitCount[];
  else {
    try {
      // A store that does not answer soon is not waited for: the route's own reads have the rest of the 2 s in which
      // a request is answered, 503 if the store is away.
      hits = await withinTime(Promise.all(answers.map((a) => Promise.resolve(a))), RATE_LIMIT_CHECK_TIMEOUT_MS);
    } catch (err) {
      // Failing open: a Redis hiccup must not stop reports from the field; it is logged.
      request.log.warn({ err }, 'rate limits not checked: the store did not answer');
      return;
    }
  }
  checks.forEach((check, i) => {
    const hit = hits[i]!;
    if (hit.count > check.limit) {
      const retryAfter = Math.max(1, Math.ceil(hit.resetInMs / 1000));
      reply.header('retry-after', String(retryAfter));
      throw new ApiError(
        429,
        'RATE_LIMITED',
        `rate limit: more than ${check.limit} requests in ${limits.windowMs / 1000} s from ${check.who}; retry after ${retryAfter} s`,
        { limit: check.limit, windowMs: limits.windowMs, retryAfterSeconds: retryAfter },
        { 'retry-after': String(retryAfter) },
      );
    }
  });
}
