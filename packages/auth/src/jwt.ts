import { createHmac, createPublicKey, sign, timingSafeEqual, verify, type KeyObject } from 'node:crypto';

/** The algorithms this system accepts: HS256 with a shared secret (local use), RS256 or ES256 with a public key. */
export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

export type JwtKey = { readonly alg: 'HS256'; readonly secret: string } | { readonly alg: 'RS256' | 'ES256'; readonly key: KeyObject };

export class JwtFormatError extends Error {}

const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64url');
const BASE64URL = /^[A-Za-z0-9_-]*$/;

function signingInput(header: object, payload: object): string {
  return `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
}

/** Signs a JWT (JWS compact form). RS256/ES256 take a private key; ES256 signatures are raw r||s (RFC 7518). */
export function signJwt(
  payload: object,
  key: { alg: 'HS256'; secret: string } | { alg: 'RS256' | 'ES256'; privateKey: KeyObject },
): string {
  const input = signingInput({ alg: key.alg, typ: 'JWT' }, payload);
  const signature =
    key.alg === 'HS256'
      ? createHmac('sha256', key.secret).update(input).digest()
      : sign('sha256', Buffer.from(input), key.alg === 'ES256' ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' } : key.privateKey);
  return `${input}.${b64(signature)}`;
}

/**
 * Checks a JWT's form and signature with the one configured key, and returns its payload (not yet validated).
 * The algorithm is the key's, never the token's choice: a token that names another (none, HS256 against a
 * public key) is refused, which closes the algorithm-confusion attacks.
 */
export function verifyJwtSignature(token: string, key: JwtKey): unknown {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => BASE64URL.test(p)) || !parts[0] || !parts[1]) {
    throw new JwtFormatError('the token is not a JWT (three base64url parts separated by dots)');
  }
  const [h, p, s] = parts as [string, string, string];
  const header = parseJson(h, 'header');
  const alg = (header as { alg?: unknown }).alg;
  if (alg !== key.alg)
    throw new JwtFormatError(`the token is signed with ${JSON.stringify(alg ?? null)}; this service accepts ${key.alg} only`);
  const signature = Buffer.from(s, 'base64url');
  const input = Buffer.from(`${h}.${p}`);
  let ok: boolean;
  if (key.alg === 'HS256') {
    const expected = createHmac('sha256', key.secret).update(input).digest();
    ok = signature.length === expected.length && timingSafeEqual(signature, expected);
  } else {
    ok = verify('sha256', input, key.alg === 'ES256' ? { key: key.key, dsaEncoding: 'ieee-p1363' } : key.key, signature);
  }
  if (!ok) throw new JwtFormatError("the token's signature does not verify");
  return parseJson(p, 'payload');
}

function parseJson(part: string, what: string): object {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new JwtFormatError(`the token's ${what} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new JwtFormatError(`the token's ${what} is not a JSON object`);
  return value;
}

/** The verification key of a PEM public key: RS256 for RSA, ES256 for EC P-256; anything else is refused. */
export function publicJwtKey(pem: string): JwtKey {
  const key = createPublicKey(pem.replace(/\\n/g, '\n'));
  if (key.asymmetricKeyType === 'rsa') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new Error('an RSA key for RS256 has at least 2048 bits');
    return { alg: 'RS256', key };
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { alg: 'ES256', key };
  throw new Error(`a public key for RS256 (RSA) or ES256 (EC P-256) is needed, not ${key.asymmetricKeyType ?? 'unknown'}`);
}
