import { signJwt } from '@gridgov/auth';
import fc from 'fast-check';
import { TEST_JWT_SECRET, testToken, type TestTokenClaims } from './auth.ts';

/** Printable ASCII: what an HTTP header may carry. */
export const asciiText = (maxLength = 40): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength }).map((codes) => String.fromCharCode(...codes));

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/**
 * An Authorization header that must be refused with 401: none, not a bearer token, garbage, a JWT with a wrong
 * signature, another secret, alg none, expired, or signed correctly but with claims that fail their schema.
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
