import { describe, expect, it } from 'vitest';
import {
  classifyAnswer,
  DELIVERED_RETENTION_MS,
  forgetDelivered,
  Outbox,
  retryDelayMs,
  type KeyValueStorage,
  type ReportBody,
  type SendResult,
} from './outbox.ts';

class MemoryStorage implements KeyValueStorage {
  readonly map = new Map<string, string>();
  getItem(key: string) {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.map.set(key, value);
  }
}

const report = (reportId: string): ReportBody => ({
  reportId,
  gridCode: '440705001001001',
  category: 'exposed_rubbish',
  urgency: 'normal',
  description: '路边堆放生活垃圾',
  location: { lat: 22.52, lng: 113.03, address: '同德路' },
  occurredAt: '2026-11-22T01:00:00.000Z',
  reportedAt: '2026-11-22T01:00:00.000Z',
});

/** An outbox on a fake clock whose sender answers from a script, recording every body it was given. */
function harness(answers: SendResult[], storage = new MemoryStorage(), signedIn?: () => boolean) {
  let now = 1_000_000;
  const sent: ReportBody[] = [];
  const outbox = new Outbox({
    storage,
    key: 'outbox.staff-1',
    now: () => now,
    random: () => 0.5,
    ...(signedIn ? { signedIn } : {}),
    send: (body) => {
      sent.push(body);
      const answer = answers.shift();
      if (!answer) throw new Error('no scripted answer left');
      return Promise.resolve(answer);
    },
  });
  return { outbox, sent, storage, advance: (ms: number) => (now += ms), now: () => now };
}

const delivered: SendResult = { kind: 'delivered', incidentId: 'inc-1', commandId: 'cmd-1' };
const down: SendResult = { kind: 'retry', message: 'Failed to fetch' };

describe('the outbox of reports', () => {
  it('keeps a report before sending it, and sends it with the same reportId on every try until the API has it', async () => {
    const { outbox, sent, advance } = harness([down, { kind: 'retry', message: 'INTERNAL: 503' }, delivered]);
    outbox.add(report('r-00000001'));
    expect(outbox.pending()).toHaveLength(1);

    await outbox.flush();
    expect(outbox.items()[0]).toMatchObject({ state: 'pending', attempts: 1, lastError: 'Failed to fetch' });
    // Not due yet: nothing is sent.
    await outbox.flush();
    expect(sent).toHaveLength(1);

    advance(retryDelayMs(1, () => 0.5));
    await outbox.flush();
    advance(retryDelayMs(2, () => 0.5));
    await outbox.flush();
    expect(sent.map((b) => b.reportId)).toEqual(['r-00000001', 'r-00000001', 'r-00000001']);
    expect(sent.every((b) => JSON.stringify(b) === JSON.stringify(sent[0]))).toBe(true);
    expect(outbox.items()[0]).toMatchObject({ state: 'delivered', attempts: 3, incidentId: 'inc-1', commandId: 'cmd-1' });
    expect(outbox.pending()).toHaveLength(0);

    // Delivered: never sent again.
    advance(3_600_000);
    await outbox.flush(true);
    expect(sent).toHaveLength(3);
  });

  it('backs off: 1 s doubling to at most 30 s, with jitter of ±20%', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => retryDelayMs(n, () => 0.5))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(retryDelayMs(1, () => 0)).toBe(800);
    expect(retryDelayMs(1, () => 1)).toBe(1200);
  });

  it('waits as long as Retry-After says when the API asks for it', async () => {
    const { outbox, sent, advance } = harness([{ kind: 'retry', message: 'RATE_LIMITED', retryAfterMs: 20_000 }, delivered]);
    outbox.add(report('r-00000002'));
    await outbox.flush();
    advance(10_000);
    await outbox.flush();
    expect(sent).toHaveLength(1);
    advance(10_000);
    await outbox.flush();
    expect(sent).toHaveLength(2);
  });

  it('stops retrying a report the API judged (a 4xx), and shows why', async () => {
    const { outbox, sent, advance } = harness([
      { kind: 'rejected', message: 'UNKNOWN_GRID: body.gridCode: 440705999999999 is not a known grid' },
    ]);
    outbox.add(report('r-00000003'));
    await outbox.flush();
    advance(3_600_000);
    await outbox.flush(true);
    expect(sent).toHaveLength(1);
    expect(outbox.items()[0]).toMatchObject({ state: 'failed', lastError: expect.stringMatching(/^UNKNOWN_GRID/) as unknown });
    expect(outbox.nextDueAt()).toBeUndefined();
    outbox.discard('r-00000003');
    expect(outbox.items()).toHaveLength(0);
  });

  it('pauses on a 401 without spending a try, and goes on after a sign-in', async () => {
    const { outbox, sent } = harness([{ kind: 'unauthorized', message: 'token expired' }, delivered]);
    outbox.add(report('r-00000004'));
    await outbox.flush();
    expect(outbox.pausedBecause()).toBe('token expired');
    expect(outbox.items()[0]).toMatchObject({ state: 'pending', attempts: 0 });
    expect(outbox.nextDueAt()).toBeUndefined();
    await outbox.flush(true);
    expect(sent).toHaveLength(1);
    outbox.resume();
    await outbox.flush();
    expect(outbox.items()[0]).toMatchObject({ state: 'delivered' });
    expect(sent.map((b) => b.reportId)).toEqual(['r-00000004', 'r-00000004']);
  });

  it('survives a reload: what is kept in storage is sent by the next page, with the same reportId', async () => {
    const storage = new MemoryStorage();
    const first = harness([down], storage);
    first.outbox.add(report('r-00000005'));
    await first.outbox.flush();

    const second = harness([delivered], storage);
    expect(second.outbox.pending().map((i) => i.reportId)).toEqual(['r-00000005']);
    expect(second.outbox.items()[0]).toMatchObject({ attempts: 1 });
    await second.outbox.flush(true);
    expect(second.sent.map((b) => b.reportId)).toEqual(['r-00000005']);
    expect(second.outbox.items()[0]).toMatchObject({ state: 'delivered', incidentId: 'inc-1' });
    expect(JSON.parse(storage.getItem('outbox.staff-1')!)).toMatchObject([{ reportId: 'r-00000005', state: 'delivered' }]);
  });

  it('adds a report once however often it is added, and sends the oldest first', async () => {
    const { outbox, sent } = harness([delivered, { ...delivered, incidentId: 'inc-2' }]);
    outbox.add(report('r-0000000a'));
    outbox.add(report('r-0000000b'));
    outbox.add(report('r-0000000a'));
    expect(outbox.items().map((i) => i.reportId)).toEqual(['r-0000000b', 'r-0000000a']);
    await outbox.flush();
    expect(sent.map((b) => b.reportId)).toEqual(['r-0000000a', 'r-0000000b']);
  });

  it('sends one try at a time: a second flush while one runs joins it', async () => {
    const { outbox, sent } = harness([delivered]);
    outbox.add(report('r-00000006'));
    await Promise.all([outbox.flush(), outbox.flush(), outbox.flush(true)]);
    expect(sent).toHaveLength(1);
  });

  it("shares the device with another tab of the same user: neither loses the other's reports nor sends them twice", async () => {
    const storage = new MemoryStorage();
    const one = harness([delivered], storage);
    const two = harness([{ ...delivered, incidentId: 'inc-2' }], storage);
    one.outbox.add(report('r-00000007'));
    two.outbox.add(report('r-00000008'));
    await one.outbox.flush();
    await two.outbox.flush();
    expect(one.sent.map((b) => b.reportId)).toEqual(['r-00000007']);
    expect(two.sent.map((b) => b.reportId)).toEqual(['r-00000008']);
    const kept = JSON.parse(storage.getItem('outbox.staff-1')!) as { reportId: string; state: string }[];
    expect(kept.map((i) => [i.reportId, i.state]).sort()).toEqual([
      ['r-00000007', 'delivered'],
      ['r-00000008', 'delivered'],
    ]);
  });

  it('lets a delivered report leave the device once its retention ends, never one not yet delivered', async () => {
    const { outbox, storage, advance } = harness([delivered, down, { kind: 'rejected', message: 'UNKNOWN_GRID: no grid' }]);
    outbox.add({ ...report('r-00000009'), reportedAt: '2026-11-22T01:00:00.000Z' });
    outbox.add({ ...report('r-00000010'), reportedAt: '2026-11-22T01:01:00.000Z' });
    outbox.add({ ...report('r-00000011'), reportedAt: '2026-11-22T01:02:00.000Z' });
    await outbox.flush();
    const states = () =>
      (JSON.parse(storage.getItem('outbox.staff-1')!) as { reportId: string; state: string }[]).map((i) => [i.reportId, i.state]);
    expect(states()).toEqual([
      ['r-00000011', 'failed'],
      ['r-00000010', 'pending'],
      ['r-00000009', 'delivered'],
    ]);
    // Delivered at the harness's 1,000,000: it leaves ten minutes later.
    expect(outbox.nextExpiryAt()).toBe(1_000_000 + DELIVERED_RETENTION_MS);
    advance(DELIVERED_RETENTION_MS - 1);
    outbox.expire();
    expect(states()).toHaveLength(3);
    advance(1);
    outbox.expire();
    expect(states()).toEqual([
      ['r-00000011', 'failed'],
      ['r-00000010', 'pending'],
    ]);
    expect(outbox.nextExpiryAt()).toBeUndefined();
  });

  it('clears the delivered reports of every outbox on the device at sign-out, and keeps the others to send later', async () => {
    const storage = new MemoryStorage();
    const { outbox } = harness([delivered, down], storage);
    outbox.add({ ...report('r-00000012'), reportedAt: '2026-11-22T01:00:00.000Z' });
    outbox.add({ ...report('r-00000013'), reportedAt: '2026-11-22T01:01:00.000Z' });
    await outbox.flush();
    storage.setItem('outbox.staff-2', '[]');
    expect(forgetDelivered(storage, ['outbox.staff-1', 'outbox.staff-2'])).toBe(1);
    const kept = JSON.parse(storage.getItem('outbox.staff-1')!) as { reportId: string; state: string }[];
    expect(kept.map((i) => [i.reportId, i.state])).toEqual([['r-00000013', 'pending']]);
    // The page still open does not write the delivered one back.
    outbox.add(report('r-00000014'));
    expect(outbox.items().map((i) => i.reportId)).not.toContain('r-00000012');
    expect(storage.getItem('outbox.staff-1')).not.toContain('r-00000012');
  });

  it('keeps nothing of a report delivered by a try that ends after the sign-out', async () => {
    let signedIn = true;
    const storage = new MemoryStorage();
    let answer: (r: SendResult) => void = () => undefined;
    const outbox = new Outbox({
      storage,
      key: 'outbox.staff-1',
      signedIn: () => signedIn,
      send: () => new Promise<SendResult>((resolve) => (answer = resolve)),
    });
    outbox.add(report('r-00000015'));
    const flushing = outbox.flush();
    signedIn = false;
    forgetDelivered(storage, ['outbox.staff-1']);
    answer(delivered);
    await flushing;
    expect(JSON.parse(storage.getItem('outbox.staff-1')!)).toEqual([]);
  });

  it('ignores what it cannot read in storage', () => {
    const storage = new MemoryStorage();
    storage.setItem('outbox.staff-1', '{not json');
    expect(harness([], storage).outbox.items()).toEqual([]);
    storage.setItem('outbox.staff-1', JSON.stringify([{ reportId: 'x' }, 7, null]));
    expect(harness([], storage).outbox.items()).toEqual([]);
  });

  it('classifies the answers of POST /v1/incidents', () => {
    expect(classifyAnswer(202, { commandId: 'c', incidentId: 'i', status: 'pending' })).toEqual({
      kind: 'delivered',
      commandId: 'c',
      incidentId: 'i',
    });
    const invalid = { error: { code: 'VALIDATION_FAILED', message: 'body.description: required' } };
    expect(classifyAnswer(400, invalid)).toEqual({ kind: 'rejected', message: 'VALIDATION_FAILED: body.description: required' });
    expect(classifyAnswer(403, { error: { code: 'OUT_OF_JURISDICTION', message: 'm' } }).kind).toBe('rejected');
    expect(classifyAnswer(413, undefined).kind).toBe('rejected');
    expect(classifyAnswer(401, { error: { code: 'UNAUTHENTICATED', message: 'expired' } })).toEqual({
      kind: 'unauthorized',
      message: 'UNAUTHENTICATED: expired',
    });
    expect(classifyAnswer(429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }, '7')).toEqual({
      kind: 'retry',
      message: 'RATE_LIMITED: slow down',
      retryAfterMs: 7000,
    });
    for (const status of [500, 502, 503, 504, 408]) expect(classifyAnswer(status, undefined).kind).toBe('retry');
    // A 202 without ids is not a delivery: try again.
    expect(classifyAnswer(202, {}).kind).toBe('retry');
  });

  it('remembers how many open cases the intake proposed a delivered report as a duplicate of', async () => {
    const proposed = classifyAnswer(202, {
      commandId: 'c',
      incidentId: 'i',
      possibleDuplicates: [{ incidentId: 'a' }, { incidentId: 'b' }],
    });
    expect(proposed).toEqual({ kind: 'delivered', commandId: 'c', incidentId: 'i', possibleDuplicates: 2 });
    expect(classifyAnswer(202, { commandId: 'c', incidentId: 'i', possibleDuplicates: [] })).toEqual({
      kind: 'delivered',
      commandId: 'c',
      incidentId: 'i',
    });
    const { outbox } = harness([proposed]);
    outbox.add(report('r-00000009'));
    await outbox.flush();
    expect(outbox.items()[0]).toMatchObject({ state: 'delivered', incidentId: 'i', possibleDuplicates: 2 });
  });
});
