import { createHmac } from 'node:crypto';
import { signJwt } from '@gridgov/auth';
import fc from 'fast-check';
import { TEST_JWT_SECRET, testToken, type TestTokenClaims } from './auth.ts';

/** Printable ASCII: what an HTTP header may carry. */
export const asciiText = (maxLength = 40): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength }).map((codes) => String.fromCharCode(...codes));

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A token of exactly these header and payload texts, signed with the test secret: for what signJwt cannot write. */
function rawToken(header: string, payload: string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', TEST_JWT_SECRET).update(input).digest('base64url')}`;
}

/** Characters a user id may not carry: controls, bidi overrides, spaces, look-alikes, punctuation. */
const UNSAFE_IN_SUB = ['\n', '\r', '\u0000', '\u202e', '\u2066', ' ', 'ѕ', '/', '"', '<', '\u00a0', '\u200b'];

/**
 * Strictly signed tokens a loose parser would take (issue 20, finding 9): a key twice in the payload or the header, a
 * signature spelled in a second base64url form, `crit`, a lifetime beyond the maximum (or no iat), a sub outside the
 * safe alphabet.
 */
function looseTokens(valid: TestTokenClaims): fc.Arbitrary<string> {
  const nowS = Math.floor(Date.now() / 1000);
  const claims = {
    sub: valid.sub ?? `${valid.role}-test`,
    role: valid.role,
    areas: valid.areas,
    ...(valid.department === undefined ? {} : { department: valid.department }),
    iat: nowS,
    exp: nowS + 600,
  };
  const payload = JSON.stringify(claims);
  const header = '{"alg":"HS256","typ":"JWT"}';
  const good = rawToken(header, payload);
  const [h, p, s] = good.split('.') as [string, string, string];
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const respelled = `${s.slice(0, -1)}${alphabet[alphabet.indexOf(s.at(-1)!) ^ 1]!}`;
  return fc.oneof(
    fc
      .constantFrom(...Object.keys(claims))
      .map((key) => rawToken(header, `${payload.slice(0, -1)},${JSON.stringify(key)}:${JSON.stringify(key === 'role' ? 'admin' : 'x')}}`)),
    fc.constant(rawToken('{"alg":"HS256","alg":"HS256","typ":"JWT"}', payload)),
    fc.constant(`${h}.${p}.${respelled}`),
    fc.constant(`${h}.${p}.${s}=`),
    fc.constantFrom('["exp"]', '[]', '"b64"').map((crit) => rawToken(`{"alg":"HS256","typ":"JWT","crit":${crit}}`, payload)),
    fc
      .integer({ min: 86_401, max: 100 * 365 * 86_400 })
      .map((lifetime) => rawToken(header, JSON.stringify({ ...claims, iat: nowS - 60, exp: nowS - 60 + lifetime }))),
    fc.constant(rawToken(header, JSON.stringify({ ...claims, iat: 0, exp: nowS + 100 * 365 * 86_400 }))),
    fc.constant(rawToken(header, JSON.stringify({ ...claims, iat: undefined }))),
    fc
      .tuple(fc.constantFrom(...UNSAFE_IN_SUB), fc.nat({ max: 8 }))
      .map(([bad, at]) => rawToken(header, JSON.stringify({ ...claims, sub: `${claims.sub.slice(0, at)}${bad}${claims.sub.slice(at)}` }))),
  );
}

/**
 * An Authorization header that must be refused with 401: none, not a bearer token, garbage, a JWT with a wrong
 * signature, another secret, alg none, expired, signed correctly but with claims that fail their schema, or signed
 * correctly but loose (duplicate keys, non-canonical base64url, crit, too long a lifetime, an unsafe sub).
 */
export function badAuthorization(valid: TestTokenClaims): fc.Arbitrary<string | undefined> {
  const good = testToken(valid);
  const [header, payload] = good.split('.');
  return fc.oneof(
    fc.constant(undefined),
    asciiText(60).filter((s) => !/^bearer +\S+ *$/i.test(s)),
    asciiText(60).map((s) => `Bearer ${s.replace(/\s/g, '')}x`),
    fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map(([a, b, c]) => `Bearer ${a}.${b}.${c}`.replace(/[+/=]/g, '')),
    fc.string({ minLength: 1, maxLength: 6 }).map((s) => `Bearer ${header}.${payload}.${b64(s)}`),
    fc.constant(
      `Bearer ${signJwt(JSON.parse(Buffer.from(payload!, 'base64url').toString()) as object, { alg: 'HS256', secret: `${TEST_JWT_SECRET}-other` })}`,
    ),
    fc.constant(`Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`),
    fc.constant(`Bearer ${testToken({ ...valid, ttlSeconds: 60 }, Date.now() - 7_200_000)}`),
    fc
      .record(
        { sub: fc.jsonValue(), role: fc.jsonValue(), areas: fc.jsonValue(), iat: fc.jsonValue(), exp: fc.jsonValue() },
        { requiredKeys: [] },
      )
      .map((claims) => `Bearer ${signJwt(claims, { alg: 'HS256', secret: TEST_JWT_SECRET })}`),
    fc.jsonValue().map((claims) => `Bearer ${header}.${b64(claims ?? null)}.${b64('sig')}`),
    looseTokens(valid).map((token) => `Bearer ${token}`),
  );
}

/** A string that is not JSON (what a body that claims application/json may still be). */
export const notJson = (minLength = 0): fc.Arbitrary<string> =>
  fc.string({ minLength }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  });

/** One bad request of a route fuzz test, and what is wrong with it. */
export interface FuzzRequest<Defect extends string> {
  readonly defect: Defect;
  readonly method: 'GET' | 'POST';
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly payload?: string;
}

/** What fuzzRoutes needs of an app: Fastify's inject (no network). */
export interface Injectable {
  inject(request: { method: 'GET' | 'POST'; url: string; headers: Record<string, string>; payload?: string }): Promise<{
    statusCode: number;
    headers: Record<string, unknown>;
    body: string;
  }>;
}

export interface FuzzRoutesOptions<Defect extends string> {
  readonly app: Injectable;
  /** Every way to get each route wrong, one thing at a time; each is sent with or without a request id of its own. */
  readonly requests: fc.Arbitrary<FuzzRequest<Defect>>;
  readonly runs: number;
  /** What the answer to each kind of defect must be: status, house code and a message naming the problem. */
  readonly namesTheProblem: Record<Defect, (status: number, code: string, message: string) => boolean>;
  /** A count of what a refused request must not do (records produced, say): the same after each request as before. */
  readonly sideEffects?: () => number;
}

/**
 * The route fuzz runner of both APIs: sends `runs` bad requests and requires each to be answered 4xx with the house
 * error (`{error: {code, message, requestId}}`, the request id as in X-Request-Id) whose status, code and message fit
 * its defect, never 5xx, and with no side effect. Answers how many requests of each defect were sent.
 */
export async function fuzzRoutes<Defect extends string>(options: FuzzRoutesOptions<Defect>): Promise<Map<Defect, number>> {
  const { app, runs, namesTheProblem, sideEffects = () => 0 } = options;
  const requests = fc
    .tuple(options.requests, fc.option(asciiText(140), { nil: undefined }))
    .map(([request, requestId]) =>
      requestId === undefined ? request : { ...request, headers: { ...request.headers, 'x-request-id': requestId } },
    );
  const seen = new Map<Defect, number>();
  await fc.assert(
    fc.asyncProperty(requests, async (request) => {
      const before = sideEffects();
      const res = await app.inject({
        method: request.method,
        url: request.url,
        headers: request.headers,
        ...(request.payload === undefined ? {} : { payload: request.payload }),
      });
      const body = JSON.parse(res.body) as { error?: { code?: unknown; message?: unknown; requestId?: unknown } };
      const { code, message, requestId } = body.error ?? {};
      const effects = sideEffects() - before;
      const ok =
        res.statusCode >= 400 &&
        res.statusCode < 500 &&
        typeof code === 'string' &&
        typeof message === 'string' &&
        requestId === res.headers['x-request-id'] &&
        namesTheProblem[request.defect](res.statusCode, code, message) &&
        effects === 0;
      if (!ok) {
        throw new Error(
          `${request.defect}: ${request.method} ${request.url} ${request.payload ?? ''} → ${res.statusCode} ${res.body}; side effects ${effects}`,
        );
      }
      seen.set(request.defect, (seen.get(request.defect) ?? 0) + 1);
    }),
    { numRuns: runs },
  );
  return seen;
}
