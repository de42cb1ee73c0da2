import { copyFile, mkdir } from 'node:fs/promises';
import { DurableProducer, partitionCount } from '@gridgov/kafka';
import type { FiguresAnswer } from '@gridgov/projection-api';
import { generateHistory } from '@gridgov/simulator';
import { bearer, defaultDecisionContext, eventually, signedEventRecords, testToken, type TestTokenClaims } from '@gridgov/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP, screenshot } from './support/browser.ts';
import { consoleInBrowser } from './support/console-in-browser.ts';
import { factsOf } from './support/reference-figures.ts';

/** The district's history: seeded, driven through the real decider, January to March 2026. */
const INCIDENTS = 400;
const history = generateHistory({
  seed: 20260302,
  incidents: INCIDENTS,
  ctx: defaultDecisionContext(),
  from: Date.parse('2026-01-05T00:00:00+08:00'),
  to: Date.parse('2026-03-25T00:00:00+08:00'),
});
const LEADER: TestTokenClaims = { sub: 'leader-xinhui', role: 'leader', areas: ['440705'] };
const percent = (rate: number | null) => (rate === null ? '—' : `${(rate * 100).toFixed(1)}%`);

/**
 * 假设分析 in Debian's Chromium against the running services (issue 21): a district leader opens the what-if tab, gives
 * 道路不洁 8 working hours instead of 5, runs it over the district's first quarter, and sees the rules in force beside
 * the proposal per area and month (the rules in force as the live figures say), and the cases that change.
 */
describe('the what-if page', () => {
  const ui = consoleInBrowser({ infra: { partitions: { commands: 2, events: 2 } } });

  // The district's history on grid.events, signed as the worker signs, counted before the tests start.
  beforeAll(async () => {
    const { infra } = ui.stack();
    const producer = new DurableProducer(infra.kafka);
    const partitions = await partitionCount(infra.kafka, infra.topics.events);
    await producer.connect();
    try {
      const records = history.flatMap((i) => i.events.map((e) => ({ key: i.incidentId, value: JSON.stringify(e) })));
      for (let i = 0; i < records.length; i += 500)
        await producer.send(infra.topics.events, signedEventRecords(infra.topics.events, partitions, records.slice(i, i + 500)));
    } finally {
      await producer.disconnect();
    }
    await eventually(
      async () => {
        const res = await fetch(`${ui.stack().projectionUrl}/v1/figures?area=440705&window=all`, { headers: bearer(LEADER) });
        return res.ok ? ((await res.json()) as FiguresAnswer).figures.reported : -1;
      },
      (n) => n === INCIDENTS - history.filter((i) => factsOf(i.events).merged).length, // a merged duplicate counts for nothing
      120_000,
      250,
    );
  }, 240_000);

  it('runs a proposal from the rules in force and shows both side by side, and the changed cases', async () => {
    const { page, errors } = await ui.signIn(testToken(LEADER), '/leader', DESKTOP);
    await page.getByRole('tab', { name: '假设分析' }).click();
    const section = page.locator('section.what-if');
    await section.locator('table.what-if-deadlines').waitFor();
    // The form starts from the rules in force: 道路不洁, normal, 5 working hours.
    const dirtyRoad = page.locator('tr[data-category="dirty_road"] td').nth(1);
    await expect.poll(() => dirtyRoad.locator('input').inputValue()).toBe('5');
    await expect.poll(() => dirtyRoad.locator('select').inputValue()).toBe('working_hours');
    await dirtyRoad.locator('input').fill('8');
    await page.getByLabel('上报日期自').fill('2026-01-01');
    await page.getByLabel('至', { exact: true }).fill('2026-03-31');
    await page.getByLabel('方案名称').fill('道路不洁 8 小时');
    await page.getByTestId('what-if-run').click();
    await page.locator('section.what-if[data-state="done"]').waitFor({ timeout: 120_000 });

    // The district and its towns, month by month; the communities on demand.
    const rows = page.locator('table.what-if-table tbody tr');
    expect(await rows.count()).toBeGreaterThan(10);
    expect(await page.locator('table.what-if-table tbody tr.level-community').count()).toBe(0);
    // The district's January: the rules in force as the projection counts them live, then the proposal.
    const january = page.locator('table.what-if-table tbody tr.level-district', { hasText: '2026-01' });
    const live = (await (
      await fetch(`${ui.stack().projectionUrl}/v1/figures?area=440705&window=month&at=2026-01-15`, { headers: bearer(LEADER) })
    ).json()) as FiguresAnswer;
    const cells = january.locator('td');
    expect(await cells.nth(2).innerText()).toBe(String(live.figures.reported));
    expect(await cells.nth(3).innerText()).toMatch(new RegExp(`^${percent(live.figures.onTimeClosureRate).replace('.', '\\.')} → `));
    expect(await cells.nth(4).innerText()).toMatch(new RegExp(`^${live.figures.overdue} → `));
    const changed = page.locator('ul.what-if-changed li');
    expect(await changed.count()).toBeGreaterThan(0);
    expect(await changed.first().innerText()).toContain('道路不洁');
    await expect.poll(() => page.locator('.what-if-limits').innerText()).toContain('改变的是规则，不是人的行为');
    const shot = await screenshot(page, 'what-if');
    await page.getByLabel('显示各社区').check();
    expect(await page.locator('table.what-if-table tbody tr.level-community').count()).toBeGreaterThan(0);
    await mkdir(new URL('../docs/images/', import.meta.url), { recursive: true });
    await copyFile(shot, new URL('../docs/images/what-if.png', import.meta.url));
    expect(errors).toEqual([]);
  });
});
