import { type Actor, AreaCode, DepartmentCode, MAX_ACTOR_AREAS, PersonRole } from '@gridgov/contracts';
import { z } from 'zod';

/**
 * A user id as a token may carry it: ASCII letters and digits, then also . _ - @ :, at most 64. It goes into logs,
 * audit entries, ids and messages, so it carries no spaces, control characters, bidi overrides or look-alikes.
 */
export const SubjectId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,63}$/,
    'a user id is 1 to 64 ASCII letters, digits and . _ - @ : (starting with a letter or digit)',
  );

/** What a bearer token must say, validated like any other input. Times are seconds since the epoch (RFC 7519). */
export const TokenClaims = z
  .object({
    /** The user id. */
    sub: SubjectId,
    role: PersonRole,
    /** Jurisdiction: area codes (grid staff: their grids; a dispatcher or leader: the area they serve). */
    areas: z.array(AreaCode).min(1, 'a token names at least one area').max(MAX_ACTOR_AREAS),
    /** The department a handler acts for (required for handlers). */
    department: DepartmentCode.optional(),
    iat: z.number().int().nonnegative(),
    exp: z.number().int().positive(),
    nbf: z.number().int().optional(),
    iss: z.string().max(200).optional(),
    /** Who the token is for (RFC 7519 4.1.3): one audience or several. */
    aud: z.union([z.string().max(200), z.array(z.string().max(200)).max(20)]).optional(),
  })
  .refine((c) => c.role !== 'handler' || c.department !== undefined, {
    path: ['department'],
    message: 'a handler token names its department',
  })
  .refine((c) => c.exp > c.iat, { path: ['exp'], message: 'exp is after iat' });
export type TokenClaims = z.infer<typeof TokenClaims>;

/** The actor a verified token speaks for: a department only for handlers. */
export function actorOf(claims: TokenClaims): Actor {
  return {
    id: claims.sub,
    role: claims.role,
    ...(claims.role === 'handler' && claims.department ? { department: claims.department } : {}),
    areas: [...new Set(claims.areas)],
  };
}
