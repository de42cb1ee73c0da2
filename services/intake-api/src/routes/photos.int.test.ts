import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { PhotoRef } from '@gridgov/contracts';
import { bearer, createTestInfra, sharedS3, type TestInfra } from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepPhotos } from '../photos/janitor.ts';
import { PhotoRecords } from '../photos/records.ts';
import { PhotoStore } from '../photos/store.ts';
import { withGpsExif } from '../photos/test-support.ts';
import { ACTORS, intakeHarness, seedCase, type IntakeHarness } from '../test-harness.ts';

/*
 * POST /v1/photos against the real S3 server (s3proxy) and Redis: hostile uploads are answered 4xx or stored, never
 * 5xx, and what is in the bucket and in Redis afterwards is exactly what was answered 201. Then who may fetch a case's
 * photo with GET /v1/incidents/:id/photos/:key.
 */

const JPEG = readFileSync(new URL('../photos/fixtures/python.jpg', import.meta.url));
const MAX_BYTES = 64 * 1024;
const MAX_PENDING = 20;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
type Actor = (typeof ACTORS)[keyof typeof ACTORS] | { id: string; role: 'grid_staff'; areas: readonly string[] };
/** The caller's token: its subject is the actor's id. */
const as = (actor: Actor) => bearer({ ...actor, sub: actor.id });

let infra: TestInfra;
let intake: IntakeHarness;
let s3: S3Client;
let bucket: string;
let base: string;

beforeAll(async () => {
  infra = await createTestInfra();
  const address = sharedS3();
  // A bucket of this test's own: what is in it afterwards is this test's doing alone.
  bucket = `photos-${infra.id}`;
  s3 = new S3Client({
    endpoint: address.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: address.accessKeyId, secretAccessKey: address.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const store = new PhotoStore({ ...address, bucket, region: 'us-east-1', forcePathStyle: true });
  intake = await intakeHarness(infra, { photos: { store, maxBytes: MAX_BYTES, maxPending: MAX_PENDING, pendingTtlS: 3600 } });
  base = `http://127.0.0.1:${(await intake.app.listen({ host: '127.0.0.1', port: 0 }).then(() => intake.app.server.address() as AddressInfo)).port}`;
});

afterAll(async () => {
  await intake?.close();
  s3?.destroy();
  await infra?.cleanup();
});

/** Over real HTTP, as a phone sends it. */
const upload = (body: Uint8Array, actor: Actor = ACTORS.staff, contentType = 'image/jpeg') =>
  fetch(`${base}/v1/photos`, { method: 'POST', headers: { ...as(actor), 'content-type': contentType }, body });

const objects = async () => {
  const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (res.Contents ?? [])
    .map((o) => o.Key!)
    .filter((k) => !k.endsWith('/'))
    .sort();
};
const records = async () =>
  (await infra.redis.keys(`${infra.keyPrefix}:photo:*`)).map((k) => k.slice(`${infra.keyPrefix}:photo:`.length)).sort();
const objectBytes = async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToByteArray();

describe('POST /v1/photos: hostile uploads', () => {
  it('stores a JPEG under a random pending key without its GPS position, with the SHA-256 of what is stored', async () => {
    const res = await upload(withGpsExif(JPEG));
    expect(res.status).toBe(201);
    const { photo } = (await res.json()) as { photo: { key: string; sha256: string; contentType: string; bytes: number } };
    expect(photo).toEqual({
      key: expect.stringMatching(/^[0-9a-f]{32}$/) as unknown,
      sha256: sha(JPEG),
      contentType: 'image/jpeg',
      bytes: JPEG.length,
    });
    const stored = await objectBytes(`pending/${photo.key}`);
    expect(Buffer.from(stored).toString('latin1')).not.toContain('GPS');
    expect(sha(stored)).toBe(photo.sha256);
  });

  it('answers every hostile upload 4xx and stores nothing of any of them', async () => {
    const before = { objects: await objects(), records: await records() };
    const oversized = Buffer.concat([JPEG.subarray(0, JPEG.length - 2), Buffer.alloc(MAX_BYTES), JPEG.subarray(JPEG.length - 2)]);
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    const answers = {
      oversized: await upload(oversized),
      empty: await upload(new Uint8Array(0)),
      pdfNamedJpg: await upload(pdf),
      pdfAsItself: await upload(pdf, ACTORS.staff, 'application/pdf'),
      truncatedJpeg: await upload(JPEG.subarray(0, Math.floor(JPEG.length * 0.7))),
      jpegWithoutEnd: await upload(JPEG.subarray(0, JPEG.length - 2)),
      byALeader: await upload(JPEG, ACTORS.leader),
    };
    const codes: Record<string, string> = Object.fromEntries(
      await Promise.all(
        Object.entries(answers).map(async ([name, res]): Promise<[string, string]> => [
          name,
          `${res.status} ${((await res.json()) as { error: { code: string } }).error.code}`,
        ]),
      ),
    );
    expect(codes).toEqual({
      oversized: '413 BODY_TOO_LARGE',
      empty: '400 PHOTO_REFUSED',
      pdfNamedJpg: '400 PHOTO_REFUSED',
      pdfAsItself: '415 UNSUPPORTED_MEDIA_TYPE',
      truncatedJpeg: '400 PHOTO_REFUSED',
      jpegWithoutEnd: '400 PHOTO_REFUSED',
      byALeader: '403 FORBIDDEN_ROLE',
    });
    expect({ objects: await objects(), records: await records() }).toEqual(before);
  });

  it('answers 100 uploads at once each 201 or 429, never 5xx, and keeps exactly the 201s whole in the bucket and Redis', async () => {
    const uploaders = ['a', 'b', 'c', 'd'].map((n) => ({ ...ACTORS.staff, id: `staff-bulk-${n}` }));
    const before = { objects: await objects(), records: await records() };
    // 25 each: MAX_PENDING (20) of every uploader's are stored, the rest are told to wait.
    const photos = Array.from({ length: 100 }, (_, i) => Buffer.concat([JPEG.subarray(0, 2), comment(`photo ${i}`), JPEG.subarray(2)]));
    const answers = await Promise.all(photos.map((p, i) => upload(p, uploaders[i % uploaders.length])));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses.filter((s) => s === 201)).toHaveLength(uploaders.length * MAX_PENDING);
    expect(statuses.filter((s) => s === 429)).toHaveLength(100 - uploaders.length * MAX_PENDING);
    const stored = await Promise.all(
      answers.map(async (a, i) =>
        a.status === 201 ? { i, ...((await a.json()) as { photo: { key: string; sha256: string } }).photo } : undefined,
      ),
    );
    const kept = stored.filter((s) => s !== undefined);
    expect(await objects()).toEqual([...before.objects, ...kept.map((k) => `pending/${k.key}`)].sort());
    expect(await records()).toEqual([...before.records, ...kept.map((k) => k.key)].sort());
    for (const k of kept.slice(0, 10)) {
      expect(sha(await objectBytes(`pending/${k.key}`))).toBe(sha(photos[k.i]!));
      expect(k.sha256).toBe(sha(photos[k.i]!));
    }
  });
});

/** A JPEG comment segment (COM): makes each upload's bytes its own. */
function comment(text: string): Buffer {
  const body = Buffer.from(text, 'latin1');
  const header = Buffer.from([0xff, 0xfe, 0, 0]);
  header.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([header, body]);
}

describe('photos in commands and GET /v1/incidents/:id/photos/:key', () => {
  const stored = async (actor: Actor = ACTORS.staff): Promise<PhotoRef> => {
    const res = await upload(Buffer.concat([JPEG.subarray(0, 2), comment(`${actor.id} ${Math.random()}`), JPEG.subarray(2)]), actor);
    expect(res.status).toBe(201);
    const { photo } = (await res.json()) as { photo: PhotoRef };
    return { key: photo.key, sha256: photo.sha256, contentType: photo.contentType };
  };
  const fetchPhoto = (actor: Actor, incidentId: string, key: string) =>
    fetch(`${base}/v1/incidents/${incidentId}/photos/${key}`, { headers: as(actor) });

  it("refuses a command naming a photo that is someone else's, has another hash, or was never uploaded, and sends nothing", async () => {
    const mine = await stored(ACTORS.staff);
    const theirs = await stored(ACTORS.handler);
    const sent = intake.sent();
    const report = (photos: { key: string; sha256: string }[]) =>
      fetch(`${base}/v1/incidents`, {
        method: 'POST',
        headers: { ...as(ACTORS.staff), 'content-type': 'application/json' },
        body: JSON.stringify({
          reportId: `photo-report-${Math.random().toString(36).slice(2)}`,
          gridCode: ACTORS.staff.areas[0],
          category: 'exposed_rubbish',
          urgency: 'normal',
          description: '路边堆放生活垃圾',
          location: { lat: 22.52, lng: 113.03 },
          occurredAt: new Date().toISOString(),
          photos,
        }),
      });
    for (const photos of [
      [{ key: theirs.key, sha256: theirs.sha256 }],
      [{ key: mine.key, sha256: theirs.sha256 }],
      [{ key: 'f'.repeat(32), sha256: mine.sha256 }],
    ]) {
      const res = await report(photos);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNKNOWN_PHOTO');
    }
    expect(intake.sent()).toBe(sent);
    // The uploader's own, with its hash: passed on with the type the intake judged.
    expect((await report([{ key: mine.key, sha256: mine.sha256 }])).status).toBe(202);
    const envelope = JSON.parse(String(intake.records.at(-1)!.value)) as { command: { data: { photos: PhotoRef[] } } };
    expect(envelope.command.data.photos).toEqual([mine]);
  });

  it("gives a case's photo to whoever may read the case, and 404 to anyone else or for a photo not of the case", async () => {
    const photo = await stored(ACTORS.staff);
    const { incidentId } = await seedCase(infra, { photos: [photo] });
    for (const actor of [ACTORS.staff, ACTORS.handler, ACTORS.dispatcher, ACTORS.leader]) {
      const res = await fetchPhoto(actor, incidentId, photo.key);
      expect(res.status, actor.id).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect(sha(new Uint8Array(await res.arrayBuffer()))).toBe(photo.sha256);
    }
    for (const actor of [ACTORS.otherStaff, ACTORS.dazeLeader, ACTORS.police]) {
      const res = await fetchPhoto(actor, incidentId, photo.key);
      expect(res.status, actor.id).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UNKNOWN_INCIDENT');
    }
    const other = await stored(ACTORS.staff);
    expect((await fetchPhoto(ACTORS.dispatcher, incidentId, other.key)).status).toBe(404);
    // The case detail lists it.
    const detail = await fetch(`${base}/v1/incidents/${incidentId}`, { headers: as(ACTORS.handler) });
    expect(((await detail.json()) as { photos: unknown[] }).photos).toEqual([
      { ...photo, stage: 'report', at: expect.any(String) as unknown },
    ]);
  });

  it("shows a confidential lead's photo only to those who may see its reporter", async () => {
    const photo = await stored(ACTORS.staff);
    const { incidentId } = await seedCase(infra, { category: 'gang_crime_lead', photos: [photo] });
    expect((await fetchPhoto(ACTORS.dispatcher, incidentId, photo.key)).status).toBe(200);
    for (const actor of [ACTORS.police, ACTORS.leader]) {
      expect((await fetchPhoto(actor, incidentId, photo.key)).status, actor.id).toBe(404);
      const detail = await fetch(`${base}/v1/incidents/${incidentId}`, { headers: as(actor) });
      if (detail.status === 200) expect(JSON.stringify(await detail.json())).not.toContain(photo.key);
    }
  });
});

describe('the photo janitor', () => {
  it('moves a photo to cases/ once its case shows it, keeps those still waiting, and deletes orphans', async () => {
    const address = sharedS3();
    const janitorBucket = `janitor-${infra.id}`;
    await s3.send(new CreateBucketCommand({ Bucket: janitorBucket }));
    const store = new PhotoStore({ ...address, bucket: janitorBucket, region: 'us-east-1', forcePathStyle: true });
    const records = new PhotoRecords(infra.redis, `${infra.keyPrefix}janitor:`);
    const record = {
      sha256: sha(JPEG),
      contentType: 'image/jpeg' as const,
      bytes: JPEG.length,
      uploaderId: 'staff-001',
      uploadedAt: new Date().toISOString(),
    };
    const [accepted, waiting, unnamed, orphan] = ['a', 'b', 'c', 'd'].map((c) => c.repeat(32)) as [string, string, string, string];
    for (const key of [accepted, waiting, unnamed, orphan]) await store.put(key, JPEG, 'image/jpeg', sha(JPEG));
    await records.save(accepted, { ...record, incidentId: 'case-shown' }, 3600);
    await records.save(waiting, { ...record, incidentId: 'case-not-yet' }, 3600);
    await records.save(unnamed, record, 3600);
    // orphan: no record (it expired, or the upload died between the object and its record).
    let erased = false;
    const history = (id: string) =>
      Promise.resolve(
        id === 'case-shown'
          ? [
              { type: 'IncidentResolved', data: { photos: [{ key: accepted }] } },
              ...(erased ? [{ type: 'IncidentErased', data: { reason: '申请删除' } }] : []),
            ]
          : [],
      );
    const later = Date.now() + 10 * 60_000;
    expect(await sweepPhotos(store, records, { history }, later, infra.logger)).toEqual({ promoted: 1, deleted: 1 });
    const listed = (await s3.send(new ListObjectsV2Command({ Bucket: janitorBucket })))
      .Contents!.map((o) => o.Key!)
      .filter((k) => !k.endsWith('/')) // the filesystem backend lists its folders too
      .sort();
    expect(listed).toEqual([`cases/${accepted}`, `pending/${waiting}`, `pending/${unnamed}`]);
    expect(await records.get(accepted)).toBeUndefined();
    expect(await records.get(waiting)).toBeDefined();
    // What a case shows is served from cases/ now.
    expect(sha((await store.get(accepted))!.bytes)).toBe(sha(JPEG));
    // Again: nothing more to do.
    expect(await sweepPhotos(store, records, { history }, later, infra.logger)).toEqual({ promoted: 0, deleted: 0 });

    // An erasure of the case is asked for (ADR 0016): its photo stays until the case shows it was erased, then goes.
    await records.markErasing('case-shown', [accepted], later);
    expect(await sweepPhotos(store, records, { history }, later, infra.logger)).toEqual({ promoted: 0, deleted: 0 });
    expect(await store.get(accepted)).toBeDefined();
    erased = true;
    expect(await sweepPhotos(store, records, { history }, later, infra.logger)).toEqual({ promoted: 0, deleted: 1 });
    expect(await store.get(accepted)).toBeUndefined();
    expect(await records.erasing()).toEqual(new Map());
    // An erasure the case never shows (refused: the case was not closed) is forgotten after a day; the photo stays.
    await records.markErasing('case-not-yet', [waiting], later);
    const dayLater = later + 25 * 3_600_000;
    await sweepPhotos(store, records, { history: () => Promise.resolve([]) }, dayLater, infra.logger);
    expect(await records.erasing()).toEqual(new Map());
    expect(await store.get(waiting)).toBeDefined();
    store.destroy();
  });
});
