import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bearer, eventually, loadXinhuiAreas, testToken, type TestTokenClaims } from '@gridgov/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { DESKTOP, screenshot } from './support/browser.ts';
import { consoleInBrowser } from './support/console-in-browser.ts';

/**
 * A citizen's Open311 request in the dispatcher's console (ADR 0028): the case's detail names the citizen app and
 * how to reach the citizen, for the dispatcher who triages it. Needs the console built.
 */
describe('an Open311 request in the console', () => {
  const areas = loadXinhuiAreas();
  const grid = areas.children(areas.children('440705001')[0]!.code)[0]!.code;
  const DISPATCHER: TestTokenClaims = { sub: 'dispatcher-open311', role: 'dispatcher', areas: ['440705'] };
  const API_KEY = `o311-${randomBytes(16).toString('hex')}`;

  const dir = mkdtempSync(join(tmpdir(), 'open311-console-'));
  const clientsFile = join(dir, 'clients.json');
  const keySha256 = createHash('sha256').update(API_KEY).digest('hex');
  writeFileSync(clientsFile, JSON.stringify({ clients: [{ id: 'suishoupai', name: '随手拍', keySha256, requestsPerMinute: 60 }] }));
  const ui = consoleInBrowser({ infra: { partitions: { commands: 1, events: 1 } }, env: { OPEN311_CLIENTS_FILE: clientsFile } });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("shows the dispatcher the citizen's request and how to reach them", async () => {
    const res = await fetch(`${ui.stack().intakeUrl}/open311/v2/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        api_key: API_KEY,
        service_code: 'manhole_cover',
        lat: '22.52',
        long: '113.03',
        address_id: grid,
        address_string: '会城同德路口',
        description: '井盖缺失，有人差点踩空',
        first_name: '小红',
        last_name: '王',
        phone: '13700001111',
        email: 'wang.xh@example.org',
      }).toString(),
    });
    expect(res.status).toBe(201);
    const id = ((await res.json()) as { service_request_id: string }[])[0]!.service_request_id;
    await eventually(
      async () => (await fetch(`${ui.stack().intakeUrl}/v1/incidents/${id}`, { headers: bearer(DISPATCHER) })).status,
      (status) => status === 200,
    );

    const { page, errors } = await ui.signIn(testToken(DISPATCHER), '/dispatcher', DESKTOP);
    await page.goto(`${ui.stack().consoleUrl}/case?id=${id}`);
    const detail = page.getByTestId('case-detail');
    await expect.poll(() => detail.getByTestId('case-description').textContent(), { timeout: 20_000 }).toBe('井盖缺失，有人差点踩空');
    expect(await detail.getByTestId('case-citizen').textContent()).toBe('王小红 · 13700001111 · wang.xh@example.org (suishoupai)');
    expect(await detail.getByTestId('case-status').textContent()).toBe('已上报');
    await screenshot(page, 'case-detail-open311');
    expect(errors).toEqual([]);
  });
});
