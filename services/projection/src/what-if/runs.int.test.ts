import { BaselineConfig, parseConfig } from '@gridgov/config';
import { loadBaseline, type ConfigSnapshot } from '@gridgov/config-data';
import { createTestInfra, eventually, testLogger, XINHUI_AREAS_FILE, type TestInfra } from '@gridgov/testing';
import { ProposalError, WhatIfReplay, type WhatIfProgress, type WhatIfReport, type WhatIfRequest } from '@gridgov/what-if';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WhatIfRuns } from './runs.ts';

const REQUEST: WhatIfRequest = {
  scope: { from: '2026-01-01', to: '2026-06-30', area: '440705' },
  policy: { handling: { dirty_road: { normal: { unit: 'working_hours', amount: 8 } } } },
};

/** A run the test finishes by hand: its report (the engine's, over no events) or its failure. */
function heldRun() {
  let finish: (report: WhatIfReport) => void = () => undefined;
  let fail: (err: Error) => void = () => undefined;
  let progress: (p: WhatIfProgress) => void = () => undefined;
  const done = new Promise<WhatIfReport>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return {
    run: (_current: ConfigSnapshot, _request: WhatIfRequest, onProgress: (p: WhatIfProgress) => void) => {
      progress = onProgress;
      return done;
    },
    finish: (report: WhatIfReport) => finish(report),
    fail: (err: Error) => fail(err),
    progress: (p: WhatIfProgress) => progress(p),
  };
}

describe('what-if runs: one at a time, their state and result apart from the counters', () => {
  let infra: TestInfra;
  let current: ConfigSnapshot;

  beforeAll(async () => {
    infra = await createTestInfra();
    // Version 0 of a deployment that sets only its area tree: every other setting at its default.
    current = await loadBaseline({ ...parseConfig(BaselineConfig, {}), AREAS_FILE: XINHUI_AREAS_FILE });
  });
  afterAll(() => infra?.cleanup());

  const runsWith = (held: ReturnType<typeof heldRun>) =>
    new WhatIfRuns({
      redis: infra.redis,
      keyPrefix: infra.keyPrefix,
      logger: testLogger(),
      clock: () => new Date(),
      configuration: () => current,
      run: held.run,
    });

  it('refuses a second run while one goes on, keeps progress and result, then takes the next', async () => {
    const held = heldRun();
    const runs = runsWith(held);
    const first = await runs.start(REQUEST, 'leader-1');
    if (!('started' in first)) throw new Error('the first run did not start');
    expect(first.started).toMatchObject({ status: 'running', by: 'leader-1', request: REQUEST });
    // Another instance (another WhatIfRuns on the same Redis) is refused too, and told which run is going on.
    expect(await runsWith(heldRun()).start(REQUEST, 'leader-2')).toEqual({ busy: first.started.runId });

    held.progress({ phase: 'reading', done: 40, total: 100 });
    await eventually(
      () => runs.get(first.started.runId),
      (r) => r?.progress.done === 40,
      10_000,
    );
    const report = await new WhatIfReplay(current, current, REQUEST.scope).finish(0);
    held.finish(report);
    const done = await eventually(
      () => runs.get(first.started.runId),
      (r) => r?.status !== 'running',
      10_000,
    );
    expect(done).toMatchObject({ status: 'done', report: JSON.parse(JSON.stringify(report)) as unknown });
    // The lock is released with the result: the next run starts.
    const next = heldRun();
    const second = await eventually(
      () => runsWith(next).start(REQUEST, 'leader-2'),
      (a) => 'started' in a,
      10_000,
    );
    next.fail(new Error('broker away'));
    if (!('started' in second)) throw new Error('the second run did not start');
    expect(
      await eventually(
        () => runs.get(second.started.runId),
        (r) => r?.status !== 'running',
        10_000,
      ),
    ).toMatchObject({ status: 'failed', error: 'broker away' });
    // Nothing of it is among the counters' keys: its own keys only.
    const keys = await infra.redis.keys(`${infra.keyPrefix}*`);
    expect(keys.every((k) => k.startsWith(`${infra.keyPrefix}:projection:what-if:`))).toBe(true);
  });

  it('knows no run it never started, and starts none for a proposal the catalog cannot take', async () => {
    const runs = runsWith(heldRun());
    expect(await runs.get('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    await expect(
      runs.start({ ...REQUEST, policy: { handling: { no_such_category: { normal: { unit: 'working_hours', amount: 8 } } } } }, 'leader-1'),
    ).rejects.toThrow(ProposalError);
    expect(await infra.redis.exists(`${infra.keyPrefix}:projection:what-if:lock`)).toBe(0);
  });
});
