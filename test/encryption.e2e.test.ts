import { readFileSync } from 'node:fs';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { caseKeyRedisKey, Pseudonyms } from '@gridgov/crypto';
import { clockKey } from '@gridgov/redis';
import {
  bearer,
  createTestInfra,
  eventually,
  loadXinhuiAreas,
  readTopic,
  startService,
  TEST_PSEUDONYM_SECRET,
  XINHUI_AREAS_FILE,
  type ReadRecord,
  type RunningService,
  type TestInfra,
  sharedS3,
} from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, post, distinctPlace } from './support/client.ts';

/**
 * Issue 15, "Must show": the raw log hides every reporter, erasure reaches every copy. The three services run as
 * processes; a plain Kafka client reads grid.events as anyone holding the broker's address could, and the test looks
 * into Redis as an operator would.
 */
describe('field-level encryption of personal data (ADR 0016)', () => {
  const areas = loadXinhuiAreas();
  const TOWN = '440705001';
  const community = areas.children(TOWN)[0]!.code;
  const GRID = areas.children(community)[0]!.code;
  const DAY = 86_400_000;

  // Ids and text that must never be found in clear where they should not be.
  const STAFF_A = 'enc-staff-aaaa';
  const STAFF_B = 'enc-staff-bbbb';
  const REPORT_A = 'enc-report-id-aaaa-0001';
  const REPORT_B = 'enc-report-id-bbbb-0001';
  const DESCRIPTION_A = '路边堆放生活垃圾，普通事件的描述';
  const DESCRIPTION_B = '某团伙在码头强收保护费，线索描述';
  // The handler's after-photo: its object key and SHA-256 (set when it is uploaded) are personal too.
  let PHOTO = '';
  let PHOTO_SHA = '';
  const RETURN_REASON = '非本部门职责，机密退回理由';
  const REJECT_REASON = '证据不足，机密不予立案理由';
  const ERASE_REASON = '本人依法申请删除个人信息';

  const staffA = bearer({ sub: STAFF_A, role: 'grid_staff', areas: [GRID] });
  const staffB = bearer({ sub: STAFF_B, role: 'grid_staff', areas: [GRID] });
  const dispatcher = bearer({ sub: 'enc-dispatcher', role: 'dispatcher', areas: ['440705'] });
  const leader = bearer({ sub: 'enc-leader', role: 'leader', areas: ['440705'] });
  const admin = bearer({ sub: 'enc-admin', role: 'admin', areas: ['440705'] });
  const handler = (department: string) => bearer({ sub: `enc-handler-${department}`, role: 'handler', department, areas: ['440705'] });
  const pseudonyms = new Pseudonyms(TEST_PSEUDONYM_SECRET);

  let infra: TestInfra;
  let services: RunningService[] = [];
  let intake: string;
  let projection: string;
  let now = Date.now();
  const cases: { a?: string; b?: string; reportCommandA?: string } = {};

  const setClock = async (ms: number) => {
    now = ms;
    await infra.redis.set(clockKey(infra.keyPrefix), String(ms));
  };

  /** Sends a command and waits until its issuer reads it accepted (and the case view shows it). */
  const command = async (
    headers: Record<string, string>,
    path: string,
    body: unknown,
  ): Promise<{ commandId: string; incidentId: string }> => {
    const sent = await post(`${intake}${path}`, headers, body);
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    const { commandId, incidentId } = sent.body as { commandId: string; incidentId: string };
    const outcome = await eventually(
      () => call(`${intake}/v1/commands/${commandId}?waitMs=2000`, { headers }),
      (a) => a.status === 200,
    );
    expect(outcome.body, JSON.stringify(outcome.body)).toMatchObject({ status: 'accepted' });
    return { commandId, incidentId };
  };

  const report = (headers: Record<string, string>, reportId: string, category: string, description: string) =>
    command(headers, '/v1/incidents', {
      reportId,
      gridCode: GRID,
      category,
      urgency: 'normal',
      description,
      location: { ...distinctPlace(reportId), address: '会城同德路' },
      occurredAt: new Date(now - 3_600_000).toISOString(),
    });

  const view = async (headers: Record<string, string>, id: string) => call(`${intake}/v1/incidents/${id}`, { headers });
  const figures = async () => {
    const answers = await Promise.all(
      ['day', 'month', 'all'].map((w) => call(`${projection}/v1/figures?area=${TOWN}&window=${w}`, { headers: leader })),
    );
    return answers.map((a) => a.body['figures']);
  };
  const events = async () => (await readTopic(infra.kafka, infra.topics.events)).map((r) => r.value ?? '');

  /** Every value under the test's key prefix, as an operator dumping Redis would see them. */
  const redisValues = async (): Promise<string[]> => {
    const values: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await infra.redis.scan(cursor, 'MATCH', `${infra.keyPrefix}*`, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await infra.redis.type(key);
        if (type === 'string') values.push((await infra.redis.get(key)) ?? '');
        else if (type === 'hash') values.push(...Object.entries(await infra.redis.hgetall(key)).flat());
        else if (type === 'zset') values.push(key, ...(await infra.redis.zrange(key, 0, -1)));
        else if (type === 'set') values.push(key, ...(await infra.redis.smembers(key)));
        else if (type === 'list') values.push(...(await infra.redis.lrange(key, 0, -1)));
      }
    } while (cursor !== '0');
    return values;
  };

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 3, events: 3 } });
    await setClock(Date.now());
    // A retention of one day after closing: the clock is moved past it below.
    const env = {
      ...infra.env(),
      AREAS_FILE: XINHUI_AREAS_FILE,
      CLOCK_SOURCE: 'redis',
      RETENTION_DAYS: '1',
      TIMER_POLL_MS: '100',
      PHOTO_SWEEP_INTERVAL_MS: '200',
    };
    services = await Promise.all([startService('intake-api', env), startService('dispatch-worker', env), startService('projection', env)]);
    intake = services[0]!.url!;
    projection = services[2]!.url!;

    // An ordinary case, carried to closing: dispatched by routing, signed for, resolved with a photo, verified.
    const a = await report(staffA, REPORT_A, 'exposed_rubbish', DESCRIPTION_A);
    cases.a = a.incidentId;
    cases.reportCommandA = a.commandId;
    const departmentA = (await view(dispatcher, a.incidentId)).body['incident'] as { department: string };
    await command(handler(departmentA.department), `/v1/incidents/${a.incidentId}/accept`, {});
    const jpeg = readFileSync(new URL('../services/intake-api/src/photos/fixtures/python.jpg', import.meta.url));
    const uploaded = await fetch(`${intake}/v1/photos`, {
      method: 'POST',
      headers: { ...handler(departmentA.department), 'content-type': 'image/jpeg' },
      body: jpeg,
    });
    expect(uploaded.status).toBe(201);
    ({ key: PHOTO, sha256: PHOTO_SHA } = ((await uploaded.json()) as { photo: { key: string; sha256: string } }).photo);
    await command(handler(departmentA.department), `/v1/incidents/${a.incidentId}/resolve`, {
      notes: '已清运',
      photos: [{ key: PHOTO, sha256: PHOTO_SHA }],
    });
    await command(staffA, `/v1/incidents/${a.incidentId}/verify`, { passed: true });
    // A confidential lead (涉黑涉恶线索): returned by its department with a reason, then turned down with another.
    const b = await report(staffB, REPORT_B, 'gang_crime_lead', DESCRIPTION_B);
    cases.b = b.incidentId;
    const departmentB = (await view(dispatcher, b.incidentId)).body['incident'] as { department: string };
    await command(handler(departmentB.department), `/v1/incidents/${b.incidentId}/return`, { reason: RETURN_REASON });
    await command(dispatcher, `/v1/incidents/${b.incidentId}/reject`, { reason: REJECT_REASON });
  }, 180_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await infra?.cleanup();
  });

  it('the raw log hides every reporter: no reporter id, report id, photo key nor confidential text in clear; the rest readable', async () => {
    const raw = await events();
    expect(raw.length).toBeGreaterThanOrEqual(9);
    const log = raw.join('\n');
    for (const secret of [STAFF_A, STAFF_B, REPORT_A, REPORT_B, PHOTO, PHOTO_SHA, DESCRIPTION_B, RETURN_REASON, REJECT_REASON]) {
      expect(log, secret).not.toContain(secret);
    }
    // Neither does the incident id give the report id away: it is not the unkeyed hash anyone could recompute.
    const parsed = raw.map((v) => JSON.parse(v) as { type: string; data: Record<string, unknown>; metadata: { incidentId: string } });
    const reportedA = parsed.find((e) => e.type === 'IncidentReported' && e.metadata.incidentId === cases.a)!;
    // An ordinary case keeps what tools read in clear: category, grid, times, description.
    expect(reportedA.data).toMatchObject({ category: 'exposed_rubbish', gridCode: GRID, description: DESCRIPTION_A });
    expect(reportedA.data['reportedAt']).toEqual(expect.any(String));
    // The personal fields are sealed values, as the contract's zod schema describes them.
    expect(reportedA.data['reporterId']).toMatch(/^enc1\./);
    expect(reportedA.data['reportId']).toMatch(/^enc1\./);
    const reportedB = parsed.find((e) => e.type === 'IncidentReported' && e.metadata.incidentId === cases.b)!;
    expect(reportedB.data).toMatchObject({ category: 'gang_crime_lead', gridCode: GRID });
    expect(reportedB.data['description']).toMatch(/^enc1\./);
    // The readers the access table allows still read them, opened by the API.
    expect((await view(staffA, cases.a!)).body['incident']).toMatchObject({ reporterId: STAFF_A });
    expect((await view(dispatcher, cases.b!)).body['incident']).toMatchObject({ reporterId: STAFF_B });
    const history = (await view(dispatcher, cases.b!)).body['history'] as { type: string; data: Record<string, unknown> }[];
    expect(history.find((l) => l.type === 'IncidentReported')!.data).toMatchObject({ description: DESCRIPTION_B, reportId: REPORT_B });
    expect(history.find((l) => l.type === 'IncidentRejected')!.data).toMatchObject({ reason: REJECT_REASON });
    const mine = await call(`${intake}/v1/incidents?mine=true`, { headers: staffA });
    expect((mine.body['items'] as { incidentId: string }[]).map((i) => i.incidentId)).toEqual([cases.a]);
  });

  it('erasure reaches every copy: the key, the views, the lists, the outcomes and Redis; the figures do not move', async () => {
    const before = await figures();
    // The photo janitor has taken the after-photo into its case (its upload record, naming the photo, is gone).
    await expect.poll(() => infra.redis.exists(`${infra.keyPrefix}:photo:${PHOTO}`), { timeout: 20_000 }).toBe(0);
    const address = sharedS3();
    const s3 = new S3Client({
      endpoint: address.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: address.accessKeyId, secretAccessKey: address.secretAccessKey },
    });
    const stored = (place: string) =>
      s3.send(new HeadObjectCommand({ Bucket: address.bucket, Key: `${place}/${PHOTO}` })).then(
        () => true,
        () => false,
      );
    expect(await stored('cases')).toBe(true);
    const erase = await command(admin, `/v1/incidents/${cases.a}/erase`, { reason: ERASE_REASON });

    // The key: gone from the cache, and the last record of grid.keys for the case is a tombstone.
    expect(await infra.redis.exists(caseKeyRedisKey(infra.keyPrefix, cases.a!))).toBe(0);
    const keyRecords: ReadRecord[] = (await readTopic(infra.kafka, infra.topics.keys)).filter((r) => r.key === cases.a);
    expect(keyRecords.at(-1)?.value).toBeNull();
    // What the log holds of the case no longer opens: the sealed reporter stays sealed whoever reads it.
    const sealedView = await view(dispatcher, cases.a!);
    expect(sealedView.body['incident']).toMatchObject({ reporterId: null });
    const lines = sealedView.body['history'] as { type: string; actor: { id: string; role: string }; data: Record<string, unknown> }[];
    expect(lines.find((l) => l.type === 'IncidentReported')!.data).toMatchObject({ reporterId: null, reportId: null });
    expect(lines.find((l) => l.type === 'IncidentResolved')!.data).toMatchObject({ photos: [] });
    expect(lines.filter((l) => l.actor.role === 'grid_staff').map((l) => l.actor.id)).toEqual(['erased', 'erased']);
    // The audit line: who, when, which case, why.
    expect(lines.at(-1)).toMatchObject({
      type: 'IncidentErased',
      actor: { id: 'enc-admin', role: 'admin' },
      data: { reason: ERASE_REASON },
    });

    // The reporter's own list and case, and the outcomes of their commands, are gone.
    const mine = await call(`${intake}/v1/incidents?mine=true`, { headers: staffA });
    expect(mine.body['items']).toEqual([]);
    // No longer theirs: answered as a case that does not exist (ADR 0018).
    const gone = await view(staffA, cases.a!);
    expect([gone.status, JSON.stringify(gone.body)]).toEqual([404, expect.stringContaining('"UNKNOWN_INCIDENT"')]);
    expect((await call(`${intake}/v1/commands/${cases.reportCommandA}`, { headers: staffA })).body).toMatchObject({ status: 'pending' });
    // The erasure's own outcome stays its admin's to read.
    expect((await call(`${intake}/v1/commands/${erase.commandId}`, { headers: admin })).body).toMatchObject({ status: 'accepted' });

    // The photo's bytes go too: the janitor deletes the object once the case shows its erasure.
    await expect.poll(async () => (await stored('cases')) || (await stored('pending')), { timeout: 20_000 }).toBe(false);
    s3.destroy();
    // … and the janitor's note of which photos to delete goes with them.
    await expect.poll(() => infra.redis.hlen(`${infra.keyPrefix}:photos:erasing`), { timeout: 20_000 }).toBe(0);

    // Nowhere in Redis: not the id, not the report id, not the photo, not even the reporter's pseudonym.
    const dump = (await redisValues()).join('\n');
    for (const secret of [STAFF_A, REPORT_A, PHOTO, PHOTO_SHA, pseudonyms.person(STAFF_A)]) expect(dump, secret).not.toContain(secret);

    expect(await figures()).toEqual(before);
  });

  it('the retention policy shreds a closed or rejected case by itself once its time has run, and the figures stay', async () => {
    const before = await figures();
    expect((await view(dispatcher, cases.b!)).body['incident']).toMatchObject({ reporterId: STAFF_B });
    await setClock(now + 2 * DAY);
    await eventually(
      () => infra.redis.exists(caseKeyRedisKey(infra.keyPrefix, cases.b!)),
      (n) => n === 0,
    );
    const erased = await eventually(
      () => view(dispatcher, cases.b!),
      (a) => (a.body['history'] as { type: string }[] | undefined)?.some((l) => l.type === 'IncidentErased') === true,
    );
    expect(erased.body['incident']).toMatchObject({ reporterId: null });
    const lines = erased.body['history'] as { type: string; actor: { id: string }; data: Record<string, unknown> }[];
    expect(lines.at(-1)).toMatchObject({ type: 'IncidentErased', actor: { id: 'system' }, data: { trigger: 'retention' } });
    expect(lines.find((l) => l.type === 'IncidentReported')!.data).toMatchObject({ description: null, reporterId: null });
    expect(lines.find((l) => l.type === 'IncidentRejected')!.data).toMatchObject({ reason: null });
    // The key cannot be had from the log either: a fresh reader of grid.keys finds the tombstone last.
    const keyRecords = (await readTopic(infra.kafka, infra.topics.keys)).filter((r) => r.key === cases.b);
    expect(keyRecords.at(-1)?.value).toBeNull();
    expect(await figures()).toEqual(before);
  });
});
