import { randomUUID } from 'node:crypto';
import type { CommandEnvelope } from '@gridgov/contracts';
import { bearer, createTestInfra, readTopic, type TestInfra } from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTORS, GRID, intakeHarness, seedCase, type IntakeHarness } from './test-harness.ts';

/**
 * Issue 15, "Input hygiene", and issue 20, finding 10, on the real broker and Redis: each refusal is a 4xx whose
 * message names the field, and writes nothing: no record on grid.commands (read raw at the end), no key in Redis
 * but the rate-limit counters.
 */
const staff = bearer({ sub: ACTORS.staff.id, ...ACTORS.staff });
const dispatcher = bearer({ sub: ACTORS.dispatcher.id, ...ACTORS.dispatcher });
const handler = bearer({ sub: ACTORS.handler.id, ...ACTORS.handler });
const json = { 'content-type': 'application/json' };

const report = (over: Record<string, unknown> = {}) => ({
  reportId: `r-${randomUUID()}`,
  gridCode: GRID,
  category: 'exposed_rubbish',
  urgency: 'normal',
  description: '路边堆放生活垃圾',
  location: { lat: 22.52, lng: 113.03, address: '同德路' },
  occurredAt: new Date(Date.now() - 60_000).toISOString(),
  ...over,
});

interface ErrorBody {
  error: { code: string; message: string };
}

/** Every character free text may not hold: C0 but tab and newline, DEL, C1, the bidi embeddings, overrides and isolates. */
const FORBIDDEN = [
  ...Array.from({ length: 0x20 }, (_, c) => c).filter((c) => c !== 0x09 && c !== 0x0a),
  ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i),
  0x202a,
  0x202b,
  0x202c,
  0x202d,
  0x202e,
  0x2066,
  0x2067,
  0x2068,
  0x2069,
];
const hex = (c: number) => `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;

describe('intake-api: input hygiene (real Kafka and Redis)', () => {
  let infra: TestInfra;
  let intake: IntakeHarness;
  let incidentId: string;
  /** The command ids the intake accepted in this test: grid.commands must hold these and nothing else. */
  const accepted = new Set<string>();

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 1, events: 1 } });
    intake = await intakeHarness(infra);
    ({ incidentId } = await seedCase(infra));
  });

  afterAll(async () => {
    await intake?.close();
    await infra?.cleanup();
  });

  const post = (url: string, headers: Record<string, string>, payload: string) =>
    intake.app.inject({ method: 'POST', url, headers: { ...json, ...headers }, payload });

  /** Redis keys of this test, less the rate-limit counters every request touches. */
  const storedKeys = async () =>
    (await infra.redis.keys(`${infra.keyPrefix}:*`)).filter((k) => !k.startsWith(`${infra.keyPrefix}:ratelimit:`)).sort();

  /** Sends a request that must be refused; returns the answer after checking that nothing was produced or stored. */
  async function refused(url: string, headers: Record<string, string>, payload: string) {
    const sent = intake.sent();
    const keys = await storedKeys();
    const res = await post(url, headers, payload);
    expect(intake.sent(), `${url} ${payload.slice(0, 80)}`).toBe(sent);
    expect(await storedKeys()).toEqual(keys);
    return { status: res.statusCode, ...res.json<ErrorBody>().error };
  }

  async function acceptedReport(body: object) {
    const res = await post('/v1/incidents', staff, JSON.stringify(body));
    expect(res.statusCode, res.body).toBe(202);
    const answer = res.json<{ commandId: string; incidentId: string }>();
    accepted.add(answer.commandId);
    return answer;
  }

  it.each(FORBIDDEN.map((c) => [hex(c), c] as const))('refuses %s in a description, an address, a reason and notes', async (name, code) => {
    const bad = `路边${String.fromCodePoint(code)}垃圾`;
    const cases = [
      ['/v1/incidents', staff, report({ description: bad }), 'body.description'],
      ['/v1/incidents', staff, report({ location: { lat: 22.52, lng: 113.03, address: bad } }), 'body.location.address'],
      [`/v1/incidents/${incidentId}/escalate`, dispatcher, { reason: bad }, 'body.reason'],
      [`/v1/incidents/${incidentId}/resolve`, handler, { notes: bad }, 'body.notes'],
    ] as const;
    for (const [url, headers, body, field] of cases) {
      const answer = await refused(url, headers, JSON.stringify(body));
      expect(answer).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
      expect(answer.message).toBe(
        `${field}: holds the control character ${name}: free text may not hold control characters (but tab and newline) or bidi overrides`,
      );
    }
  });

  it('takes tab and newline in free text', async () => {
    await acceptedReport(report({ description: '路边\t堆放\n生活垃圾' }));
  });

  it.each([
    [
      'occurredAt',
      { occurredAt: '2099-01-01T00:00:00+08:00' },
      /^body\.occurredAt: 2099-01-01T00:00:00\+08:00 is in the future \(more than 300 s after the intake's clock/,
    ],
    ['reportedAt', { reportedAt: new Date(Date.now() + 3_600_000).toISOString() }, /^body\.reportedAt: .* is in the future/],
    [
      'occurredAt',
      { occurredAt: '2019-12-31T23:59:59+08:00' },
      /^body\.occurredAt: 2019-12-31T23:59:59\+08:00 is before 2019-12-31T16:00:00.000Z, the earliest time/,
    ],
    ['reportedAt', { reportedAt: '1970-01-01T00:00:00Z' }, /^body\.reportedAt: 1970-01-01T00:00:00Z is before/],
  ])('refuses a report whose %s is in the future or before the floor: %j', async (_field, over, message) => {
    const answer = await refused('/v1/incidents', staff, JSON.stringify(report(over)));
    expect(answer).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', message: expect.stringMatching(message) as string });
  });

  it("takes a report a phone's fast clock puts a minute ahead, and one made days before it arrived", async () => {
    await acceptedReport(report({ occurredAt: new Date(Date.now() + 60_000).toISOString() }));
    await acceptedReport(report({ occurredAt: new Date(Date.now() - 5 * 86_400_000).toISOString(), reportedAt: new Date().toISOString() }));
  });

  it.each([
    ['text/plain', '/v1/incidents', staff],
    ['text/plain; charset=utf-8', '/v1/incidents', staff],
    ['application/x-www-form-urlencoded', '/v1/incidents', staff],
    ['text/plain', 'escalate', dispatcher],
  ] as const)('answers a %s body 415 UNSUPPORTED_MEDIA_TYPE (%s)', async (type, path, headers) => {
    const url = path.startsWith('/') ? path : `/v1/incidents/${incidentId}/${path}`;
    const payload = path.startsWith('/') ? JSON.stringify(report()) : JSON.stringify({ reason: '督办' });
    const answer = await refused(url, { ...headers, 'content-type': type }, payload);
    expect(answer).toEqual({
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: 'headers.content-type: send the body as application/json',
      requestId: expect.any(String) as string,
    });
  });

  it.each(['r 0001 with spaces', 'r-0001\u202egnp.exe', 'r-0001\u0000x', 'r/../../0001', '-r-000001', 'r-0001😀😀', '\u0301r-000001'])(
    'refuses a reportId outside the safe alphabet: %j',
    async (reportId) => {
      const answer = await refused('/v1/incidents', staff, JSON.stringify(report({ reportId })));
      expect(answer).toMatchObject({
        status: 400,
        code: 'VALIDATION_FAILED',
        message: 'body.reportId: a report id is letters, digits and . _ : - (no spaces, symbols or control characters)',
      });
    },
  );

  it('takes the same reportId in NFC and in NFD as one report: one incident, one command (issue 20, finding 10)', async () => {
    const nfc = `café-${randomUUID().slice(0, 8)}`.normalize('NFC');
    const nfd = nfc.normalize('NFD');
    expect(nfd).not.toBe(nfc);
    const body = report({ reportId: nfc });
    const first = await acceptedReport(body);
    const second = await acceptedReport({ ...body, reportId: nfd });
    expect(second).toEqual(first);
    const produced = intake.records.filter((r) => (JSON.parse(r.value) as CommandEnvelope).commandId === first.commandId);
    expect(produced.map((r) => (JSON.parse(r.value) as { command: { data: { reportId: string } } }).command.data.reportId)).toEqual([
      nfc,
      nfc,
    ]);
    // Letters of other scripts are letters: a report id typed in Chinese is taken.
    await acceptedReport(report({ reportId: `会城-${randomUUID().slice(0, 8)}` }));
  });

  it('put on grid.commands only what it accepted', async () => {
    const records = await readTopic(infra.kafka, infra.topics.commands);
    const commandIds = new Set(records.map((r) => (JSON.parse(r.value!) as CommandEnvelope).commandId));
    expect(commandIds).toEqual(accepted);
    expect(accepted.size).toBeGreaterThan(0);
  });
});
