import { readFileSync } from 'node:fs';
import { testToken, type TestTokenClaims } from '@gridgov/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributeOfEach, DESKTOP, launchChromium, PHONE, screenshot, signedInPage } from './support/browser.ts';
import { startConsoleStack, type ConsoleStack } from './support/console-stack.ts';

/** What the page shows, waited for: generous, since the suite shares two cores with the browser and five services. */
const poll = <T>(probe: () => Promise<T>, timeout = 30_000) => expect.poll(probe, { timeout, interval: 100 });

/**
 * The whole loop of issue 14, in Chromium pages only (no call to the APIs from the test): grid staff report with a
 * photo on the phone; the sanitation handler learns of it from the bell and the inbox, finds it in 待签收, signs for
 * it and resolves it with an after-photo; the grid staff member is told to verify, opens the case, sees both photos
 * and passes it; the leader's 结案率, on a page opened before, changes without a reload. The people are those of the
 * notifier's directory (data/directory/xinhui.json), so that each is notified.
 */
describe('the whole loop, in Chromium pages only', () => {
  const grid = '440705001001001';
  const STAFF: TestTokenClaims = { sub: 'staff-001', role: 'grid_staff', areas: [grid] };
  const HANDLER: TestTokenClaims = { sub: 'handler-sanitation-01', role: 'handler', department: 'sanitation', areas: ['440705'] };
  const LEADER: TestTokenClaims = { sub: 'leader-huicheng', role: 'leader', areas: ['440705001'] };

  let stack: ConsoleStack | undefined;
  let browser: Browser | undefined;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    stack = await startConsoleStack({ infra: { partitions: { commands: 1, events: 1 } } });
  });
  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
    await browser?.close();
    await stack?.stop();
  });

  /** A page of its own (a 390×844 phone, or a desktop), signed in by pasting the token as a user would. */
  const signedIn = (claims: TestTokenClaims, landing: string, phone = true) =>
    signedInPage(browser!, contexts, stack!.consoleUrl, testToken(claims), landing, phone ? PHONE : DESKTOP);

  /** The unread count on the bell, and the inbox it opens (its newest item of `kind`). */
  const openInbox = async (page: Page, kind: string) => {
    await page.getByTestId('bell').click();
    await page.waitForURL(`${stack!.consoleUrl}/inbox`);
    const item = page.getByTestId('inbox-item').filter({ has: page.locator('.inbox-kind', { hasText: kind }) });
    await poll(() => item.count()).toBe(1);
    return item;
  };

  it('goes from a report with a photo to 结案, each person told on their page, the leader seeing it live', async () => {
    const { consoleUrl } = stack!;
    const closureRate = (page: Page) => page.getByTestId('figure-closureRate').locator('.figure-value').textContent();

    // The leader's page is open from the start: the figures come over its live stream.
    const leader = await signedIn(LEADER, '/leader', false);
    await leader.page.locator('.live-live').waitFor();
    await leader.page.evaluate('window.notReloaded = true');
    await poll(() => leader.page.getByTestId('figure-reported').locator('.figure-value').textContent()).toBe('0');
    const rateBefore = await closureRate(leader.page);

    // 1. The grid staff member reports exposed rubbish with a photo, on the phone.
    const staff = await signedIn(STAFF, '/report');
    await poll(() => staff.page.getByTestId('bell-count').textContent()).toBe('0');
    const form = staff.page.getByTestId('report-form');
    const description = '同德路口堆放生活垃圾（全流程）';
    await form.locator('select[name=category]').selectOption('exposed_rubbish');
    await form.locator('textarea[name=description]').fill(description);
    await form.locator('input[name=lat]').fill('22.521');
    await form.locator('input[name=lng]').fill('113.031');
    await form.locator('input[name=address]').fill('会城同德路 8 号');
    await form.locator('input[name=photos]').setInputFiles({ name: 'IMG_0001.png', mimeType: 'image/png', buffer: BEFORE });
    await poll(() => form.getByTestId('photo-uploaded').count()).toBe(1);
    await form.getByRole('button', { name: '提交上报' }).click();
    const sent = staff.page.getByTestId('outbox').locator('li', { hasText: description });
    await poll(() => sent.getAttribute('data-state')).toBe('delivered');
    const incidentId = (await sent.locator('.incident-id').getAttribute('title'))!;
    await poll(() => leader.page.getByTestId('figure-reported').locator('.figure-value').textContent()).toBe('1');

    // 2. The handler: the bell counts the dispatch, the inbox names it and its case, the case waits in 待签收.
    const handler = await signedIn(HANDLER, '/handler');
    await poll(() => handler.page.getByTestId('bell-count').textContent()).toBe('1');
    const dispatched = await openInbox(handler.page, '新派遣');
    expect(await dispatched.getByTestId('inbox-open-case').getAttribute('href')).toBe(`/case?id=${incidentId}`);
    await screenshot(handler.page, 'loop-handler-inbox');
    await handler.page.getByTestId('inbox-back').click();
    await handler.page.getByTestId('handler-page').waitFor();
    await poll(() => handler.page.getByTestId('count-awaiting_sign_for').textContent()).toBe('1');
    const card = handler.page.locator(`[data-testid=queue] li[data-incident="${incidentId}"]`);
    await card.waitFor();
    await screenshot(handler.page, 'loop-handler');

    // 签收, then 反馈 from 处置中 with notes and the after-photo.
    await card.locator('[data-action=accept]').click();
    await poll(() => card.getByTestId('outcome').textContent()).toBe('✓ 签收：已受理');
    await poll(() => handler.page.getByTestId('count-handling').textContent()).toBe('1');
    await handler.page.locator('[data-queue=handling]').click();
    const handling = handler.page.locator(`[data-testid=queue] li[data-incident="${incidentId}"]`);
    await handling.locator('[data-action=resolve]').click();
    const resolveForm = handling.getByTestId('action-form-resolve');
    await resolveForm.locator('textarea[name=notes]').fill('已清运，现场恢复整洁');
    await resolveForm.locator('input[name=photos]').setInputFiles({ name: 'IMG_0002.jpg', mimeType: 'image/jpeg', buffer: AFTER });
    await poll(() => resolveForm.getByTestId('photo-uploaded').count()).toBe(1);
    await resolveForm.getByRole('button', { name: '提交' }).click();
    await poll(() => handling.getByTestId('outcome').textContent()).toBe('✓ 反馈：已受理');
    await poll(() => handler.page.getByTestId('count-handling').textContent()).toBe('0');
    await screenshot(handler.page, 'loop-handler-resolved');

    // 3. The grid staff member is told to verify: the bell, the inbox, and from it the case with both photos.
    await poll(() => staff.page.getByTestId('bell-count').textContent()).toBe('1');
    const toVerify = await openInbox(staff.page, '待核查');
    await screenshot(staff.page, 'loop-staff-inbox');
    await toVerify.getByTestId('inbox-open-case').click();
    await staff.page.waitForURL(`${consoleUrl}/case?id=${incidentId}`);
    const detail = staff.page.getByTestId('case-detail');
    await poll(() => detail.getByTestId('case-description').textContent()).toBe(description);
    expect(await detail.getByTestId('case-status').textContent()).toBe('已处置');
    // The report's photo and the resolution's, each shown from its bytes (an <img> that decoded).
    const photos = detail.getByTestId('photo-strip').getByTestId('case-photo');
    await poll(() => photos.count()).toBe(2);
    await poll(() => photos.evaluateAll((imgs) => imgs.map((i) => (i as unknown as { naturalWidth: number }).naturalWidth > 0))).toEqual([
      true,
      true,
    ]);
    const stages = detail.getByTestId('photo-strip').locator('li');
    const shownStages = await Promise.all(
      (await stages.all()).map(async (li) => [await li.getAttribute('data-stage'), await li.textContent()]),
    );
    expect(shownStages).toEqual([
      ['report', '上报（处置前）'],
      ['resolution', '处置后'],
    ]);
    const timeline = detail.getByTestId('timeline');
    expect(await timeline.locator('li[data-type=IncidentResolved]').textContent()).toContain('已清运，现场恢复整洁');
    await screenshot(staff.page, 'loop-case-detail');

    // 核查 通过 on the case: it is closed.
    await detail.getByTestId('case-verify').getByRole('button', { name: '核查通过' }).click();
    await poll(() => detail.getByTestId('case-status').textContent()).toBe('已结案');
    const types = await attributeOfEach(timeline.locator('li'), 'data-type');
    expect(types).toEqual(['IncidentReported', 'IncidentDispatched', 'IncidentAccepted', 'IncidentResolved', 'IncidentClosed']);
    await screenshot(staff.page, 'loop-case-closed');

    // 4. The leader's 结案率 changed on the page opened before, without a reload.
    await poll(() => closureRate(leader.page)).toBe('100.0%');
    expect(rateBefore).not.toBe('100.0%');
    expect(await leader.page.evaluate('window.notReloaded')).toBe(true);
    await screenshot(leader.page, 'loop-leader');

    for (const { errors } of [leader, staff, handler]) expect(errors).toEqual([]);
  });
});

/** The photos as a phone's gallery hands them over (the page sends them on as JPEG, scaled). */
const BEFORE = readFileSync(new URL('../services/intake-api/src/photos/fixtures/python.png', import.meta.url));
const AFTER = readFileSync(new URL('../services/intake-api/src/photos/fixtures/python.jpg', import.meta.url));
