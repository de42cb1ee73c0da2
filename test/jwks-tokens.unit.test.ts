import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '@gridgov/config';
import { signJwt, TokenConfig, tokenVerifierFrom, type TokenVerifier } from '@gridgov/auth';
import { createHttpServer, requestActor } from '@gridgov/http';
import { testLogger } from '@gridgov/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const ISSUER = 'https://id.example.gov/realms/grid';
const AUDIENCE = 'gridgov-api';

interface SigningKey {
  readonly kid: string;
  readonly alg: 'RS256' | 'ES256';
  readonly privateKey: KeyObject;
  readonly jwk: Record<string, unknown>;
}

function signingKey(kid: string, alg: 'RS256' | 'ES256'): SigningKey {
  const { privateKey, publicKey } =
    alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { kid, alg, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
}

/** The issuer's key set as an identity provider publishes it: keys added and removed, every fetch counted. */
class JwksServer {
  readonly keys = new Map<string, SigningKey>();
  fetches = 0;
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      if (req.url !== '/jwks.json') return res.writeHead(404).end();
      this.fetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [...this.keys.values()].map((k) => k.jwk) }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/jwks.json`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const A = signingKey('grid-2026-11', 'RS256');
const B = signingKey('grid-2026-12', 'ES256');
const STRANGER = signingKey(A.kid, 'RS256'); // the kid of A, another key: a forgery

/** A token of the issuer's for this API, signed with `key` and naming `kid` (null: none), valid for an hour from now. */
function token(key: SigningKey, claims: Record<string, unknown> = {}, kid: string | null = key.kid): string {
  const iat = Math.floor(Date.now() / 1000);
  const payload = { sub: 'leader-01', role: 'leader', areas: ['440705'], iss: ISSUER, aud: AUDIENCE, iat, exp: iat + 3600, ...claims };
  return `Bearer ${signJwt(payload, { alg: key.alg, privateKey: key.privateKey, ...(kid === null ? {} : { kid }) })}`;
}

const problem = async (verifier: TokenVerifier, header: string) => {
  const result = await verifier.authenticate(header);
  return result.ok ? undefined : result.problem;
};

function verifierFor(server: JwksServer, extra: Record<string, string> = {}): TokenVerifier {
  return tokenVerifierFrom(TokenConfig.parse({ JWT_JWKS_URL: server.url, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, ...extra }));
}

describe('tokens verified with the issuer key set (JWT_JWKS_URL)', () => {
  const server = new JwksServer();
  // jose's cache and cooldown go by Date.now(): the clock is moved by the test, never waited for.
  let now = Date.parse('2026-11-30T08:00:00Z');
  const advance = (seconds: number) => {
    now += seconds * 1000;
    vi.setSystemTime(now);
  };

  beforeAll(() => server.start());
  afterAll(() => server.stop());
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(now);
    server.keys.clear();
    server.fetches = 0;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('accepts a token of a key in the set, fetching the set once and using it from its cache', async () => {
    server.keys.set(A.kid, A);
    const verifier = verifierFor(server);
    expect(await verifier.authenticate(token(A))).toMatchObject({
      ok: true,
      actor: { id: 'leader-01', role: 'leader', areas: ['440705'] },
    });
    expect(await problem(verifier, token(A, { sub: 'leader-02' }))).toBeUndefined();
    expect(server.fetches).toBe(1);
    expect(verifier.algorithm).toBe(`JWKS ${server.url} (RS256, ES256)`);
  });

  it('rotates keys: a new kid is fetched once, the old kid works until the issuer removes it', async () => {
    server.keys.set(A.kid, A);
    const verifier = verifierFor(server);
    expect(await problem(verifier, token(A))).toBeUndefined();
    expect(server.fetches).toBe(1);

    // The issuer publishes its next key. Within the cooldown after a fetch, an unknown kid is refused without a fetch.
    server.keys.set(B.kid, B);
    expect(await problem(verifier, token(B))).toMatch(/no key of the issuer's key set \(JWT_JWKS_URL\) is "grid-2026-12"/);
    expect(server.fetches).toBe(1);

    // After it: tokens naming the new kid, several at once, fetch the set once, and are accepted.
    advance(31);
    const answers = await Promise.all([token(B), token(B, { sub: 'x-2' }), token(B, { sub: 'x-3' })].map((t) => problem(verifier, t)));
    expect(answers).toEqual([undefined, undefined, undefined]);
    expect(server.fetches).toBe(2);
    // The old key still signs valid tokens (it is still in the set), from the cache.
    expect(await problem(verifier, token(A))).toBeUndefined();
    expect(server.fetches).toBe(2);

    // The issuer removes the old key: accepted while the cached set is fresh, refused once it has been fetched again.
    server.keys.delete(A.kid);
    advance(60);
    expect(await problem(verifier, token(A))).toBeUndefined();
    expect(server.fetches).toBe(2);
    advance(600);
    expect(await problem(verifier, token(A))).toMatch(/no key of the issuer's key set \(JWT_JWKS_URL\) is "grid-2026-11"/);
    expect(server.fetches).toBe(3);
    expect(await problem(verifier, token(B))).toBeUndefined();
    expect(server.fetches).toBe(3);
  });

  it('refuses a wrong audience or issuer, a token without kid, a forged key under a known kid, and HS256', async () => {
    server.keys.set(A.kid, A);
    const verifier = verifierFor(server);
    expect(await problem(verifier, token(A, { aud: 'another-app' }))).toBe(
      'headers.authorization: the token is meant for "another-app", not "gridgov-api" (JWT_AUDIENCE)',
    );
    expect(await problem(verifier, token(A, { aud: ['another-app', 'a-third'] }))).toMatch(/meant for \["another-app","a-third"\]/);
    expect(await problem(verifier, token(A, { aud: ['another-app', AUDIENCE] }))).toBeUndefined();
    expect(await problem(verifier, token(A, { aud: undefined }))).toMatch(/meant for null, not "gridgov-api"/);
    expect(await problem(verifier, token(A, { iss: 'https://id.example.com/other' }))).toBe(
      `headers.authorization: the token was issued by "https://id.example.com/other", not "${ISSUER}" (JWT_ISSUER)`,
    );
    expect(await problem(verifier, token(A, {}, null))).toMatch(/the token names no key \(kid\)/);
    expect(await problem(verifier, token(STRANGER))).toBe("headers.authorization: the token's signature does not verify");
    const hs = signJwt(
      { sub: 'x', role: 'admin', areas: ['440705'], iss: ISSUER, aud: AUDIENCE, iat: 1, exp: 2 },
      { alg: 'HS256', secret: 'x'.repeat(40), kid: A.kid },
    );
    expect(await problem(verifier, `Bearer ${hs}`)).toMatch(/signed with "HS256"; this service accepts RS256, ES256 only/);
  });

  it("says so when the key set cannot be read: not the token's fault, so 503 with Retry-After at the edge, not 401", async () => {
    const gone = new JwksServer();
    await gone.start();
    const verifier = verifierFor(gone);
    await gone.stop();
    const said = await verifier.authenticate(token(A));
    expect(said).toMatchObject({ ok: false, unavailable: true });
    expect(said.ok ? '' : said.problem).toMatch(
      new RegExp(
        `^headers\\.authorization: the token could not be checked: the issuer's keys could not be read from ${gone.url.replace(/\./g, '\\.')} \\(JWT_JWKS_URL\\)`,
      ),
    );
    const app = createHttpServer({
      logger: testLogger(),
      ready: () => Promise.resolve(true),
      edge: { authenticate: verifier.authenticate },
      timeouts: { requestMs: 5_000, headersMs: 5_000, keepAliveMs: 5_000, idleMs: 10_000 },
      openApi: { title: 'jwks test', description: 'one route behind the token check' },
    });
    app.get('/v1/me', { schema: { hide: true } }, (request) => ({ id: requestActor(request).id }));
    try {
      const answer = await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: token(A) } });
      expect(answer.statusCode).toBe(503);
      expect(answer.headers['retry-after']).toBe('5');
      expect(answer.json<{ error: { code: string } }>().error.code).toBe('TOKEN_KEYS_UNAVAILABLE');
    } finally {
      await app.close();
    }
  });

  it('answers 401 with the reason at the edge of an HTTP service', async () => {
    server.keys.set(A.kid, A);
    const verifier = verifierFor(server);
    const app = createHttpServer({
      logger: testLogger(),
      ready: () => Promise.resolve(true),
      edge: { authenticate: verifier.authenticate },
      timeouts: { requestMs: 5_000, headersMs: 5_000, keepAliveMs: 5_000, idleMs: 10_000 },
      openApi: { title: 'jwks test', description: 'one route behind the token check' },
    });
    app.get('/v1/me', { schema: { hide: true } }, (request) => ({ id: requestActor(request).id }));
    try {
      const ok = await app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: token(A) } });
      expect([ok.statusCode, ok.json()]).toEqual([200, { id: 'leader-01' }]);
      const wrongAudience = await app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: { authorization: token(A, { aud: 'another-app' }) },
      });
      expect(wrongAudience.statusCode).toBe(401);
      expect(wrongAudience.json()).toMatchObject({
        error: {
          code: 'UNAUTHENTICATED',
          message: 'headers.authorization: the token is meant for "another-app", not "gridgov-api" (JWT_AUDIENCE)',
        },
      });
      expect(wrongAudience.headers['www-authenticate']).toMatch(
        /^Bearer error="invalid_token", error_description="headers.authorization: the token is meant for 'another-app'/,
      );
      const wrongIssuer = await app.inject({
        method: 'GET',
        url: '/v1/me',
        headers: { authorization: token(A, { iss: 'https://evil.example' }) },
      });
      expect(wrongIssuer.statusCode).toBe(401);
      const refusal = wrongIssuer.json<{ error: { code: string; message: string } }>();
      expect(refusal.error.code).toBe('UNAUTHENTICATED');
      expect(refusal.error.message).toMatch(/issued by "https:\/\/evil\.example"/);
    } finally {
      await app.close();
    }
  });
});

describe('JWT_JWKS_URL configuration', () => {
  const parse = (env: Record<string, string>) => () => tokenVerifierFrom(TokenConfig.parse(env));

  it('requires the issuer and the audience with a key set, and one source of keys only', () => {
    expect(parse({ JWT_JWKS_URL: 'https://id.example.gov/jwks.json' })).toThrow(ConfigError);
    expect(parse({ JWT_JWKS_URL: 'https://id.example.gov/jwks.json' })).toThrow(/JWT_ISSUER: required with JWT_JWKS_URL/);
    expect(parse({ JWT_JWKS_URL: 'https://id.example.gov/jwks.json', JWT_ISSUER: ISSUER })).toThrow(
      /JWT_AUDIENCE: required with JWT_JWKS_URL/,
    );
    expect(
      parse({ JWT_JWKS_URL: 'https://id.example.gov/jwks.json', JWT_SECRET: 'y'.repeat(40), JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE }),
    ).toThrow(/JWT_SECRET, JWT_JWKS_URL: set one of them, not 2/);
    expect(parse({})).toThrow(/JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL: one is required/);
  });

  it('takes https, and plain http only on this machine', () => {
    expect(TokenConfig.safeParse({ JWT_JWKS_URL: 'http://id.example.gov/jwks.json' }).error?.issues[0]?.message).toMatch(
      /JWT_JWKS_URL is an https URL \(plain http only on this machine/,
    );
    expect(TokenConfig.safeParse({ JWT_JWKS_URL: 'http://127.0.0.1:8080/jwks.json' }).success).toBe(true);
    expect(TokenConfig.safeParse({ JWT_JWKS_URL: 'ftp://id.example.gov/jwks.json' }).success).toBe(false);
  });
});
