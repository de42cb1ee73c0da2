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
