import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, eventually, loadXinhuiAreas, testToken, type TestTokenClaims } from '@gridgov/testing';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { DESKTOP, PHONE, screenshot } from './support/browser.ts';
import { consoleInBrowser } from './support/console-in-browser.ts';

/**
 * Duplicates (重复上报, issue 21) in a real browser against the real services. Two grid staff report the same overflowing
 * bin within minutes: the second sees 已有相同问题 on the phone form and sends anyway; the dispatcher merges the second
 * into the first (合并); the department gets one task, the leader's figures count one case, and when the case closes
 * both reporters find it in their inbox. A merge undone (撤销合并) gives back two cases and the figures before the merge.
 * Needs the console built (`pnpm --filter @gridgov/console build`; scripts/test does it).
 */
const poll = <T>(probe: () => Promise<T>, timeout = 20_000) => expect.poll(probe, { timeout, interval: 100 });

interface View {
  incidentId: string;
  status: string;
  mergedInto?: string;
  mergedDuplicates: string[];
  possibleDuplicateOf: string[];
}
type Figures = Record<string, number | null>;
interface Place {
  readonly lat: number;
  readonly lng: number;
}
/** Two spots in 同德社区第1网格, about 800 m apart: the bin of the first scenario and the pile of the second. */
const BIN: Place = { lat: 22.245, lng: 112.865 };
const PILE: Place = { lat: 22.249, lng: 112.871 };

describe('duplicates in the console', () => {
  const areas = loadXinhuiAreas();
  const huicheng = '440705001';
  const grid = areas.children(areas.children(huicheng)[0]!.code)[0]!.code;
  const STAFF_A: TestTokenClaims = { sub: 'staff-dup-a', role: 'grid_staff', areas: [grid] };
  const STAFF_B: TestTokenClaims = { sub: 'staff-dup-b', role: 'grid_staff', areas: [grid] };
  const DISPATCHER: TestTokenClaims = { sub: 'dispatcher-dup', role: 'dispatcher', areas: ['440705'] };
  const HANDLER: TestTokenClaims = { sub: 'handler-dup', role: 'handler', department: 'sanitation', areas: ['440705'] };
  const LEADER: TestTokenClaims = { sub: 'leader-dup', role: 'leader', areas: [huicheng] };

  // Whose inbox a notification may land in: the two reporters, the handler, the dispatcher (inbox only, no SMS).
  const directoryDir = mkdtempSync(join(tmpdir(), 'gridgov-dup-directory-'));
  const directoryFile = join(directoryDir, 'directory.json');
  writeFileSync(
    directoryFile,
    JSON.stringify({
      people: [
        { id: STAFF_A.sub, role: 'grid_staff', areas: [grid], channels: ['inbox'] },
        { id: STAFF_B.sub, role: 'grid_staff', areas: [grid], channels: ['inbox'] },
        { id: HANDLER.sub, role: 'handler', department: 'sanitation', areas: ['440705'], channels: ['inbox'] },
        { id: DISPATCHER.sub, role: 'dispatcher', areas: ['440705'], channels: ['inbox'] },
      ],
    }),
  );

  const ui = consoleInBrowser({ infra: { partitions: { commands: 2, events: 2 } }, env: { DIRECTORY_FILE: directoryFile } });
  afterAll(() => rmSync(directoryDir, { recursive: true, force: true }));

  async function signedIn(claims: TestTokenClaims, landing: string, device = DESKTOP): Promise<{ page: Page; errors: string[] }> {
    return ui.signIn(testToken(claims), landing, device);
  }

  const get = async <T>(as: TestTokenClaims, path: string, base = ui.stack().intakeUrl): Promise<T> => {
    const res = await fetch(`${base}${path}`, { headers: bearer(as) });
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };
  const view = async (incidentId: string) => (await get<{ incident: View }>(DISPATCHER, `/v1/incidents/${incidentId}`)).incident;
  const figures = async () =>
    (await get<{ figures: Figures }>(LEADER, `/v1/figures?area=${huicheng}&window=all`, ui.stack().projectionUrl)).figures;
  /** A command as its actor gives it, through the API, and its outcome. */
  const command = async (as: TestTokenClaims, incidentId: string, action: string, body: unknown) => {
    const res = await fetch(`${ui.stack().intakeUrl}/v1/incidents/${incidentId}/${action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(as) },
      body: JSON.stringify(body),
    });
    expect(res.status, `${action}: ${await res.clone().text()}`).toBe(202);
    const { commandId } = (await res.json()) as { commandId: string };
    const outcome = await fetch(`${ui.stack().intakeUrl}/v1/commands/${commandId}?waitMs=10000`, { headers: bearer(as) });
    expect(await outcome.json()).toMatchObject({ status: 'accepted' });
  };
  /** A report through the API (for the cases the browser part does not make): its id and the proposals of its 202. */
  const report = async (as: TestTokenClaims, place: Place, description: string) => {
    const res = await fetch(`${ui.stack().intakeUrl}/v1/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(as) },
      body: JSON.stringify({
        reportId: randomUUID(),
        gridCode: grid,
        category: 'exposed_rubbish',
        urgency: 'normal',
        description,
        location: { ...place, address: '会城同德路' },
        occurredAt: new Date(Date.now() - 60_000).toISOString(),
      }),
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { incidentId: string; commandId: string; possibleDuplicates: { incidentId: string }[] };
    const outcome = await fetch(`${ui.stack().intakeUrl}/v1/commands/${body.commandId}?waitMs=10000`, { headers: bearer(as) });
    expect(await outcome.json()).toMatchObject({ status: 'accepted' });
    return body;
  };
  /** The phone form, filled and sent as grid staff do; the outbox entry of the report. */
  const fillReport = async (page: Page, place: Place, description: string) => {
    const form = page.getByTestId('report-form');
    await form.locator('select[name=category]').selectOption('exposed_rubbish');
    await form.locator('textarea[name=description]').fill(description);
    await form.locator('input[name=lat]').fill(String(place.lat));
    await form.locator('input[name=lng]').fill(String(place.lng));
    await form.locator('input[name=address]').fill('会城同德路垃圾收集点');
    await form.getByRole('button', { name: '提交上报' }).click();
    return page.getByTestId('outbox').locator('li', { hasText: description });
  };
  /** Until the candidates the intake proposes at `place` include `incidentId` (its index follows the log). */
  const proposedAt = (place: Place, incidentId: string) =>
    eventually(
      () =>
        get<{ candidates: { incidentId: string }[] }>(STAFF_B, `/v1/duplicates?category=exposed_rubbish&lat=${place.lat}&lng=${place.lng}`),
      (answer) => answer.candidates.some((c) => c.incidentId === incidentId),
    );

  it('proposes the duplicate on the phone, merges it, gives the department one task, counts one case and tells both reporters of the closure', async () => {
    const bin = BIN;
    // About 11 m north of the first report: the same bin.
    const sameBin = { lat: Number((bin.lat + 0.0001).toFixed(6)), lng: bin.lng };

    // The first grid staff member reports: nothing like it is open, so it goes as is and is routed to sanitation.
    const a = await signedIn(STAFF_A, '/report', PHONE);
    const first = await fillReport(a.page, bin, '同德路口垃圾桶满溢（先报）');
    await poll(() => first.getAttribute('data-state')).toBe('delivered');
    expect(await a.page.getByTestId('duplicate-proposal').count()).toBe(0);
    expect(await first.getByTestId('possible-duplicates').count()).toBe(0);
    const original = (await first.locator('.incident-id').getAttribute('title'))!;
    await proposedAt(sameBin, original);

    // The second, minutes later at the same bin: the form shows the open case before sending, and the user sends anyway.
    const b = await signedIn(STAFF_B, '/report', PHONE);
    const form = b.page.getByTestId('report-form');
    const description = '垃圾桶满溢，垃圾散落一地（后报）';
    await form.locator('select[name=category]').selectOption('exposed_rubbish');
    await form.locator('textarea[name=description]').fill(description);
    await form.locator('input[name=lat]').fill(String(sameBin.lat));
    await form.locator('input[name=lng]').fill(String(sameBin.lng));
    await form.getByRole('button', { name: '提交上报' }).click();
    const proposal = b.page.getByTestId('duplicate-proposal');
    await poll(() => proposal.locator('strong').textContent()).toBe('已有相同问题 1 件，仍要上报？');
    const candidate = proposal.locator(`[data-testid=duplicate-candidate][data-incident="${original}"]`);
    await expect(candidate.textContent()).resolves.toMatch(/相距 1\d 米.*同德路口垃圾桶满溢（先报）/);
    // Nothing sent yet: the report waits for the user's choice.
    expect(await b.page.getByTestId('outbox').locator('li').count()).toBe(0);
    await screenshot(b.page, 'duplicate-proposal');
    await proposal.getByTestId('send-anyway').click();
    const second = b.page.getByTestId('outbox').locator('li', { hasText: description });
    await poll(() => second.getAttribute('data-state')).toBe('delivered');
    await poll(() => second.getByTestId('possible-duplicates').textContent()).toBe('疑似与 1 件已有案件重复，待派遣员核实');
    const duplicate = (await second.locator('.incident-id').getAttribute('title'))!;
    await screenshot(b.page, 'duplicate-sent');

    // The dispatcher finds it in 待派遣, marked 疑似重复, and merges it into the first.
    await eventually(
      () => view(duplicate),
      (v) => v.status === 'reported' && v.possibleDuplicateOf.includes(original),
    );
    const d = await signedIn(DISPATCHER, '/dispatcher');
    const row = d.page.locator(`[data-testid=queue] tr[data-incident="${duplicate}"]`);
    await poll(() => row.getByTestId('possible-duplicate').textContent()).toBe('疑似重复');
    await screenshot(d.page, 'duplicate-dispatcher');
    // Into itself: refused, and the page says so with the API's code.
    await row.locator('[data-action=merge]').click();
    const mergeForm = d.page.getByTestId('action-form-merge');
    expect(await mergeForm.locator('select[name=into]').inputValue()).toBe(original);
    await mergeForm.locator('input[name=intoOther]').fill(duplicate);
    await mergeForm.getByRole('button', { name: '提交' }).click();
    const outcome = row.getByTestId('outcome');
    await poll(() => outcome.textContent(), 15_000).toMatch(/^✗ 合并：未受理：.*MERGE_REFUSED/);
    // Into the case proposed: done.
    await row.locator('[data-action=merge]').click();
    await d.page.getByTestId('action-form-merge').getByRole('button', { name: '提交' }).click();
    await poll(() => outcome.textContent(), 15_000).toBe('✓ 合并：已受理');
    await poll(async () => (await view(duplicate)).status).toBe('merged');
    await poll(async () => (await view(original)).mergedDuplicates).toEqual([duplicate]);
    expect((await view(duplicate)).mergedInto).toBe(original);
    await screenshot(d.page, 'duplicate-merged');

    // The merged report's detail: 已合并, and the way to the case it went into, which lists it under 合并的上报.
    await d.page.goto(`${ui.stack().consoleUrl}/case?id=${duplicate}`);
    await poll(() => d.page.getByTestId('case-status').textContent()).toBe('已合并');
    await d.page.getByTestId('merged-into').getByTestId('case-link').click();
    await d.page.waitForURL(`${ui.stack().consoleUrl}/case?id=${original}`);
    const merged = d.page.getByTestId('merged-duplicates');
    await merged.locator(`li[data-incident="${duplicate}"]`).waitFor();
    expect(await merged.getByTestId('unmerge').count()).toBe(1);
    await screenshot(d.page, 'duplicate-survivor');

    // The department has one task, the leader's figures count one case.
    const h = await signedIn(HANDLER, '/handler', PHONE);
    await poll(() => h.page.getByTestId('count-awaiting_sign_for').textContent()).toBe('1');
    const tasks = h.page.locator('[data-testid=queue] li[data-incident]');
    await poll(() => tasks.count()).toBe(1);
    expect(await tasks.first().getAttribute('data-incident')).toBe(original);
    await screenshot(h.page, 'duplicate-handler');
    await poll(async () => (await figures()).reported).toBe(1);
    const leader = await signedIn(LEADER, '/leader');
    const shown = (name: string) => leader.page.getByTestId(`figure-${name}`).locator('.figure-value').textContent();
    await poll(() => shown('reported')).toBe('1');
    await screenshot(leader.page, 'duplicate-leader');

    // Handled, and verified by the first reporter on the phone: the case closes.
    await command(HANDLER, original, 'accept', {});
    await command(HANDLER, original, 'resolve', { notes: '已清运，垃圾桶已更换' });
    await a.page.getByTestId('my-reports').getByRole('button', { name: '刷新' }).click();
    const mine = a.page.locator(`[data-testid=my-reports] li[data-incident="${original}"]`);
    await mine.getByRole('button', { name: '核查通过' }).click();
    // Passed: the list, read again, shows the case closed (its 核查 form gone with the status it answered).
    await poll(() => mine.locator('.badge').first().textContent()).toBe('已结案');
    await poll(async () => (await view(original)).status).toBe('closed');
    await poll(() => shown('closed')).toBe('1');
    expect(await shown('reported')).toBe('1');
    expect(await shown('closureRate')).toBe('100.0%');

    // Both reporters are told, each in their own inbox: the closure of the one case.
    for (const { page } of [a, b]) {
      await poll(() => page.getByTestId('bell-count').textContent(), 30_000).not.toMatch(/^[–0]$/);
      await page.getByTestId('bell').click();
      const closed = page.getByTestId('inbox-item').filter({ has: page.locator('.inbox-kind', { hasText: /^结案$/ }) });
      await poll(() => closed.count()).toBe(1);
      expect(await closed.getByTestId('inbox-open-case').getAttribute('href')).toBe(`/case?id=${original}`);
    }
    await screenshot(b.page, 'duplicate-inbox');
    // The merge cannot be undone now that the case is closed.
    await d.page.reload();
    await poll(() => d.page.getByTestId('case-status').textContent()).toBe('已结案');
    expect(await d.page.getByTestId('unmerge').count()).toBe(0);

    const expected409 = (e: string) => /status of 409/.test(e);
    expect(d.errors.filter((e) => !expected409(e))).toEqual([]);
    for (const page of [a, b, h, leader]) expect(page.errors).toEqual([]);
  });

  it('undoes a merge from the case detail: two cases again, the figures as before the merge', async () => {
    const pile = PILE;
    const { incidentId: kept } = await report(STAFF_A, pile, '同德路 8 号垃圾堆放（撤销合并）');
    await proposedAt(pile, kept);
    const second = await report(STAFF_B, pile, '同德路 8 号门口垃圾（撤销合并，后报）');
    expect(second.possibleDuplicates.map((c) => c.incidentId)).toEqual([kept]);
    const duplicate = second.incidentId;
    await eventually(
      () => view(duplicate),
      (v) => v.possibleDuplicateOf.includes(kept),
    );
    const twoCases = await eventually(figures, (f) => f.reported === 3);

    // 合并到此案件, from the detail of the report the intake held back.
    const d = await signedIn(DISPATCHER, '/dispatcher');
    await d.page.goto(`${ui.stack().consoleUrl}/case?id=${duplicate}`);
    const proposals = d.page.getByTestId('proposed-duplicates');
    await proposals.locator(`li[data-incident="${kept}"]`).getByTestId('merge-here').click();
    await poll(() => d.page.getByTestId('merge-outcome').textContent(), 15_000).toBe('✓ 合并：已受理');
    await poll(() => d.page.getByTestId('case-status').textContent()).toBe('已合并');
    await poll(async () => (await figures()).reported).toBe(2);

    // 撤销合并 from the surviving case, still open.
    await d.page.getByTestId('merged-into').getByTestId('case-link').click();
    await d.page.waitForURL(`${ui.stack().consoleUrl}/case?id=${kept}`);
    const merged = d.page.getByTestId('merged-duplicates');
    await merged.locator(`li[data-incident="${duplicate}"]`).getByTestId('unmerge').click();
    await poll(() => d.page.getByTestId('merge-outcome').textContent(), 15_000).toBe('✓ 撤销合并：已受理');
    await poll(async () => (await view(duplicate)).status).toBe('reported');
    await poll(async () => (await view(kept)).mergedDuplicates).toEqual([]);
    expect((await view(duplicate)).mergedInto).toBeUndefined();
    await poll(figures).toEqual(twoCases);

    // Two cases again: the undone report waits in 待派遣, and the leader sees the figures of before.
    await d.page.goto(`${ui.stack().consoleUrl}/dispatcher`);
    await d.page.locator(`[data-testid=queue] tr[data-incident="${duplicate}"]`).waitFor();
    await screenshot(d.page, 'duplicate-unmerged');
    const leader = await signedIn(LEADER, '/leader');
    await poll(() => leader.page.getByTestId('figure-reported').locator('.figure-value').textContent()).toBe(String(twoCases.reported));
    expect(d.errors).toEqual([]);
    expect(leader.errors).toEqual([]);
  });
});
