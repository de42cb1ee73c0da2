import { randomBytes } from 'node:crypto';
import type { GridEvent } from '@gridgov/contracts';
import { GridEvent as GridEventSchema } from '@gridgov/contracts';
import { describe, expect, it } from 'vitest';
import { ERASED_ID, openEvent, sealEvent } from './event-seal.ts';
import { LocalKms } from './kms.ts';
import { Pseudonyms } from './pseudonym.ts';
import { isSealed, open, seal, SealedString } from './sealed.ts';

const incidentId = '7d3f2a10-5b6c-4d8e-9f01-23456789abcd';
const pseudonyms = new Pseudonyms('a-test-secret-that-is-long-enough-0123456789');
const staff = { id: 'staff-0042', role: 'grid_staff' as const, areas: ['440705001001001'] };
const metadata = (version: number, actor: GridEvent['metadata']['actor'] = staff) => ({
  eventId: `${incidentId}:${version}`,
  incidentId,
  version,
  occurredAt: '2026-11-24T01:00:00.000Z',
  actor,
});
const reported = (category: string): GridEvent => ({
  type: 'IncidentReported',
  data: {
    reportId: 'phone-report-0001',
    reporterId: 'staff-0042',
    gridCode: '440705001001001',
    category,
    urgency: 'normal',
    description: '某人在此收保护费',
    location: { lat: 22.5, lng: 113.0 },
    occurredAt: '2026-11-24T01:00:00.000Z',
    reportedAt: '2026-11-24T01:00:00.000Z',
  },
  metadata: metadata(1),
});
const resolved: GridEvent = {
  type: 'IncidentResolved',
  data: {
    notes: '已清理',
    photos: [
      { key: 'a'.repeat(32), sha256: '1'.repeat(64), contentType: 'image/jpeg' },
      { key: 'b'.repeat(32), sha256: '2'.repeat(64), contentType: 'image/png' },
    ],
    handlingMs: 1000,
    verificationDue: '2026-11-25T01:00:00.000Z',
    measures: { verification: 'working' },
  },
  metadata: metadata(5, { id: 'handler-01', role: 'handler', department: 'sanitation' }),
};

describe('sealed values', () => {
  const key = randomBytes(32);

  it('open what was sealed with the same key and context, and match the zod schema of a sealed value', () => {
    const sealed = seal(key, '举报人 staff-0042', 'case|reporterId');
    expect(SealedString.parse(sealed)).toMatchObject({ alg: 'A256GCM' });
    expect(sealed).not.toContain('staff-0042');
    expect(open(key, sealed, 'case|reporterId')).toBe('举报人 staff-0042');
  });

  it('do not open with another key, nor moved to another case or field', () => {
    const sealed = seal(key, 'staff-0042', 'case-a|reporterId');
    expect(() => open(randomBytes(32), sealed, 'case-a|reporterId')).toThrow();
    expect(() => open(key, sealed, 'case-b|reporterId')).toThrow();
    expect(() => open(key, sealed, 'case-a|reportId')).toThrow();
  });
});

describe('sealEvent', () => {
  const key = randomBytes(32);

  it('seals the reporter, the report id and the grid staff actor of every case, and leaves an ordinary case readable', () => {
    const sealed = sealEvent(reported('exposed_rubbish'), { key, confidential: false, pseudonyms });
    expect(GridEventSchema.parse(sealed)).toEqual(sealed);
    const text = JSON.stringify(sealed);
    expect(text).not.toContain('staff-0042');
    expect(text).not.toContain('phone-report-0001');
    expect(sealed.type === 'IncidentReported' && sealed.data).toMatchObject({
      category: 'exposed_rubbish',
      gridCode: '440705001001001',
      description: '某人在此收保护费',
      reporterRef: pseudonyms.person('staff-0042'),
    });
    expect(openEvent(sealed, key)).toEqual({
      ...reported('exposed_rubbish'),
      data: { ...reported('exposed_rubbish').data, reporterRef: pseudonyms.person('staff-0042') },
    });
  });

  it("seals a citizen's contact details field by field (Open311, ADR 0028), and opens them again", () => {
    const base = reported('exposed_rubbish');
    const event = {
      ...base,
      data: {
        ...base.data,
        channel: { via: 'open311', client: 'fixmystreet' },
        contact: { email: 'citizen@example.org', phone: '13800000000' },
      },
    } as typeof base;
    const sealed = sealEvent(event, { key, confidential: false, pseudonyms });
    expect(GridEventSchema.parse(sealed)).toEqual(sealed);
    expect(JSON.stringify(sealed)).not.toMatch(/citizen@example\.org|13800000000/);
    expect(JSON.stringify(sealed)).toContain('fixmystreet');
    expect(openEvent(sealed, key).data).toMatchObject({
      contact: { email: 'citizen@example.org', phone: '13800000000' },
    });
  });

  it('seals the free text of a confidential case too', () => {
    const sealed = sealEvent(reported('gang_crime_lead'), { key, confidential: true, pseudonyms });
    expect(JSON.stringify(sealed)).not.toContain('收保护费');
    expect(sealed.type === 'IncidentReported' && isSealed(sealed.data.description)).toBe(true);
  });

  it("seals the photos' keys of every case, and a confidential case's notes", () => {
    const ordinary = sealEvent(resolved, { key, confidential: false, pseudonyms });
    expect(JSON.stringify(ordinary)).not.toContain('a'.repeat(32));
    expect(JSON.stringify(ordinary)).not.toContain('1'.repeat(64));
    expect(JSON.stringify(ordinary)).toContain('image/jpeg');
    expect(ordinary.type === 'IncidentResolved' && ordinary.data.notes).toBe('已清理');
    expect(ordinary.metadata.actor.id).toBe('handler-01');
    const confidential = sealEvent(resolved, { key, confidential: true, pseudonyms });
    expect(JSON.stringify(confidential)).not.toContain('已清理');
  });

  it('once the key is gone, opens to nothing of the person', () => {
    const sealed = sealEvent(reported('gang_crime_lead'), { key, confidential: true, pseudonyms });
    const erased = openEvent(sealed, null);
    expect(erased.type === 'IncidentReported' && erased.data).toMatchObject({ reporterId: '', reportId: '', description: '' });
    expect(erased.metadata.actor.id).toBe(ERASED_ID);
    const photos = openEvent(sealEvent(resolved, { key, confidential: false, pseudonyms }), null);
    expect(photos.type === 'IncidentResolved' && photos.data.photos).toEqual([]);
    // With the key, each photo opens whole; its type was never sealed.
    const kept = openEvent(sealEvent(resolved, { key, confidential: false, pseudonyms }), key);
    expect(kept).toEqual(resolved);
  });

  it('refuses to send a personal field in clear when the case has no key', () => {
    expect(() => sealEvent(reported('exposed_rubbish'), { key: null, confidential: false, pseudonyms })).toThrow(/no data key/);
  });
});

describe('LocalKms', () => {
  it('unwraps with the key that wrapped, after a rotation made another key current', () => {
    const old = LocalKms.newFileContents('kek-1');
    const before = new LocalKms(LocalKmsFile(old));
    const dataKey = randomBytes(32);
    const wrapped = before.wrap(dataKey, incidentId);
    const rotated = LocalKms.newFileContents('kek-2');
    const after = new LocalKms(LocalKmsFile({ current: 'kek-2', keys: { ...old.keys, ...rotated.keys } }));
    expect(after.unwrap(wrapped, incidentId)).toEqual(dataKey);
    expect(after.wrap(dataKey, incidentId).kid).toBe('kek-2');
    expect(() => after.unwrap(wrapped, 'another-incident')).toThrow();
    expect(() => new LocalKms(LocalKmsFile(rotated)).unwrap(wrapped, incidentId)).toThrow(/no key-encryption key kek-1/);
  });
});

describe('Pseudonyms', () => {
  it('name the same person alike and others not, and differ with another secret', () => {
    expect(pseudonyms.person('staff-0042')).toBe(pseudonyms.person('staff-0042'));
    expect(pseudonyms.person('staff-0042')).not.toBe(pseudonyms.person('staff-0043'));
    expect(new Pseudonyms('another-secret-that-is-long-enough-012345').person('staff-0042')).not.toBe(pseudonyms.person('staff-0042'));
    expect(pseudonyms.person('staff-0042')).not.toContain('staff');
  });
});

function LocalKmsFile(contents: { current: string; keys: Record<string, string> }) {
  return {
    current: contents.current,
    keys: Object.fromEntries(Object.entries(contents.keys).map(([k, v]) => [k, Buffer.from(v, 'base64url')])),
  };
}
