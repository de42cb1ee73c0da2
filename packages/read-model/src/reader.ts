import { CommandOutcome } from '@gridgov/contracts';
import type { Redis } from '@gridgov/redis';
import { InvalidReadModelRecord, parseRecord } from './errors.ts';
import { readModelKeys } from './keys.ts';
import { HistoryEntry, IncidentView, type CaseListEntry } from './schemas.ts';
import { sortedQueueKey, type SortKey } from './sort-index.ts';

/** Where a record that fails its schema is told (a pino logger). */
export interface InvalidRecordLogger {
  error(context: object, message: string): void;
}

/** A list of cases: an area's work list in one order (report time when none is named), or the cases one person reported. */
export type CaseList = { readonly area: string; readonly queue: string; readonly sort?: SortKey } | { readonly reporterId: string };

/**
 * The one reader of the read side. Every record is parsed against its schema: one that fails is an
 * InvalidReadModelRecord naming the key and the incident, or, in a list, logged and left out, never the whole list.
 */
export class ReadModelReader {
  private readonly keys: ReturnType<typeof readModelKeys>;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly logger: InvalidRecordLogger,
  ) {
    this.keys = readModelKeys(keyPrefix);
  }

  async view(incidentId: string): Promise<IncidentView | undefined> {
    const key = this.keys.view(incidentId);
    const raw = await this.redis.get(key);
    return raw === null ? undefined : parseRecord(IncidentView, raw, key, incidentId);
  }

  /** The views of a list's cases, in order: null for a case without a view, or whose view fails its schema (logged). */
  async views(incidentIds: readonly string[]): Promise<(IncidentView | null)[]> {
    if (incidentIds.length === 0) return [];
    const keys = incidentIds.map((id) => this.keys.view(id));
    const raw = await this.redis.mget(...keys);
    return raw.map((r, i) => {
      if (r === null) return null;
      try {
        return parseRecord(IncidentView, r, keys[i]!, incidentIds[i]!);
      } catch (err) {
        if (!(err instanceof InvalidReadModelRecord)) throw err;
        this.logger.error(
          { incidentId: err.id, key: err.key, reason: err.reason },
          'read model: a case view fails its schema: left out of the list',
        );
        return null;
      }
    });
  }

  /** The case's history, oldest first. */
  async history(incidentId: string): Promise<HistoryEntry[]> {
    const key = this.keys.history(incidentId);
    const lines = await this.redis.hgetall(key);
    return Object.entries(lines)
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([version, line]) => parseRecord(HistoryEntry, line, `${key} ${version}`, incidentId));
  }

  async outcome(commandId: string): Promise<CommandOutcome | undefined> {
    const key = this.keys.outcome(commandId);
    const raw = await this.redis.get(key);
    return raw === null ? undefined : parseRecord(CommandOutcome, raw, key, commandId);
  }

  /**
   * The number of cases on each of an area's work lists: the cardinality of each list's sorted set (O(1) and exact,
   * ADR 0014), read in one round trip.
   */
  async queueCounts<Q extends string>(area: string, queues: readonly Q[]): Promise<Record<Q, number>> {
    const pipeline = this.redis.pipeline();
    for (const queue of queues) pipeline.zcard(this.keys.caseQueue(area, queue));
    const results = (await pipeline.exec()) ?? [];
    return Object.fromEntries(
      queues.map((queue, i) => {
        const [err, n] = results[i] ?? [new Error('no answer')];
        if (err) throw err;
        return [queue, Number(n)];
      }),
    ) as Record<Q, number>;
  }

  /**
   * One page of a list after `after`, in ascending score or (rev) descending, with one case more than `limit` when
   * there is more. Scores make ties rare (ADR 0014); members of equal score come in id order, which is how a page that
   * ended inside a tie resumes.
   */
  async listPage(list: CaseList, limit: number, rev: boolean, after: CaseListEntry | undefined): Promise<CaseListEntry[]> {
    const key =
      'reporterId' in list
        ? this.keys.reportedBy(list.reporterId)
        : sortedQueueKey(this.keyPrefix, list.area, list.queue, list.sort ?? 'reportedAt');
    const out: CaseListEntry[] = [];
    const from = after ? String(after.score) : rev ? '+inf' : '-inf';
    const to = rev ? '-inf' : '+inf';
    const chunk = limit + 16;
    for (let offset = 0; ; offset += chunk) {
      const flat = rev
        ? await this.redis.zrange(key, from, to, 'BYSCORE', 'REV', 'LIMIT', offset, chunk, 'WITHSCORES')
        : await this.redis.zrange(key, from, to, 'BYSCORE', 'LIMIT', offset, chunk, 'WITHSCORES');
      for (let i = 0; i < flat.length; i += 2) {
        const incidentId = flat[i]!;
        const score = Number(flat[i + 1]);
        if (after && score === after.score && (rev ? incidentId >= after.incidentId : incidentId <= after.incidentId)) continue;
        out.push({ incidentId, score });
        if (out.length === limit + 1) return out;
      }
      if (flat.length < chunk * 2) return out;
    }
  }
}
