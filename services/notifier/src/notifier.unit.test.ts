import { parseAreaTree } from '@gridgov/domain';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Directory, DirectoryData } from './directory.ts';
import { quietUntil, smsText } from './sms.ts';
import { signWebhook, verifyWebhook } from './webhook-signature.ts';

const QUIET = { fromMinute: 22 * 60, toMinute: 7 * 60 };
/** An instant given as Shanghai local time (UTC+8). */
const local = (s: string) => Date.parse(`${s}+08:00`);

describe('quiet hours (Asia/Shanghai)', () => {
  it('holds an SMS from 22:00 until 07:00 the next morning, and lets it go outside them', () => {
    expect(quietUntil(QUIET, local('2026-12-01T21:59:59'))).toBeUndefined();
    expect(quietUntil(QUIET, local('2026-12-01T22:00:00'))).toBe(local('2026-12-02T07:00:00'));
    expect(quietUntil(QUIET, local('2026-12-01T23:30:00'))).toBe(local('2026-12-02T07:00:00'));
    expect(quietUntil(QUIET, local('2026-12-02T03:00:00'))).toBe(local('2026-12-02T07:00:00'));
    expect(quietUntil(QUIET, local('2026-12-02T07:00:00'))).toBeUndefined();
    expect(quietUntil(QUIET, local('2026-12-02T12:00:00'))).toBeUndefined();
  });

  it('takes hours within one day, and none', () => {
    const lunch = { fromMinute: 12 * 60, toMinute: 14 * 60 };
    expect(quietUntil(lunch, local('2026-12-02T13:00:00'))).toBe(local('2026-12-02T14:00:00'));
    expect(quietUntil(lunch, local('2026-12-02T23:00:00'))).toBeUndefined();
    expect(quietUntil(undefined, local('2026-12-02T03:00:00'))).toBeUndefined();
  });
});

describe('SMS templates', () => {
  it('signs every SMS and says what the notification is in Chinese', () => {
    expect(smsText({ kind: 'dispatched', message: '新派遣：…' })).toBe('【网格化管理】您有一件新的派遣任务，请及时签收处置。新派遣：…');
    expect(smsText({ kind: 'resolved', message: 'x' })).toMatch(/^【网格化管理】您有一件案件待核查/);
  });
});

describe('webhook signatures', () => {
  const secret = 'a-secret-of-at-least-thirty-two-characters';
  const body = '{"deliveryId":"n1:webhook:ops"}';
  const now = Date.parse('2026-12-01T02:00:00Z');
  const headers = (t: number, b = body) => ({
    'x-grid-timestamp': String(t),
    'x-grid-signature': signWebhook(secret, t, b),
    'idempotency-key': 'n1:webhook:ops',
  });

  it('verifies a fresh one and answers the delivery id to dedupe on', () => {
    expect(verifyWebhook({ secret, headers: headers(now / 1000), body, nowMs: now })).toEqual({
      ok: true,
      deliveryId: 'n1:webhook:ops',
      timestampS: now / 1000,
    });
  });

  it('refuses a changed body, another secret, a missing header and an old one replayed', () => {
    expect(verifyWebhook({ secret, headers: headers(now / 1000), body: body.replace('n1', 'n2'), nowMs: now })).toMatchObject({
      ok: false,
      reason: 'signature does not verify',
    });
    expect(verifyWebhook({ secret: `${secret}x`, headers: headers(now / 1000), body, nowMs: now }).ok).toBe(false);
    expect(verifyWebhook({ secret, headers: { ...headers(now / 1000), 'idempotency-key': undefined }, body, nowMs: now }).ok).toBe(false);
    expect(verifyWebhook({ secret, headers: headers(now / 1000 - 301), body, nowMs: now })).toMatchObject({
      ok: false,
      reason: 'timestamp is 301 s away, outside the 300 s replay window',
    });
  });
});

describe('the directory', () => {
  const areas = parseAreaTree(JSON.parse(readFileSync(new URL('../../../data/areas/xinhui.json', import.meta.url), 'utf8')));
  const data = DirectoryData.parse(JSON.parse(readFileSync(new URL('../../../data/directory/xinhui.json', import.meta.url), 'utf8')));
  const directory = new Directory(data, areas);

  it('finds the people of a role who serve the area or an area above it, or belong to the department', () => {
    const ids = (recipient: Parameters<Directory['recipients']>[0]['recipient']) => directory.recipients({ recipient }).map((p) => p.id);
    expect(ids({ role: 'handler', department: 'sanitation' })).toEqual(['handler-sanitation-01']);
    expect(ids({ role: 'handler', department: 'urban_mgmt' })).toEqual([]);
    expect(ids({ role: 'grid_staff', area: '440705001001001' })).toEqual(['staff-001']);
    // The district's dispatcher serves every grid of it; the street's leader, only its own.
    expect(ids({ role: 'dispatcher', area: '440705001001001' })).toEqual(['dispatcher-01']);
    expect(ids({ role: 'leader', area: '440705001' })).toEqual(['leader-huicheng']);
    expect(ids({ role: 'leader', area: '440705' })).toEqual([]);
  });

  it('refuses a directory that would lose a message: an SMS channel without a phone, an unknown area, a duplicate id', () => {
    const person = { id: 'p', role: 'leader', areas: ['440705'], channels: ['sms'] };
    expect(DirectoryData.safeParse({ people: [person] }).success).toBe(false);
    expect(
      DirectoryData.safeParse({
        people: [
          { ...person, channels: ['inbox'] },
          { ...person, channels: ['inbox'] },
        ],
      }).success,
    ).toBe(false);
    const unknown = DirectoryData.parse({ people: [{ ...person, areas: ['440799'], channels: ['inbox'] }] });
    expect(() => new Directory(unknown, areas)).toThrow(/unknown area 440799/);
  });
});
