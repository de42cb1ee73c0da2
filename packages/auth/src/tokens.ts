import { createHmac, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type { Actor, PersonRole } from '@gridgov/contracts';
import { compactVerify, createRemoteJWKSet, errors, type JWTVerifyGetKey } from 'jose';
import { actorOf, TokenClaims } from './claims.ts';
import { inspectJwt, JwtFormatError, signJwt, type JwtAlgorithm, type JwtKey } from './jwt.ts';

type RemoteJWKSet = JWTVerifyGetKey;

/** A request without a valid token: answered 401, the message says what is wrong with it. */
export class AuthenticationError extends Error {
  readonly code = 'UNAUTHENTICATED';
}

/** The token could not be judged: the issuer's key set could not be fetched (a 503, not the token's fault). */
export class TokenKeysUnavailableError extends Error {
  readonly code = 'TOKEN_KEYS_UNAVAILABLE';
}

/** Longest Authorization header looked at; a token is a few hundred bytes. */
const MAX_AUTHORIZATION_LENGTH = 8192;
const WHERE = 'headers.authorization';

/** A JSON Web Key Set that the token issuer publishes (JWT_JWKS_URL): its keys are fetched, cached and refetched. */
export interface JwksSource {
  readonly url: URL;
  /** How long a fetched set is used before it is fetched again (a removed key stops working then at the latest). */
  readonly cacheMaxAgeMs: number;
  /** After a fetch, how long a token naming an unknown kid is refused without fetching the set again. */
  readonly cooldownMs: number;
  /** How long a fetch may take. */
  readonly timeoutMs: number;
}

/** The algorithms a key set's keys may sign with (RSA or EC P-256 keys); never HS256, never none. */
export const JWKS_ALGORITHMS = ['RS256', 'ES256'] as const;

export interface TokenVerifierOptions {
  /** One key (HS256 secret, RS256/ES256 public key), or the issuer's key set. */
  readonly key: JwtKey | { readonly jwks: JwksSource };
  /** When set, a token must carry this `iss`. */
  readonly issuer?: string | undefined;
  /** When set, a token must name this audience in `aud`. */
  readonly audience?: string | undefined;
  /** Clock skew forgiven on exp, nbf and iat, in seconds. */
  readonly clockToleranceS?: number;
  /** Longest lifetime (exp - iat) a token may have, in seconds; 24 h when unset. */
  readonly maxLifetimeS?: number;
  /** Wall-clock time, ms (tokens expire in real time, whatever clock the domain runs on). */
  readonly now?: () => number;
}

/** Longest token lifetime accepted when none is configured: 24 h (a working day's token is 8 to 12 h). */
export const DEFAULT_MAX_TOKEN_LIFETIME_S = 86_400;

/**
 * How many verified tokens a single-key verifier remembers. A district has a few thousand staff, each with one token a
 * shift: their next requests skip the signature and form checks (times, issuer and audience are checked every time).
 */
export const REMEMBERED_TOKENS = 10_000;

/** The edge's answer for one Authorization header. */
export type Authentication =
  { ok: true; actor: Actor; validUntilMs: number } | { ok: false; problem: string; unavailable?: boolean | undefined };

/**
 * Verifies bearer tokens: their form, then their signature with jose (one configured key, or the key of the issuer's
 * key set that the token's kid names), then the claims with zod, then their times, issuer and audience.
 */
export class TokenVerifier {
  private readonly tolerance: number;
  private readonly maxLifetimeS: number;
  private readonly now: () => number;
  private readonly accepted: readonly JwtAlgorithm[];
  /** The one key (checked here with node:crypto, synchronously), or the issuer's key set (checked by jose). */
  private readonly verificationKey: JwtKey | RemoteJWKSet;
  private readonly jwksUrl: string | undefined;
  /**
   * Tokens whose signature, form and lifetime were checked, with their claims (single key only: a key set's key may be
   * withdrawn, and its tokens must stop working when it is). Oldest first; the oldest is forgotten beyond the bound.
   */
  private readonly remembered = new Map<string, TokenClaims>();

  constructor(private readonly options: TokenVerifierOptions) {
    this.tolerance = options.clockToleranceS ?? 30;
    this.maxLifetimeS = options.maxLifetimeS ?? DEFAULT_MAX_TOKEN_LIFETIME_S;
    this.now = options.now ?? Date.now;
    const key = options.key;
    if ('jwks' in key) {
      this.accepted = JWKS_ALGORITHMS;
      this.jwksUrl = key.jwks.url.href;
      this.verificationKey = createRemoteJWKSet(key.jwks.url, {
        cacheMaxAge: key.jwks.cacheMaxAgeMs,
        cooldownDuration: key.jwks.cooldownMs,
        timeoutDuration: key.jwks.timeoutMs,
      });
    } else {
      this.accepted = [key.alg];
      this.verificationKey = key;
    }
  }

  /** How many verified tokens are remembered now (never more than REMEMBERED_TOKENS; none with a key set). */
  get rememberedTokens(): number {
    return this.remembered.size;
  }

  /** How tokens are checked, for the start-up log: HS256, RS256, ES256, or the key set's address. */
  get algorithm(): string {
    return this.jwksUrl === undefined ? this.accepted[0]! : `JWKS ${this.jwksUrl} (${this.accepted.join(', ')})`;
  }

  /**
   * The edge's question (an arrow, to pass as it is): the actor the header speaks for and the instant (epoch ms) from
   * which this verifier refuses the token (its `exp` plus the tolerance), or the problem with it.
   */
  readonly authenticate = async (header: string | undefined): Promise<Authentication> => {
    try {
      const claims = await this.claimsFromAuthorization(header);
      return { ok: true, actor: actorOf(claims), validUntilMs: (claims.exp + this.tolerance) * 1000 };
    } catch (err) {
      if (err instanceof AuthenticationError) return { ok: false, problem: err.message };
      if (err instanceof TokenKeysUnavailableError) return { ok: false, problem: err.message, unavailable: true };
      throw err;
    }
  };

  /** The actor an `Authorization: Bearer <token>` header speaks for; AuthenticationError naming the problem otherwise. */
  async actorFromAuthorization(header: string | undefined): Promise<Actor> {
    return actorOf(await this.claimsFromAuthorization(header));
  }

  private async claimsFromAuthorization(header: string | undefined): Promise<TokenClaims> {
    if (header === undefined || header === '') {
      throw new AuthenticationError(`${WHERE}: a bearer token is required (Authorization: Bearer <token>)`);
    }
    if (header.length > MAX_AUTHORIZATION_LENGTH)
      throw new AuthenticationError(`${WHERE}: longer than ${MAX_AUTHORIZATION_LENGTH} characters`);
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match) throw new AuthenticationError(`${WHERE}: expected "Bearer <token>"`);
    return this.claims(match[1]!);
  }

  /** The validated claims of a token. */
  async claims(token: string): Promise<TokenClaims> {
    const claims = this.remembered.get(token) ?? (await this.verifiedClaims(token));
    this.checkInForce(claims);
    return claims;
  }

  /** A token's claims once its form, signature, claims and lifetime are checked: remembered when the key is the one key. */
  private async verifiedClaims(token: string): Promise<TokenClaims> {
    let payload: object;
    try {
      const inspected = inspectJwt(token, this.accepted);
      if (this.jwksUrl !== undefined && inspected.header.kid === undefined)
        throw new JwtFormatError('the token names no key (kid); its issuer signs with the keys of a key set (JWT_JWKS_URL)');
      await this.verifySignature(token, inspected.header.kid);
      payload = inspected.payload;
    } catch (err) {
      if (err instanceof JwtFormatError) throw new AuthenticationError(`${WHERE}: ${err.message}`);
      throw err;
    }
    const parsed = TokenClaims.safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new AuthenticationError(`${WHERE}: token claim ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    const claims = parsed.data;
    // A stolen token is good until it expires: a token that claims to live longer than the issuer may grant is refused.
    if (claims.exp - claims.iat > this.maxLifetimeS) {
      throw new AuthenticationError(
        `${WHERE}: the token lives ${claims.exp - claims.iat} s (exp - iat), longer than the ${this.maxLifetimeS} s allowed (JWT_MAX_LIFETIME_S)`,
      );
    }
    if (this.jwksUrl === undefined) {
      if (this.remembered.size >= REMEMBERED_TOKENS) this.remembered.delete(this.remembered.keys().next().value!);
      // Shared by every later request with this token: nothing may change it.
      Object.freeze(claims.areas);
      this.remembered.set(token, Object.freeze(claims));
    }
    return claims;
  }

  /** What is checked on every use, remembered or not: the token's times, its issuer and its audience. */
  private checkInForce(claims: TokenClaims): void {
    const nowS = this.now() / 1000;
    if (claims.exp + this.tolerance <= nowS) {
      throw new AuthenticationError(`${WHERE}: the token expired at ${new Date(claims.exp * 1000).toISOString()}`);
    }
    const notBefore = Math.max(claims.iat, claims.nbf ?? 0);
    if (notBefore - this.tolerance > nowS) {
      throw new AuthenticationError(`${WHERE}: the token is not valid before ${new Date(notBefore * 1000).toISOString()}`);
    }
    if (this.options.issuer !== undefined && claims.iss !== this.options.issuer) {
      throw new AuthenticationError(
        `${WHERE}: the token was issued by ${JSON.stringify(claims.iss ?? null)}, not ${JSON.stringify(this.options.issuer)} (JWT_ISSUER)`,
      );
    }
    const audience = this.options.audience;
    if (audience !== undefined && !(typeof claims.aud === 'string' ? [claims.aud] : (claims.aud ?? [])).includes(audience)) {
      throw new AuthenticationError(
        `${WHERE}: the token is meant for ${JSON.stringify(claims.aud ?? null)}, not ${JSON.stringify(audience)} (JWT_AUDIENCE)`,
      );
    }
  }

  /**
   * The one key's signature is checked here with node:crypto (synchronous, a few microseconds: WebCrypto through jose
   * cost a seventh of the intake's CPU), a key set's by jose; failures are said as what they mean for the token.
   */
  private async verifySignature(token: string, kid: string | undefined): Promise<void> {
    const key = this.verificationKey;
    if (typeof key !== 'function') {
      if (!signatureVerifies(token, key)) throw new JwtFormatError("the token's signature does not verify");
      return;
    }
    try {
      await compactVerify(token, key, { algorithms: [...this.accepted] });
    } catch (err) {
      if (err instanceof errors.JWSSignatureVerificationFailed) throw new JwtFormatError("the token's signature does not verify");
      if (err instanceof errors.JWKSNoMatchingKey)
        throw new JwtFormatError(
          `no key of the issuer's key set (JWT_JWKS_URL) is ${JSON.stringify(kid)} for ${this.accepted.join(' or ')}`,
        );
      if (err instanceof errors.JWKSMultipleMatchingKeys)
        throw new JwtFormatError(`the issuer's key set (JWT_JWKS_URL) has more than one key ${JSON.stringify(kid)}`);
      if (
        err instanceof errors.JWKSTimeout ||
        err instanceof errors.JWKSInvalid ||
        (this.jwksUrl !== undefined && !(err instanceof errors.JOSEError))
      )
        throw new TokenKeysUnavailableError(
          `${WHERE}: the token could not be checked: the issuer's keys could not be read from ${this.jwksUrl} (JWT_JWKS_URL): ${err instanceof Error ? err.message : String(err)}`,
        );
      if (err instanceof errors.JOSEError) throw new JwtFormatError(`the token is refused: ${err.message}`);
      throw err;
    }
  }
}

/** A compact JWS's signature (its form already checked by inspectJwt) against the one key, by node:crypto. */
function signatureVerifies(token: string, key: JwtKey): boolean {
  const dot = token.lastIndexOf('.');
  const input = token.slice(0, dot);
  const signature = Buffer.from(token.slice(dot + 1), 'base64url');
  if (key.alg === 'HS256') {
    const expected = createHmac('sha256', key.secret).update(input).digest();
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  }
  const publicKey: KeyObject | { key: KeyObject; dsaEncoding: 'ieee-p1363' } =
    key.alg === 'ES256' ? { key: key.key, dsaEncoding: 'ieee-p1363' } : key.key;
  // ES256's raw r||s is 64 bytes; anything else is not a P-256 signature (verify would throw on some lengths).
  if (key.alg === 'ES256' && signature.length !== 64) return false;
  try {
    return verify('sha256', Buffer.from(input), publicKey, signature);
  } catch {
    return false; // a signature that is no signature of this key's kind
  }
}

export interface TokenRequest {
  readonly sub: string;
  readonly role: PersonRole;
  readonly areas: readonly string[];
  readonly department?: string | undefined;
  /** Lifetime in seconds. */
  readonly ttlSeconds: number;
  readonly issuer?: string | undefined;
  /** The `aud` claim: the API the token is for (JWT_AUDIENCE of the services). */
  readonly audience?: string | undefined;
}

/** Mints an HS256 token with a shared secret: for local use and tests (deployments issue their own, RS256/ES256). */
export function mintToken(request: TokenRequest, secret: string, nowMs: number = Date.now()): string {
  const iat = Math.floor(nowMs / 1000);
  const parsed = TokenClaims.safeParse({
    sub: request.sub,
    role: request.role,
    areas: [...request.areas],
    ...(request.department ? { department: request.department } : {}),
    iat,
    exp: iat + Math.max(1, Math.round(request.ttlSeconds)),
    ...(request.issuer ? { iss: request.issuer } : {}),
    ...(request.audience ? { aud: request.audience } : {}),
  });
  if (!parsed.success) {
    throw new Error(parsed.error.issues.map((i) => `${i.path.join('.') || 'claims'}: ${i.message}`).join('; '));
  }
  const claims = parsed.data;
  return signJwt(claims, { alg: 'HS256', secret });
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** "8h", "30m", "2d", "3600s" or "3600" → seconds. */
export function parseTtl(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match || Number(match[1]) <= 0)
    throw new Error(`a ttl is a positive number with s, m, h or d, e.g. 8h (got ${JSON.stringify(text)})`);
  return Number(match[1]) * UNITS[match[2] || 's']!;
}
