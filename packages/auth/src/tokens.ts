import type { Actor, PersonRole } from '@gridgov/contracts';
import { actorOf, TokenClaims } from './claims.ts';
import { JwtFormatError, signJwt, verifyJwtSignature, type JwtKey } from './jwt.ts';

/** A request without a valid token: answered 401, the message says what is wrong with it. */
export class AuthenticationError extends Error {
  readonly code = 'UNAUTHENTICATED';
}

/** Longest Authorization header looked at; a token is a few hundred bytes. */
const MAX_AUTHORIZATION_LENGTH = 8192;
const WHERE = 'headers.authorization';

export interface TokenVerifierOptions {
  readonly key: JwtKey;
  /** When set, a token must carry this `iss`. */
  readonly issuer?: string | undefined;
  /** Clock skew forgiven on exp, nbf and iat, in seconds. */
  readonly clockToleranceS?: number;
  /** Longest lifetime (exp - iat) a token may have, in seconds; 24 h when unset. */
  readonly maxLifetimeS?: number;
  /** Wall-clock time, ms (tokens expire in real time, whatever clock the domain runs on). */
  readonly now?: () => number;
}

/** Longest token lifetime accepted when none is configured: 24 h (a working day's token is 8 to 12 h). */
export const DEFAULT_MAX_TOKEN_LIFETIME_S = 86_400;

/** Verifies bearer tokens: signature with the configured key, then the claims with zod, then their times. */
export class TokenVerifier {
  private readonly tolerance: number;
  private readonly maxLifetimeS: number;
  private readonly now: () => number;

  constructor(private readonly options: TokenVerifierOptions) {
    this.tolerance = options.clockToleranceS ?? 30;
    this.maxLifetimeS = options.maxLifetimeS ?? DEFAULT_MAX_TOKEN_LIFETIME_S;
    this.now = options.now ?? Date.now;
  }

  get algorithm(): JwtKey['alg'] {
    return this.options.key.alg;
  }

  /**
   * The edge's question (an arrow, to pass as it is): the actor the header speaks for and the instant (epoch ms) from
   * which this verifier refuses the token (its `exp` plus the tolerance), or the problem with it.
   */
  readonly authenticate = (
    header: string | undefined,
  ): { ok: true; actor: Actor; validUntilMs: number } | { ok: false; problem: string } => {
    try {
      const claims = this.claimsFromAuthorization(header);
      return { ok: true, actor: actorOf(claims), validUntilMs: (claims.exp + this.tolerance) * 1000 };
    } catch (err) {
      if (err instanceof AuthenticationError) return { ok: false, problem: err.message };
      throw err;
    }
  };

  /** The actor an `Authorization: Bearer <token>` header speaks for; AuthenticationError naming the problem otherwise. */
  actorFromAuthorization(header: string | undefined): Actor {
    return actorOf(this.claimsFromAuthorization(header));
  }

  private claimsFromAuthorization(header: string | undefined): TokenClaims {
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
  claims(token: string): TokenClaims {
    let payload: unknown;
    try {
      payload = verifyJwtSignature(token, this.options.key);
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
        `${WHERE}: the token was issued by ${JSON.stringify(claims.iss ?? null)}, not ${JSON.stringify(this.options.issuer)}`,
      );
    }
    return claims;
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
