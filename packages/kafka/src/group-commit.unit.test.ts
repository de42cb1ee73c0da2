import { afterEach, describe, expect, it, vi } from 'vitest';
import { GroupCommitProducer } from './group-commit.ts';
import type { Delivered, DurableProducer, OutgoingRecord } from './producer.ts';
import { KafkaUnavailableError } from './unavailable.ts';

/** A produce request the fake broker holds until the test acknowledges or fails it. */
interface HeldRequest {
  readonly topic: string;
  readonly keys: string[];
  ack(): void;
  fail(err: unknown): void;
}

/** A DurableProducer whose every request waits for the test: what went out, in which request, and when it is answered. */
function heldBroker() {
  const requests: HeldRequest[] = [];
  const producer = {
    send: (topic: string, records: readonly OutgoingRecord[]) =>
      new Promise<Delivered[]>((resolve, reject) => {
        requests.push({ topic, keys: records.map((r) => r.key), ack: () => resolve([]), fail: reject });
      }),
  } as unknown as DurableProducer;
  return { producer, requests };
}

const record = (key: string): OutgoingRecord => ({ key, value: `{"k":"${key}"}` });

/** Whether a promise has settled, after the microtasks queued so far have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((r) => setImmediate(r));
  return done;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('GroupCommitProducer', () => {
  afterEach(() => vi.useRealTimers());

  it('sends records that arrive while a request is in flight together, in the next request', async () => {
    const { producer, requests } = heldBroker();
    const group = new GroupCommitProducer(producer, 500, 1);
    const a = group.send('t', record('a'));
    const b = group.send('t', record('b'));
    const c = group.send('t', record('c'));
    expect(requests.map((r) => r.keys)).toEqual([['a']]);

    requests[0]!.ack();
    await tick();
    expect(requests.map((r) => r.keys)).toEqual([['a'], ['b', 'c']]);
    await expect(a).resolves.toBeUndefined();
    // b and c are answered only once Kafka holds them: their own request acknowledged, not the one before.
    expect(await settled(b)).toBe(false);
    expect(await settled(c)).toBe(false);
    requests[1]!.ack();
    await expect(Promise.all([b, c])).resolves.toEqual([undefined, undefined]);
  });

  it('keeps one request out at a time by default (ADR 0050)', async () => {
    const { producer, requests } = heldBroker();
    const group = new GroupCommitProducer(producer);
    const sent = ['a', 'b', 'c'].map((k) => group.send('t', record(k)));
    expect(requests.map((r) => r.keys)).toEqual([['a']]);
    requests[0]!.ack();
    await tick();
    expect(requests.map((r) => r.keys)).toEqual([['a'], ['b', 'c']]);
    requests[1]!.ack();
    await expect(Promise.all(sent)).resolves.toHaveLength(3);
  });

  it('keeps at most maxInFlight requests out at once', async () => {
    const { producer, requests } = heldBroker();
    const group = new GroupCommitProducer(producer, 500, 2);
    const sent = ['a', 'b', 'c', 'd'].map((k) => group.send('t', record(k)));
    expect(requests.map((r) => r.keys)).toEqual([['a'], ['b']]);
    requests[1]!.ack();
    await tick();
    expect(requests.map((r) => r.keys)).toEqual([['a'], ['b'], ['c', 'd']]);
    requests[0]!.ack();
    requests[2]!.ack();
    await expect(Promise.all(sent)).resolves.toHaveLength(4);
    expect(requests).toHaveLength(3);
  });

  it('puts at most maxBatch records in one request', async () => {
    const { producer, requests } = heldBroker();
    const group = new GroupCommitProducer(producer, 2, 1);
    const sent = ['a', 'b', 'c', 'd', 'e', 'f'].map((k) => group.send('t', record(k)));
    for (let i = 0; i < 4; i++) {
      requests[i]!.ack();
      await tick();
    }
    expect(requests.map((r) => r.keys)).toEqual([['a'], ['b', 'c'], ['d', 'e'], ['f']]);
    await expect(Promise.all(sent)).resolves.toHaveLength(6);
  });

  it('keeps a queue a topic: a request holds one topic', async () => {
    const { producer, requests } = heldBroker();
    const group = new GroupCommitProducer(producer, 500, 1);
    const sent = [group.send('x', record('a')), group.send('y', record('b')), group.send('x', record('c'))];
    expect(requests.map((r) => [r.topic, r.keys])).toEqual([['x', ['a']]]);
    requests[0]!.ack();
    await tick();
    requests[1]!.ack();
    await tick();
    expect(requests.map((r) => [r.topic, r.keys])).toEqual([
      ['x', ['a']],
      ['x', ['c']],
      ['y', ['b']],
    ]);
    requests[2]!.ack();
    await expect(Promise.all(sent)).resolves.toHaveLength(3);
  });

  it("tells a failed request's callers that Kafka did not take their records, and goes on with the next", async () => {
    const { producer, requests } = heldBroker();
    const group = new GroupCommitProducer(producer, 500, 1);
    const a = group.send('t', record('a'));
    const b = group.send('t', record('b'));
    requests[0]!.fail(new Error('NOT_ENOUGH_REPLICAS'));
    const err = await a.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KafkaUnavailableError);
    expect((err as Error).cause).toMatchObject({ message: 'NOT_ENOUGH_REPLICAS' });
    await tick();
    expect(requests.map((r) => r.keys)).toEqual([['a'], ['b']]);
    requests[1]!.ack();
    await expect(b).resolves.toBeUndefined();
  });

  it('takes back a record whose time ran out before it was sent: it never goes out', async () => {
    vi.useFakeTimers();
    const { producer, requests } = heldBroker();
    const group = new GroupCommitProducer(producer, 500, 1, 1_000);
    const a = group.send('t', record('a'));
    const b = group.send('t', record('b'));
    const aHeard = a.catch((e: unknown) => e);
    const bHeard = b.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_000);
    // a was sent: it may still land, and its caller is told so; b was waiting its turn, and is not sent at all.
    expect(((await aHeard) as Error).message).toMatch(/sent: it may still land/);
    expect(((await bHeard) as Error).message).toMatch(/not sent/);
    requests[0]!.ack();
    await vi.advanceTimersByTimeAsync(0);
    expect(requests.map((r) => r.keys)).toEqual([['a']]);
  });
});
