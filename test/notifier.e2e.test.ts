import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Notification, Urgency } from '@gridgov/contracts';
import { DurableProducer } from '@gridgov/kafka';
import { type DirectoryData, verifyWebhook } from '@gridgov/notifier';
import { clockKey } from '@gridgov/redis';
import { createTestInfra, eventually, readTopic, startService, testToken, type RunningService, type TestInfra } from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * services/notifier as it runs: its own process on a test's slice of the real broker and Redis, fed on
 * grid.notifications, delivering to a webhook receiver and a fake SMS API that the test starts, and to the inbox.
 */
const WEBHOOK_SECRET = 'test-only-webhook-secret-0123456789abcdef';
const SANITATION = 'sanitation';
const ROADS = 'roads';
const XINHUI = '440705';

function notification(n: { department: string; urgency?: Urgency; kind?: Notification['kind']; at?: string }): Notification {
  return {
    notificationId: randomUUID(),
    incidentId: randomUUID(),
    recipient: { role: 'handler', department: n.department },
    kind: n.kind ?? 'dispatched',
    message: `新派遣：会城街道「暴露垃圾」案件，请及时签收。`,
    urgency: n.urgency ?? 'normal',
    at: n.at ?? new Date().toISOString(),
  };
}

async function produce(infra: TestInfra, notifications: readonly Notification[]): Promise<void> {
  const producer = new DurableProducer(infra.kafka);
  await producer.connect();
  await producer.send(
    infra.topics.notifications,
    notifications.map((n) => ({ key: n.incidentId, value: JSON.stringify(n) })),
  );
  await producer.disconnect();
}

function writeDirectory(infra: TestInfra, data: DirectoryData): string {
  const file = join(tmpdir(), `${infra.id}-directory.json`);
  writeFileSync(file, JSON.stringify(data));
  return file;
}

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A local HTTP server recording what it is sent; `answer` says what to reply. */
async function listen(answer: (r: Received) => Promise<number> | number): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      received.push(r);
      void Promise.resolve(answer(r)).then((status) => res.writeHead(status).end());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return { server, url: `http://127.0.0.1:${address.port}/hook`, received };
}

/** A seeded generator (mulberry32): the same kills every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('notifier webhooks under SIGKILL', () => {
  let infra: TestInfra;
  let notifier: RunningService | undefined;
  let receiver: Awaited<ReturnType<typeof listen>>;
  /** Delivery ids the receiver has acted on (its dedupe), and how often it acted on each notification. */
  const seen = new Set<string>();
  /** POSTs of a delivery the receiver had already answered 2xx (sent again after a kill): what its dedupe absorbed. */
  let redelivered = 0;
  const accepted = new Map<string, number>();
  const refused: string[] = [];
  /** Replay window of the receiver, in seconds: short, so that the test can show a replay refused. */
  const TOLERANCE_S = 5;

  beforeAll(async () => {
    infra = await createTestInfra();
    const rnd = random(7);
    // The integrator's receiver: verifies with the shipped helper, dedupes on the delivery id, sometimes fails.
    receiver = await listen(async ({ headers, body }) => {
      const verdict = verifyWebhook({ secret: WEBHOOK_SECRET, headers, body, toleranceS: TOLERANCE_S });
      if (!verdict.ok) {
        refused.push(verdict.reason);
        return 401;
      }
      await new Promise((r) => setTimeout(r, 5));
      if (rnd() < 0.1) return 503; // a failing receiver: the notifier tries again with backoff
      if (seen.has(verdict.deliveryId)) {
        redelivered++;
        return 200;
      } // a retry of what it already acted on: answered, not acted on again
      seen.add(verdict.deliveryId);
      const { notification: n } = JSON.parse(body) as { notification: Notification };
      accepted.set(n.notificationId, (accepted.get(n.notificationId) ?? 0) + 1);
      return 200;
    });
  });

  afterAll(async () => {
    await notifier?.stop('SIGKILL');
    receiver?.server.close();
    await infra?.cleanup();
  });

  it('gets every webhook once after dedupe, signed, while the notifier is SIGKILLed at least 10 times; a replay is refused', async () => {
    const directory = writeDirectory(infra, {
      people: [],
      webhooks: [{ id: 'city-ops', url: receiver.url, role: 'handler', department: SANITATION }],
    });
    const env = {
      ...infra.env(),
      DIRECTORY_FILE: directory,
      WEBHOOK_SECRET,
      WEBHOOK_BACKOFF_MS: '20',
      WEBHOOK_MAX_ATTEMPTS: '20',
      NOTIFIER_SESSION_TIMEOUT_MS: '6000',
    };
    const rnd = random(20261130);
    const sent: Notification[] = [];
    // Arrivals per delivery id before dedupe: more than one means a POST answered just before a kill was sent again.
    const arrivals = () => {
      const counts = new Map<string, number>();
      for (const r of receiver.received) {
        const id = String(r.headers['idempotency-key']);
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    };
    let kills = 0;
    notifier = await startService('notifier', env);
    for (let wave = 0; wave < 11; wave++) {
      const batch = Array.from({ length: 30 }, () => notification({ department: SANITATION }));
      // One notification for another department: no webhook matches it.
      batch.push(notification({ department: ROADS }));
      sent.push(...batch);
      await produce(infra, batch);
      // Killed once some of the wave has arrived, at a random point of it.
      const before = receiver.received.length;
      const after = 1 + Math.floor(rnd() * 25);
      await eventually(
        () => Promise.resolve(receiver.received.length),
        (n) => n >= before + after,
        60_000,
        5,
      );
      await notifier.stop('SIGKILL');
      kills++;
      notifier = await startService('notifier', env);
    }
    const expected = sent.filter((n) => n.recipient.department === SANITATION).map((n) => n.notificationId);
    await eventually(
      () => Promise.resolve(accepted.size),
      (n) => n >= expected.length,
      120_000,
    );
    expect(kills).toBeGreaterThanOrEqual(10);
    expect([...accepted.keys()].sort()).toEqual([...expected].sort());
    expect([...accepted.values()].every((n) => n === 1)).toBe(true);
    // Every request the notifier sent verified: nothing was refused.
    expect(refused).toEqual([]);
    // Each body is the notification the delivery id names.
    for (const r of receiver.received) {
      const body = JSON.parse(r.body) as { deliveryId: string; notification: Notification };
      expect(body.deliveryId).toBe(r.headers['idempotency-key']);
      expect(body.deliveryId.startsWith(body.notification.notificationId)).toBe(true);
    }
    const retried = [...arrivals().values()].filter((n) => n > 1).length;
    console.log(
      `webhooks: ${expected.length} notifications, ${kills} SIGKILLs, ${receiver.received.length} POSTs, ${retried} delivery ids POSTed more than once, ${redelivered} POSTs of an already accepted delivery (deduped by the receiver)`,
    );

    // A captured request replayed later than the replay window is refused, and a tampered body at once.
    const old = receiver.received[0]!;
    const replay = (body: string) =>
      fetch(receiver.url, {
        method: 'POST',
        headers: Object.fromEntries(
          ['content-type', 'x-grid-timestamp', 'x-grid-signature', 'idempotency-key'].map((h) => [h, String(old.headers[h])]),
        ),
        body,
      }).then((r) => r.status);
    const tampered = old.body.replace('"kind":"dispatched"', '"kind":"resolved"');
    expect(await replay(tampered)).toBe(401);
    expect(refused.at(-1)).toBe('signature does not verify');
    const signedAtMs = Number(old.headers['x-grid-timestamp']) * 1000;
    await eventually(
      () => Promise.resolve(Date.now()),
      (now) => now > signedAtMs + (TOLERANCE_S + 1) * 1000,
      60_000,
    );
    expect(await replay(old.body)).toBe(401);
    expect(refused.at(-1)).toMatch(/outside the 5 s replay window/);
  }, 300_000);
});

describe('notifier dead letters', () => {
  let infra: TestInfra;
  let notifier: RunningService | undefined;
  let receiver: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    infra = await createTestInfra();
    receiver = await listen(() => 500);
  });

  afterAll(async () => {
    await notifier?.stop('SIGKILL');
    receiver?.server.close();
    await infra?.cleanup();
  });

  it('sends a webhook that keeps failing to grid.dlq after N tries with the reason, and a record that is no notification at once', async () => {
    const directory = writeDirectory(infra, {
      people: [{ id: 'handler-a', role: 'handler', areas: [XINHUI], department: SANITATION, channels: ['inbox'] }],
      webhooks: [{ id: 'broken', url: receiver.url, department: SANITATION }],
    });
    notifier = await startService('notifier', {
      ...infra.env(),
      DIRECTORY_FILE: directory,
      WEBHOOK_SECRET,
      WEBHOOK_BACKOFF_MS: '10',
      WEBHOOK_MAX_ATTEMPTS: '3',
    });
    const n = notification({ department: SANITATION });
    const producer = new DurableProducer(infra.kafka);
    await producer.connect();
    await producer.send(infra.topics.notifications, [
      { key: 'junk', value: '{"notificationId":"x"' },
      { key: 'wrong', value: JSON.stringify({ ...n, kind: 'lunch' }) },
      { key: n.incidentId, value: JSON.stringify(n) },
    ]);
    await producer.disconnect();
    const letters = await eventually(
      async () => (await readTopic(infra.kafka, infra.topics.dlq)).map((r) => JSON.parse(r.value!) as { reason: string; key: string }),
      (l) => l.length >= 3,
    );
    expect(letters.map((l) => [l.key, l.reason])).toEqual([
      ['junk', 'not JSON'],
      ['wrong', expect.stringMatching(/^invalid notification: kind: /)],
      [n.incidentId, expect.stringMatching(/^webhook broken: gave up after 3 tries: .* answered 500$/)],
    ]);
    expect(receiver.received).toHaveLength(3);
    // The other channels of the same notification were delivered all the same.
    const inbox = (await fetch(`${notifier.url}/v1/notifications`, {
      headers: { authorization: `Bearer ${testToken({ role: 'handler', areas: [XINHUI], department: SANITATION, sub: 'handler-a' })}` },
    }).then((r) => r.json())) as { items: { id: string }[] };
    expect(inbox.items.map((i) => i.id)).toEqual([n.notificationId]);
    // Restarted, it does not try the given-up webhook again.
    await notifier.stop('SIGKILL');
    notifier = await startService('notifier', { ...infra.env(), DIRECTORY_FILE: directory, WEBHOOK_SECRET });
    const marker = notification({ department: ROADS });
    await produce(infra, [marker]);
    await eventually(
      () => Promise.resolve(notifier!.output()),
      (out) => out.includes(marker.notificationId),
    );
    expect(receiver.received).toHaveLength(3);
  });
});

describe('notifier SMS: quiet hours and the per-number limit', () => {
  let infra: TestInfra;
  let notifier: RunningService | undefined;
  let sms: Awaited<ReturnType<typeof listen>>;
  /** What the fake SMS API was sent, with the deployment's clock when it arrived. */
  const texts: { phone: string; text: string; outId: string; atMs: number }[] = [];
  // Tuesday 1 December 2026, 23:00 in Shanghai (UTC+8).
  const LATE_EVENING = Date.parse('2026-12-01T15:00:00.000Z');
  const NEXT_MORNING_7 = Date.parse('2026-12-01T23:00:00.000Z');
  const HOUR = 3_600_000;
  const PHONE_A = '13900000001';
  const PHONE_B = '13900000002';

  beforeAll(async () => {
    infra = await createTestInfra();
    await infra.redis.set(clockKey(infra.keyPrefix), String(LATE_EVENING));
    sms = await listen(async ({ body }) => {
      const m = JSON.parse(body) as { phone: string; text: string; outId: string };
      texts.push({ ...m, atMs: Number(await infra.redis.get(clockKey(infra.keyPrefix))) });
      return 200;
    });
    const directory = writeDirectory(infra, {
      people: [
        { id: 'handler-a', role: 'handler', areas: [XINHUI], department: SANITATION, phone: PHONE_A, channels: ['sms'] },
        { id: 'handler-b', role: 'handler', areas: [XINHUI], department: ROADS, phone: PHONE_B, channels: ['sms', 'inbox'] },
      ],
      webhooks: [],
    });
    notifier = await startService('notifier', {
      ...infra.env(),
      DIRECTORY_FILE: directory,
      CLOCK_SOURCE: 'redis',
      SMS_API_URL: sms.url,
      SMS_POLL_MS: '50',
      SMS_LIMIT_PER_NUMBER: '2',
      SMS_LIMIT_WINDOW_MS: String(HOUR),
    });
  });

  afterAll(async () => {
    await notifier?.stop('SIGKILL');
    sms?.server.close();
    await infra?.cleanup();
  });

  const logged = (message: string, deliveryId: string) =>
    notifier!
      .output()
      .split('\n')
      .some((line) => line.includes(`"msg":"${message}"`) && line.includes(deliveryId));
  const setClock = (ms: number) => infra.redis.set(clockKey(infra.keyPrefix), String(ms));

  it('holds a normal SMS in quiet hours until 07:00, sends a very urgent one at once, and keeps each number to its limit', async () => {
    // 23:00: a normal case waits, a very urgent one goes.
    const normal = notification({ department: SANITATION });
    const veryUrgent = notification({ department: SANITATION, urgency: 'very_urgent' });
    await produce(infra, [normal, veryUrgent]);
    const normalId = `${normal.notificationId}:handler-a:sms`;
    await eventually(
      () => Promise.resolve(texts.length),
      (n) => n >= 1 && logged('SMS deferred: quiet hours', normalId),
    );
    expect(texts.map((t) => t.outId)).toEqual([`${veryUrgent.notificationId}:handler-a:sms`]);
    expect(texts[0]!.phone).toBe(PHONE_A);
    expect(texts[0]!.text.startsWith('【网格化管理】您有一件新的派遣任务')).toBe(true);

    // 07:00 the next morning: the deferred one goes.
    await setClock(NEXT_MORNING_7);
    await eventually(
      () => Promise.resolve(texts.length),
      (n) => n >= 2,
    );
    expect(texts[1]!.outId).toBe(normalId);
    expect(texts[1]!.atMs).toBeGreaterThanOrEqual(NEXT_MORNING_7);

    // 10:00: five cases for one number with a limit of 2 an hour go out 2, 2 and 1 over three hours; none is dropped.
    const TEN = NEXT_MORNING_7 + 3 * HOUR;
    await setClock(TEN);
    const five = Array.from({ length: 5 }, () => notification({ department: ROADS }));
    await produce(infra, five);
    const ids = five.map((n) => `${n.notificationId}:handler-b:sms`);
    const toB = () => texts.filter((t) => t.phone === PHONE_B);
    await eventually(
      () => Promise.resolve(ids.filter((id) => logged('SMS deferred: the number reached its limit', id)).length),
      (n) => n >= 3,
    );
    expect(toB()).toHaveLength(2);
    await setClock(TEN + HOUR);
    await eventually(
      () => Promise.resolve(toB().length),
      (n) => n >= 4,
    );
    await setClock(TEN + 2 * HOUR);
    await eventually(
      () => Promise.resolve(toB().length),
      (n) => n >= 5,
    );
    expect(
      toB()
        .map((t) => t.outId)
        .sort(),
    ).toEqual([...ids].sort());
    const perHour = new Map<number, number>();
    for (const t of toB()) perHour.set(Math.floor(t.atMs / HOUR), (perHour.get(Math.floor(t.atMs / HOUR)) ?? 0) + 1);
    expect([...perHour.values()].sort()).toEqual([1, 2, 2]);
  });
});

describe('notifier inbox API', () => {
  let infra: TestInfra;
  let notifier: RunningService | undefined;
  const sanitation = { role: 'handler' as const, areas: [XINHUI], department: SANITATION, sub: 'handler-sanitation-01' };
  const roads = { role: 'handler' as const, areas: [XINHUI], department: ROADS, sub: 'handler-roads-01' };
  const auth = (claims: Parameters<typeof testToken>[0]) => ({ authorization: `Bearer ${testToken(claims)}` });

  beforeAll(async () => {
    infra = await createTestInfra();
    const directory = writeDirectory(infra, {
      people: [
        { id: sanitation.sub, role: 'handler', areas: [XINHUI], department: SANITATION, channels: ['inbox'] },
        { id: roads.sub, role: 'handler', areas: [XINHUI], department: ROADS, channels: ['inbox'] },
      ],
      webhooks: [],
    });
    notifier = await startService('notifier', { ...infra.env(), DIRECTORY_FILE: directory });
  });

  afterAll(async () => {
    await notifier?.stop('SIGKILL');
    await infra?.cleanup();
  });

  const get = (path: string, headers: Record<string, string>) => fetch(`${notifier!.url}${path}`, { headers });
  const post = (path: string, headers: Record<string, string>, body: unknown, method = 'POST') =>
    fetch(`${notifier!.url}${path}`, { method, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('shows each person their own inbox, newest first, streams new entries and unread counts, and marks read', async () => {
    const first = notification({ department: SANITATION, at: '2026-12-01T02:00:00.000Z' });
    const second = notification({ department: SANITATION, at: '2026-12-01T03:00:00.000Z', kind: 'warning' });
    // Sent twice: the second copy changes nothing.
    await produce(infra, [first, second, first]);
    const inbox = await eventually(
      () =>
        get('/v1/notifications', auth(sanitation)).then(
          (r) => r.json() as Promise<{ items: { id: string; read: boolean }[]; unread: number }>,
        ),
      (b) => b.items.length >= 2,
    );
    expect(inbox.items.map((i) => i.id)).toEqual([second.notificationId, first.notificationId]);
    expect(inbox.unread).toBe(2);
    const other = (await get('/v1/notifications', auth(roads)).then((r) => r.json())) as { items: unknown[]; unread: number };
    expect(other).toEqual({ items: [], unread: 0, next: null });

    // The stream: the unread count, then a new entry as it arrives.
    const controller = new AbortController();
    const stream = await fetch(`${notifier!.url}/v1/notifications/stream`, { headers: auth(sanitation), signal: controller.signal });
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader: ReadableStreamDefaultReader<Uint8Array> = stream.body!.getReader();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}`);
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil('event: unread\ndata: {"unread":2}');
    const third = notification({ department: SANITATION, at: '2026-12-01T04:00:00.000Z' });
    await produce(infra, [third]);
    await readUntil(`"id":"${third.notificationId}"`);
    await readUntil('data: {"unread":3}');
    controller.abort();

    expect(await post('/v1/notifications/read', auth(sanitation), { ids: [first.notificationId] }).then((r) => r.json())).toEqual({
      unread: 2,
    });
    const page = (await get('/v1/notifications?limit=2', auth(sanitation)).then((r) => r.json())) as {
      items: { id: string; read: boolean }[];
      next: string;
    };
    expect(page.items.map((i) => i.id)).toEqual([third.notificationId, second.notificationId]);
    const rest = (await get(`/v1/notifications?limit=2&cursor=${page.next}`, auth(sanitation)).then((r) => r.json())) as {
      items: { id: string; read: boolean }[];
      next: string | null;
    };
    expect(rest.items).toEqual([expect.objectContaining({ id: first.notificationId, read: true })]);
    expect(rest.next).toBeNull();
    expect(await post('/v1/notifications/read', auth(sanitation), { all: true }).then((r) => r.json())).toEqual({ unread: 0 });
  });

  it('refuses what it cannot take with a 4xx naming the problem', async () => {
    expect((await get('/v1/notifications', {})).status).toBe(401);
    const bad = await post('/v1/notifications/read', auth(sanitation), { ids: [] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^body/);
    expect((await get('/v1/notifications?limit=0', auth(sanitation))).status).toBe(400);
    expect((await get('/v1/notifications?cursor=abc', auth(sanitation))).status).toBe(400);
    // The directory: admins only, validated whole.
    expect((await post('/v1/directory', auth(sanitation), { people: [] }, 'PUT')).status).toBe(403);
    const admin = auth({ role: 'admin', areas: ['440700'], sub: 'admin-01' });
    const invalid = await post(
      '/v1/directory',
      admin,
      { people: [{ id: 'x', role: 'handler', areas: [XINHUI], channels: ['sms'] }] },
      'PUT',
    );
    expect(invalid.status).toBe(400);
    const unknownArea = await post(
      '/v1/directory',
      admin,
      { people: [{ id: 'x', role: 'leader', areas: ['440799'], channels: ['inbox'] }] },
      'PUT',
    );
    expect(unknownArea.status).toBe(400);
  });

  it('delivers to the people of a directory an admin put in its place', async () => {
    const admin = auth({ role: 'admin', areas: ['440700'], sub: 'admin-01' });
    const replaced = await post(
      '/v1/directory',
      admin,
      { people: [{ id: 'handler-roads-02', role: 'handler', areas: [XINHUI], department: ROADS, channels: ['inbox'] }] },
      'PUT',
    );
    expect(await replaced.json()).toEqual({ people: 1, webhooks: 0 });
    const n = notification({ department: ROADS });
    await produce(infra, [n]);
    const newcomer = { role: 'handler' as const, areas: [XINHUI], department: ROADS, sub: 'handler-roads-02' };
    const inbox = await eventually(
      () => get('/v1/notifications', auth(newcomer)).then((r) => r.json() as Promise<{ items: { id: string }[] }>),
      (b) => b.items.length >= 1,
    );
    expect(inbox.items.map((i) => i.id)).toEqual([n.notificationId]);
    // handler-roads-01 is no longer in the directory: nothing new for them.
    const old = (await get('/v1/notifications', auth(roads)).then((r) => r.json())) as { items: unknown[] };
    expect(old.items).toEqual([]);
  });
});

describe('notifier inbox streams: capped per user over every instance, and ended with their token (ADR 0020)', () => {
  let infra: TestInfra;
  const instances: RunningService[] = [];
  const sanitation = { role: 'handler' as const, areas: [XINHUI], department: SANITATION, sub: 'handler-sanitation-01' };

  beforeAll(async () => {
    infra = await createTestInfra();
    const directory = writeDirectory(infra, {
      people: [{ id: sanitation.sub, role: 'handler', areas: [XINHUI], department: SANITATION, channels: ['inbox'] }],
      webhooks: [],
    });
    const env = { ...infra.env(), DIRECTORY_FILE: directory, STREAMS_PER_USER: '2' };
    instances.push(...(await Promise.all([startService('notifier', env), startService('notifier', env)])));
  });

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop('SIGKILL')));
    await infra?.cleanup();
  });

  /** Opens a stream and reads it until `needle`, or answers the refusal. */
  const open = async (instance: RunningService, token: string) => {
    const controller = new AbortController();
    const res = await fetch(`${instance.url}/v1/notifications/stream`, {
      headers: { authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    let text = '';
    const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = res.ok ? res.body!.getReader() : undefined;
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader!.read();
        if (done) return { text, ended: true };
        text += new TextDecoder().decode(value);
      }
      return { text, ended: false };
    };
    return { res, readUntil, close: () => controller.abort(), done: () => reader!.read() };
  };

  it("refuses one user's streams beyond the cap, counted over two instances, and frees a slot when a stream ends", async () => {
    const [a, b] = instances as [RunningService, RunningService];
    const token = testToken(sanitation);
    const first = await open(a, token);
    const second = await open(b, token);
    expect([first.res.status, second.res.status]).toEqual([200, 200]);
    await first.readUntil('event: unread');
    const third = await open(a, token);
    expect(third.res.status).toBe(429);
    expect(third.res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await third.res.json()).toMatchObject({ error: { code: 'TOO_MANY_STREAMS' } });
    // One ends: its slot is given back, and the other instance takes a new stream.
    second.close();
    const again = await eventually(
      () => open(b, token),
      (s) => s.res.status === 200,
    );
    await again.readUntil('event: unread');
    first.close();
    again.close();
  });

  it('ends a stream when its token expires, with a last event that says why', async () => {
    // A token that ends two seconds from now (its expiry plus the 30 s the verifier tolerates for clocks).
    const token = testToken({ ...sanitation, sub: 'handler-sanitation-01', ttlSeconds: 1 }, Date.now() - 29_000);
    const stream = await open(instances[0]!, token);
    expect(stream.res.status).toBe(200);
    const { text, ended } = await stream.readUntil('event: token-expired');
    expect(ended).toBe(false);
    expect(text).toContain('"code":"UNAUTHENTICATED"');
    expect(await stream.done()).toMatchObject({ done: true });
  });
});
