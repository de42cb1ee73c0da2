import { describe, expect, it } from 'vitest';
import { DEFAULT_QUEUE_PREFS, QUEUE_PREFS_STORAGE_KEY, storedQueuePrefs, storeQueuePrefs } from './queue-prefs.ts';

const storage = (value: string | null) => ({ getItem: (key: string) => (key === QUEUE_PREFS_STORAGE_KEY ? value : null) });

describe("the dispatcher's list choices on the device", () => {
  it('read back what was stored', () => {
    const saved = new Map<string, string>();
    storeQueuePrefs({ setItem: (k, v) => saved.set(k, v) }, { sort: 'deadline', pageSize: 200 });
    expect(storedQueuePrefs({ getItem: (k) => saved.get(k) ?? null })).toEqual({ sort: 'deadline', pageSize: 200 });
  });

  it('fall back to report time and 50 a page for nothing stored, or anything not offered', () => {
    expect(storedQueuePrefs(storage(null))).toEqual(DEFAULT_QUEUE_PREFS);
    expect(storedQueuePrefs(storage('not json'))).toEqual(DEFAULT_QUEUE_PREFS);
    expect(storedQueuePrefs(storage('[1]'))).toEqual(DEFAULT_QUEUE_PREFS);
    expect(storedQueuePrefs(storage('{"sort":"name","pageSize":7}'))).toEqual(DEFAULT_QUEUE_PREFS);
    expect(storedQueuePrefs(storage('{"sort":"escalation"}'))).toEqual({ sort: 'escalation', pageSize: 50 });
  });
});
