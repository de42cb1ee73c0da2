import { randomUUID } from 'node:crypto';
import type { CommandOutcome } from '@gridgov/contracts';
import { createTestInfra, type TestInfra } from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidReadModelRecord } from './errors.ts';
import { readModelKeys } from './keys.ts';
import { ReadModelReader } from './reader.ts';
import { SORT_KEYS, sortIndexChange, sortScores } from './sort-index.ts';
import { PACKED_FIELD } from './history-pack.ts';
import { closedCase, grid, reportedCase } from './test-support.ts';
import { ReadModelWriter, type CaseChange } from './writer.ts';

describe('the read model: one writer, one reader (real Redis)', () => {
  let infra: TestInfra;
  let writer: ReadModelWriter;
  let reader: ReadModelReader;
  const told: object[] = [];

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 1, events: 1 } });
    writer = new ReadModelWriter(infra.redis, infra.keyPrefix, 60);
    reader = new ReadModelReader(infra.redis, infra.keyPrefix, { error: (context) => told.push(context) });
  });
  afterAll(async () => {
    await infra?.cleanup();
  });

  it('reads back what the writer wrote: the view, the history, the lists', async () => {
    const { incidentId, change } = reportedCase('staff-rw');
    await writer.writeCases([change]);
    // Written twice (a batch folded again): the same.
    await writer.writeCases([change]);
    expect(await reader.view(incidentId)).toEqual(change.view);
    expect(await reader.history(incidentId)).toEqual(change.history);
    const entry = { incidentId, score: change.score };
    expect(await reader.listPage({ reporterId: 'staff-rw' }, 10, true, undefined)).toEqual([entry]);
    for (const queue of change.add) expect(await reader.listPage({ area: grid, queue }, 10, false, undefined)).toEqual([entry]);
    expect(await reader.view(randomUUID())).toBeUndefined();
    expect(await reader.history(randomUUID())).toEqual([]);
  });

  it('pages a list after a cursor, ties on report time in id order', async () => {
    const cases = [reportedCase('staff-pages'), reportedCase('staff-pages'), reportedCase('staff-pages')];
    await writer.writeCases(cases.map(({ change }) => ({ ...change, score: 1_000 })));
    const ids = cases.map((c) => c.incidentId).sort();
    const list = { reporterId: 'staff-pages' };
    const first = await reader.listPage(list, 2, false, undefined);
    expect(first.map((e) => e.incidentId)).toEqual(ids);
    const rest = await reader.listPage(list, 2, false, first[1]);
    expect(rest.map((e) => e.incidentId)).toEqual([ids[2]]);
  });

  it('pages a work list in each order from its index, ties broken by incident id, every case once', async () => {
    // 13 cases on one list, with few distinct report times, deadlines and levels: pages end inside ties.
    const cases = Array.from({ length: 13 }, (_, i) => {
      const { incidentId, change } = reportedCase('staff-sorts');
      const view = {
        ...change.view,
        reportedAt: new Date(Date.UTC(2026, 10, 23, i % 3)).toISOString(),
        escalationLevel: i % 4,
        deadlines:
          i % 5 === 0 ? [] : [{ stage: 'handling' as const, due: new Date(Date.UTC(2026, 10, 25, i % 2)).toISOString(), overdue: false }],
      };
      const score = Date.parse(view.reportedAt);
      return { incidentId, view, change: { ...change, view, score, sorts: sortIndexChange(null, view) } };
    });
    await writer.writeCases(cases.map((c) => c.change));
    const queue = cases[0]!.change.add[0]!;
    for (const sort of SORT_KEYS) {
      const expected = [...cases]
        .sort((a, b) => sortScores(a.view)[sort] - sortScores(b.view)[sort] || (a.incidentId < b.incidentId ? -1 : 1))
        .map((c) => c.incidentId);
      const seen: string[] = [];
      let after: { incidentId: string; score: number } | undefined;
      for (;;) {
        const page = await reader.listPage({ area: grid, queue, sort }, 4, false, after);
        const shown = page.slice(0, 4);
        seen.push(...shown.map((e) => e.incidentId));
        if (page.length <= 4) break;
        after = shown.at(-1);
      }
      const mine = new Set<string>(cases.map((c) => c.incidentId));
      expect(
        seen.filter((id) => mine.has(id)),
        sort,
      ).toEqual(expected);
    }
    // The deadline order: the soonest first, those without a deadline last; the escalation order: level 3 first.
    const byDeadline = (await reader.listPage({ area: grid, queue, sort: 'deadline' }, 200, false, undefined)).filter((e) =>
      cases.some((c) => c.incidentId === e.incidentId),
    );
    expect(cases.find((c) => c.incidentId === byDeadline.at(-1)!.incidentId)!.view.deadlines).toEqual([]);
    const byLevel = await reader.listPage({ area: grid, queue, sort: 'escalation' }, 1, false, undefined);
    expect(cases.find((c) => c.incidentId === byLevel[0]!.incidentId)?.view.escalationLevel).toBe(3);
  });

  it('counts each work list by its size, exactly, as cases join and leave', async () => {
    const keys = readModelKeys(infra.keyPrefix);
    const area = '440705';
    const before = await reader.queueCounts(area, ['new', 'handling', 'closed-list']);
    const { change } = reportedCase('staff-counts');
    await writer.writeCases([change, change]);
    const after = await reader.queueCounts(area, ['new', 'handling', 'closed-list']);
    for (const queue of change.add) expect(after[queue as 'new' | 'handling']).toBe(before[queue as 'new' | 'handling'] + 1);
    expect(after['closed-list']).toBe(0);
    // Left: the lists written when the case moves off them, and the count with them.
    await writer.writeCases([{ ...change, add: [], remove: change.add, sorts: { set: [], remove: [] } }]);
    expect(await reader.queueCounts(area, ['new', 'handling', 'closed-list'])).toEqual(before);
    expect(await infra.redis.zcard(keys.caseQueue(area, change.add[0]!))).toBe(before[change.add[0] as 'new' | 'handling']);
  });

  it('writes a batch whose cases share lists, one of them joining and leaving a list in the batch, as one at a time would', async () => {
    const keys = readModelKeys(infra.keyPrefix);
    const area = '440705';
    const others = [reportedCase('staff-batch'), reportedCase('staff-batch'), reportedCase('staff-batch')];
    const moving = reportedCase('staff-batch');
    const queue = moving.change.add[0]!;
    // The moving case joins its lists, the others join the same, then the moving case leaves them: all in one batch.
    const leaving = (change: CaseChange): CaseChange => ({
      ...change,
      add: [],
      remove: change.add,
      sorts: { set: [], remove: [...new Set(change.sorts.set.map((s) => s.queue))] },
    });
    const leaves = leaving(moving.change);
    await writer.writeCases([moving.change, ...others.map((c) => c.change), leaves]);
    const onList = await infra.redis.zrange(keys.caseQueue(area, queue), 0, -1);
    for (const c of others) expect(onList).toContain(c.incidentId);
    expect(onList).not.toContain(moving.incidentId);
    for (const sort of SORT_KEYS) {
      const page = await reader.listPage({ area: grid, queue, sort }, 500, false, undefined);
      expect(
        page.map((e) => e.incidentId),
        sort,
      ).not.toContain(moving.incidentId);
      for (const c of others)
        expect(
          page.map((e) => e.incidentId),
          sort,
        ).toContain(c.incidentId);
    }
    // And back on them in a later batch, with the others leaving in the same one.
    await writer.writeCases([moving.change, ...others.map((c) => leaving(c.change))]);
    const now = await infra.redis.zrange(keys.caseQueue(area, queue), 0, -1);
    expect(now).toContain(moving.incidentId);
    for (const c of others) expect(now).not.toContain(c.incidentId);
  });

  it('stores an outcome without its position, and reads it back validated', async () => {
    const outcome: CommandOutcome = {
      status: 'accepted',
      commandId: randomUUID(),
      incidentId: randomUUID(),
      decidedAt: new Date().toISOString(),
      actorId: 'staff-001',
      events: [{ type: 'IncidentReported', version: 1 }],
      position: { partition: 0, offset: '41' },
    };
    await writer.writeOutcomes([outcome]);
    const { position: _position, ...stored } = outcome;
    expect(await reader.outcome(outcome.commandId)).toEqual(stored);
    expect(await infra.redis.ttl(readModelKeys(infra.keyPrefix).outcome(outcome.commandId))).toBeGreaterThan(0);
  });

  it('refuses a damaged record: an error naming it when read alone, left out and logged in a list', async () => {
    const good = reportedCase();
    const bad = reportedCase();
    await writer.writeCases([good.change, bad.change]);
    const keys = readModelKeys(infra.keyPrefix);
    await infra.redis.set(keys.view(bad.incidentId), JSON.stringify({ ...bad.change.view, version: 'two' }));
    const err = await reader.view(bad.incidentId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidReadModelRecord);
    expect(err).toMatchObject({ id: bad.incidentId, key: keys.view(bad.incidentId) });
    expect(await reader.views([good.incidentId, bad.incidentId, randomUUID()])).toEqual([good.change.view, null, null]);
    expect(told).toEqual([expect.objectContaining({ incidentId: bad.incidentId })]);
    await infra.redis.hset(keys.history(good.incidentId), '7', 'not json');
    await expect(reader.history(good.incidentId)).rejects.toThrow(/not JSON/);
  });

  describe("a closed case's history, packed into one field (ADR 0043)", () => {
    const keys = () => readModelKeys(infra.keyPrefix);

    it('keeps lines loose while the case is open and packs them all when it closes; read back whole at every step', async () => {
      const { incidentId, changes } = closedCase();
      const key = keys().history(incidentId);
      const lines = changes.flatMap((c) => c.history);
      let written = 0;
      for (const [i, change] of changes.entries()) {
        await writer.writeCases([change]);
        written += change.history.length;
        expect(await reader.history(incidentId)).toEqual(lines.slice(0, written));
        const fields = await infra.redis.hkeys(key);
        if (i < changes.length - 1) expect(fields).not.toContain(PACKED_FIELD);
        else expect(fields).toEqual([PACKED_FIELD]);
      }
      expect(changes.at(-1)!.view.status).toBe('closed');
      const packed = await infra.redis.hgetBuffer(key, PACKED_FIELD);

      // The closing batch folded again (a crash before its checkpoint), then the whole life again from nothing
      // (Redis restored from the log): the same bytes.
      await writer.writeCases([changes.at(-1)!]);
      expect(await infra.redis.hgetBuffer(key, PACKED_FIELD)).toEqual(packed);
      await infra.redis.del(key);
      for (const change of changes) await writer.writeCases([change]);
      expect(await infra.redis.hkeys(key)).toEqual([PACKED_FIELD]);
      expect(await infra.redis.hgetBuffer(key, PACKED_FIELD)).toEqual(packed);
      expect(await reader.history(incidentId)).toEqual(lines);

      // Packed, the lines take less memory than loose.
      const loose = `${key}:loose-copy`;
      await infra.redis.hset(loose, ...lines.flatMap((line) => [String(line.version), JSON.stringify(line)]));
      const [packedBytes, looseBytes] = [await infra.redis.memory('USAGE', key), await infra.redis.memory('USAGE', loose)];
      expect(packedBytes).toBeLessThan(looseBytes! / 2);
    });

    it('packs a whole life folded in one batch without reading what is stored', async () => {
      const { incidentId, changes } = closedCase();
      const lines = changes.flatMap((c) => c.history);
      const whole = { ...changes.at(-1)!, history: lines };
      await writer.writeCases([whole]);
      expect(await infra.redis.hkeys(keys().history(incidentId))).toEqual([PACKED_FIELD]);
      expect(await reader.history(incidentId)).toEqual(lines);
    });

    it('reads every line once while a case is caught between its packed field and its loose lines', async () => {
      const { incidentId, changes } = closedCase();
      const lines = changes.flatMap((c) => c.history);
      for (const change of changes.slice(0, -1)) await writer.writeCases([change]);
      const looseBefore = await infra.redis.hkeys(keys().history(incidentId));
      await writer.writeCases([changes.at(-1)!]);
      // The packed field is written before the loose lines go: a reader may see both.
      await infra.redis.hset(
        keys().history(incidentId),
        ...lines.slice(0, looseBefore.length).flatMap((l) => [String(l.version), JSON.stringify(l)]),
      );
      expect(await reader.history(incidentId)).toEqual(lines);
    });

    it("erases the reporter's pseudonym from every line of a closed case, and the outcomes of its earlier commands", async () => {
      const { incidentId, changes, commandIds } = closedCase({ erase: true });
      const outcomes: CommandOutcome[] = commandIds.slice(0, -1).map((commandId, i) => ({
        commandId,
        incidentId,
        status: 'accepted' as const,
        events: changes[i]!.history.map((l) => ({ type: l.type, version: l.version })),
        decidedAt: new Date().toISOString(),
        position: { partition: 0, offset: String(i) },
      }));
      await writer.writeOutcomes(outcomes);
      for (const change of changes.slice(0, -1)) await writer.writeCases([change]);
      const report = (await reader.history(incidentId))[0]!;
      expect(report.data).toHaveProperty('reporterRef');

      await writer.writeCases([changes.at(-1)!]);
      const history = await reader.history(incidentId);
      expect(history.map((l) => l.type)).toEqual(changes.flatMap((c) => c.history.map((l) => l.type)));
      expect(history.at(-1)!.type).toBe('IncidentErased');
      expect(history.filter((l) => 'reporterRef' in l.data)).toEqual([]);
      expect(await infra.redis.hkeys(keys().history(incidentId))).toEqual([PACKED_FIELD]);
      for (const { commandId } of outcomes) expect(await reader.outcome(commandId)).toBeUndefined();
    });

    it('erases the pseudonym from a report folded in the same batch as its erasure (a restore from the log)', async () => {
      const { incidentId, changes } = closedCase({ erase: true });
      const lines = changes.flatMap((c) => c.history);
      expect(lines[0]!.data).toHaveProperty('reporterRef');
      await writer.writeCases([{ ...changes.at(-1)!, history: lines }]);
      const history = await reader.history(incidentId);
      expect(history.map((l) => l.version)).toEqual(lines.map((l) => l.version));
      expect(history.filter((l) => 'reporterRef' in l.data)).toEqual([]);
    });

    it('leaves the lines loose when a stored one cannot be read, and a reader names the damaged field', async () => {
      const { incidentId, changes } = closedCase();
      const key = keys().history(incidentId);
      for (const change of changes.slice(0, -1)) await writer.writeCases([change]);
      await infra.redis.hset(key, '2', 'not json');
      await writer.writeCases([changes.at(-1)!]);
      expect(await infra.redis.hkeys(key)).not.toContain(PACKED_FIELD);
      await expect(reader.history(incidentId)).rejects.toThrow(new RegExp(`${key} 2 .*not JSON`));
      await infra.redis.hset(key, PACKED_FIELD, Buffer.from([9, 1, 2]));
      await expect(reader.history(incidentId)).rejects.toThrow(/unknown packed format 9/);
    });
  });
});
