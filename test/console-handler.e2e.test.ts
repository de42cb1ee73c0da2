import { randomUUID } from 'node:crypto';
import { bearer, eventually, testToken, type TestTokenClaims, loadXinhuiAreas } from '@gridgov/testing';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { attributeOfEach, PHONE, screenshot } from './support/browser.ts';
import { consoleInBrowser } from './support/console-in-browser.ts';
import { distinctPlace } from './support/client.ts';

/**
 * The handler's page on a phone (390×844) in a real browser against the real services: a case reported by grid
 * staff and routed to sanitation shows in 待签收 with the true counts; the handler signs for it and resolves it, each
 * action's outcome shown on the case, and opens its detail (description, deadlines counting down, the history).
 * Needs the console built (`pnpm --filter @gridgov/console build`; scripts/test does it).
 */
const poll = <T>(probe: () => Promise<T>, timeout = 20_000) => expect.poll(probe, { timeout, interval: 100 });

describe("the handler's page and the case detail, on a phone", () => {
  const areas = loadXinhuiAreas();
  const huicheng = '440705001';
  const grid = areas.children(areas.children(huicheng)[0]!.code)[0]!.code;
  const STAFF: TestTokenClaims = { sub: 'staff-handler-e2e', role: 'grid_staff', areas: [grid] };
  const HANDLER: TestTokenClaims = { sub: 'handler-sanitation-e2e', role: 'handler', department: 'sanitation', areas: ['440705'] };

  const ui = consoleInBrowser({ infra: { partitions: { commands: 1, events: 1 } } });

  /** A page of its own on a 390×844 phone, signed in by pasting the token as a user would. */
  async function onPhone(claims: TestTokenClaims, landing: string): Promise<{ page: Page; errors: string[] }> {
    return ui.signIn(testToken(claims), landing, PHONE);
  }

  const report = async (description: string) => {
    const res = await fetch(`${ui.stack().intakeUrl}/v1/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(STAFF) },
      body: JSON.stringify({
        reportId: randomUUID(),
        gridCode: grid,
        category: 'exposed_rubbish',
        urgency: 'normal',
        description,
        location: { ...distinctPlace(), address: '会城同德路' },
        occurredAt: new Date(Date.now() - 600_000).toISOString(),
      }),
    });
    expect(res.status).toBe(202);
    const { incidentId, commandId } = (await res.json()) as { incidentId: string; commandId: string };
    const outcome = await fetch(`${ui.stack().intakeUrl}/v1/commands/${commandId}?waitMs=10000`, { headers: bearer(STAFF) });
    expect(await outcome.json()).toMatchObject({ status: 'accepted' });
    return incidentId;
  };
  const api = async <T>(path: string) => (await (await fetch(`${ui.stack().intakeUrl}${path}`, { headers: bearer(HANDLER) })).json()) as T;

  it('lets a handler sign for and resolve a case from 待签收 on the phone, each outcome shown, then open its detail', async () => {
    const incidentId = await report('同德路口堆放建筑垃圾（处置单位）');
    await report('同德路边生活垃圾（另一件）');
    const awaiting = async () =>
      (await api<{ items: { incidentId: string }[] }>('/v1/incidents?department=sanitation&queue=awaiting_sign_for')).items.map(
        (i) => i.incidentId,
      );
    await eventually(awaiting, (ids) => ids.length === 2);

    const { page, errors } = await onPhone(HANDLER, '/handler');
    // Every queue's true count, as the API answers it.
    const { counts } = await api<{ counts: Record<string, number> }>('/v1/incidents/counts?department=sanitation');
    expect(counts.awaiting_sign_for).toBe(2);
    for (const queue of ['awaiting_sign_for', 'handling', 'warned', 'overdue', 'rework', 'extension_requested'])
      await poll(() => page.getByTestId(`count-${queue}`).textContent()).toBe(String(counts[queue]));
    const card = page.locator(`[data-testid=queue] li[data-incident="${incidentId}"]`);
    await card.waitFor();
    await screenshot(page, 'handler');

    // 签收: the outcome on the card, the counts after it.
    await card.locator('[data-action=accept]').click();
    await poll(() => card.getByTestId('outcome').textContent()).toBe('✓ 签收：已受理');
    await poll(() => page.getByTestId('count-awaiting_sign_for').textContent()).toBe('1');
    await poll(() => page.getByTestId('count-handling').textContent()).toBe('1');

    // 反馈 from 处置中, with notes.
    await page.locator('[data-queue=handling]').click();
    const handling = page.locator(`[data-testid=queue] li[data-incident="${incidentId}"]`);
    await handling.locator('[data-action=resolve]').click();
    await handling.locator('textarea[name=notes]').fill('已清运建筑垃圾，现场恢复整洁');
    await handling.getByRole('button', { name: '提交' }).click();
    await poll(() => handling.getByTestId('outcome').textContent()).toBe('✓ 反馈：已受理');
    await screenshot(page, 'handler-resolved');
    expect((await api<{ incident: { status: string } }>(`/v1/incidents/${incidentId}`)).incident.status).toBe('resolved');
    await poll(() => page.getByTestId('count-handling').textContent()).toBe('0');

    // The case detail: what was reported, where, the deadline counting down, who did what when.
    await handling.locator('[data-action=detail]').click();
    await page.waitForURL(`${ui.stack().consoleUrl}/case?id=${incidentId}`);
    const detail = page.getByTestId('case-detail');
    await poll(() => detail.getByTestId('case-description').textContent()).toBe('同德路口堆放建筑垃圾（处置单位）');
    expect(await detail.getByTestId('case-status').textContent()).toBe('已处置');
    expect(await detail.textContent()).toContain('会城同德路');
    const timeline = detail.getByTestId('timeline');
    const types = await attributeOfEach(timeline.locator('li'), 'data-type');
    expect(types).toEqual(['IncidentReported', 'IncidentDispatched', 'IncidentAccepted', 'IncidentResolved']);
    expect(await timeline.locator('li[data-type=IncidentAccepted]').textContent()).toContain(`处置单位 ${HANDLER.sub}`);
    expect(await timeline.locator('li[data-type=IncidentResolved]').textContent()).toContain('已清运建筑垃圾');
    // 核查 is the running stage now: its time left, in the measure its event recorded.
    const countdown = detail.locator('[data-testid=countdown][data-stage=verification]');
    await expect(countdown.textContent()).resolves.toMatch(/剩余 .*· (工作时间|自然时间)/);
    await screenshot(page, 'case-detail');

    // Back to the handler's page, as it was.
    await detail.getByTestId('back').click();
    await page.waitForURL(`${ui.stack().consoleUrl}/handler`);
    await page.getByTestId('handler-page').waitFor();
    expect(errors).toEqual([]);
  });

  it("shows another department's handler none of sanitation's cases, and refuses them sanitation's list", async () => {
    const police: TestTokenClaims = { sub: 'handler-police-e2e', role: 'handler', department: 'public_security', areas: ['440705'] };
    const { page, errors } = await onPhone(police, '/handler');
    await poll(() => page.getByTestId('count-awaiting_sign_for').textContent()).toBe('0');
    expect(await page.locator('[data-testid=queue] li').count()).toBe(0);
    const res = await fetch(`${ui.stack().intakeUrl}/v1/incidents?department=sanitation&queue=awaiting_sign_for`, {
      headers: bearer(police),
    });
    expect(res.status).toBe(403);
    // Nor its detail, even by its address.
    const incidentId = await report('同德路边废弃家具（他部门不可见）');
    await page.goto(`${ui.stack().consoleUrl}/case?id=${incidentId}`);
    await poll(() => page.getByTestId('case-not-found').textContent()).toBe('没有这件事件，或无权查看。');
    expect(await page.getByTestId('case-description').count()).toBe(0);
    expect(errors.filter((e) => !/\b40[34]\b/.test(e))).toEqual([]);
  });

  it('opens the detail of their own report for the grid staff who made it, from their list', async () => {
    const incidentId = await report('同德路井盖缺失（网格员详情）');
    const { page, errors } = await onPhone(STAFF, '/report');
    const mine = page.locator(`[data-testid=my-reports] li[data-incident="${incidentId}"]`);
    await mine.locator('[data-action=detail]').click();
    await page.waitForURL(`${ui.stack().consoleUrl}/case?id=${incidentId}`);
    await poll(() => page.getByTestId('case-description').textContent()).toBe('同德路井盖缺失（网格员详情）');
    expect(await page.getByTestId('timeline').locator('li[data-type=IncidentReported]').textContent()).toContain(`网格员 ${STAFF.sub}`);
    expect(errors).toEqual([]);
  });
});
