import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mintToken, publicJwtKey, signJwt, TokenVerifier } from '@gridgov/auth';
import { report, type Figure, type SuiteRows } from './support.ts';

/**
 * How many bearer tokens a service verifies per second: HS256 (the dev secret) and ES256 with one public key (checked
 * by node:crypto, then remembered: ADR 0034), and RS256 from the issuer's key set (JWT_JWKS_URL, jose) served here, once
 * fetched and cached. Each first on first sight, then seen again. One core, one token after another: the cost each
 * request pays at the edge.
 */
export async function tokensBench(n: number): Promise<SuiteRows> {
  const secret = 'bench-secret-that-is-long-enough-0123456789';
  const iat = Math.floor(Date.now() / 1000);
  const claims = { sub: 'dispatcher-01', role: 'dispatcher' as const, areas: ['440705'], iat, exp: iat + 3600 };
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'bench-1', alg: 'RS256', use: 'sig' };
  let fetches = 0;
  const server = createServer((_req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`);
  // Each case: a verifier, and how its tokens are signed (every call a new token: iat differs by one second).
  const cases: [string, TokenVerifier, (i: number) => string][] = [
    [
      'HS256 (JWT_SECRET)',
      new TokenVerifier({ key: { alg: 'HS256', secret } }),
      (i) => mintToken({ ...claims, sub: `d-${i}`, ttlSeconds: 3600 }, secret),
    ],
    [
      'ES256 (JWT_PUBLIC_KEY)',
      new TokenVerifier({ key: publicJwtKey(ec.publicKey.export({ type: 'spki', format: 'pem' }).toString()) }),
      (i) => signJwt({ ...claims, sub: `d-${i}` }, { alg: 'ES256', privateKey: ec.privateKey }),
    ],
    [
      'RS256 from the key set (JWT_JWKS_URL), cached',
      new TokenVerifier({ key: { jwks: { url, cacheMaxAgeMs: 600_000, cooldownMs: 30_000, timeoutMs: 1_500 } } }),
      (i) => signJwt({ ...claims, sub: `d-${i}` }, { alg: 'RS256', privateKey: rsa.privateKey, kid: 'bench-1' }),
    ],
  ];
  const figures: Figure[] = [];
  /** Verifications per second of these headers, one after another. */
  const rate = async (name: string, verifier: TokenVerifier, headers: readonly string[]) => {
    const began = performance.now();
    for (const header of headers) {
      const result = await verifier.authenticate(header);
      if (!result.ok) throw new Error(`${name}: ${result.problem}`);
    }
    const seconds = (performance.now() - began) / 1_000;
    return { value: Math.round(headers.length / seconds), note: `${((seconds * 1e6) / headers.length).toFixed(1)} µs each` };
  };
  try {
    for (const [name, verifier, sign] of cases) {
      // First sight: tokens never seen (a staff member's first request of a shift); at most 10,000 of them, which a
      // single-key verifier then remembers (REMEMBERED_TOKENS). Then the same tokens again: what every later request costs.
      const fresh = Array.from({ length: Math.min(n, 10_000) }, (_, i) => `Bearer ${sign(i)}`);
      const first = await rate(name, verifier, fresh);
      figures.push({ name: `${name}, first sight`, value: first.value, unit: '/s', note: first.note });
      const again = Array.from({ length: n }, (_, i) => fresh[i % fresh.length]!);
      const later = await rate(name, verifier, again);
      figures.push({ name: `${name}, seen before`, value: later.value, unit: '/s', note: later.note });
    }
  } finally {
    server.close();
  }
  report('tokens', figures, { n, jwksFetches: fetches });
  const value = (name: string) => figures.find((f) => f.name === name)?.value ?? Number.NaN;
  return [
    {
      figure: 'tokens: verified/s, RS256 from the cached key set',
      value: value('RS256 from the key set (JWT_JWKS_URL), cached, seen before'),
      unit: '/s',
      reference: { name: 'HS256 with the dev secret, first sight', value: value('HS256 (JWT_SECRET), first sight'), unit: '/s' },
    },
    {
      figure: 'tokens: verified/s, ES256 token seen before (remembered)',
      value: value('ES256 (JWT_PUBLIC_KEY), seen before'),
      unit: '/s',
      reference: { name: 'ES256, first sight', value: value('ES256 (JWT_PUBLIC_KEY), first sight'), unit: '/s' },
    },
  ];
}
