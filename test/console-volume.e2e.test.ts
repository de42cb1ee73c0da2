import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { bearer, eventually, loadXinhuiAreas, testToken, type TestTokenClaims } from '@gridgov/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { attributeOfEach, chooseRangeAndScope, DESKTOP, expectedShownFigures, screenshot, shownFigures } from './support/browser.ts';
import { consoleInBrowser } from './support/console-in-browser.ts';
import { distinctPlace } from './support/client.ts';

/**
 * The dispatcher's and the leader's pages at a district's volume: a day's worth of reports (1,500, from 30 grids of
 * four towns, of five categories and three urgencies) sent through the real pipeline, then the pages asked what a
 * dispatcher and a leader ask. What they show must be what the APIs answer: the true count of every queue (not "50+"),
 * a filtered and searched queue, and a leader's figures for a range of dates and one category with its department.
 * The screenshots (test-artifacts/console/volume-*.png) show them.
 */
const REPORTS = 1_500;
const CATEGORIES = ['exposed_rubbish', 'dirty_road', 'manhole_cover', 'dispute', 'illegal_construction'] as const;
const URGENCIES = ['normal', 'normal', 'urgent', 'very_urgent'] as const;
/** A word of each category's description, in the same order. */
const WORDS = ['垃圾', '路面', '井盖', '纠纷', '违建'] as const;

const poll = <T>(probe: () => Promise<T>, timeout = 30_000) => expect.poll(probe, { timeout, interval: 200 });

describe("the console at a district's volume", () => {
  const areas = loadXinhuiAreas();
  const district = '440705';
  const towns = areas.children(district).slice(0, 4);
  const grids = towns.flatMap((t) => areas.children(t.code).flatMap((c) => areas.children(c.code).map((g) => g.code))).slice(0, 30);
  const huicheng = towns[0]!.code;
  const DISPATCHER: TestTokenClaims = { sub: 'dispatcher-volume', role: 'dispatcher', areas: [district] };
  const LEADER: TestTokenClaims = { sub: 'leader-volume', role: 'leader', areas: [huicheng] };

  // A day of a district from one test process: the per-user and per-address limits are for people, not for this.
  const ui = consoleInBrowser({
    infra: { partitions: { commands: 4, events: 4 } },
    env: { RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_USER: '0' },
  });
  let intakeUrl: string;
  let projectionUrl: string;

  beforeAll(async () => {
    ({ intakeUrl, projectionUrl } = ui.stack());

    // The reports, 32 at a time, each by the grid staff of its grid.
    let next = 0;
    const send = async () => {
      for (let i = next++; i < REPORTS; i = next++) {
        const gridCode = grids[i % grids.length]!;
        const staff: TestTokenClaims = { sub: `staff-${gridCode}`, role: 'grid_staff', areas: [gridCode] };
        const res = await fetch(`${intakeUrl}/v1/incidents`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer(staff) },
          body: JSON.stringify({
            reportId: randomUUID(),
            gridCode,
            category: CATEGORIES[i % CATEGORIES.length],
            urgency: URGENCIES[i % URGENCIES.length],
            description: `第${i}号：路边${WORDS[i % WORDS.length]}问题，请处理`,
            location: { ...distinctPlace(), address: `同德路${i % 50}号` },
            occurredAt: new Date(Date.now() - 600_000).toISOString(),
          }),
        });
        if (res.status !== 202) throw new Error(`report ${i}: ${res.status} ${await res.text()}`);
      }
    };
    await Promise.all(Array.from({ length: 32 }, send));
    // Every case is on one of 待派遣 and 处置中 until someone acts on it: the read side holds them all.
    await eventually(
      () => counts(),
      (c) => c['new']! + c['handling']! === REPORTS,
      120_000,
    );
  }, 240_000);

  const counts = async () =>
    (
      (await (await fetch(`${intakeUrl}/v1/incidents/counts?area=${district}`, { headers: bearer(DISPATCHER) })).json()) as {
        counts: Record<string, number>;
      }
    ).counts;

  const signedIn = (claims: TestTokenClaims, landing: string) => ui.signIn(testToken(claims), landing, DESKTOP);

  it('shows the dispatcher the true count of every queue, and a filtered, searched queue as the API answers it', async () => {
    const { page, errors } = await signedIn(DISPATCHER, '/dispatcher');
    const answer = await counts();
    expect(answer['new']! + answer['handling']!).toBe(REPORTS);
    for (const [queue, n] of Object.entries(answer)) {
      if (queue === 'suspended' || queue === 'verifying') continue; // not tabs of the dispatcher's page
      await poll(() => page.getByTestId(`count-${queue}`).textContent()).toBe(String(n));
    }
    await page.locator('[data-queue=handling]').click();
    await screenshot(page, 'volume-dispatcher-counts');

    const query = `&category=manhole_cover&urgency=urgent&q=${encodeURIComponent('井盖')}`;
    const expected = (
      (await (
        await fetch(`${intakeUrl}/v1/incidents?area=${district}&queue=handling&limit=50${query}`, { headers: bearer(DISPATCHER) })
      ).json()) as { items: { incidentId: string }[] }
    ).items.map((i) => i.incidentId);
    expect(expected.length).toBeGreaterThan(0);
    const rows = () => attributeOfEach(page.locator('[data-testid=queue] tbody tr[data-incident]'), 'data-incident');
    await page.getByTestId('filter-category').selectOption('manhole_cover');
    await page.getByTestId('filter-urgency').selectOption('urgent');
    await page.getByTestId('filter-q').fill('井盖');
    await page.getByTestId('filter-apply').click();
    await poll(rows).toEqual(expected);
    await screenshot(page, 'volume-dispatcher-filters');
    expect(errors).toEqual([]);
  });

  it("shows a leader a range's figures for one category with its department, and the towns' ranking, as the API answers", async () => {
    const { page, errors } = await signedIn(LEADER, '/leader');
    await page.locator('.live-live').waitFor();
    const { from, to } = await chooseRangeAndScope(page, 30, { category: 'exposed_rubbish', department: 'sanitation' });
    const answered = async () => {
      const res = await fetch(
        `${projectionUrl}/v1/figures?area=${huicheng}&from=${from}&to=${to}&category=exposed_rubbish&department=sanitation`,
        { headers: bearer(LEADER) },
      );
      expect(res.status).toBe(200);
      return ((await res.json()) as { figures: Record<string, number | null> }).figures;
    };
    // All the figures at once, and as the API answers at that moment: the page passes through the steps between (the
    // range, then its category) on its way, and a deadline falling due meanwhile changes a figure on both sides.
    const [figures, shown] = await eventually(
      () => Promise.all([answered(), shownFigures(page)]),
      ([api, onPage]) => isDeepStrictEqual(expectedShownFigures(api), onPage),
      30_000,
      200,
    );
    expect(figures['reported']).toBeGreaterThan(0);
    expect(shown).toEqual(expectedShownFigures(figures));
    await page.getByTestId('trend-chart').locator('canvas').first().waitFor();
    await screenshot(page, 'volume-leader-range');
    expect(errors).toEqual([]);
  });
});
