import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import {
  bearer,
  eventually,
  readTopic,
  startService,
  testToken,
  type TestInfra,
  type TestTokenClaims,
  loadXinhuiAreas,
} from '@gridgov/testing';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  attributeOfEach,
  chooseRangeAndScope,
  collectPageErrors,
  DESKTOP,
  expectedShownFigures,
  PHONE,
  screenshot,
  shownFigures,
  withPageState,
} from './support/browser.ts';
import { consoleInBrowser } from './support/console-in-browser.ts';
import { distinctPlace } from './support/client.ts';

/**
 * The web console in a real browser (Debian's Chromium, headless) against the real services: the console serves
 * its built pages, the pages call intake-api and projection straight from the browser (CORS), live figures come
 * over the server-sent stream. Needs the console built (`pnpm --filter @gridgov/console build`; scripts/test does it).
 */
/** Waits for what the page shows: generous, since the whole suite shares two cores with the browser. */
const poll = <T>(probe: () => Promise<T>, timeout = 20_000) => expect.poll(probe, { timeout, interval: 100 });

describe('the web console', () => {
  const areas = loadXinhuiAreas();
  const huicheng = '440705001';
  const community = areas.children(huicheng)[0]!;
  const grid = areas.children(community.code)[0]!.code;

  const LEADER: TestTokenClaims = { sub: 'leader-huicheng', role: 'leader', areas: [huicheng] };
  const DISPATCHER: TestTokenClaims = { sub: 'dispatcher-xinhui', role: 'dispatcher', areas: ['440705'] };
  const STAFF: TestTokenClaims = { sub: 'staff-console', role: 'grid_staff', areas: [grid] };

  const ui = consoleInBrowser({ infra: { partitions: { commands: 2, events: 2 } } });
  let infra: TestInfra;
  let intakeUrl: string;
  let projectionUrl: string;
  let consoleUrl: string;
  beforeAll(() => {
    ({ infra, intakeUrl, projectionUrl, consoleUrl } = ui.stack());
  });

  /** A page of its own (desktop, or a 390×844 phone), signed in by pasting the token as a user would. */
  async function signedIn(claims: TestTokenClaims, landing: string, phone = false): Promise<{ page: Page; errors: string[] }> {
    return ui.signIn(testToken(claims), landing, phone ? PHONE : DESKTOP);
  }

  const report = async (description: string, reportId = randomUUID(), urgency = 'normal', category = 'exposed_rubbish') => {
    const res = await fetch(`${intakeUrl}/v1/incidents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(STAFF) },
      body: JSON.stringify({
        reportId,
        gridCode: grid,
        category,
        urgency,
        description,
        location: { ...distinctPlace(), address: '会城同德路' },
        occurredAt: new Date(Date.now() - 600_000).toISOString(),
      }),
    });
    expect(res.status).toBe(202);
    const { incidentId, commandId } = (await res.json()) as { incidentId: string; commandId: string };
    const outcome = await fetch(`${intakeUrl}/v1/commands/${commandId}?waitMs=10000`, { headers: bearer(STAFF) });
    expect(await outcome.json()).toMatchObject({ status: 'accepted' });
    return incidentId;
  };

  it('opens with a sign-in page, refuses a token the API does not take, and comes back to it on a 401, with the message', async () => {
    const context = await ui.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${consoleUrl}/leader`);
    await page.waitForURL(`${consoleUrl}/signin`).catch(async (err: unknown) => {
      throw await withPageState(err, page, errors, 'signin-not-shown');
    });
    await page.locator('textarea[name=token]').fill('not-a-token');
    await page.getByRole('button', { name: '登录' }).click();
    await poll(() => page.getByTestId('signin-error').textContent()).toMatch(/^登录失败：headers\.authorization/);
    await screenshot(page, 'signin');

    // A kept session whose token no longer holds: the page opens from what was kept, the API answers 401, and the
    // sign-in page comes back with its message.
    const kept = {
      token: testToken({ ...LEADER, ttlSeconds: 1 }, Date.now() - 3_600_000),
      me: {
        actor: { id: 'leader-huicheng', role: 'leader', department: null, areas: [{ code: huicheng, name: '会城街道', level: 'town' }] },
      },
      catalog: { categories: [], departments: [] },
    };
    await page.evaluate(`sessionStorage.setItem('gridgov.console.session', ${JSON.stringify(JSON.stringify(kept))})`);
    await page.goto(`${consoleUrl}/leader`);
    await poll(() => page.getByTestId('signin-error').textContent()).toMatch(/^请重新登录：.*expired/);
    await page.waitForURL(`${consoleUrl}/signin`);
  });

  it('shows a leader the figures of their area change live when a report comes in, without a reload', async () => {
    const { page, errors } = await signedIn(LEADER, '/leader');
    const reported = page.getByTestId('figure-reported').locator('.figure-value');
    await page.locator('.live-live').waitFor();
    await poll(() => reported.textContent()).toBe('0');
    // Nothing registered yet: every community is 无数据, listed apart, none ranked.
    await poll(() => page.getByTestId('ranking-no-data').locator('tr[data-area]').count()).toBe(areas.children(huicheng).length);
    expect(await page.getByTestId('ranking').locator('tbody.ranked tr').count()).toBe(0);
    await page.evaluate('window.notReloaded = true');

    await report('路边堆放生活垃圾（驾驶舱）');

    await poll(() => reported.textContent(), 20_000).toBe('1');
    expect(await page.getByTestId('figure-closureRate').locator('.figure-value').textContent()).toBe('0.0%');
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    // The ranking followed: the community with the case is ranked now, first and alone, so not 末位 (a ranking of one
    // has no last); the others stay 无数据, never red.
    await page.locator(`[data-testid=ranking] tbody.ranked tr[data-area="${community.code}"]`).waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('ranking').locator('tr.bottom').count()).toBe(0);
    expect(await page.getByTestId('ranking-no-data').locator('tr[data-area]').count()).toBe(areas.children(huicheng).length - 1);
    await page.getByTestId('trend-chart').locator('canvas').first().waitFor();
    await screenshot(page, 'leader');

    // Drill down from the ranking to the community: its own figures, its grids ranked.
    await page.locator(`[data-testid=ranking] tr[data-area="${community.code}"]`).click();
    await poll(() => page.getByTestId('breadcrumb').textContent()).toContain(community.name);
    await poll(() => reported.textContent()).toBe('1');

    // English on request, remembered on this device; Chinese again.
    await page.getByTestId('lang-toggle').click();
    await poll(() => page.getByTestId('figure-closureRate').locator('.figure-label').textContent()).toBe('Closure rate');
    await page.reload();
    await poll(() => page.getByTestId('figure-closureRate').locator('.figure-label').textContent()).toBe('Closure rate');
    await page.getByTestId('lang-toggle').click();
    await poll(() => page.getByTestId('figure-closureRate').locator('.figure-label').textContent()).toBe('结案率');
    expect(errors).toEqual([]);
  });

  it("shows the dispatcher each queue's true count, and the list in the order chosen, remembered after a reload", async () => {
    // Reported most urgent last: by report time it comes last, by deadline first.
    const ids = [
      await report('路边堆放生活垃圾（普通）', randomUUID(), 'normal'),
      await report('路边堆放生活垃圾（紧急）', randomUUID(), 'urgent'),
      await report('路边堆放生活垃圾（特急）', randomUUID(), 'very_urgent'),
    ];
    const api = async <T>(path: string) => (await (await fetch(`${intakeUrl}${path}`, { headers: bearer(DISPATCHER) })).json()) as T;
    const order = async (sort: string) =>
      (await api<{ items: { incidentId: string }[] }>(`/v1/incidents?area=440705&queue=handling&sort=${sort}&limit=200`)).items
        .map((i) => i.incidentId)
        .filter((id) => ids.includes(id));
    await eventually(
      () => order('reportedAt'),
      (shown) => shown.length === 3,
    );
    expect(await order('reportedAt')).toEqual(ids);
    expect(await order('deadline')).not.toEqual(ids);

    const { page, errors } = await signedIn(DISPATCHER, '/dispatcher');
    const { counts } = await api<{ counts: Record<string, number> }>('/v1/incidents/counts?area=440705');
    expect(counts.handling).toBeGreaterThanOrEqual(3);
    for (const queue of ['new', 'returned', 'overdue', 'escalated', 'extension', 'handling'])
      await poll(() => page.getByTestId(`count-${queue}`).textContent()).toBe(String(counts[queue]));
    await page.locator('[data-queue=handling]').click();
    const shown = async () => {
      const got = await attributeOfEach(page.locator('[data-testid=queue] tr[data-incident]'), 'data-incident');
      return got.filter((id): id is string => id !== null && ids.includes(id));
    };
    await poll(shown).toEqual(await order('reportedAt'));
    await page.getByTestId('sort').selectOption('deadline');
    await poll(shown).toEqual(await order('deadline'));
    await page.getByTestId('page-size').selectOption('20');
    await screenshot(page, 'dispatcher-counts');

    // The choice is the device's: a reload keeps it, and the list comes in that order again.
    await page.reload();
    await poll(() => page.getByTestId('sort').inputValue()).toBe('deadline');
    await poll(() => page.getByTestId('page-size').inputValue()).toBe('20');
    await page.locator('[data-queue=handling]').click();
    await poll(shown).toEqual(await order('deadline'));
    await poll(() => page.getByTestId('count-handling').textContent()).toBe(String(counts.handling));
    await page.getByTestId('sort').selectOption('reportedAt');
    await poll(shown).toEqual(ids);
    expect(errors).toEqual([]);
  });

  it('lets a leader pick a range of dates and a category with a department, and shows what the API answers for them', async () => {
    // Cases of two categories (routed to two departments): the pair's figures are not the whole area's.
    for (let i = 0; i < 4; i++) await report(`路边堆放生活垃圾（区间 ${i}）`);
    for (let i = 0; i < 2; i++) await report(`邻里纠纷（区间 ${i}）`, randomUUID(), 'normal', 'dispute');
    const { page, errors } = await signedIn(LEADER, '/leader');
    await page.locator('.live-live').waitFor();
    const { from, to } = await chooseRangeAndScope(page, 7, { category: 'exposed_rubbish', department: 'sanitation' });

    const api = async (query: string) => {
      const res = await fetch(`${projectionUrl}/v1/figures?area=${huicheng}&${query}`, { headers: bearer(LEADER) });
      expect(res.status).toBe(200);
      return ((await res.json()) as { figures: Record<string, number | null> }).figures;
    };
    // An accepted outcome (grid.outcomes) may be read before its events (grid.events) are counted: wait for the counts.
    const [pair, whole] = await eventually(
      () => Promise.all([api(`from=${from}&to=${to}&category=exposed_rubbish&department=sanitation`), api(`from=${from}&to=${to}`)]),
      ([p, w]) => p['reported']! >= 4 && w['reported']! >= p['reported']! + 2,
    );
    // All the figures at once, as the page settles on the range and scope (it passes through the steps between).
    await poll(() => shownFigures(page)).toEqual(expectedShownFigures(pair));
    // The ranking asks for the same range and scope: the community with the cases is ranked, alone, and not 末位.
    await page.locator(`[data-testid=ranking] tbody.ranked tr[data-area="${community.code}"]`).waitFor();
    expect(await page.getByTestId('ranking').locator('tr.bottom').count()).toBe(0);
    await page.getByTestId('trend-chart').locator('canvas').first().waitFor();
    await screenshot(page, 'leader-range');

    // Back to the whole area: the figures follow.
    await page.getByTestId('scope-category').selectOption('');
    await page.getByTestId('scope-department').selectOption('');
    await poll(() => shownFigures(page)).toEqual(expectedShownFigures(whole));
    expect(errors).toEqual([]);
  });

  it('lets a dispatcher reassign a case from the queue, and shows the outcome, or the rejection with its message', async () => {
    const incidentId = await report('路边堆放生活垃圾（派遣）');
    // Routed to sanitation on report: on the district's list of cases in handling.
    await eventually(
      async () =>
        (await (await fetch(`${intakeUrl}/v1/incidents?area=440705&queue=handling`, { headers: bearer(DISPATCHER) })).json()) as {
          items: { incidentId: string }[];
        },
      (page) => page.items.some((i) => i.incidentId === incidentId),
    );
    const { page, errors } = await signedIn(DISPATCHER, '/dispatcher');
    await page.locator('[data-queue=handling]').click();
    const row = page.locator(`tr[data-incident="${incidentId}"]`);
    const outcome = row.getByTestId('outcome');
    const reassign = async (department: string, reason: string) => {
      await row.locator('[data-action=reassign]').click();
      const form = page.getByTestId('action-form-reassign');
      await form.locator('select[name=department]').selectOption(department);
      await form.locator('input[name=reason]').fill(reason);
      await form.getByRole('button', { name: '提交' }).click();
    };

    // To the department that has it: the dispatch worker rejects it, and says why.
    await reassign('sanitation', '重复派遣');
    await poll(() => outcome.textContent(), 15_000).toMatch(/未受理：.*SAME_DEPARTMENT/);
    // Without a reason: the API refuses the command itself, naming the field.
    await reassign('urban_mgmt', '');
    await poll(() => outcome.textContent(), 15_000).toMatch(/body\.reason/);
    // Elsewhere, with a reason: accepted, and the row shows the case with its new department.
    await reassign('urban_mgmt', '违法搭建，不属环卫职责');
    await poll(() => outcome.textContent(), 15_000).toBe('✓ 改派：已受理');
    await poll(() => row.getByTestId('department').textContent()).toBe('城市管理局');
    await screenshot(page, 'dispatcher');

    const view = await fetch(`${intakeUrl}/v1/incidents/${incidentId}`, { headers: bearer(DISPATCHER) });
    expect(((await view.json()) as { incident: { department: string } }).incident.department).toBe('urban_mgmt');
    // The browser logs the 400 of the reason left out; nothing else went wrong.
    expect(errors.filter((e) => !/status of 400 \(Bad Request\)/.test(e))).toEqual([]);
  });

  it('lets a dispatcher filter a queue by category and search a word: the rows are the API’s answer', async () => {
    const rubbish = await report('同德路口堆放建筑垃圾（筛选）');
    const cover = await report('人行道井盖松动，有垃圾（筛选）', randomUUID(), 'normal', 'manhole_cover');
    const other = await report('路面油污（筛选）', randomUUID(), 'normal', 'exposed_rubbish');
    const handling = async (query: string) =>
      (
        (await (
          await fetch(`${intakeUrl}/v1/incidents?area=440705&queue=handling&limit=50${query}`, { headers: bearer(DISPATCHER) })
        ).json()) as {
          items: { incidentId: string }[];
        }
      ).items.map((i) => i.incidentId);
    // All three routed on report: on the district's list of cases in handling.
    await eventually(
      () => handling(''),
      (ids) => [rubbish, cover, other].every((id) => ids.includes(id)),
    );
    const expected = await handling(`&category=exposed_rubbish&q=${encodeURIComponent('垃圾')}`);
    expect(expected).toContain(rubbish);
    expect(expected).not.toContain(cover);
    expect(expected).not.toContain(other);

    const { page, errors } = await signedIn(DISPATCHER, '/dispatcher');
    await page.locator('[data-queue=handling]').click();
    const rows = () => attributeOfEach(page.locator('[data-testid=queue] tbody tr[data-incident]'), 'data-incident');
    await poll(rows).toContain(other);
    await page.getByTestId('filter-category').selectOption('exposed_rubbish');
    await page.getByTestId('filter-q').fill('垃圾');
    await page.getByTestId('filter-apply').click();
    await poll(rows, 15_000).toEqual(expected);
    await screenshot(page, 'dispatcher-filters');
    // Cleared: the whole queue again.
    await page.getByTestId('filter-clear').click();
    await poll(rows, 15_000).toContain(other);
    expect(errors).toEqual([]);
  });

  it('keeps a phone report on the device while the API is down, and delivers it exactly once when it is back', async () => {
    const { page } = await signedIn(STAFF, '/report', true);
    await page.getByTestId('my-reports').waitFor();
    await screenshot(page, 'phone');

    // The API goes away: killed, as a dead server or a lost signal looks to the phone.
    await ui.stack().intake.stop('SIGKILL');
    const description = `路灯不亮（离线上报 ${randomUUID().slice(0, 8)}）`;
    const form = page.getByTestId('report-form');
    await form.locator('select[name=category]').selectOption('dirty_road');
    await form.locator('textarea[name=description]').fill(description);
    const offlinePlace = distinctPlace();
    await form.locator('input[name=lat]').fill(String(offlinePlace.lat));
    await form.locator('input[name=lng]').fill(String(offlinePlace.lng));
    await form.locator('input[name=address]').fill('会城同德路 12 号');
    await form.getByRole('button', { name: '提交上报' }).click();

    const item = page.getByTestId('outbox').locator('li', { hasText: description });
    await poll(() => item.getAttribute('data-state')).toBe('pending');
    await poll(() => item.textContent()).toMatch(/待发送.*已尝试 \d+ 次/);
    const reportId = (await item.getAttribute('data-report-id'))!;
    await screenshot(page, 'phone-queued');

    // Still there after a reload, with the same report id (the page opens from the kept session, without the API).
    await page.reload();
    const again = page.getByTestId('outbox').locator(`li[data-report-id="${reportId}"]`);
    await poll(() => again.getAttribute('data-state')).toBe('pending');

    // The API is back on the same address: the phone delivers it by itself.
    ui.stack().intake = await startService('intake-api', { ...ui.stack().env, PORT: String(ui.stack().intakePort) });
    await poll(() => again.getAttribute('data-state'), 45_000).toBe('delivered');
    await poll(() => again.textContent()).toMatch(/已送达.*事件编号/);
    await screenshot(page, 'phone-delivered');

    // One incident, whatever the tries: among the staff member's reports once, reported once on grid.events.
    const mine = await eventually(
      async () =>
        (await (await fetch(`${intakeUrl}/v1/incidents?mine=true&limit=200`, { headers: bearer(STAFF) })).json()) as {
          items: { incidentId: string; category: string }[];
        },
      (page) => page.items.some((i) => i.category === 'dirty_road'),
    );
    const delivered = mine.items.filter((i) => i.category === 'dirty_road');
    expect(delivered).toHaveLength(1);
    const records = await readTopic(infra.kafka, infra.topics.events, 30_000);
    // The report id is sealed on the log (ADR 0016): the event is known by its description, unique to this report.
    const reportedEvents = records
      .map((r) => JSON.parse(r.value!) as { type: string; data: { description?: string }; metadata: { incidentId: string } })
      .filter((e) => e.type === 'IncidentReported' && e.data.description === description);
    expect(reportedEvents).toHaveLength(1);
    expect(reportedEvents[0]!.metadata.incidentId).toBe(delivered[0]!.incidentId);
    const shown = (await again.locator('.incident-id').getAttribute('title'))!;
    expect(shown).toBe(delivered[0]!.incidentId);
  });
  it('takes the delivered reports off the phone at sign-out, and keeps one not yet delivered to send after the next sign-in', async () => {
    const { page } = await signedIn(STAFF, '/report', true);
    const form = page.getByTestId('report-form');
    const submit = async (description: string) => {
      await form.locator('select[name=category]').selectOption('dirty_road');
      await form.locator('textarea[name=description]').fill(description);
      const place = distinctPlace();
      await form.locator('input[name=lat]').fill(String(place.lat));
      await form.locator('input[name=lng]').fill(String(place.lng));
      await form.locator('input[name=address]').fill('会城同德路 14 号');
      await form.getByRole('button', { name: '提交上报' }).click();
      return page.getByTestId('outbox').locator('li', { hasText: description });
    };
    /** What the device keeps: every localStorage entry, as text. */
    const deviceHolds = () => page.evaluate(() => JSON.stringify(Object.entries(localStorage)));

    const deliveredText = `路面污损（已送达 ${randomUUID().slice(0, 8)}）`;
    const delivered = await submit(deliveredText);
    await poll(() => delivered.getAttribute('data-state')).toBe('delivered');
    const deliveredId = (await delivered.getAttribute('data-report-id'))!;

    // The API cannot be reached for the next one: it waits on the phone.
    const incidents = `${intakeUrl}/v1/incidents`;
    await page.context().route(incidents, (route) => route.abort('internetdisconnected'));
    const waitingText = `路面污损（待发送 ${randomUUID().slice(0, 8)}）`;
    const waiting = await submit(waitingText);
    await poll(() => waiting.getAttribute('data-state')).toBe('pending');
    const waitingId = (await waiting.getAttribute('data-report-id'))!;
    expect(await deviceHolds()).toContain(deliveredText);

    await page.getByTestId('sign-out').click();
    await page.waitForURL(`${consoleUrl}/signin`);
    const held = await deviceHolds();
    expect(held).not.toContain(deliveredText);
    expect(held).not.toContain(deliveredId);
    expect(held).toContain(waitingText);
    const outbox = JSON.parse(
      (await page.evaluate((user) => localStorage.getItem(`gridgov.console.outbox.${user}`), STAFF.sub!)) ?? '[]',
    ) as { reportId: string; state: string }[];
    expect(outbox.map((i) => [i.reportId, i.state])).toEqual([[waitingId, 'pending']]);
    await screenshot(page, 'phone-signed-out');

    // Signed in again, the API reachable: the kept report goes, once.
    await page.context().unroute(incidents);
    await page.locator('textarea[name=token]').fill(testToken(STAFF));
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL(`${consoleUrl}/report`);
    const again = page.getByTestId('outbox').locator(`li[data-report-id="${waitingId}"]`);
    await poll(() => again.getAttribute('data-state'), 45_000).toBe('delivered');
  });

  it('reports with a photo on the phone page: scaled, uploaded, named in the report, and shown back from the case', async () => {
    const { page, errors } = await signedIn(STAFF, '/report', true);
    const form = page.getByTestId('report-form');
    const description = `井盖破损（带照片 ${randomUUID().slice(0, 8)}）`;
    await form.locator('select[name=category]').selectOption('manhole_cover');
    await form.locator('textarea[name=description]').fill(description);
    const photoPlace = distinctPlace();
    await form.locator('input[name=lat]').fill(String(photoPlace.lat));
    await form.locator('input[name=lng]').fill(String(photoPlace.lng));
    // As the camera or the gallery hands it over; the page scales it with a canvas and uploads the JPEG.
    await form.locator('input[name=photos]').setInputFiles({ name: 'IMG_0001.png', mimeType: 'image/png', buffer: PHOTO });
    await poll(() => form.getByTestId('photo-uploaded').count()).toBe(1);
    await screenshot(page, 'phone-photo');
    await form.getByRole('button', { name: '提交上报' }).click();
    const item = page.getByTestId('outbox').locator('li', { hasText: description });
    await poll(() => item.getAttribute('data-state'), 30_000).toBe('delivered');
    const incidentId = (await item.locator('.incident-id').getAttribute('title'))!;

    // The case lists the photo as the report's, and its bytes are a JPEG the staff member may fetch.
    const detail = await eventually(
      async () =>
        (await (await fetch(`${intakeUrl}/v1/incidents/${incidentId}`, { headers: bearer(STAFF) })).json()) as {
          photos?: { key: string; contentType: string; stage: string }[];
        },
      (d) => (d.photos?.length ?? 0) > 0,
    );
    expect(detail.photos).toEqual([expect.objectContaining({ contentType: 'image/jpeg', stage: 'report' }) as unknown]);
    const bytes = await fetch(`${intakeUrl}/v1/incidents/${incidentId}/photos/${detail.photos![0]!.key}`, { headers: bearer(STAFF) });
    expect(bytes.status).toBe(200);
    expect(Buffer.from(await bytes.arrayBuffer()).subarray(0, 3)).toEqual(Buffer.from([0xff, 0xd8, 0xff]));
    expect(errors).toEqual([]);
  });
});

/** A photo as a phone's gallery hands it over (a PNG: the page sends it on as JPEG). */
const PHOTO = readFileSync(new URL('../services/intake-api/src/photos/fixtures/python.png', import.meta.url));
