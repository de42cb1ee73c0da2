import { fileURLToPath } from 'node:url';
import { mintToken, signEnvelope, TokenVerifier } from '@gridgov/auth';
import type { CommandEnvelope, PersonRole } from '@gridgov/contracts';

/** Secrets of the test suite only (never a deployment's): services started by tests get them in infra.env(). */
export const TEST_JWT_SECRET = 'test-only-jwt-secret-0123456789abcdef';
export const TEST_COMMAND_SIGNING_KEY = 'test-only-command-signing-key-0123456789';
/** The test suite's key-encryption key file and pseudonym secret (ADR 0016): test-only, committed on purpose. */
export const TEST_KEK_FILE = fileURLToPath(new URL('../fixtures/test-kek.json', import.meta.url));
export const TEST_PSEUDONYM_SECRET = 'test-only-pseudonym-secret-0123456789abcdef';

/** What a service needs to verify tokens and sign or check commands in tests. */
export const TEST_AUTH_ENV: Readonly<Record<string, string>> = {
  JWT_SECRET: TEST_JWT_SECRET,
  COMMAND_SIGNING_KEY: TEST_COMMAND_SIGNING_KEY,
  KEK_FILE: TEST_KEK_FILE,
  PSEUDONYM_SECRET: TEST_PSEUDONYM_SECRET,
};

export interface TestTokenClaims {
  readonly role: PersonRole;
  readonly areas: readonly string[];
  readonly sub?: string;
  readonly department?: string;
  readonly ttlSeconds?: number;
}

/** An HS256 token signed with the test secret. */
export function testToken(claims: TestTokenClaims, nowMs: number = Date.now()): string {
  return mintToken(
    {
      sub: claims.sub ?? `${claims.role}-test`,
      role: claims.role,
      areas: claims.areas,
      department: claims.department,
      ttlSeconds: claims.ttlSeconds ?? 3600,
    },
    TEST_JWT_SECRET,
    nowMs,
  );
}

/** `{ authorization: 'Bearer <token>' }` for a request. */
export function bearer(claims: TestTokenClaims): { authorization: string } {
  return { authorization: `Bearer ${testToken(claims)}` };
}

/** The verifier a service builds from TEST_AUTH_ENV. */
export function testTokenVerifier(): TokenVerifier {
  return new TokenVerifier({ key: { alg: 'HS256', secret: TEST_JWT_SECRET } });
}

/** A command envelope as the intake signs it, for tests that produce commands themselves. */
export function signedForTest(envelope: CommandEnvelope): CommandEnvelope {
  return signEnvelope(envelope, TEST_COMMAND_SIGNING_KEY);
}
