import { randomBytes } from 'node:crypto';
import { CASE_QUEUES, caseQueues, DEFAULT_CATEGORIES, DEFAULT_DEPARTMENTS, type CaseQueue } from '@gridgov/domain';
import { Redis } from '@gridgov/redis';
import { sharedInfra, SYNTHETIC_WORDS, syntheticCases } from '@gridgov/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASE_FLAGS, hasFlag, type CaseFilter } from './filter-index.ts';
import { ReadModelReader, type CaseList } from './reader.ts';
import type { CaseListEntry, IncidentView } from './schemas.ts';
import { context } from './test-support.ts';
import { SORT_KEYS, sortScores } from './sort-index.ts';
import { caseChange, ReadModelWriter } from './writer.ts';

const COUNT = 50_000;
const YEAR = 365 * 86_400_000;
const START = Date.parse('2026-01-01T00:00:00+08:00');

/** What the brute force scans: each case as it ends, with what the filters ask of it. */
interface Known {
  readonly view: IncidentView;
  readonly lineage: readonly string[];
  readonly reporterId: string;
  readonly reportedAt: number;
  readonly confidential: boolean;
  readonly text: string;
}

/**
 * The filters and the text search of the work lists and of a reporter's cases, answered from the indexes, against a
 * brute-force scan of the same 50,000 cases (written through the read model's writer on a real Redis).
 */
describe('filters and text search against a brute force (50,000 cases, real Redis)', () => {
  const keyPrefix = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  let redis: Redis;
  let reader: ReadModelReader;
  const known: Known[] = [];
  const areasInUse = context.areas.ofLevel('grid').flatMap((g) => context.areas.lineage(g.code));
  const subAreas = [...new Set(areasInUse)];

  beforeAll(async () => {
    redis = new Redis(sharedInfra().redisUrl, { maxRetriesPerRequest: 3 });
    const writer = new ReadModelWriter(redis, keyPrefix, 60);
    reader = new ReadModelReader(redis, keyPrefix, { error: () => undefined });
    const cases = syntheticCases({ count: COUNT, seed: 23, areas: context.areas, start: START, spanMs: YEAR });
    for (let i = 0; i < cases.length; i += 2_000) {
      const batch = cases.slice(i, i + 2_000);
      await writer.writeCases(batch.map((c) => caseChange(c.incidentId, null, c.reported, [c.report], context.areas)));
      // Some cases move on (another department, escalated, closed…): what they leave must leave the indexes.
      await writer.writeCases(batch.filter((c) => c.later).map((c) => caseChange(c.incidentId, c.reported, c.later!, [], context.areas)));
    }
    for (const c of cases) {
      const state = c.later ?? c.reported;
      const view = caseChange(c.incidentId, null, state, [], context.areas).view;
      known.push({
        view,
        lineage: context.areas.lineage(state.gridCode),
        reporterId: state.reporterId,
        reportedAt: state.reportedAt,
        confidential: context.catalog.isConfidential(state.category),
        text: `${c.description} ${c.address}`.toLowerCase(),
      });
    }
  }, 120_000);

  afterAll(async () => {
    if (!redis) return;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}:*`, 'COUNT', 5000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  });

  /** The brute force: every case scanned, in the order of the list (a work list's sort; the reporter's: newest first). */
  function scan(list: CaseList, filter: CaseFilter, words: readonly string[]): string[] {
    const mine = 'reporterId' in list;
    // A work list in the order asked for (its score in that order, ADR 0014); the reporter's by report time.
    const score = (k: Known) => (mine ? k.reportedAt : sortScores(k.view)[('sort' in list && list.sort) || 'reportedAt']);
    return known
      .filter(
        (k) =>
          (mine
            ? k.reporterId === list.reporterId
            : k.lineage.includes(list.area) && caseQueues(k.view).includes(list.queue as CaseQueue)) &&
          (filter.category === undefined || k.view.category === filter.category) &&
          (filter.urgency === undefined || k.view.urgency === filter.urgency) &&
          (filter.area === undefined || k.lineage.includes(filter.area)) &&
          (filter.department === undefined || k.view.department === filter.department) &&
          (filter.from === undefined || k.reportedAt >= filter.from) &&
          (filter.to === undefined || k.reportedAt <= filter.to) &&
          (filter.flags ?? []).every((f) => hasFlag(k.view, f)) &&
          (words.length === 0 || (!k.confidential && words.every((w) => k.text.includes(w)))),
      )
      .sort((a, b) => (score(a) - score(b) || (a.view.incidentId < b.view.incidentId ? -1 : 1)) * (mine ? -1 : 1))
      .map((k) => k.view.incidentId);
  }

  /** Every page of the indexed answer, cursor after cursor. */
  async function answer(list: CaseList, filter: CaseFilter, limit: number): Promise<string[]> {
    const ids: string[] = [];
    let after: CaseListEntry | undefined;
    for (;;) {
      const page = await reader.filteredPage(list, filter, limit, 'reporterId' in list, after);
      const shown = page.slice(0, limit);
      ids.push(...shown.map((e) => e.incidentId));
      if (page.length <= limit) return ids;
      after = shown[shown.length - 1];
    }
  }

  const lowerWords = SYNTHETIC_WORDS.map((w) => w.toLowerCase());
  const arbitraryList = fc.oneof(
    fc.record({ area: fc.constantFrom(...subAreas), queue: fc.constantFrom(...CASE_QUEUES), sort: fc.constantFrom(...SORT_KEYS) }),
    fc.record({ reporterId: fc.integer({ min: 0, max: 49 }).map((n) => `staff-${String(n).padStart(3, '0')}`) }),
  );
  const arbitraryQuery = fc.record({
    category: fc.constantFrom(...DEFAULT_CATEGORIES.map((c) => c.code)),
    urgency: fc.constantFrom('normal', 'urgent', 'very_urgent' as const),
    area: fc.constantFrom(...subAreas),
    department: fc.constantFrom(...DEFAULT_DEPARTMENTS.map((d) => d.code)),
    from: fc.integer({ min: START, max: START + YEAR }),
    span: fc.integer({ min: 0, max: YEAR / 2 }),
    flags: fc.subarray([...CASE_FLAGS], { minLength: 1 }),
    // A word, a two-character piece of one, or two words (AND).
    words: fc.oneof(
      fc.constantFrom(...lowerWords).map((w) => [w]),
      fc.constantFrom(...lowerWords.filter((w) => [...w].length >= 3)).map((w) => [[...w].slice(1, 3).join('')]),
      fc.tuple(fc.constantFrom(...lowerWords), fc.constantFrom(...lowerWords)).map(([a, b]) => [a, b]),
    ),
  });
  /** Which of them a query uses: up to three, so that many answers hold cases. */
  const arbitraryUse = fc.subarray(['category', 'urgency', 'area', 'department', 'from', 'flags', 'words'] as const, { maxLength: 3 });

  it('answers every random combination of filters and text as the brute force does, page after page', async () => {
    let nonEmpty = 0;
    await fc.assert(
      fc.asyncProperty(arbitraryList, arbitraryQuery, arbitraryUse, fc.constantFrom(7, 50, 200), async (list, all, use, limit) => {
        const q: Partial<typeof all> = Object.fromEntries(
          Object.entries(all).filter(([k]) => (use as readonly string[]).includes(k) || k === 'span'),
        );
        // A filter by area on a work list must be the list's area or under it (the API refuses any other).
        const area = q.area !== undefined && 'area' in list && !context.areas.isWithin(q.area, list.area) ? undefined : q.area;
        const filter: CaseFilter = {
          ...(q.category === undefined ? {} : { category: q.category }),
          ...(q.urgency === undefined ? {} : { urgency: q.urgency }),
          ...(area === undefined ? {} : { area }),
          ...(q.department === undefined ? {} : { department: q.department }),
          ...(q.from === undefined ? {} : { from: q.from }),
          ...(q.from === undefined || q.span === undefined ? {} : { to: q.from + q.span }),
          ...(q.flags === undefined ? {} : { flags: q.flags }),
          ...(q.words === undefined ? {} : { text: q.words.join(' ') }),
        };
        const expected = scan(list, filter, q.words ?? []);
        if (expected.length > 0) nonEmpty++;
        expect(await answer(list, filter, limit)).toEqual(expected);
      }),
      { numRuns: 300, seed: 23 },
    );
    // The property means something only if many answers hold cases.
    expect(nonEmpty).toBeGreaterThan(100);
  }, 60_000);

  it('answers as the brute force when a walk of the list meets fewer cases than the sets promised (then intersects)', async () => {
    // A department on the queue of cases not yet dispatched: the sets promise one case in ten, the queue holds none;
    // on the returned queue, some.
    const district = context.areas.ofLevel('district')[0]!.code;
    for (const queue of ['new', 'returned', 'handling'] as const)
      for (const { code } of DEFAULT_DEPARTMENTS.slice(0, 4)) {
        const list = { area: district, queue };
        expect(await answer(list, { department: code }, 50)).toEqual(scan(list, { department: code }, []));
      }
  });

  it('never finds a confidential case by its text', async () => {
    const confidential = known.filter((k) => k.confidential);
    expect(confidential.length).toBeGreaterThan(1_000);
    const texts = await redis.mget(...confidential.slice(0, 500).map((k) => `${keyPrefix}:search-text:${k.view.incidentId}`));
    expect(texts.every((t) => t === null)).toBe(true);
    const category = confidential[0]!.view.category;
    for (const word of ['垃圾', '楼道', '同德路']) {
      const found = await answer({ area: context.areas.ofLevel('district')[0]!.code, queue: 'handling' }, { category, text: word }, 200);
      expect(found).toEqual([]);
    }
  });
});
