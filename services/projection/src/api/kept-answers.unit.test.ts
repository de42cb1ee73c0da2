import { describe, expect, it } from 'vitest';
import { KeptAnswers, type AnswerResult } from './kept-answers.ts';

/** An answer made on demand, finished when the test says: to hold several questions while it is being made. */
function maker() {
  const pending: { version: string; finish: (json: string) => void; fail: (err: Error) => void }[] = [];
  let version = 'v1';
  return {
    pending,
    setVersion: (v: string) => (version = v),
    make: () =>
      new Promise<string>((finish, fail) => {
        pending.push({ version, finish, fail });
      }),
    versionNow: () => Promise.resolve(version),
  };
}

/** Lets the questions asked so far reach their making (their versions read and the lookups are promises). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('kept answers, made once a version (ADR 0046)', () => {
  it('makes an answer once for the questions that come while it is being made at their version, then keeps it', async () => {
    const m = maker();
    const results: AnswerResult[] = [];
    const answers = new KeptAnswers(1024 * 1024, m.versionNow, { answered: (r) => results.push(r), bytes: () => undefined });
    const asked = [answers.json('q', m.make), answers.json('q', m.make), answers.json('q', m.make)];
    await settle();
    expect(m.pending).toHaveLength(1);
    m.pending[0]!.finish('{"a":1}');
    expect(await Promise.all(asked)).toEqual(['{"a":1}', '{"a":1}', '{"a":1}']);
    expect(await answers.json('q', m.make)).toBe('{"a":1}');
    expect(m.pending).toHaveLength(1);
    expect(answers.counts).toEqual({ hits: 1, joined: 2, misses: 1 });
    expect(results).toEqual(['miss', 'joined', 'joined', 'hit']);
  });

  it('makes a question of a newer version its own answer, and the older ones still get theirs', async () => {
    const m = maker();
    const answers = new KeptAnswers(1024 * 1024, m.versionNow);
    const older = answers.json('q', m.make);
    await settle();
    m.setVersion('v2'); // a batch moved a partition while the first answer was being made
    const newer = [answers.json('q', m.make), answers.json('q', m.make)];
    const other = answers.json('other question', m.make);
    await settle();
    expect(m.pending.map((p) => p.version)).toEqual(['v1', 'v2', 'v2']);
    m.pending[1]!.finish('new');
    m.pending[2]!.finish('other');
    m.pending[0]!.finish('old');
    expect(await older).toBe('old');
    expect(await Promise.all(newer)).toEqual(['new', 'new']);
    expect(await other).toBe('other');
    // The older answer, finished last, is kept at its version only: the newer one is what is answered at v2.
    expect(await answers.json('q', m.make)).toBe('new');
    expect(answers.counts).toEqual({ hits: 1, joined: 1, misses: 3 });
  });

  it('gives a failure to every question that waited for it, and the next question makes its own', async () => {
    const m = maker();
    const answers = new KeptAnswers(1024 * 1024, m.versionNow);
    const asked = [answers.json('q', m.make), answers.json('q', m.make)];
    await settle();
    m.pending[0]!.fail(new Error('Redis is down'));
    for (const result of await Promise.allSettled(asked))
      expect(result).toMatchObject({ status: 'rejected', reason: { message: 'Redis is down' } });
    const again = answers.json('q', m.make);
    await settle();
    expect(m.pending).toHaveLength(2);
    m.pending[1]!.finish('back');
    expect(await again).toBe('back');
  });

  it('makes every answer afresh, none shared, while some partition is not whole', async () => {
    const m = maker();
    const answers = new KeptAnswers(1024 * 1024, () => Promise.resolve(undefined));
    const asked = [answers.json('q', m.make), answers.json('q', m.make)];
    await settle();
    expect(m.pending).toHaveLength(2);
    m.pending[0]!.finish('a');
    m.pending[1]!.finish('b');
    expect(await Promise.all(asked)).toEqual(['a', 'b']);
    expect(answers.counts).toEqual({ hits: 0, joined: 0, misses: 2 });
  });
});
