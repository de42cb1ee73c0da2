import { describe, expect, it } from 'vitest';
import { NoAnswerInTime, withinTime } from './deadline.ts';

const after = <T>(ms: number, value: T, fail = false) =>
  new Promise<T>((resolve, reject) => setTimeout(() => (fail ? reject(new Error(String(value))) : resolve(value)), ms));

describe('withinTime', () => {
  it("answers with the work's answer, or its error, when it comes in time", async () => {
    await expect(withinTime(after(5, 'done'), 1_000)).resolves.toBe('done');
    await expect(withinTime(after(5, 'broken', true), 1_000)).rejects.toThrow('broken');
  });

  it('fails with NoAnswerInTime, naming the wait, when the work is late; its late error is dropped', async () => {
    const late = withinTime(after(200, 'too late', true), 20, 'high watermarks of grid.events');
    await expect(late).rejects.toBeInstanceOf(NoAnswerInTime);
    await expect(late).rejects.toThrow('high watermarks of grid.events: no answer within 20 ms');
    await expect(withinTime(new Promise(() => undefined), 10)).rejects.toThrow(/^no answer within 10 ms$/);
    // The late rejection at 200 ms must not surface as an unhandled one (vitest fails the run if it does).
    await after(250, undefined);
  });
});
