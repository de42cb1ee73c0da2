import { describe, expect, it } from 'vitest';
import type { DuplicateCandidate, DuplicatesAnswer } from '../api/types.ts';
import { checkDuplicates } from './duplicate-check.ts';

const query = { category: 'exposed_rubbish', lat: 22.245, lng: 112.865 };
const candidate: DuplicateCandidate = {
  incidentId: '0190a0c8-0000-7000-8000-000000000001',
  category: 'exposed_rubbish',
  distanceMeters: 12,
  reportedAt: '2026-12-01T01:00:00.000Z',
  status: 'dispatched',
  summary: '路边堆放生活垃圾',
};
const online = { hasRule: true, online: true };

describe('the duplicate check before a phone report is sent', () => {
  it('asks for the category and place, and gives the open cases found', async () => {
    const asked: string[] = [];
    const get = (path: string) => {
      asked.push(path);
      return Promise.resolve<DuplicatesAnswer>({ candidates: [candidate] });
    };
    expect(await checkDuplicates(get, query, online)).toEqual({ kind: 'candidates', candidates: [candidate] });
    expect(asked).toEqual(['/v1/duplicates?category=exposed_rubbish&lat=22.245&lng=112.865']);
  });

  it('says none when the API finds none', async () => {
    expect(await checkDuplicates(() => Promise.resolve({ candidates: [] }), query, online)).toEqual({ kind: 'none' });
  });

  it('does not ask for a category without a duplicate rule, nor when the phone is offline', async () => {
    const asked: string[] = [];
    const get = (path: string) => {
      asked.push(path);
      return Promise.resolve<DuplicatesAnswer>({ candidates: [candidate] });
    };
    expect(await checkDuplicates(get, query, { hasRule: false, online: true })).toEqual({ kind: 'skipped', reason: 'no-rule' });
    expect(await checkDuplicates(get, query, { hasRule: true, online: false })).toEqual({ kind: 'skipped', reason: 'offline' });
    expect(asked).toEqual([]);
  });

  it('gives up when the answer does not come in time, aborting the request', async () => {
    let aborted = false;
    const get = (_path: string, signal: AbortSignal) =>
      new Promise<DuplicatesAnswer>((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          aborted = true;
          reject(new DOMException('aborted', 'AbortError'));
        });
      });
    expect(await checkDuplicates(get, query, { ...online, timeoutMs: 5 })).toEqual({ kind: 'skipped', reason: 'timeout' });
    expect(aborted).toBe(true);
  });

  it('lets the report go when the API cannot be reached or refuses the question', async () => {
    expect(await checkDuplicates(() => Promise.reject(new Error('NETWORK')), query, online)).toEqual({ kind: 'skipped', reason: 'error' });
  });
});
