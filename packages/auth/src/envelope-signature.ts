import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '@gridgov/contracts';

const SCHEME = 'hs256:';

/**
 * The intake's signature of a command envelope (ADR 0006): HMAC-SHA256, keyed with COMMAND_SIGNING_KEY, over
 * the canonical JSON of the envelope without its `signature` field.
 */
export function envelopeSignature(envelope: object, key: string): string {
  const { signature: _ignored, ...rest } = envelope as { signature?: unknown };
  return SCHEME + createHmac('sha256', key).update(canonicalJson(rest)).digest('base64url');
}

/** The envelope with its signature. */
export function signEnvelope<T extends object>(envelope: T, key: string): T & { signature: string } {
  return { ...envelope, signature: envelopeSignature(envelope, key) };
}

/**
 * Checks a command record's signature before anything in it is believed: undefined when one of `keys` (the
 * current key first, then keys being rotated out) signed exactly this JSON; otherwise why not.
 */
export function envelopeSignatureProblem(json: unknown, keys: readonly string[]): string | undefined {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return 'the command envelope is not a JSON object';
  const signature = (json as { signature?: unknown }).signature;
  if (signature === undefined) return 'the command envelope is not signed';
  if (typeof signature !== 'string' || !signature.startsWith(SCHEME)) return `the command envelope's signature is not ${SCHEME}<base64url>`;
  const given = Buffer.from(signature.slice(SCHEME.length), 'base64url');
  for (const key of keys) {
    const expected = Buffer.from(envelopeSignature(json, key).slice(SCHEME.length), 'base64url');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return undefined;
  }
  return "the command envelope's signature does not verify with the command signing key";
}
