import { Writable } from 'node:stream';
import { DEFAULT_OFFICE_HOURS, DEFAULT_POLICY } from '@gridgov/domain';
import { produceRaw } from '@gridgov/kafka';
import { createTestInfra, eventually, XINHUI_AREAS_FILE, type TestInfra } from '@gridgov/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBaseline } from './baseline.ts';
import type { CatalogDocument } from './documents.ts';
import { ConfigFollower, readConfiguration } from './follower.ts';
import type { ConfigSnapshot } from './snapshot.ts';
import { ConfigConflictError, ConfigWriter } from './writer.ts';

const ADMIN = { id: 'admin-01', role: 'admin' };

describe('grid.config on the real broker: followers, writers, refused records', () => {
  let infra: TestInfra;
  let baseline: ConfigSnapshot;
  const lines: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  );
  const followers: ConfigFollower[] = [];
  const writers: ConfigWriter[] = [];
  const follow = async () => {
    const follower = new ConfigFollower({ kafka: infra.kafka, topic: infra.topics.config, baseline, logger });
    followers.push(follower);
    await follower.start();
    return follower;
  };
  const writerOf = (follower: ConfigFollower) => {
    const writer = new ConfigWriter(infra.kafka, infra.topics.config, follower);
    writers.push(writer);
    return writer;
  };
  const withCategory = (catalog: CatalogDocument, code: string): CatalogDocument => ({
    ...catalog,
    categories: [
      ...catalog.categories,
      {
        code,
        name: code,
        defaultDepartment: 'sanitation',
        confidential: false,
        handling: {
          normal: { unit: 'natural_hours', amount: 3 },
          urgent: { unit: 'natural_hours', amount: 2 },
          very_urgent: { unit: 'natural_hours', amount: 1 },
        },
      },
    ],
  });

  beforeAll(async () => {
    infra = await createTestInfra();
    baseline = await loadBaseline({
      AREAS_FILE: XINHUI_AREAS_FILE,
      OFFICE_HOURS: DEFAULT_OFFICE_HOURS,
      DEADLINE_DISPATCH: DEFAULT_POLICY.dispatch,
      DEADLINE_SIGN_FOR: DEFAULT_POLICY.signFor,
      DEADLINE_VERIFICATION: DEFAULT_POLICY.verification,
      ESCALATION_EVERY: DEFAULT_POLICY.escalationEvery,
      WARNING_FRACTIONS: DEFAULT_POLICY.warningFractions,
    });
  });
  afterAll(async () => {
    await Promise.all(writers.map((w) => w.close()));
    await Promise.all(followers.map((f) => f.stop()));
    await infra?.cleanup();
  });

  it('starts at version 0 on an empty topic, and every follower takes each change live', async () => {
    const a = await follow();
    const b = await follow();
    expect([a.current.version, b.current.version]).toEqual([0, 0]);
    const made = await writerOf(a).write({
      kind: 'catalog',
      after: withCategory(baseline.documents.catalog, 'noise'),
      by: ADMIN,
      summary: 'category added: noise',
      expectedVersion: 0,
      at: new Date('2026-11-30T02:00:00Z'),
    });
    // The writer answers once its own follower has the change in force.
    expect(made.version).toBe(1);
    expect(a.current.catalog.category('noise')?.name).toBe('noise');
    await eventually(
      () => Promise.resolve(b.current.version),
      (v) => v === 1,
    );
    expect(b.changes).toEqual(a.changes);
  });

  it('refuses a record that is not a change, with a log line naming why, and goes on to the next', async () => {
    const a = followers[0]!;
    await produceRaw(infra.kafka, infra.topics.config, [
      { key: 'junk', value: 'not json' },
      { key: 'tombstone', value: null },
      { key: 'bad', value: JSON.stringify({ id: 'x', version: 2, kind: 'catalog' }) },
    ]);
    const made = await writerOf(a).write({
      kind: 'catalog',
      after: withCategory(a.current.documents.catalog, 'smoke'),
      by: ADMIN,
      summary: 'category added: smoke',
      expectedVersion: 1,
      at: new Date(),
    });
    expect(made.version).toBe(2);
    const refused = lines
      .map((l) => JSON.parse(l) as { msg: string; reason?: string })
      .filter((l) => l.msg.startsWith('grid.config record refused'));
    expect(refused.length).toBeGreaterThanOrEqual(3);
    expect(refused.map((r) => r.reason)).toContainEqual(expect.stringMatching(/^not a configuration change: /) as string);
    expect(refused.map((r) => r.reason)).toContainEqual(expect.stringMatching(/^not JSON: /) as string);
  });

  it('lets one of two writers racing on the same version make it; the other is told, on every follower alike', async () => {
    const [a, b] = followers as [ConfigFollower, ConfigFollower];
    await eventually(
      () => Promise.resolve(b.current.version),
      (v) => v === 2,
    );
    const write = (follower: ConfigFollower, code: string) =>
      writerOf(follower).write({
        kind: 'catalog',
        after: withCategory(follower.current.documents.catalog, code),
        by: ADMIN,
        summary: `category added: ${code}`,
        expectedVersion: 2,
        at: new Date(),
      });
    const results = await Promise.allSettled([write(a, 'dust'), write(b, 'glare')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected');
    expect(lost?.reason).toBeInstanceOf(ConfigConflictError);
    await eventually(
      () => Promise.resolve(b.current.version),
      (v) => v === 3,
    );
    expect(a.current.documents).toEqual(b.current.documents);
    // A reader that comes later, and a one-shot read (the restore commands'), hold the same version 3.
    const late = await follow();
    expect(late.current.documents).toEqual(a.current.documents);
    expect((await readConfiguration({ kafka: infra.kafka, topic: infra.topics.config, baseline, logger })).version).toBe(3);
  });
});
