import { randomBytes, randomFillSync } from 'node:crypto';

/** How many random bytes are drawn from the CSPRNG at a time. */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
/** Bytes of the pool already handed out: all of them until the first draw fills it. */
let used = POOL_BYTES;

/**
 * `n` bytes from the CSPRNG, as `randomBytes(n)` gives, drawn from a pool filled 4 KiB at a time: for AES-GCM's IVs,
 * 12 bytes a seal, where a call into the CSPRNG for each was a measurable part of the worker's CPU (docs/performance.md,
 * "Sealing: IVs from a pool"). Each byte of the pool is handed out once, then the pool is filled afresh, so no two IVs
 * share bytes; what is returned is a copy, kept by its caller whatever the pool does next. For IVs only: they are
 * written beside the ciphertext anyway, while a key drawn here would stay in the pool until it is filled again (keys
 * come from `randomBytes`). More than the pool holds is drawn directly.
 */
export function randomFromPool(n: number): Buffer {
  if (n > POOL_BYTES) return randomBytes(n);
  if (used + n > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const out = Buffer.allocUnsafe(n);
  pool.copy(out, 0, used, used + n);
  used += n;
  return out;
}
