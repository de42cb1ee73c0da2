import type { Incident } from '@gridgov/domain';
import { CheckpointConflict, Fenced } from '@gridgov/redis';
import { createTestInfra, type TestInfra } from '@gridgov/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PartitionStore } from './partition-store.ts';

const incident = (version: number): Incident => ({
  status: 'dispatched',
  version,
  reportId: 'r-00000001',
  reporterId: 'staff-001',
  gridCode: '440705001001001',
  category: 'exposed_rubbish',
  urgency: 'normal',
  reportedAt: Date.parse('2026-11-22T01:00:00.000Z'),
  department: 'sanitation',
  firstDispatchedAt: Date.parse('2026-11-22T01:00:00.000Z'),
  clocks: [],
  missedHandlingDeadline: false,
  reworkCount: 0,
  extensionCount: 0,
  pendingExtension: null,
  suspendedAt: null,
  suspensions: [],
  escalationLevel: 0,
  nextEscalationAt: null,
});

describe('PartitionStore on real Redis', () => {
  let infra: TestInfra;
  beforeEach(async () => {
    infra = await createTestInfra();
  });
  afterEach(async () => {
    await infra.cleanup();
  });

  const write = (epoch: number, from: string, to: string) => ({
    epoch,
    fromCheckpoint: from,
    toCheckpoint: to,
    states: new Map([['inc-1', incident(Number(to) + 1)]]),
    timers: new Map([['inc-1', 1_800_000_000_000 + Number(to)]]),
    decided: new Map([[`command-${to}`, 'accepted']]),
    outbox: [{ topic: 't', key: 'inc-1', value: `event at ${to}` }],
  });

  it('applies a batch once: the same batch applied again changes nothing', async () => {
    const store = new PartitionStore(infra.redis, infra.keyPrefix, 0);
    const epoch = await store.takeOwnership();
    await store.apply(write(epoch, '', '4'));
    await expect(store.apply(write(epoch, '', '4'))).rejects.toBeInstanceOf(CheckpointConflict);
    expect(await store.checkpoint()).toBe('4');
    expect((await store.pendingOutbox(10)).entries).toHaveLength(1);
    expect((await store.loadStates(['inc-1'])).get('inc-1')?.version).toBe(5);
    expect(await store.decidedAmong(['command-4', 'command-5'])).toEqual(new Set(['command-4']));
  });

  it('takes an epoch above any earlier one even after Redis lost the key', async () => {
    const store = new PartitionStore(infra.redis, infra.keyPrefix, 4);
    const before = await store.takeOwnership();
    await infra.redis.del(store.keys.epoch);
    expect(await store.takeOwnership()).toBeGreaterThanOrEqual(before);
    expect(await store.takeOwnership()).toBeGreaterThan(before);
  });

  it('answers what a write pushed, and whether it is the whole outbox', async () => {
    const store = new PartitionStore(infra.redis, infra.keyPrefix, 6);
    const epoch = await store.takeOwnership();
    const first = await store.apply(write(epoch, '', '0'));
    expect(first).toEqual({ pushed: [JSON.stringify(write(epoch, '', '0').outbox[0])], outboxDepth: 1 });
    // Not relayed: the next write's entry is behind it, so that write alone is not the outbox.
    const second = await store.apply(write(epoch, '0', '1'));
    expect(second.outboxDepth).toBe(2);
    expect((await store.pendingOutbox(10)).raw).toEqual([...first.pushed, ...second.pushed]);
  });

  it('moves a log position only past records written where it stood, with the trim of what was sent', async () => {
    const store = new PartitionStore(infra.redis, infra.keyPrefix, 5);
    const epoch = await store.takeOwnership();
    const first = await store.apply(write(epoch, '', '0'));
    await store.relayed(epoch, 1, first.pushed[0]!, [{ log: 'events', from: 0n, next: 3n }]);
    expect((await store.pendingOutbox(10)).entries).toHaveLength(0);
    // Someone else wrote 3..9: the state does not hold them, so records written at 10 do not move the position.
    const second = await store.apply(write(epoch, '0', '1'));
    await store.relayed(epoch, 1, second.pushed[0]!, [
      { log: 'events', from: 10n, next: 12n },
      { log: 'outcomes', from: 0n, next: 1n },
    ]);
    expect(await store.logPositions()).toEqual({ events: 3n, outcomes: 1n });
    const third = await store.apply(write(epoch, '1', '2'));
    await expect(store.relayed(epoch - 1, 1, third.pushed[0]!, [{ log: 'outcomes', from: 1n, next: 2n }])).rejects.toBeInstanceOf(Fenced);
    expect(await store.logPositions()).toEqual({ events: 3n, outcomes: 1n });
    expect((await store.pendingOutbox(10)).entries).toHaveLength(1);
  });

  it('refuses every write from an owner whose epoch was superseded', async () => {
    const zombie = new PartitionStore(infra.redis, infra.keyPrefix, 1);
    const owner = new PartitionStore(infra.redis, infra.keyPrefix, 1);
    const oldEpoch = await zombie.takeOwnership();
    await zombie.apply(write(oldEpoch, '', '0'));
    const newEpoch = await owner.takeOwnership();
    expect(newEpoch).toBeGreaterThan(oldEpoch);

    await expect(zombie.apply(write(oldEpoch, '0', '1'))).rejects.toBeInstanceOf(Fenced);
    await expect(zombie.relayed(oldEpoch, 1, (await zombie.pendingOutbox(1)).raw[0]!, [])).rejects.toBeInstanceOf(Fenced);
    expect(await owner.checkpoint()).toBe('0');
    expect((await owner.pendingOutbox(10)).entries).toHaveLength(1);

    await owner.apply(write(newEpoch, '0', '1'));
    const pending = await owner.pendingOutbox(10);
    await owner.relayed(newEpoch, 2, pending.raw[1]!, []);
    expect((await owner.pendingOutbox(10)).entries).toHaveLength(0);
    expect(await owner.checkpoint()).toBe('1');
  });

  it('never trims an outbox entry that was not the one sent', async () => {
    const store = new PartitionStore(infra.redis, infra.keyPrefix, 3);
    const epoch = await store.takeOwnership();
    await store.apply(write(epoch, '', '0'));
    const sent = await store.pendingOutbox(10);
    // Another relay of the same outbox got there first and trimmed it; something new came in.
    await store.relayed(epoch, 1, sent.raw[0]!, []);
    await store.apply(write(epoch, '0', '1'));
    await expect(store.relayed(epoch, 1, sent.raw[0]!, [])).rejects.toMatchObject({ code: 'FENCED', reply: 'GRIDGOV_OUTBOX_MOVED' });
    expect((await store.pendingOutbox(10)).entries).toHaveLength(1);
  });

  it('keeps partitions apart', async () => {
    const a = new PartitionStore(infra.redis, infra.keyPrefix, 0);
    const b = new PartitionStore(infra.redis, infra.keyPrefix, 2);
    await a.apply(write(await a.takeOwnership(), '', '7'));
    expect(await b.checkpoint()).toBe('');
    expect((await b.loadStates(['inc-1'])).get('inc-1')).toBeNull();
  });

  it('reads a timer pass in one script: nothing but the mark until the state is restored, then the due timers with their states', async () => {
    const store = new PartitionStore(infra.redis, infra.keyPrefix, 5);
    const epoch = await store.takeOwnership();
    expect(await store.timerPass(Number.MAX_SAFE_INTEGER, 10)).toEqual({ restored: false });
    await store.finishRestore(epoch, '', { events: 0n, outcomes: 0n }, new Date());
    await store.apply({
      ...write(epoch, '', '7'),
      states: new Map([
        ['inc-1', incident(3)],
        ['inc-2', incident(4)],
      ]),
      timers: new Map([
        ['inc-2', 2_000],
        ['inc-1', 1_000],
        ['inc-3', 9_000],
      ]),
    });
    const pass = await store.timerPass(5_000, 10);
    expect(pass).toMatchObject({ restored: true, checkpoint: '7', outboxDepth: 1 });
    if (!pass.restored) throw new Error('not restored');
    // Earliest first; inc-3 is not due yet.
    expect(pass.due).toEqual([
      { incidentId: 'inc-1', dueAt: 1_000 },
      { incidentId: 'inc-2', dueAt: 2_000 },
    ]);
    expect([...pass.states].map(([id, s]) => [id, s?.version])).toEqual([
      ['inc-1', 3],
      ['inc-2', 4],
    ]);
    const limited = await store.timerPass(10_000, 2);
    expect(limited.restored && limited.due.map((d) => d.incidentId)).toEqual(['inc-1', 'inc-2']);
    const none = await store.timerPass(500, 10);
    expect(none.restored && none.due).toEqual([]);
  });

  it("reads a batch's states and decided command ids in one script, with the checkpoint", async () => {
    const store = new PartitionStore(infra.redis, infra.keyPrefix, 6);
    const epoch = await store.takeOwnership();
    expect(await store.batchReads(['inc-1'], ['command-4'])).toEqual({ restored: false });
    await store.finishRestore(epoch, '', { events: 0n, outcomes: 0n }, new Date());
    await store.apply(write(epoch, '', '4'));
    const reads = await store.batchReads(['inc-1', 'inc-9'], ['command-4', 'command-5']);
    expect(reads).toMatchObject({ restored: true, checkpoint: '4', decidedBefore: new Set(['command-4']) });
    if (!reads.restored) throw new Error('not restored');
    expect(reads.states.get('inc-1')?.version).toBe(5);
    expect(reads.states.get('inc-9')).toBeNull();
    expect(await store.batchReads([], [])).toMatchObject({ restored: true, checkpoint: '4' });
  });
});
