/**
 * The photo janitor (ADR 0021): photos under pending/ become part of their case (moved to cases/) once the case's
 * history shows the accepted command that named them; photos no command named in PHOTO_PENDING_TTL_S (their record
 * expired), of a rejected command (its claim expired), or whose upload died between the object and its record, are
 * deleted. Safe to run on every instance at once: each step is idempotent.
 */
import type { Logger } from '@gridgov/runtime';
import type { PhotoRecords } from './records.ts';
import type { PhotoStore } from './store.ts';

/** An object younger than this may be an upload whose record is being written: left alone. */
const UPLOAD_GRACE_MS = 5 * 60_000;

export async function sweepPhotos(
  store: PhotoStore,
  records: PhotoRecords,
  /** The read model's history of a case (`ReadModelReader.history`): what its accepted commands' events carry. */
  reader: { history(incidentId: string): Promise<readonly { data: Record<string, unknown> }[]> },
  now: number,
  logger: Logger,
): Promise<{ promoted: number; deleted: number }> {
  let promoted = 0;
  let deleted = 0;
  for await (const object of store.pending()) {
    const record = await records.get(object.key);
    if (record?.incidentId) {
      const lines = await reader.history(record.incidentId);
      const shown = lines.some(
        (l) => Array.isArray(l.data['photos']) && (l.data['photos'] as { key: string }[]).some((p) => p.key === object.key),
      );
      if (shown) {
        await store.promote(object.key);
        await records.remove(object.key);
        promoted += 1;
      }
      continue;
    }
    if (record || now - object.lastModified.getTime() < UPLOAD_GRACE_MS) continue;
    await store.delete('pending', object.key);
    deleted += 1;
    logger.info({ photoKey: object.key, storedAt: object.lastModified.toISOString() }, 'orphan photo deleted: no command named it in time');
  }
  if (promoted + deleted > 0) logger.info({ promoted, deleted }, 'photo janitor swept pending photos');
  return { promoted, deleted };
}
