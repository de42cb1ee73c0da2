import { createHmac, createPublicKey, sign, type KeyObject } from 'node:crypto';

/** The algorithms this system accepts: HS256 with a shared secret (local use), RS256 or ES256 with a public key. */
export type JwtAlgorithm = 'HS256' | 'RS256' | 'ES256';

export type JwtKey = { readonly alg: 'HS256'; readonly secret: string } | { readonly alg: 'RS256' | 'ES256'; readonly key: KeyObject };

export class JwtFormatError extends Error {}

const b64 = (data: string | Buffer) => Buffer.from(data).toString('base64url');
const BASE64URL = /^[A-Za-z0-9_-]*$/;

function signingInput(header: object, payload: object): string {
  return `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
}

/**
 * Signs a JWT (JWS compact form). RS256/ES256 take a private key; ES256 signatures are raw r||s (RFC 7518). `kid` names
 * the key in the header (a key set's issuer does; tests of JWKS rotation too).
 */
export function signJwt(
  payload: object,
  key: ({ alg: 'HS256'; secret: string } | { alg: 'RS256' | 'ES256'; privateKey: KeyObject }) & { kid?: string },
): string {
  const input = signingInput({ alg: key.alg, typ: 'JWT', ...(key.kid === undefined ? {} : { kid: key.kid }) }, payload);
  const signature =
    key.alg === 'HS256'
      ? createHmac('sha256', key.secret).update(input).digest()
      : sign('sha256', Buffer.from(input), key.alg === 'ES256' ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' } : key.privateKey);
  return `${input}.${b64(signature)}`;
}

/** A JWT whose form has been checked (not yet its signature): its header and payload, each one JSON object. */
export interface InspectedJwt {
  readonly header: { readonly alg: JwtAlgorithm; readonly kid?: string | undefined } & Record<string, unknown>;
  readonly payload: object;
}

/**
 * Checks a JWT's form before any key is looked for (jose then checks its signature): three canonical base64url parts,
 * a header and a payload that are JSON objects with no key given twice, no critical extensions, and an algorithm among
 * those the configured keys accept. The algorithm is the keys' choice, never the token's: a token that names another
 * (none, HS256 against a public key) is refused, which closes the algorithm-confusion attacks.
 */
export function inspectJwt(token: string, accepted: readonly JwtAlgorithm[]): InspectedJwt {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => BASE64URL.test(p)) || !parts[0] || !parts[1]) {
    throw new JwtFormatError('the token is not a JWT (three base64url parts separated by dots)');
  }
  const [h, p, s] = parts as [string, string, string];
  // One spelling of each part: base64url without padding, its unused low bits zero (a second spelling of the same
  // bytes would be a second token that verifies).
  for (const [part, what] of [
    [h, 'header'],
    [p, 'payload'],
    [s, 'signature'],
  ] as const) {
    if (Buffer.from(part, 'base64url').toString('base64url') !== part) {
      throw new JwtFormatError(`the token's ${what} is not canonical base64url`);
    }
  }
  const header = parseJson(h, 'header') as Record<string, unknown>;
  const alg = header['alg'];
  if (!accepted.includes(alg as JwtAlgorithm))
    throw new JwtFormatError(`the token is signed with ${JSON.stringify(alg ?? null)}; this service accepts ${accepted.join(', ')} only`);
  // RFC 7515 4.1.11: a recipient must refuse a critical extension it does not understand; this one understands none.
  if ('crit' in header)
    throw new JwtFormatError('the token names critical header extensions (crit), which this service does not understand');
  const kid = header['kid'];
  if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0 || kid.length > 200))
    throw new JwtFormatError('the token names its key (kid) with something other than a string of 1 to 200 characters');
  const payload = parseJson(p, 'payload');
  return { header: { ...header, alg: alg as JwtAlgorithm, kid }, payload };
}

function parseJson(part: string, what: string): object {
  let value: unknown;
  const text = Buffer.from(part, 'base64url').toString('utf8');
  try {
    value = JSON.parse(text);
  } catch {
    throw new JwtFormatError(`the token's ${what} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new JwtFormatError(`the token's ${what} is not a JSON object`);
  // JSON.parse keeps the last of two equal keys where another reader may keep the first: one meaning only (RFC 7515 5.2).
  const duplicate = duplicateKey(text);
  if (duplicate !== undefined) throw new JwtFormatError(`the token's ${what} has the key ${JSON.stringify(duplicate)} twice`);
  return value;
}

/**
 * The first key that appears twice in one object of a JSON text (already known to parse), or undefined. Keys are
 * compared as JSON.parse decodes them, so "a" and "\u0061" are the same key.
 */
export function duplicateKey(json: string): string | undefined {
  // One frame per open object or array: the keys seen in an object, and whether a key comes next.
  const stack: { keys: Set<string> | undefined; expectKey: boolean }[] = [];
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '{') stack.push({ keys: new Set(), expectKey: true });
    else if (c === '[') stack.push({ keys: undefined, expectKey: false });
    else if (c === '}' || c === ']') stack.pop();
    else if (c === ',') {
      const top = stack.at(-1);
      if (top?.keys) top.expectKey = true;
    } else if (c === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      const top = stack.at(-1);
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(json.slice(i, end + 1)) as string;
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = end;
    }
  }
  return undefined;
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
