import { randomUUID } from 'node:crypto';
import { bearer, loadXinhuiAreas, testToken, type TestTokenClaims } from '@gridgov/testing';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, PHONE, screenshot, signedInPage } from './support/browser.ts';
import { startConsoleStack, type ConsoleStack } from './support/console-stack.ts';
import { distinctPlace } from './support/client.ts';

/** What the page shows, waited for: generous, since the suite shares two cores with the browser. */
const poll = <T>(probe: () => Promise<T>, timeout = 30_000) => expect.poll(probe, { timeout, interval: 100 });

/**
 * The inbox in a real browser (Debian's Chromium): a report routed to 环卫 becomes a notification for the department's
 * handler (data/directory/xinhui.json), whose bell counts it live and whose inbox lists it with a link to the case.
 */
describe('the console inbox and bell', () => {
  const areas = loadXinhuiAreas();
  const huicheng = '440705001';
  const community = areas.children(huicheng)[0]!;
  const grid = areas.children(community.code)[0]!.code;
  // The handler of the demo directory, and a grid staff member who reports.
  const HANDLER: TestTokenClaims = { sub: 'handler-sanitation-01', role: 'handler', areas: ['440705'], department: 'sanitation' };
  const STAFF: TestTokenClaims = { sub: 'staff-inbox', role: 'grid_staff', areas: [grid] };

  let stack: ConsoleStack | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    stack = await startConsoleStack({ infra: { partitions: { commands: 2, events: 2 } } });
  });

  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
    await browser?.close();
    await stack?.stop();
  });

  it('counts a new notification on the bell as it comes, lists it in the inbox with its case, and marks it read', async () => {
    const { consoleUrl, intakeUrl } = stack!;
    const { page, errors } = await signedInPage(browser!, contexts, consoleUrl, testToken(HANDLER), '/handler', PHONE);
    const count = page.getByTestId('bell-count');
    // The stream answered: nothing unread yet.
    await poll(() => count.textContent()).toBe('0');

    // A report of exposed rubbish is routed to 环卫 on report: its dispatch notifies the department's handler.
    const res = await fetch(`${intakeUrl}/v1/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(STAFF) },
      body: JSON.stringify({
        reportId: randomUUID(),
        gridCode: grid,
        category: 'exposed_rubbish',
        urgency: 'normal',
        description: '路边堆放生活垃圾（消息）',
        location: { ...distinctPlace(), address: '会城同德路' },
        occurredAt: new Date(Date.now() - 600_000).toISOString(),
      }),
    });
    expect(res.status).toBe(202);
    const { incidentId } = (await res.json()) as { incidentId: string };
    await poll(() => count.textContent()).toBe('1');

    await page.getByTestId('bell').click();
    await page.waitForURL(`${consoleUrl}/inbox`);
    const item = page.getByTestId('inbox-item');
    await poll(() => item.count()).toBe(1);
    expect(await item.locator('.inbox-kind').textContent()).toBe('新派遣');
    expect(await item.locator('.inbox-message').textContent()).toMatch(/^新派遣：.*「暴露垃圾」案件，请于.*前签收/);
    expect(await item.getByTestId('inbox-open-case').getAttribute('href')).toBe(`/case?id=${incidentId}`);
    await screenshot(page, 'inbox');

    await page.getByTestId('inbox-mark-all').click();
    await poll(() => count.textContent()).toBe('0');
    await poll(() => item.locator('.inbox-unread').count()).toBe(0);
    // The bell is on the inbox page too, and back on the handler's page.
    await page.getByTestId('inbox-back').click();
    await poll(() => page.getByTestId('bell').count()).toBe(1);
    expect(errors).toEqual([]);
  });
});
