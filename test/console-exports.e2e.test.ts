import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { clockKey } from '@gridgov/redis';
import type { FiguresAnswer, RankingAnswer } from '@gridgov/projection-api';
import { bearer, loadXinhuiAreas, testToken, type TestTokenClaims } from '@gridgov/testing';
import ExcelJS from 'exceljs';
import type { Download, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DESKTOP, screenshot } from './support/browser.ts';
import { consoleInBrowser } from './support/console-in-browser.ts';
import { distinctPlace } from './support/client.ts';

/** Waits for what the page or the services show: generous, since the machine is shared with the browser. */
const poll = <T>(probe: () => Promise<T>, timeout = 20_000) => expect.poll(probe, { timeout, interval: 200 });

/**
 * Exports and the bulletin document from the leader's page, in Debian's Chromium against the running services: the
 * one-click downloads hold what the API answers, and the projection freezes last month's bulletins by itself when
 * the deployment's clock (CLOCK_SOURCE=redis) reaches BULLETIN_FREEZE_AT (ADR 0031).
 */
describe('exports and bulletins from the console and the running projection', () => {
  const areas = loadXinhuiAreas();
  const huicheng = '440705001';
  const community = areas.children(huicheng)[0]!;
  const grid = areas.children(community.code)[0]!.code;
  const LEADER: TestTokenClaims = { sub: 'leader-huicheng', role: 'leader', areas: [huicheng] };
  const JUNE = 'from=2026-06-01&to=2026-06-30';
  const STAFF: TestTokenClaims = { sub: 'staff-exports', role: 'grid_staff', areas: [grid] };

  const ui = consoleInBrowser({
    infra: { partitions: { commands: 2, events: 2 } },
    env: { CLOCK_SOURCE: 'redis', BULLETIN_FREEZE_AT: '1T09:00', BULLETIN_FREEZE_CHECK_MS: '1000' },
  });
  const api = async <T>(url: string) => {
    const res = await fetch(`${ui.stack().projectionUrl}${url}`, { headers: bearer(LEADER) });
    return { status: res.status, body: (await res.json()) as T };
  };
  const report = async (at: Date) => {
    const res = await fetch(`${ui.stack().intakeUrl}/v1/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(STAFF) },
      body: JSON.stringify({
        reportId: randomUUID(),
        gridCode: grid,
        category: 'exposed_rubbish',
        urgency: 'normal',
        description: '路边堆放生活垃圾（导出）',
        location: distinctPlace(),
        occurredAt: new Date(at.getTime() - 600_000).toISOString(),
      }),
    });
    expect(res.status).toBe(202);
  };
  /** Clicks a download button and answers the file the browser saved, with its suggested name. */
  const downloaded = async (page: Page, testId: string): Promise<{ name: string; bytes: Buffer }> => {
    const [download]: [Download, void] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
    const path = await download.path();
    return { name: download.suggestedFilename(), bytes: readFileSync(path) };
  };

  it('downloads the ranking as Excel and the figures as CSV in one click, holding what the API answers', async () => {
    const { infra } = ui.stack();
    // The deployment's time: 10:00 on 20 June 2026 in Shanghai (a month far from the real one, so that neither the
    // schedule nor a leader froze it before the clock is moved).
    const now = new Date('2026-06-20T02:00:00Z');
    await infra.redis.set(clockKey(infra.keyPrefix), String(now.getTime()));
    await report(now);
    await report(now);
    const { page, errors } = await ui.signIn(testToken(LEADER), '/leader', DESKTOP);
    await page.getByTestId('window').selectOption('range');
    await page.getByTestId('range-from').fill('2026-06-01');
    await page.getByTestId('range-to').fill('2026-06-30');
    await page
      .locator(`[data-testid=ranking] tbody.ranked tr[data-area="${community.code}"]`)
      .waitFor({ timeout: 30_000 })
      .catch(async (err: unknown) => {
        await screenshot(page, 'leader-exports-failed');
        throw new Error(
          `${String(err)}\npage errors: ${errors.join('\n')}\nranking: ${JSON.stringify((await api(`/v1/rankings?area=${huicheng}&${JUNE}`)).body)}`,
        );
      });

    const ranking = await api<RankingAnswer>(`/v1/rankings?area=${huicheng}&${JUNE}`);
    const xlsx = await downloaded(page, 'download-rankings-xlsx');
    expect(xlsx.name).toBe(`rankings_${huicheng}_2026-06-01..2026-06-30.xlsx`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.bytes as unknown as ArrayBuffer);
    const rows: unknown[][] = [];
    workbook.worksheets[0]!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
    const codes = rows[1] as string[];
    const byArea = new Map(rows.slice(2).map((r) => [r[codes.indexOf('area.code')], r]));
    for (const r of [...ranking.body.rows, ...ranking.body.noData]) {
      const row = byArea.get(r.area.code)!;
      for (const f of ['reported', 'registered', 'closed', 'overdue', 'closureRate'] as const) {
        expect(row[codes.indexOf(f)] ?? null, `${r.area.name} ${f}`).toBe(r.figures[f]);
      }
    }
    expect(byArea.get(community.code)![codes.indexOf('reported')]).toBe(2);

    const figures = await api<FiguresAnswer>(`/v1/figures?area=${huicheng}&${JUNE}`);
    const csv = await downloaded(page, 'download-figures-csv');
    expect(csv.name).toBe(`figures_${huicheng}_2026-06-01..2026-06-30.csv`);
    const [headers, csvCodes, values] = csv.bytes
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n')
      .map((l) => l.split(','));
    expect(headers).toContain('上报数');
    expect(Number(values![csvCodes!.indexOf('reported')])).toBe(figures.body.figures.reported);
    await screenshot(page, 'leader-exports');
    expect(errors).toEqual([]);
  });

  it('freezes June by itself once the clock reaches 09:00 on 1 July in Shanghai, and the leader downloads it as PDF', async () => {
    const { infra } = ui.stack();
    expect((await api(`/v1/bulletins/2026-06?area=${huicheng}`)).status).toBe(404);
    await infra.redis.set(clockKey(infra.keyPrefix), String(Date.parse('2026-07-01T01:00:05Z')));
    await poll(async () => (await api<{ frozenBy?: string }>(`/v1/bulletins/2026-06?area=${huicheng}`)).body).toMatchObject({
      frozenBy: 'schedule',
    });
    const bulletin = (await api<{ ranking: RankingAnswer }>(`/v1/bulletins/2026-06?area=${huicheng}`)).body;
    expect(bulletin.ranking.rows.find((r) => r.area.code === community.code)?.figures.reported).toBe(2);
    // The district's too: every area with children.
    expect(
      (await fetch(`${ui.stack().projectionUrl}/v1/bulletins/2026-06?area=440705`, { headers: bearer({ ...LEADER, areas: ['440705'] }) }))
        .status,
    ).toBe(200);

    // The console offers the bulletin of the month before the browser's today; a leader freezes it by hand if the
    // schedule has not (the month is over), then downloads it in one click.
    const { page } = await ui.signIn(testToken(LEADER), '/leader', DESKTOP);
    const label = await page.getByTestId('download-bulletin-pdf').textContent();
    const month = /(\d{4}-\d{2})/.exec(label ?? '')![1]!;
    await fetch(`${ui.stack().projectionUrl}/v1/bulletins/${month}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(LEADER) },
      body: JSON.stringify({ area: huicheng }),
    });
    const pdf = await downloaded(page, 'download-bulletin-pdf');
    expect(pdf.name).toBe(`bulletin_${huicheng}_${month}.pdf`);
    expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
  });
});
