import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { randomFromPool } from './random-pool.ts';

/** A data key wrapped by a key-encryption key: which one (`kid`), and the wrapped bytes (iv, ciphertext, tag; base64url). */
export const WrappedKey = z.object({
  kid: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  wrapped: z.string().regex(/^[A-Za-z0-9_-]{80,120}$/),
});
export type WrappedKey = z.infer<typeof WrappedKey>;

/**
 * The small KMS the pipeline needs (ADR 0016): wrap a case's data key with the current key-encryption key, unwrap
 * with whichever key wrapped it. A cloud KMS or an HSM would sit behind the same two calls.
 */
export interface Kms {
  wrap(dataKey: Buffer, context: string): WrappedKey;
  unwrap(key: WrappedKey, context: string): Buffer;
  /** The id of the key new data keys are wrapped with. */
  readonly currentKid: string;
}

/** The local key file: the current KEK's id and every KEK still needed to unwrap (rotation adds one, keeps the old). */
export const KekFile = z.object({
  current: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  keys: z.record(
    z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, 'a KEK is 32 bytes, base64url')
      .transform((s) => Buffer.from(s, 'base64url')),
  ),
});

/** KEKs held in this process, from the local key file (`KEK_FILE`) or given directly (tests, benchmarks). */
export class LocalKms implements Kms {
  readonly currentKid: string;
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(file: z.output<typeof KekFile>) {
    if (!file.keys[file.current]) throw new Error(`the key file has no key ${file.current}, which it names current`);
    this.currentKid = file.current;
    this.keys = new Map(Object.entries(file.keys));
  }

  static fromFile(path: string): LocalKms {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`KEK_FILE ${path} cannot be read as JSON: ${(err as Error).message}`, { cause: err });
    }
    const parsed = KekFile.safeParse(json);
    if (!parsed.success)
      throw new Error(`KEK_FILE ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    return new LocalKms(parsed.data);
  }

  /** A fresh key file's contents (scripts/dev-secrets, tests). */
  static newFileContents(kid = `kek-${new Date().toISOString().slice(0, 10)}`): { current: string; keys: Record<string, string> } {
    return { current: kid, keys: { [kid]: randomBytes(32).toString('base64url') } };
  }

  wrap(dataKey: Buffer, context: string): WrappedKey {
    const iv = randomFromPool(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentKid)!, iv);
    cipher.setAAD(Buffer.from(`case-key:${context}`, 'utf8'));
    const ct = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return { kid: this.currentKid, wrapped: Buffer.concat([iv, ct, cipher.getAuthTag()]).toString('base64url') };
  }

  unwrap(key: WrappedKey, context: string): Buffer {
    const kek = this.keys.get(key.kid);
    if (!kek) throw new Error(`no key-encryption key ${key.kid} in the key file: it is needed until every key it wrapped is re-wrapped`);
    const raw = Buffer.from(key.wrapped, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', kek, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(`case-key:${context}`, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
  }
}
