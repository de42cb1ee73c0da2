import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ReadinessProbes } from './probes.ts';

describe('ReadinessProbes', () => {
  it('is ready only while every dependency answers, and says which one does not', async () => {
    let kafkaUp = true;
    const probes = new ReadinessProbes(
      {
        kafka: () => (kafkaUp ? Promise.resolve() : Promise.reject(new Error('connect ECONNREFUSED'))),
        redis: () => Promise.resolve('PONG'),
      },
      { logger: pino({ level: 'silent' }), cacheMs: 0 },
    );
    expect(await probes.check()).toEqual({ ready: true, dependencies: { kafka: { ok: true }, redis: { ok: true } } });
    kafkaUp = false;
    expect(await probes.check()).toEqual({
      ready: false,
      dependencies: { kafka: { ok: false, error: 'connect ECONNREFUSED' }, redis: { ok: true } },
    });
  });

  it('counts a probe that never answers as failed once its timeout has passed', async () => {
    const probes = new ReadinessProbes({ redis: () => new Promise(() => undefined) }, { logger: pino({ level: 'silent' }), timeoutMs: 50 });
    expect(await probes.check()).toEqual({ ready: false, dependencies: { redis: { ok: false, error: 'no answer within 50 ms' } } });
  });

  it('asks each dependency once however many ask for readiness at once or soon after', async () => {
    let asked = 0;
    const probes = new ReadinessProbes(
      {
        kafka: async () => {
          asked++;
          await new Promise((r) => setTimeout(r, 20));
        },
      },
      { logger: pino({ level: 'silent' }), cacheMs: 60_000 },
    );
    const answers = await Promise.all(Array.from({ length: 10 }, () => probes.check()));
    await probes.check();
    expect(answers.every((a) => a.ready)).toBe(true);
    expect(asked).toBe(1);
  });
});
