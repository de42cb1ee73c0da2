import { ConfigError } from '@gridgov/config';
import { z } from 'zod';
import { publicJwtKey } from './jwt.ts';
import { TokenVerifier, type TokenVerifierOptions } from './tokens.ts';

/** Host names a key set may be fetched from over plain HTTP: this machine only (tests, a local issuer). */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * How bearer tokens are verified: one of JWT_SECRET (HS256, local use), JWT_PUBLIC_KEY (RS256/ES256, one key) and
 * JWT_JWKS_URL (the issuer's key set, RS256/ES256 keys named by kid, ADR 0029).
 */
export const TokenConfig = z.object({
  JWT_SECRET: z
    .string()
    .min(32, 'JWT_SECRET has at least 32 characters')
    .optional()
    .describe('Shared secret for HS256 tokens (local use, tests), at least 32 characters.'),
  JWT_PUBLIC_KEY: z
    .string()
    .min(1)
    .optional()
    .describe('PEM public key (RSA for RS256, EC P-256 for ES256) of the deployment\'s token issuer; "\\n" escapes allowed.'),
  JWT_JWKS_URL: z
    .url({ protocol: /^https?$/ })
    .refine((u) => new URL(u).protocol === 'https:' || LOOPBACK.has(new URL(u).hostname), {
      message: 'JWT_JWKS_URL is an https URL (plain http only on this machine: localhost, 127.0.0.1, [::1])',
    })
    .optional()
    .describe(
      "URL of the token issuer's JSON Web Key Set (RS256/ES256 keys, each token naming its key by kid); fetched, cached and refetched for a new kid. Requires JWT_ISSUER and JWT_AUDIENCE.",
    ),
  JWT_JWKS_CACHE_S: z.coerce
    .number()
    .int()
    .min(10)
    .max(86_400)
    .default(600)
    .describe('Seconds a fetched key set is used before it is fetched again: a key the issuer removed stops working then at the latest.'),
  JWT_JWKS_COOLDOWN_S: z.coerce
    .number()
    .int()
    .min(0)
    .max(3600)
    .default(30)
    .describe('Seconds after a fetch of the key set during which a token naming an unknown kid is refused without fetching it again.'),
  JWT_ISSUER: z.string().min(1).optional().describe('When set, tokens must carry this issuer (`iss`); required with JWT_JWKS_URL.'),
  JWT_AUDIENCE: z
    .string()
    .min(1)
    .optional()
    .describe('When set, tokens must name this audience (`aud`, this deployment of the API); required with JWT_JWKS_URL.'),
  JWT_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300).default(30).describe('Clock skew forgiven on token times, in seconds.'),
  JWT_MAX_LIFETIME_S: z.coerce
    .number()
    .int()
    .min(60)
    .max(30 * 86_400)
    .default(86_400)
    .describe('Longest lifetime (exp - iat) a token may claim, in seconds; a token that claims more is refused (401).'),
});
export type TokenConfig = z.infer<typeof TokenConfig>;

/** How long a fetch of the key set may take: a request waiting on it is answered within the edge's 2 s. */
const JWKS_FETCH_TIMEOUT_MS = 1500;

/** The verifier a service's configuration asks for; a ConfigError naming the variables when it is not one. */
export function tokenVerifierFrom(config: TokenConfig): TokenVerifier {
  const sources = (['JWT_SECRET', 'JWT_PUBLIC_KEY', 'JWT_JWKS_URL'] as const).filter((name) => config[name] !== undefined);
  if (sources.length > 1) throw new ConfigError([`${sources.join(', ')}: set one of them, not ${sources.length}`]);
  let key: TokenVerifierOptions['key'];
  if (config.JWT_SECRET) key = { alg: 'HS256', secret: config.JWT_SECRET };
  else if (config.JWT_PUBLIC_KEY) {
    try {
      key = publicJwtKey(config.JWT_PUBLIC_KEY);
    } catch (err) {
      throw new ConfigError([`JWT_PUBLIC_KEY: ${err instanceof Error ? err.message : String(err)}`]);
    }
  } else if (config.JWT_JWKS_URL) {
    // A key set is an identity provider's, which issues tokens for many applications: whose tokens, and for whom.
    const missing = (['JWT_ISSUER', 'JWT_AUDIENCE'] as const).filter((name) => config[name] === undefined);
    if (missing.length > 0)
      throw new ConfigError(missing.map((name) => `${name}: required with JWT_JWKS_URL (tokens of the key set's issuer, for this API)`));
    key = {
      jwks: {
        url: new URL(config.JWT_JWKS_URL),
        cacheMaxAgeMs: config.JWT_JWKS_CACHE_S * 1000,
        cooldownMs: config.JWT_JWKS_COOLDOWN_S * 1000,
        timeoutMs: JWKS_FETCH_TIMEOUT_MS,
      },
    };
  } else throw new ConfigError(['JWT_SECRET, JWT_PUBLIC_KEY or JWT_JWKS_URL: one is required to verify bearer tokens']);
  return new TokenVerifier({
    key,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    clockToleranceS: config.JWT_CLOCK_TOLERANCE_S,
    maxLifetimeS: config.JWT_MAX_LIFETIME_S,
  });
}

/** The key the intake signs command envelopes with and the dispatch worker checks them with (ADR 0006). */
export const CommandSigningKey = z.string().min(32, 'COMMAND_SIGNING_KEY has at least 32 characters');

const base64url32 = (what: string) =>
  z
    .string()
    .trim()
    .refine((s) => /^[A-Za-z0-9_-]{43}$/.test(s) && Buffer.from(s, 'base64url').toString('base64url') === s, {
      message: `${what} is 32 bytes in base64url (43 characters)`,
    });

/** The dispatch worker's private Ed25519 key for grid.events (ADR 0019): base64url of its 32 raw bytes. */
export const EventSigningKey = base64url32('EVENT_SIGNING_KEY');

/**
 * Public keys that events may be signed with, comma-separated, the current one first (ADR 0019); an entry
 * `import:<key>` is the importer's, believed for IncidentImported events alone (ADR 0030).
 */
export const EventVerifyKeys = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
  )
  .pipe(
    z.array(
      z
        .string()
        .refine(
          (k) =>
            /^(import:)?[A-Za-z0-9_-]{43}$/.test(k) &&
            Buffer.from(k.replace(/^import:/, ''), 'base64url').toString('base64url') === k.replace(/^import:/, ''),
          {
            message: 'each EVENT_VERIFY_KEYS entry is 32 bytes in base64url (43 characters), optionally after `import:`',
          },
        ),
    ),
  );

/** The importer's private Ed25519 key for IncidentImported events (ADR 0030): base64url of its 32 raw bytes. */
export const ImportSigningKey = base64url32('IMPORT_SIGNING_KEY');

/**
 * EVENT_SIGNATURES_FROM: `<partition>:<offset>,…`, for a log written before events were signed (ADR 0019): on each
 * partition named, records below the offset are believed unsigned. Empty: every event must be signed.
 */
export const EventSignaturesFrom = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^\d{1,5}:\d{1,19}$/, 'each entry is <partition>:<offset>')))
  .transform((entries) => new Map(entries.map((e) => [Number(e.split(':')[0]), BigInt(e.split(':')[1]!)] as const)));

/** EVENT_VERIFY_KEYS of a reader of grid.events: at least one key. */
export const RequiredEventVerifyKeys = EventVerifyKeys.refine((keys) => keys.length > 0, {
  message: "EVENT_VERIFY_KEYS: at least one public key (the dispatch worker's), so that events can be checked",
});
