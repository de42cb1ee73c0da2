import { envelopeSignatureProblem } from '@gridgov/auth';
import { CommandEnvelope } from '@gridgov/contracts';
import { createTestInfra, TEST_COMMAND_SIGNING_KEY, type TestInfra } from '@gridgov/testing';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRID, insideGrid, intakeHarness, type IntakeHarness } from '../test-harness.ts';
import { Open311Clients, sha256Hex } from './clients.ts';

/**
 * The Open311 door of the intake on the real broker and Redis: what a request puts on grid.commands (a signed report
 * by the app's own actor, its contact details with it), and each app's own rate limit.
 */
describe('Open311 POST requests, on the real broker and Redis', () => {
  let infra: TestInfra;
  let intake: IntakeHarness;
  const clients = new Open311Clients([
    { id: 'busy-app', name: 'Busy', keySha256: sha256Hex('key-busy'), requestsPerMinute: 2 },
    { id: 'quiet-app', name: 'Quiet', keySha256: sha256Hex('key-quiet'), requestsPerMinute: 100 },
  ]);

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 1, events: 1 } });
    intake = await intakeHarness(infra, { open311: { clients } });
  });
  afterAll(async () => {
    await intake?.close();
    await infra?.cleanup();
  });

  const post = (apiKey: string, extra: Record<string, string> = {}) =>
    intake.app.inject({
      method: 'POST',
      url: '/open311/v2/requests.json',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        api_key: apiKey,
        service_code: 'exposed_rubbish',
        lat: '22.52',
        long: '113.03',
        address_id: GRID,
        ...extra,
      }).toString(),
    });

  it('puts a signed report by the app on grid.commands, the citizen contact with it, waiting for triage', async () => {
    const before = intake.sent();
    const res = await post('key-quiet', { email: 'a@example.org', phone: '13800000000', description: '垃圾' });
    expect(res.statusCode).toBe(201);
    const id = res.json<{ service_request_id: string }[]>()[0]!.service_request_id;
    expect(intake.sent()).toBe(before + 1);
    const record = intake.records.at(-1)!;
    expect(record.key).toBe(id);
    const json: unknown = JSON.parse(record.value);
    expect(envelopeSignatureProblem(json, [TEST_COMMAND_SIGNING_KEY], { topic: infra.topics.commands, key: id })).toBeUndefined();
    const envelope = CommandEnvelope.parse(json);
    expect(envelope).toMatchObject({
      incidentId: id,
      actor: { id: 'open311:quiet-app', role: 'system' },
      command: {
        type: 'ReportIncident',
        data: {
          gridCode: GRID,
          category: 'exposed_rubbish',
          urgency: 'normal',
          description: '垃圾',
          channel: { via: 'open311', client: 'quiet-app' },
          contact: { email: 'a@example.org', phone: '13800000000' },
        },
      },
    });
  });

  it('limits each app to its own rate: the busy app hears 429 with Retry-After, the quiet one goes on', async () => {
    expect((await post('key-busy')).statusCode).toBe(201);
    expect((await post('key-busy')).statusCode).toBe(201);
    const third = await post('key-busy');
    expect(third.statusCode).toBe(429);
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    const errors = third.json<{ code: number; description: string }[]>();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe(429);
    expect(errors[0]!.description).toMatch(/^rate limit: more than 2 requests a minute from busy-app/);
    expect((await post('key-quiet')).statusCode).toBe(201);
  });

  it("answers the specification's own example request as the spec says", async () => {
    // POST /dev/v2/requests.xml of GeoReport v2, verbatim (fixtures/README.md).
    const example = readFileSync(new URL('./fixtures/post-request.http', import.meta.url), 'utf8')
      .split('\n\n')[1]!
      .trim();
    const send = (body: string) =>
      intake.app.inject({
        method: 'POST',
        url: '/open311/v2/requests.xml',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        payload: body,
      });
    const before = intake.sent();
    // Its api_key (xyz) is no app's: 403, as the spec's own error example.
    const refused = await send(example);
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(refused.body).toBe(
      `<?xml version="1.0" encoding="utf-8"?>\n<errors>\n  <error>\n    <code>403</code>\n    <description>api_key: invalid -- can't proceed with create_request</description>\n  </error>\n</errors>\n`,
    );
    // With an app's key: its service 001 is not one of this jurisdiction's (404), nor are its attributes (400).
    const withKey = example.replace('api_key=xyz', 'api_key=key-quiet');
    expect((await send(withKey)).statusCode).toBe(404);
    const withService = withKey.replace('service_code=001', 'service_code=dirty_road');
    const attributes = await send(withService);
    expect(attributes.statusCode).toBe(400);
    expect(attributes.body).toContain('<description>attribute[WHISPAWN]: no such attribute (the one attribute is urgency)</description>');
    expect(intake.sent()).toBe(before);
    // Without them, the spec's position (San Francisco) lies in no grid of this jurisdiction: 400, nothing sent.
    const bare = withService.replace(/&attribute\[[A-Z]+\]=[A-Z0-9]+/g, '');
    const outside = await send(bare);
    expect(outside.statusCode).toBe(400);
    expect(outside.body).toContain('<description>lat and long: 37.76524078, -122.4212043 lies in no grid of this jurisdiction');
    expect(intake.sent()).toBe(before);
    // At a position inside a grid it is taken.
    const { lat, lng } = insideGrid(GRID);
    const taken = await send(bare.replace('lat=37.76524078&long=-122.4212043', `lat=${lat.toFixed(6)}&long=${lng.toFixed(6)}`));
    expect(taken.statusCode).toBe(201);
    expect(taken.body).toMatch(
      /^<\?xml version="1\.0" encoding="utf-8"\?>\n<service_requests>\n  <request>\n    <service_request_id>[0-9a-f-]{36}<\/service_request_id>/,
    );
    expect(taken.body).toContain('<account_id/>');
    expect(intake.sent()).toBe(before + 1);
  });

  it('sends nothing for a refused request', async () => {
    const before = intake.sent();
    expect((await post('key-quiet', { lat: '' })).statusCode).toBe(400);
    expect((await post('key-quiet', { 'attribute[colour]': 'red' })).statusCode).toBe(400);
    expect((await post('key-quiet', { address_id: '440799000000000' })).statusCode).toBe(400);
    expect((await post('wrong')).statusCode).toBe(403);
    // The key comes first: without one, a malformed field is not even looked at.
    const keyless = await post('', { email: 'not-an-address' });
    expect([keyless.statusCode, keyless.json()]).toEqual([
      403,
      [{ code: 403, description: "api_key: missing -- can't proceed with create_request" }],
    ]);
    const repeated = await intake.app.inject({
      method: 'POST',
      url: '/open311/v2/requests.xml',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'api_key=key-quiet&service_code=dirty_road&service_code=exposed_rubbish&lat=22.5&long=113',
    });
    expect(repeated.statusCode).toBe(400);
    expect(repeated.body).toContain('<description>body.service_code: given more than once</description>');
    expect(intake.sent()).toBe(before);
  });
});
