/**
 * The photo janitor (ADR 0021): photos under pending/ become part of their case (moved to cases/) once the case's
 * history shows the accepted command that named them; photos no command named in PHOTO_PENDING_TTL_S (their record
 * expired), of a rejected command (its claim expired), or whose upload died between the object and its record, are
 * deleted; the photos of a case whose erasure was asked for are deleted once it shows IncidentErased. Safe to run on
 * every instance at once: each step is idempotent.
 */
import type { Logger } from '@gridgov/runtime';
import type { PhotoRecords } from './records.ts';
import type { PhotoStore } from './store.ts';

/** An object younger than this may be an upload whose record is being written: left alone. */
const UPLOAD_GRACE_MS = 5 * 60_000;
/** An erasure asked for and not shown by the case after this long was refused (the case was not closed): forgotten. */
const ERASURE_WAIT_MS = 24 * 3_600_000;

export async function sweepPhotos(
  store: PhotoStore,
  records: PhotoRecords,
  /** The read model's history of a case (`ReadModelReader.history`): what its accepted commands' events carry. */
  reader: { history(incidentId: string): Promise<readonly { type: string; data: Record<string, unknown> }[]> },
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
  // Erasures (ADR 0016): once the case shows IncidentErased, its photos' objects go too, wherever they are.
  for (const [incidentId, { keys, at }] of await records.erasing()) {
    const lines = await reader.history(incidentId);
    if (lines.some((l) => l.type === 'IncidentErased')) {
      for (const key of keys) {
        await store.delete('cases', key);
        await store.delete('pending', key);
        await records.remove(key);
      }
      await records.doneErasing(incidentId);
      deleted += keys.length;
      logger.info({ incidentId, photos: keys.length }, 'photos of an erased case deleted');
    } else if (now - at > ERASURE_WAIT_MS) {
      await records.doneErasing(incidentId);
    }
  }
  if (promoted + deleted > 0) logger.info({ promoted, deleted }, 'photo janitor swept pending photos');
  return { promoted, deleted };
}
