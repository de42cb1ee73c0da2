import { fileURLToPath } from 'node:url';
import { EVENT_SIGNATURE_HEADER, EventSigner, EventVerifier, mintToken, signEnvelope, TokenVerifier } from '@gridgov/auth';
import type { OutgoingRecord } from '@gridgov/kafka';
import { partitionOf } from '@gridgov/kafka';
import type { CommandEnvelope, PersonRole } from '@gridgov/contracts';

/** Secrets of the test suite only (never a deployment's): services started by tests get them in infra.env(). */
export const TEST_JWT_SECRET = 'test-only-jwt-secret-0123456789abcdef';
export const TEST_COMMAND_SIGNING_KEY = 'test-only-command-signing-key-0123456789';
/** The test suite's key-encryption key file and pseudonym secret (ADR 0016): test-only, committed on purpose. */
export const TEST_KEK_FILE = fileURLToPath(new URL('../fixtures/test-kek.json', import.meta.url));
export const TEST_PSEUDONYM_SECRET = 'test-only-pseudonym-secret-0123456789abcdef';
/** The test suite's event signing key pair (Ed25519, ADR 0019): the private half goes to the worker alone. */
export const TEST_EVENT_SIGNING_KEY = 'j63uppESuTRAw1jRBxmUo6blgqZYqjy7T2Fz9KzkVqA';
export const TEST_EVENT_VERIFY_KEY = 'AKSI3twU06wzPWU7WvZGc4OKFZoGb4oktsLjO7FWE1E';

/** What a service needs to verify tokens, sign or check commands and check events in tests. */
export const TEST_AUTH_ENV: Readonly<Record<string, string>> = {
  JWT_SECRET: TEST_JWT_SECRET,
  COMMAND_SIGNING_KEY: TEST_COMMAND_SIGNING_KEY,
  KEK_FILE: TEST_KEK_FILE,
  PSEUDONYM_SECRET: TEST_PSEUDONYM_SECRET,
  EVENT_VERIFY_KEYS: TEST_EVENT_VERIFY_KEY,
};

/** Secrets one service alone gets in tests (startService adds them): the worker's event signing key. */
export const TEST_SERVICE_SECRETS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'dispatch-worker': { EVENT_SIGNING_KEY: TEST_EVENT_SIGNING_KEY },
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

/**
 * A command envelope as the intake signs it for `topic` (grid.commands of the test), for tests that produce commands
 * themselves; `signedAt` (default now) is when the intake would have signed it.
 */
export function signedForTest(envelope: CommandEnvelope, topic: string, signedAt: Date = new Date()): CommandEnvelope {
  return signEnvelope(envelope, TEST_COMMAND_SIGNING_KEY, { topic, key: envelope.incidentId }, signedAt);
}

/** The worker's signer of events in tests, and what readers of grid.events check them with. */
export const testEventSigner = new EventSigner(TEST_EVENT_SIGNING_KEY);
export const testEventVerifier = new EventVerifier([TEST_EVENT_VERIFY_KEY]);

/** The most events the worker's relay signs at once (its RELAY_CHUNK). */
const RELAY_CHUNK = 1000;

/**
 * Records for grid.events signed as the worker signs them, for tests and benchmarks that write events themselves:
 * each signed for the partition its key lands on among `partitions` (ADR 0019), a partition's records in chunks of
 * up to the relay's 1,000 under one signature each (ADR 0035).
 */
export function signedEventRecords(
  topic: string,
  partitions: number,
  records: readonly { readonly key: string; readonly value: string }[],
  signer: EventSigner = testEventSigner,
): OutgoingRecord[] {
  const byPartition = new Map<number, number[]>();
  records.forEach((r, i) => {
    const partition = partitionOf(r.key, partitions);
    const indexes = byPartition.get(partition);
    if (indexes) indexes.push(i);
    else byPartition.set(partition, [i]);
  });
  const signatures: string[] = [];
  for (const [partition, indexes] of byPartition) {
    for (let from = 0; from < indexes.length; from += RELAY_CHUNK) {
      const chunk = indexes.slice(from, from + RELAY_CHUNK);
      const signed = signer.signChunk(
        topic,
        partition,
        chunk.map((i) => records[i]!),
      );
      chunk.forEach((i, n) => (signatures[i] = signed[n]!));
    }
  }
  return records.map((r, i) => ({ ...r, headers: { [EVENT_SIGNATURE_HEADER]: signatures[i]! } }));
}
