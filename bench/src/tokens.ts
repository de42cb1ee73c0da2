import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mintToken, publicJwtKey, signJwt, TokenVerifier } from '@gridgov/auth';
import { report, type Figure, type SuiteRows } from './support.ts';

/**
 * How many bearer tokens a service verifies per second (jose, ADR 0029): HS256 (the dev secret), ES256 with one public
 * key, and RS256 from the issuer's key set (JWT_JWKS_URL) served here, once fetched and cached. One core, one token
 * after another: the cost each request pays at the edge.
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
  const cases: [string, TokenVerifier, string][] = [
    ['HS256 (JWT_SECRET)', new TokenVerifier({ key: { alg: 'HS256', secret } }), mintToken({ ...claims, ttlSeconds: 3600 }, secret)],
    [
      'ES256 (JWT_PUBLIC_KEY)',
      new TokenVerifier({ key: publicJwtKey(ec.publicKey.export({ type: 'spki', format: 'pem' }).toString()) }),
      signJwt(claims, { alg: 'ES256', privateKey: ec.privateKey }),
    ],
    [
      'RS256 from the key set (JWT_JWKS_URL), cached',
      new TokenVerifier({ key: { jwks: { url, cacheMaxAgeMs: 600_000, cooldownMs: 30_000, timeoutMs: 1_500 } } }),
      signJwt(claims, { alg: 'RS256', privateKey: rsa.privateKey, kid: 'bench-1' }),
    ],
  ];
  const figures: Figure[] = [];
  try {
    for (const [name, verifier, token] of cases) {
      const header = `Bearer ${token}`;
      for (let i = 0; i < Math.min(n, 2_000); i++) await verifier.authenticate(header); // warm up (and fetch the set)
      const began = performance.now();
      for (let i = 0; i < n; i++) {
        const result = await verifier.authenticate(header);
        if (!result.ok) throw new Error(`${name}: ${result.problem}`);
      }
      const seconds = (performance.now() - began) / 1_000;
      figures.push({ name, value: Math.round(n / seconds), unit: '/s', note: `${((seconds * 1e6) / n).toFixed(0)} µs each` });
    }
  } finally {
    server.close();
  }
  report('tokens', figures, { n, jwksFetches: fetches });
  const [hs256, , jwks] = figures;
  return [
    {
      figure: 'tokens: verified/s, RS256 from the cached key set',
      value: jwks?.value ?? Number.NaN,
      unit: '/s',
      reference: { name: 'HS256 with the dev secret', value: hs256?.value ?? Number.NaN, unit: '/s' },
    },
  ];
}
