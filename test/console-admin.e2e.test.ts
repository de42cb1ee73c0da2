import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, eventually, testToken, XINHUI_AREAS_FILE, type TestTokenClaims } from '@gridgov/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { DESKTOP, PHONE, screenshot } from './support/browser.ts';
import { consoleInBrowser } from './support/console-in-browser.ts';

/**
 * A live rule change through the console, in Chromium (issue 16's must-show): an admin imports a new area tree file,
 * adds a category with new deadlines and changes a routing rule on the admin page; a report in the new grid is then
 * routed and timed by the new rules with no restart, while a case decided before keeps its deadline. A bad file is
 * answered with its problems by row and column and nothing is applied. The leader's map and the phone's "使用我的位置"
 * are shown on the tree just imported. Needs the console built.
 */
describe('an admin changes the rules live, through the console', () => {
  const HOUR = 3_600_000;
  const OLD_GRID = '440705001001001';
  const NEW_GRID = '440705001001099';
  const ADMIN: TestTokenClaims = { sub: 'admin-jiangmen', role: 'admin', areas: ['440700'] };
  const STAFF: TestTokenClaims = { sub: 'staff-admin-e2e', role: 'grid_staff', areas: [OLD_GRID, NEW_GRID] };
  const DISPATCHER: TestTokenClaims = { sub: 'dispatcher-xinhui', role: 'dispatcher', areas: ['440705'] };
  const LEADER: TestTokenClaims = { sub: 'leader-xinhui', role: 'leader', areas: ['440705'] };
  // The new grid lies apart from the others: a position inside it is in no other grid.
  const square = {
    type: 'Polygon',
    coordinates: [
      [
        [112, 21],
        [112.01, 21],
        [112.01, 21.01],
        [112, 21.01],
        [112, 21],
      ],
    ],
  };
  const INSIDE = { lat: 21.005, lng: 112.005 };
  const tree = JSON.parse(readFileSync(XINHUI_AREAS_FILE, 'utf8')) as {
    areas: { code: string; name: string; level: string; parent: string | null; boundary?: unknown }[];
  };
  /** The tree as a GeoJSON FeatureCollection, as an admin's GIS would export it. */
  const geojson = (areas: typeof tree.areas) => ({
    type: 'FeatureCollection',
    features: areas.map(({ boundary, ...properties }) => ({ type: 'Feature', properties, geometry: boundary ?? null })),
  });
  const newGrid = { code: NEW_GRID, name: '同德社区第99网格', level: 'grid', parent: '440705001001', boundary: square };

  const dir = mkdtempSync(join(tmpdir(), 'console-admin-'));
  const ui = consoleInBrowser({ infra: { partitions: { commands: 1, events: 1 } } });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const call = async (method: string, path: string, who: TestTokenClaims, body?: unknown) => {
    const res = await fetch(`${ui.stack().intakeUrl}${path}`, {
      method,
      headers: { ...bearer(who), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  interface CaseView {
    readonly department: string | null;
    readonly locationOutsideGrid?: true;
    readonly deadlines: readonly { stage: string; due: string | null }[];
  }
  /** Reports a case and waits until the worker has routed it: its view and when it was dispatched. */
  const report = async (gridCode: string, category: string, location: { lat: number; lng: number }) => {
    const res = await call('POST', '/v1/incidents', STAFF, {
      reportId: randomUUID(),
      gridCode,
      category,
      urgency: 'normal',
      description: '夜间施工噪音',
      location,
      occurredAt: new Date(Date.now() - HOUR).toISOString(),
    });
    expect(res.status, JSON.stringify(res.json)).toBe(202);
    const { incidentId } = res.json as { incidentId: string };
    const detail = await eventually(
      async () =>
        (await call('GET', `/v1/incidents/${incidentId}`, DISPATCHER)).json as {
          incident?: CaseView;
          history?: { type: string; at: string }[];
        },
      (d) => (d.incident?.department ?? null) !== null,
    );
    const dispatchedAt = detail.history!.find((h) => h.type === 'IncidentDispatched')!.at;
    return { incidentId, view: detail.incident!, dispatchedAt };
  };
  const handlingDue = (view: CaseView) => view.deadlines.find((d) => d.stage === 'handling')!.due!;
  const version = async () => (await call('GET', '/v1/admin/config', ADMIN)).json['version'];

  it('imports a tree, adds a category and a routing rule on the admin page; a new report follows them at once', async () => {
    // Decided under version 0: 暴露垃圾 in the old grid.
    const before = await report(OLD_GRID, 'exposed_rubbish', { lat: 22.52, lng: 113.03 });
    expect(before.view.department).toBe('sanitation');

    const { page, errors } = await ui.signIn(testToken(ADMIN), '/admin', DESKTOP);
    await expect.poll(() => page.locator('.admin-version').textContent(), { timeout: 20_000 }).toBe('配置版本 0');

    // A bad file first: a self-intersecting boundary and a missing parent, listed by row and column; nothing applied.
    const badFile = join(dir, 'bad.csv');
    writeFileSync(
      badFile,
      [
        'code,name,level,parent,boundary',
        ...tree.areas.map((a) => `${a.code},${a.name},${a.level},${a.parent ?? ''},`),
        `${NEW_GRID},坏网格,grid,440705001001,"POLYGON ((112.9 22.3, 112.91 22.31, 112.91 22.3, 112.9 22.31, 112.9 22.3))"`,
        '440705001098001,孤儿网格,grid,440705001098,',
      ].join('\n'),
    );
    await page.locator('input[name=areaFile]').setInputFiles(badFile);
    const problems = page.locator('.admin-problems tbody tr');
    await expect.poll(() => problems.count(), { timeout: 20_000 }).toBe(2);
    const rows = await Promise.all((await problems.all()).map((tr) => tr.locator('td').allTextContents()));
    const line = tree.areas.length + 2;
    expect(rows.map((r) => r.slice(0, 2))).toEqual([
      [String(line), 'boundary'],
      [String(line + 1), 'parent'],
    ]);
    expect(rows[0]![2]).toMatch(/crosses itself/);
    expect(rows[1]![2]).toBe('parent 440705001098 is not in the file');
    await screenshot(page, 'admin-import-problems');
    expect(await version()).toBe(0);

    // The new tree, as GeoJSON: previewed (1 added, nothing else), then applied.
    const goodFile = join(dir, 'xinhui-new.geojson');
    writeFileSync(goodFile, JSON.stringify(geojson([...tree.areas, newGrid])));
    await page.locator('input[name=areaFile]').setInputFiles(goodFile);
    const diff = page.getByTestId('area-diff');
    await expect
      .poll(() => diff.locator('p').first().textContent(), { timeout: 20_000 })
      .toBe('新增 1 个，更名 0 个，边界变化 0 个，删除 0 个');
    expect(await diff.locator('li').allTextContents()).toEqual([`+ ${NEW_GRID} 同德社区第99网格`]);
    await screenshot(page, 'admin-import-preview');
    await diff.getByRole('button', { name: '应用' }).click();
    await expect.poll(() => page.locator('.admin-version').textContent(), { timeout: 20_000 }).toBe('配置版本 1');

    // A department for it, then a category with its deadlines per urgency.
    const departments = page.locator('.admin-department-form');
    await departments.locator('input[name=departmentCode]').fill('noise_office');
    await departments.locator('input[name=departmentName]').fill('噪声办');
    await departments.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => page.locator('.admin-version').textContent(), { timeout: 20_000 }).toBe('配置版本 2');
    const form = page.locator('.admin-category-form');
    await form.locator('input[name=categoryCode]').fill('noise');
    await form.locator('input[name=categoryName]').fill('噪音扰民');
    await form.locator('select[name=categoryDepartment]').selectOption('noise_office');
    await form.locator('select[name=deadlineUnit]').selectOption('natural_hours');
    await form.locator('input[name=deadline-normal]').fill('7');
    await form.locator('input[name=deadline-urgent]').fill('4');
    await form.locator('input[name=deadline-very_urgent]').fill('2');
    await form.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => page.locator('.admin-version').textContent(), { timeout: 20_000 }).toBe('配置版本 3');
    expect(await page.locator('tr[data-category=noise] td').allTextContents()).toEqual([
      'noise',
      '噪音扰民',
      '噪声办',
      '7 自然小时',
      '4 自然小时',
      '2 自然小时',
      '—',
    ]);
    // A category with a duplicate rule shows it, and typing its code brings the rule into the form, so a change keeps it.
    expect(await page.locator('tr[data-category=exposed_rubbish]').getByTestId('category-duplicates').textContent()).toBe(
      '50 米内 · 72 小时内',
    );
    await form.locator('input[name=categoryCode]').fill('exposed_rubbish');
    expect(await form.locator('input[name=duplicateRadius]').inputValue()).toBe('50');
    expect(await form.locator('input[name=duplicateWindow]').inputValue()).toBe('72');

    // A routing rule: noise in the new grid goes to 住建.
    const routing = page.locator('.admin-routing-form');
    await routing.locator('input[name=ruleArea]').fill(NEW_GRID);
    await routing.locator('select[name=ruleCategory]').selectOption('noise');
    await routing.locator('select[name=ruleDepartment]').selectOption('housing');
    await routing.getByRole('button', { name: '保存' }).click();
    await expect.poll(() => page.locator('.admin-version').textContent(), { timeout: 20_000 }).toBe('配置版本 4');

    // The audit log lists the four changes, newest first.
    const audit = page.locator('.admin-audit tbody tr');
    await expect.poll(() => audit.count(), { timeout: 20_000 }).toBe(4);
    expect(await audit.locator('td:nth-child(4)').allTextContents()).toEqual([
      'routing rules: 1 added or changed, 0 removed or changed',
      'category added: noise 噪音扰民',
      'department added: noise_office 噪声办',
      'area tree imported: 1 added',
    ]);
    await screenshot(page, 'admin-page');
    // The browser logs the bad file's 400 answer; nothing else went wrong.
    expect(errors.filter((e) => !e.includes('status of 400'))).toEqual([]);
    expect(errors.length).toBeLessThanOrEqual(1);

    // No restart: a report in the new grid is routed by the new rule and timed by the new category.
    const noise = await report(NEW_GRID, 'noise', INSIDE);
    expect(noise.view.department).toBe('housing');
    expect(noise.view).not.toHaveProperty('locationOutsideGrid');
    expect(Date.parse(handlingDue(noise.view)) - Date.parse(noise.dispatchedAt)).toBe(7 * HOUR);
    // The case decided before keeps its deadline.
    const again = (await call('GET', `/v1/incidents/${before.incidentId}`, DISPATCHER)).json as { incident: CaseView };
    expect(handlingDue(again.incident)).toBe(handlingDue(before.view));
  });

  it("shows the leader a map of the area, and proposes the phone's grid from its position", async () => {
    const { page, errors } = await ui.signIn(testToken(LEADER), '/leader', DESKTOP);
    const map = page.getByTestId('area-map');
    // 新会区's eleven towns, drawn from their boundaries; the open cases as points.
    await expect.poll(() => map.locator('g[data-area]').count(), { timeout: 20_000 }).toBe(11);
    await expect.poll(() => map.locator('circle.case-point').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await page.getByTestId('map-figure').selectOption('overdue');
    await map.scrollIntoViewIfNeeded();
    await screenshot(page, 'leader-map');
    expect(errors).toEqual([]);

    const phone = await ui.newContext({
      ...PHONE,
      geolocation: { latitude: INSIDE.lat, longitude: INSIDE.lng },
      permissions: ['geolocation'],
    });
    const staff = await phone.newPage();
    await staff.goto(ui.stack().consoleUrl);
    await staff.locator('textarea[name=token]').fill(testToken(STAFF));
    await staff.getByRole('button', { name: '登录' }).click();
    await staff.waitForURL(`${ui.stack().consoleUrl}/report`);
    expect(await staff.locator('select[name=grid]').inputValue()).toBe(OLD_GRID);
    // Nothing else there: before the import no grid held this position.
    await staff.getByRole('button', { name: '使用我的位置' }).click();
    await expect.poll(() => staff.locator('select[name=grid]').inputValue(), { timeout: 20_000 }).toBe(NEW_GRID);
    expect(await staff.locator('input[name=lat]').inputValue()).toBe(INSIDE.lat.toFixed(6));
    await screenshot(staff, 'report-my-position');
  });
});
