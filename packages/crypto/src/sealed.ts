import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { randomFromPool } from './random-pool.ts';

/**
 * A sealed value as it travels in an event field that was a string: `enc1.<iv>.<ciphertext>.<tag>` (base64url), AES-256-GCM
 * under the case's data key. Which key is not written in it: it is always the key of the event's own incident
 * (`metadata.incidentId`, grid.keys). The additional data binds it to that incident and to the field, so a sealed
 * value moved to another case or field does not open (ADR 0016).
 */
export const SEALED_PREFIX = 'enc1.';
const b64 = '[A-Za-z0-9_-]';
export const SealedString = z
  .string()
  .regex(new RegExp(`^enc1\\.${b64}{16}\\.${b64}*\\.${b64}{22}$`), 'a sealed value is enc1.<iv>.<ciphertext>.<tag>')
  .transform((s) => {
    const [, iv, ct, tag] = s.split('.');
    return { alg: 'A256GCM' as const, iv: iv!, ct: ct!, tag: tag! };
  });
export type SealedValue = z.output<typeof SealedString>;

export const isSealed = (value: unknown): value is string => typeof value === 'string' && value.startsWith(SEALED_PREFIX);

/** A 32-byte data key (one per case). */
export const newDataKey = (): Buffer => randomBytes(32);

/** Seals `plain` under `key`, bound to `context` (incident id and field). */
export function seal(key: Buffer, plain: string, context: string): string {
  const iv = randomFromPool(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `${SEALED_PREFIX}${iv.toString('base64url')}.${ct.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}`;
}

/** Opens a sealed string; throws when it is not one, or when the key or context are not the ones it was sealed with. */
export function open(key: Buffer, sealed: string, context: string): string {
  const parsed = SealedString.parse(sealed);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(parsed.iv, 'base64url'));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(Buffer.from(parsed.tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(parsed.ct, 'base64url')), decipher.final()]).toString('utf8');
}
