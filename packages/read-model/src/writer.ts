import type { CommandOutcome, GridEvent } from '@gridgov/contracts';
import {
  Catalog,
  departmentQueueChanges,
  historyEntry,
  incidentView,
  queueChanges,
  type DepartmentListing,
  type AreaTree,
  type Incident,
  type IncidentState,
} from '@gridgov/domain';
import type { Redis } from '@gridgov/redis';
import { facetChanges, filterIndexKeys, writeFilterIndexes } from './filter-index.ts';
import { KeyedWrites } from './keyed-writes.ts';
import { openNearChange, openNearKeys, writeOpenNear, type OpenNearChange } from './open-near.ts';
import { readModelKeys } from './keys.ts';
import { packHistory, PACKED_FIELD, storedLines, StoredLineError } from './history-pack.ts';
import { searchableText, textTokens } from './text-index.ts';
import type { HistoryEntry, IncidentView } from './schemas.ts';
import { sortIndexChange, writeSortIndexes, type SortIndexChange } from './sort-index.ts';

/** A case's change as the read side writes it: the view, new history lines, the work lists joined and left. */
export interface CaseChange {
  readonly incidentId: string;
  readonly view: IncidentView;
  readonly history: readonly HistoryEntry[];
  /** The report time (epoch ms): the case's score on every list. */
  readonly score: number;
  /** The case's grid and every area above it. */
  readonly areas: readonly string[];
  readonly add: readonly string[];
  readonly remove: readonly string[];
  /** The department lists (per department and queue) joined and left, in every area of `areas`. */
  readonly departments: { readonly add: readonly DepartmentListing[]; readonly remove: readonly DepartmentListing[] };
  /** The sort indexes' scores set and lists left (ADR 0014). */
  readonly sorts: SortIndexChange;
  /**
   * Set when the case is new: it joins its reporter's list, kept under the reporter's pseudonym (`reporterRef`; the
   * clear id only for an event from before encryption, ADR 0016).
   */
  readonly reporterId?: string;
  /**
   * Set when the case's personal data was erased (IncidentErased): what the writer removes besides what the shredded
   * key already makes unreadable: the case from its reporter's list, its searchable text and its command outcomes.
   */
  readonly erased?: { readonly reporterList?: string };
  /** The filter indexes joined and left (filter-index.ts). */
  readonly facets: { readonly add: readonly string[]; readonly remove: readonly string[] };
  /**
   * Set when the case is new and its category is not confidential: its searchable description and address
   * (text-index.ts). A confidential lead's text is never indexed nor stored for search (举报人保护).
   */
  readonly text?: string;
  /** The index of open cases near a place joined or left (open-near.ts, ADR 0032). */
  readonly openNear?: OpenNearChange;
}

const DEFAULT_CATALOG = new Catalog();

/** What folding `events` (already applied: `before` → `after`) changes of one case in the read side. */
export function caseChange(
  incidentId: string,
  before: IncidentState,
  after: Incident,
  events: readonly GridEvent[],
  areas: AreaTree,
  catalog: Catalog = DEFAULT_CATALOG,
): CaseChange {
  const view = incidentView(incidentId, after);
  const was = before ? incidentView(incidentId, before) : null;
  const { add, remove } = queueChanges(was, view);
  const lineage = areas.lineage(after.gridCode);
  const report = events.find((e) => e.type === 'IncidentReported');
  const text =
    report && !catalog.isConfidential(after.category) ? searchableText(report.data.description, report.data.location.address) : undefined;
  const reporterList = report ? (report.data.reporterRef ?? report.data.reporterId) : (before?.reporterRef ?? before?.reporterId);
  const erased = events.some((e) => e.type === 'IncidentErased');
  const openNear = openNearChange(before, after, events, catalog.isConfidential(after.category));
  return {
    incidentId,
    view,
    history: events.map(historyEntry),
    score: after.reportedAt,
    areas: lineage,
    add,
    remove,
    departments: departmentQueueChanges(before, after),
    sorts: sortIndexChange(was, view),
    ...(before || erased || !reporterList ? {} : { reporterId: reporterList }),
    ...(erased ? { erased: reporterList ? { reporterList } : {} } : {}),
    facets: facetChanges(was, view, lineage),
    ...(text ? { text } : {}),
    ...(openNear ? { openNear } : {}),
  };
}

/**
 * The one writer of what the API reads: case views, histories, work lists and command outcomes. Every write is
 * idempotent (plain SETs, HSETs and ZADDs), so a batch folded again writes the same. The fold's own state and
 * checkpoints are the projector's (`CaseViewStore`).
 */
export class ReadModelWriter {
  private readonly keys: ReturnType<typeof readModelKeys>;
  private readonly index: ReturnType<typeof filterIndexKeys>;
  private readonly near: ReturnType<typeof openNearKeys>;

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    /** How long an outcome stays readable by GET /v1/commands/:id. */
    private readonly outcomeTtlSeconds: number,
  ) {
    this.keys = readModelKeys(keyPrefix);
    this.index = filterIndexKeys(keyPrefix);
    this.near = openNearKeys(keyPrefix);
  }

  async writeCases(changes: readonly CaseChange[]): Promise<void> {
    if (changes.length === 0) return;
    const whole = await this.wholeHistories(changes);
    const pipeline = this.redis.pipeline();
    // The writes of shared keys (work lists, sort indexes, filter indexes, the open-near index) gathered by key across
    // the batch's cases, one command a key, and written after the views: a list or index never names a case whose view
    // is older (ADR 0015). A case's second change in the batch first writes out what was gathered, so that its own
    // lists change in order.
    const writes = new KeyedWrites(pipeline);
    for (const c of changes) {
      writes.startCase(c.incidentId);
      pipeline.set(this.keys.view(c.incidentId), JSON.stringify(c.view));
      this.writeHistory(pipeline, c, whole.get(c.incidentId));
      for (const area of c.areas) {
        for (const queue of c.remove) writes.add('zrem', this.keys.caseQueue(area, queue), c.incidentId);
        for (const queue of c.add) writes.add('zadd', this.keys.caseQueue(area, queue), c.score, c.incidentId);
        for (const l of c.departments.remove) writes.add('zrem', this.keys.departmentQueue(area, l.department, l.queue), c.incidentId);
        for (const l of c.departments.add)
          writes.add('zadd', this.keys.departmentQueue(area, l.department, l.queue), c.score, c.incidentId);
      }
      writeSortIndexes(writes, this.keyPrefix, c.incidentId, c.areas, c.sorts);
      if (c.reporterId) writes.add('zadd', this.keys.reportedBy(c.reporterId), c.score, c.incidentId);
      if (c.openNear) writeOpenNear(writes, this.near, c.incidentId, c.openNear);
      writeFilterIndexes(writes, this.index, c);
    }
    writes.writeOut();
    await this.erase(
      pipeline,
      changes.filter((c) => c.erased),
      whole,
    );
    await execOrThrow(pipeline);
  }

  /**
   * The stored lines of the cases whose whole history this batch rewrites: those it packs (closed or rejected) and
   * those it erases. One round trip for all of them; none for a case whose every line is in the batch.
   */
  private async wholeHistories(changes: readonly CaseChange[]): Promise<Map<string, StoredHistory>> {
    const whole = new Map<string, StoredHistory>();
    const toRead: CaseChange[] = [];
    for (const c of changes) {
      if (!packs(c) && !c.erased) continue;
      if (!c.erased && c.history[0]?.version === 1) whole.set(c.incidentId, { lines: new Map(), fields: [] });
      else toRead.push(c);
    }
    if (toRead.length === 0) return whole;
    const pipeline = this.redis.pipeline();
    for (const c of toRead) pipeline.hgetallBuffer(this.keys.history(c.incidentId));
    const results = (await pipeline.exec()) ?? [];
    toRead.forEach((c, i) => {
      const [err, fields] = results[i] ?? [new Error('no answer')];
      if (err) throw err;
      const stored = fields as Record<string, Buffer>;
      try {
        whole.set(c.incidentId, { lines: storedLines(stored), fields: Object.keys(stored) });
      } catch (e) {
        // A line that cannot be read stays as it is, and the reader names it. Packing is only a saving: a case whose
        // history cannot be read keeps its lines loose; an erasure must read them, and stops the batch instead.
        if (!(e instanceof StoredLineError) || c.erased) throw e;
      }
    });
    return whole;
  }

  /**
   * A case's new history lines: loose fields while the case is open; all its lines packed into one field once it is
   * closed or rejected (history-pack.ts), the loose ones removed after the packed one is written, so that a reader in
   * between reads every line. An erased case loses its reporter's pseudonym from every line.
   */
  private writeHistory(pipeline: ReturnType<Redis['pipeline']>, c: CaseChange, stored: StoredHistory | undefined): void {
    const key = this.keys.history(c.incidentId);
    if (!stored) {
      if (c.history.length > 0) pipeline.hset(key, ...c.history.flatMap((line) => [String(line.version), JSON.stringify(line)]));
      return;
    }
    const lines = new Map<number, unknown>(stored.lines);
    for (const line of c.history) lines.set(line.version, line);
    if (c.erased) for (const [version, line] of lines) lines.set(version, withoutReporterRef(line));
    if (packs(c)) {
      pipeline.hset(key, PACKED_FIELD, packHistory(lines));
      const loose = new Set([...stored.fields, ...c.history.map((line) => String(line.version))]);
      loose.delete(PACKED_FIELD);
      if (loose.size > 0) pipeline.hdel(key, ...loose);
    } else {
      pipeline.hset(key, ...[...lines].flatMap(([version, line]) => [String(version), JSON.stringify(line)]));
      if (stored.fields.includes(PACKED_FIELD)) pipeline.hdel(key, PACKED_FIELD);
    }
  }

  /**
   * Erasure (ADR 0016) reaches the copies a shredded key does not: the reporter's list, the case's searchable text and
   * its entries, and the stored outcomes of its commands (they name their issuer by pseudonym). The history's lines
   * lose the pseudonym as they are written (`writeHistory`). Idempotent.
   */
  private async erase(
    pipeline: ReturnType<Redis['pipeline']>,
    erased: readonly CaseChange[],
    whole: ReadonlyMap<string, StoredHistory>,
  ): Promise<void> {
    for (const c of erased) {
      if (c.erased?.reporterList) pipeline.zrem(this.keys.reportedBy(c.erased.reporterList), c.incidentId);
      const text = await this.redis.get(this.index.searchText(c.incidentId));
      if (text !== null) for (const token of textTokens(text)) pipeline.srem(this.index.text(token), c.incidentId);
      pipeline.del(this.index.searchText(c.incidentId));
      for (const line of whole.get(c.incidentId)?.lines.values() ?? []) {
        const commandId = typeof line === 'object' && line !== null ? (line as { commandId?: unknown }).commandId : undefined;
        if (typeof commandId === 'string' && !c.history.some((h) => h.commandId === commandId)) pipeline.del(this.keys.outcome(commandId));
      }
    }
  }

  /** Stores outcomes for the API, without their position (it is the fold's business). */
  async writeOutcomes(outcomes: readonly CommandOutcome[]): Promise<void> {
    if (outcomes.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { position: _position, ...outcome } of outcomes) {
      pipeline.set(this.keys.outcome(outcome.commandId), JSON.stringify(outcome), 'EX', this.outcomeTtlSeconds);
    }
    await execOrThrow(pipeline);
  }
}

/** A case's stored history: its lines by version (parsed, not checked) and the hash's fields that held them. */
interface StoredHistory {
  readonly lines: ReadonlyMap<number, unknown>;
  readonly fields: readonly string[];
}

/** Whether a case's history is packed: once it is closed or rejected, when what is left is to read it. */
function packs(c: CaseChange): boolean {
  return c.view.status === 'closed' || c.view.status === 'rejected';
}

/** The report's line keeps its sealed fields (unreadable once the key is shredded) but not the pseudonym that links it to its reporter. */
function withoutReporterRef(line: unknown): unknown {
  if (typeof line !== 'object' || line === null) return line;
  const data = (line as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null || !('reporterRef' in data)) return line;
  const { reporterRef: _ref, ...rest } = data as Record<string, unknown>;
  return { ...line, data: rest };
}

async function execOrThrow(pipeline: ReturnType<Redis['pipeline']>): Promise<void> {
  const results = (await pipeline.exec()) ?? [];
  const failed = results.find(([err]) => err);
  if (failed?.[0]) throw failed[0];
}
