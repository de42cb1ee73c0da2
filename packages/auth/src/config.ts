import { ConfigError } from '@gridgov/config';
import { z } from 'zod';
import { publicJwtKey, type JwtKey } from './jwt.ts';
import { TokenVerifier } from './tokens.ts';

/** How bearer tokens are verified: set JWT_SECRET (HS256, local use) or JWT_PUBLIC_KEY (RS256/ES256), not both. */
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
  JWT_ISSUER: z.string().min(1).optional().describe('When set, tokens must carry this issuer (`iss`).'),
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

/** The verifier a service's configuration asks for; a ConfigError naming the variables when it is not one. */
export function tokenVerifierFrom(config: TokenConfig): TokenVerifier {
  let key: JwtKey;
  if (config.JWT_SECRET && config.JWT_PUBLIC_KEY) throw new ConfigError(['JWT_SECRET, JWT_PUBLIC_KEY: set one of them, not both']);
  if (config.JWT_SECRET) key = { alg: 'HS256', secret: config.JWT_SECRET };
  else if (config.JWT_PUBLIC_KEY) {
    try {
      key = publicJwtKey(config.JWT_PUBLIC_KEY);
    } catch (err) {
      throw new ConfigError([`JWT_PUBLIC_KEY: ${err instanceof Error ? err.message : String(err)}`]);
    }
  } else throw new ConfigError(['JWT_SECRET or JWT_PUBLIC_KEY: one is required to verify bearer tokens']);
  return new TokenVerifier({
    key,
    issuer: config.JWT_ISSUER,
    clockToleranceS: config.JWT_CLOCK_TOLERANCE_S,
    maxLifetimeS: config.JWT_MAX_LIFETIME_S,
  });
}

/** The key the intake signs command envelopes with and the dispatch worker checks them with (ADR 0006). */
export const CommandSigningKey = z.string().min(32, 'COMMAND_SIGNING_KEY has at least 32 characters');
