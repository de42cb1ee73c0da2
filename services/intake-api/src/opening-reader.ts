import { CaseKeys, ERASED_ID, hasSealed, isDroppedWhenErased, openDeep, type Kms } from '@gridgov/crypto';
import { ReadModelReader, type HistoryEntry, type IncidentView, type InvalidRecordLogger } from '@gridgov/read-model';
import type { Redis } from '@gridgov/redis';

/**
 * The read model as the intake's routes read it: personal fields, sealed in the views and histories as on the log,
 * opened with their case's data key (ADR 0016). A case whose key is gone (erased) shows none of them: its reporter
 * is null, an actor who was grid staff is `erased`. What each reader may see of the opened case is still the access
 * table's (`visibleIncident`, `visibleHistory`).
 */
export class OpeningReader extends ReadModelReader {
  private readonly caseKeys: CaseKeys;

  constructor(redis: Redis, keyPrefix: string, logger: InvalidRecordLogger, kms: Kms) {
    super(redis, keyPrefix, logger);
    this.caseKeys = new CaseKeys({ redis, keyPrefix, kms });
  }

  override async view(incidentId: string): Promise<IncidentView | undefined> {
    const view = await super.view(incidentId);
    return view && (await this.opened([view]))[0]!;
  }

  override async views(incidentIds: readonly string[]): Promise<(IncidentView | null)[]> {
    return this.opened(await super.views(incidentIds));
  }

  override async history(incidentId: string): Promise<HistoryEntry[]> {
    // The reporter's pseudonym is the read side's index, nobody's to read: it would link a reporter's cases.
    const lines = (await super.history(incidentId)).map((line) => {
      if (!('reporterRef' in line.data)) return line;
      const { reporterRef: _ref, ...data } = line.data;
      return { ...line, data };
    });
    if (!hasSealed(lines)) return lines;
    const key = (await this.caseKeys.get([incidentId])).get(incidentId) ?? null;
    return openDeep(lines, incidentId, key, replacement);
  }

  private async opened<V extends IncidentView | null>(views: readonly V[]): Promise<V[]> {
    const sealed = views.filter((v): v is V & IncidentView => v !== null && hasSealed(v)).map((v) => v.incidentId);
    if (sealed.length === 0) return [...views];
    const keys = await this.caseKeys.get(sealed);
    return views.map((v) => (v && hasSealed(v) ? openDeep(v, v.incidentId, keys.get(v.incidentId) ?? null, replacement) : v));
  }
}

/** What a sealed field whose key is gone reads as: nothing (a photo is left out of its list). */
const replacement = (field: string): unknown => (field === 'id' ? ERASED_ID : isDroppedWhenErased(field) ? undefined : null);
