import { GridEvent } from '@gridgov/contracts';
import { createKafka } from '@gridgov/kafka';
import {
  bearer,
  eventually,
  readTopic,
  sharedInfra,
  startOwnKafka,
  startService,
  testLogger,
  type OwnKafka,
  type RunningService,
  loadXinhuiAreas,
} from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, post, reportBody, serviceEnv, sleep, type Answer } from './support/client.ts';

/**
 * Invariant 2 through a broker crash: the broker (a broker of this test's own) is SIGKILLed in the middle of
 * traffic and started again on its data. While it is away the intake answers 503 KAFKA_UNAVAILABLE with
 * Retry-After (each request gets its answer) and every /readyz fails; afterwards every report that got a 202 is on
 * grid.events exactly once and counted exactly once, and so is every refused report that its client sent again.
 */
describe('the broker SIGKILLed and restarted during traffic', () => {
  const areas = loadXinhuiAreas();
  const grids = areas
    .ofLevel('grid')
    .slice(0, 20)
    .map((g) => g.code);
  const STAFF = bearer({ sub: 'staff-broker-kill', role: 'grid_staff', areas: grids });
  const LEADER = bearer({ sub: 'leader-jiangmen', role: 'leader', areas: ['440700'] });

  let broker: OwnKafka;
  const services: RunningService[] = [];
  let intake: string;
  let projection: string;
  let worker: string;

  beforeAll(async () => {
    broker = await startOwnKafka();
    const env = {
      ...serviceEnv(broker.brokers, sharedInfra().redisUrl),
      WORKER_SESSION_TIMEOUT_MS: '6000',
      PROJECTION_SESSION_TIMEOUT_MS: '6000',
    };
    services.push(
      ...(await Promise.all([startService('intake-api', env), startService('dispatch-worker', env), startService('projection', env)])),
    );
    [intake, worker, projection] = services.map((s) => s.url!) as [string, string, string];
  }, 240_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await broker?.remove();
  });

  /** Every report sent, by report id: the grid it is for, and each answer it got, in order. */
  const sent = new Map<string, { grid: string; answers: Answer[] }>();
  let next = 0;
  const send = async (reportId = `broker-kill-${next++}`) => {
    const entry = sent.get(reportId) ?? { grid: grids[sent.size % grids.length]!, answers: [] };
    sent.set(reportId, entry);
    const answer = await post(`${intake}/v1/incidents`, STAFF, reportBody(reportId, entry.grid));
    entry.answers.push(answer);
    return answer;
  };
  const lastAnswers = () => [...sent.values()].map((e) => e.answers[e.answers.length - 1]!);
  const readiness = async () => Promise.all([intake, worker, projection].map((url) => call(`${url}/readyz`).then((a) => a.status)));

  it('loses no accepted report, counts none twice, and answers 503 KAFKA_UNAVAILABLE while the broker is away', async () => {
    // Traffic before the crash: every report accepted.
    for (let i = 0; i < 20; i++) expect((await send()).status).toBe(202);
    expect(await readiness()).toEqual([200, 200, 200]);

    // Two clients keep sending while the broker is killed under them.
    let stop = false;
    const clients = [0, 1].map(async () => {
      while (!stop) {
        await send();
        await sleep(20);
      }
    });
    await eventually(
      () => Promise.resolve(lastAnswers().filter((a) => a.status === 202).length),
      (n) => n >= 40,
    );
    await broker.kill();

    // While it is away: refused with 503 KAFKA_UNAVAILABLE and Retry-After, and no service says it is ready.
    const refused = () => lastAnswers().filter((a) => a.status === 503);
    await eventually(
      () => Promise.resolve(refused().length),
      (n) => n >= 6,
      60_000,
    );
    expect(await eventually(readiness, (s) => s.every((status) => status === 503))).toEqual([503, 503, 503]);
    stop = true;
    await Promise.all(clients);
    for (const answer of refused()) {
      expect(answer.body.error?.code).toBe('KAFKA_UNAVAILABLE');
      expect(answer.retryAfter).toBe('2');
      expect(answer.body.error?.message).toMatch(/^Kafka is unavailable: .*send it again with the same reportId/);
    }
    // Nothing but accepted or refused: no 500, no hang (a request without an answer would have failed the test).
    expect(lastAnswers().filter((a) => a.status !== 202 && a.status !== 503)).toEqual([]);

    // The broker is back on its data: every service ready again.
    await broker.restart();
    expect(await eventually(readiness, (s) => s.every((status) => status === 200), 120_000)).toEqual([200, 200, 200]);

    // Clients send their refused reports again, with the same report ids, until they are accepted.
    for (const [reportId, entry] of sent) {
      while (entry.answers[entry.answers.length - 1]!.status !== 202) {
        const answer = await send(reportId);
        if (answer.status === 503) await sleep(Number(answer.retryAfter) * 1000);
        else expect(answer.status).toBe(202);
      }
    }
    const incidents = new Set([...sent.values()].map((e) => String(e.answers[e.answers.length - 1]!.body['incidentId'])));
    expect(incidents.size).toBe(sent.size);

    // Counted exactly once each.
    const district = async () => {
      const figures = await call(`${projection}/v1/figures?area=440705&window=all`, { headers: LEADER });
      return (figures.body['figures'] as { reported: number }).reported;
    };
    expect(await eventually(district, (n) => n >= incidents.size, 120_000)).toBe(incidents.size);

    // On grid.events, read by a plain Kafka client: one IncidentReported for every incident, and no other. A relay that
    // lost the broker's acknowledgement sends its outbox again (at least once, ADR 0002): a second record of the same
    // event is allowed only as that re-send, byte for byte the same, and it is counted once (above and below).
    const kafka = createKafka({ brokers: [broker.brokers], clientId: 'broker-kill-check', sasl: broker.sasl, logger: testLogger() });
    const reported = new Map<string, Set<string>>();
    for (const record of await readTopic(kafka, 'grid.events')) {
      const event = GridEvent.parse(JSON.parse(record.value!));
      if (event.type !== 'IncidentReported') continue;
      const copies = reported.get(event.metadata.incidentId) ?? new Set<string>();
      reported.set(event.metadata.incidentId, copies.add(record.value!));
    }
    expect(new Set(reported.keys())).toEqual(incidents);
    expect([...reported.values()].filter((copies) => copies.size !== 1)).toEqual([]);
    // Still counted once after the events were all there.
    expect(await district()).toBe(incidents.size);
  }, 400_000);
});
