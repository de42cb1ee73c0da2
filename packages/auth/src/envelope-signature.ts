import { createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '@gridgov/contracts';

const SCHEME = 'hs256:';

/**
 * Where a signed command is meant to be (ADR 0019): the topic it is produced to and its record key (the incident id).
 * Both are inside the signature, so the same bytes produced to another topic (another deployment's, a test's) or
 * under another key do not verify. The partition is not known when the intake signs; the worker checks it is the one
 * the key maps to.
 */
export interface CommandBinding {
  readonly topic: string;
  /** The record key; the envelope's incident id when not given. */
  readonly key?: string;
}

/** What the HMAC covers: the envelope without its `signature` field, with the topic and key it is bound to. */
function signedText(envelope: object, binding: CommandBinding): string {
  const { signature: _ignored, ...rest } = envelope as { signature?: unknown; incidentId?: unknown };
  const key = binding.key ?? (typeof rest.incidentId === 'string' ? rest.incidentId : '');
  return canonicalJson({ envelope: rest, key, topic: binding.topic });
}

/**
 * The intake's signature of a command envelope (ADR 0006, ADR 0019): HMAC-SHA256, keyed with COMMAND_SIGNING_KEY,
 * over the canonical JSON of the envelope without its `signature` field, the topic and the record key.
 */
export function envelopeSignature(envelope: object, key: string, binding: CommandBinding): string {
  return SCHEME + createHmac('sha256', key).update(signedText(envelope, binding)).digest('base64url');
}

/**
 * The envelope stamped with `signedAt` (the intake's wall clock when it signed: the worker refuses a command appended
 * much later, ADR 0019) and signed for `binding`. A `signedAt` already on the envelope is kept.
 */
export function signEnvelope<T extends object>(
  envelope: T,
  key: string,
  binding: CommandBinding,
  signedAt: Date = new Date(),
): T & { signedAt: string; signature: string } {
  const { signature: _ignored, ...rest } = envelope as T & { signature?: unknown; signedAt?: string };
  const stamped = { ...rest, signedAt: rest.signedAt ?? signedAt.toISOString() } as T & { signedAt: string };
  return { ...stamped, signature: envelopeSignature(stamped, key, binding) };
}

/**
 * Checks a command record's signature before anything in it is believed: undefined when one of `keys` (the
 * current key first, then keys being rotated out) signed exactly this JSON for this topic and record key; otherwise
 * why not.
 */
export function envelopeSignatureProblem(json: unknown, keys: readonly string[], binding: Required<CommandBinding>): string | undefined {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return 'the command envelope is not a JSON object';
  const signature = (json as { signature?: unknown }).signature;
  if (signature === undefined) return 'the command envelope is not signed';
  if (typeof signature !== 'string' || !signature.startsWith(SCHEME)) return `the command envelope's signature is not ${SCHEME}<base64url>`;
  const given = Buffer.from(signature.slice(SCHEME.length), 'base64url');
  for (const key of keys) {
    const expected = Buffer.from(envelopeSignature(json, key, binding).slice(SCHEME.length), 'base64url');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return undefined;
  }
  return `the command envelope's signature does not verify with the command signing key for topic ${binding.topic} and key ${binding.key}`;
}
