import { DurableProducer } from '@gridgov/kafka';
import { createTestInfra, type TestInfra } from '@gridgov/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaseViewStore } from './case-views/store.ts';
import { CounterStore, FIRST_GENERATION, FoldedDeltas, ProjectionKeys } from './counter-store.ts';
import { RestoreWatch, type FoldPosition } from './restore-watch.ts';

/** One fold's store as the watch sees it, and how a test moves its checkpoint as a fold would. */
interface WatchedStore {
  readonly topic: (infra: TestInfra) => string;
  readonly open: (infra: TestInfra) => {
    position(partition: number): Promise<FoldPosition>;
    markRestored(partition: number, checkpoint: string): Promise<boolean>;
    fold(partition: number, from: string, to: string): Promise<void>;
  };
}

const stores: Record<string, WatchedStore> = {
  counters: {
    topic: (infra) => infra.topics.events,
    open: (infra) => {
      const store = new CounterStore(infra.redis, new ProjectionKeys(infra.keyPrefix, FIRST_GENERATION));
      return {
        position: async (p) => ({ checkpoint: await store.checkpoint(p), restored: await store.isRestored(p) }),
        markRestored: (p, checkpoint) => store.markRestored(p, checkpoint, new Date()),
        fold: (p, from, to) => store.apply(p, from, to, new Map(), new FoldedDeltas()),
      };
    },
  },
  'case views': {
    topic: (infra) => infra.topics.outcomes,
    open: (infra) => {
      const store = new CaseViewStore(infra.redis, infra.keyPrefix, 3600);
      return {
        position: (p) => store.position(p, 'outcomes'),
        markRestored: (p, checkpoint) => store.markRestored(p, 'outcomes', checkpoint, new Date()),
        fold: (p, from, to) => store.applyOutcomes(p, from, to, []),
      };
    },
  },
};

/** Redis losing its data: every key of the test's prefix gone. */
async function wipe(infra: TestInfra): Promise<void> {
  const keys = await infra.redis.keys(`${infra.keyPrefix}:*`);
  if (keys.length > 0) await infra.redis.del(...keys);
}

describe('the restore watch when Redis loses the state while it looks (real broker and Redis)', () => {
  let infra: TestInfra;

  beforeEach(async () => {
    infra = await createTestInfra({ partitions: { events: 1, outcomes: 1 } });
  });
  afterEach(async () => {
    await infra.cleanup();
  });

  for (const [label, watched] of Object.entries(stores)) {
    it(`${label}: a partition wiped after its position was read is not marked whole; it is read again from the start`, async () => {
      const topic = watched.topic(infra);
      const producer = new DurableProducer(infra.kafka);
      await producer.connect();
      await producer.send(
        topic,
        ['a', 'b', 'c'].map((key) => ({ key, value: key })),
      );
      await producer.disconnect();

      const store = watched.open(infra);
      // Folded up to the log's end (offsets 0..2), not yet marked whole.
      await store.fold(0, '', '2');
      const seeks: [string, number, bigint][] = [];
      const watch = new RestoreWatch(infra.kafka, infra.logger, label, (t, p, offset) => void seeks.push([t, p, offset]));
      let wipeAfterRead = true;
      const look = () =>
        watch.look([
          {
            topic,
            partitions: [0],
            position: async (p) => {
              const position = await store.position(p);
              // Redis loses everything after the look read the position, while it asks Kafka for the log's end.
              if (wipeAfterRead) await wipe(infra);
              wipeAfterRead = false;
              return position;
            },
            markRestored: (p, checkpoint) => store.markRestored(p, checkpoint),
          },
        ]);

      await look();
      // The look saw checkpoint 2 at the log's end; the mark would now vouch for nothing.
      expect(await store.position(0)).toEqual({ checkpoint: '', restored: false });
      // The next looks find the partition behind and idle, and read it again from its start.
      await look();
      expect(seeks).toEqual([]);
      await look();
      expect(seeks).toEqual([[topic, 0, 0n]]);
      // Folded again: the next look marks it whole.
      await store.fold(0, '', '2');
      await look();
      expect(await store.position(0)).toEqual({ checkpoint: '2', restored: true });
    });
  }
});
