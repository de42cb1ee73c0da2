import { randomUUID } from 'node:crypto';
import type { CommandEnvelope, CommandOutcome, GridEvent } from '@gridgov/contracts';
import { produceRaw, type DeadLetter } from '@gridgov/kafka';
import {
  bearer,
  createTestInfra,
  eventually,
  readTopic,
  signedForTest,
  startService,
  type RunningService,
  type TestInfra,
  loadXinhuiAreas,
  XINHUI_AREAS_FILE,
} from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distinctPlace } from './support/client.ts';

/**
 * Issue 20, findings 1–3 (ADR 0019), as someone who can reach the broker would try them: raw produces with a plain
 * Kafka client to grid.commands and grid.events of a running stack (the services as processes). Each attempt is set
 * aside or refused with its reason, and changes nothing else: no case, no event, no figure.
 */
describe('commands bound to their partition and replay-proof, events authenticated', () => {
  const areas = loadXinhuiAreas();
  const huicheng = areas.children('440705001')[0]!;
  const gridA = areas.children(huicheng.code)[0]!.code;
  const gridB = areas.children(huicheng.code)[1]!.code;
  /** Commands may take this long from signing to the topic: small here, so a replay "later" is seconds later. */
  const MAX_AGE_MS = 5_000;

  const STAFF = bearer({ sub: 'staff-integrity', role: 'grid_staff', areas: [gridA, gridB] });
  const HANDLER = bearer({ sub: 'h-sanitation-integrity', role: 'handler', department: 'sanitation', areas: ['440705'] });
  const DISPATCHER = bearer({ sub: 'dispatcher-integrity', role: 'dispatcher', areas: ['440705'] });
  const LEADER = bearer({ sub: 'leader-integrity', role: 'leader', areas: ['440700'] });

  let infra: TestInfra;
  let services: RunningService[] = [];
  let intake: string;
  let projection: string;

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 3, events: 3 } });
    const env = { ...infra.env(), AREAS_FILE: XINHUI_AREAS_FILE };
    services = await Promise.all([
      startService('intake-api', env),
      startService('dispatch-worker', { ...env, COMMAND_MAX_AGE_MS: String(MAX_AGE_MS) }),
      startService('projection', env),
    ]);
    intake = services[0]!.url!;
    projection = services[2]!.url!;
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await infra?.cleanup();
  });

  type Headers = Record<string, string>;
  const post = async (path: string, body: unknown, headers: Headers): Promise<{ commandId: string; incidentId: string }> => {
    const res = await fetch(`${intake}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID(), ...headers },
      body: JSON.stringify(body),
    });
    expect(res.status, `${path}: ${await res.clone().text()}`).toBe(202);
    return (await res.json()) as { commandId: string; incidentId: string };
  };
  const outcome = async (commandId: string, headers: Headers): Promise<CommandOutcome> => {
    const res = await fetch(`${intake}/v1/commands/${commandId}?waitMs=10000`, { headers });
    expect(res.status, `outcome of ${commandId}`).toBe(200);
    return (await res.json()) as CommandOutcome;
  };
  const accepted = async (commandId: string, headers: Headers) =>
    expect(await outcome(commandId, headers)).toMatchObject({ status: 'accepted' });
  const view = async (incidentId: string): Promise<{ version: number; status: string }> => {
    const res = await fetch(`${intake}/v1/incidents/${incidentId}`, { headers: DISPATCHER });
    expect(res.status).toBe(200);
    const { version, status } = ((await res.json()) as { incident: { version: number; status: string } }).incident;
    return { version, status };
  };
  const report = (gridCode: string) =>
    post(
      '/v1/incidents',
      {
        reportId: randomUUID(),
        gridCode,
        category: 'exposed_rubbish',
        urgency: 'normal',
        description: '路边堆放生活垃圾',
        location: { ...distinctPlace(), address: '会城同德路' },
        occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
      },
      STAFF,
    );
  /** Reported (routed to sanitation), signed for and resolved: version 4, waiting for the reporter's check. */
  const resolvedCase = async (gridCode: string) => {
    const { commandId, incidentId } = await report(gridCode);
    await accepted(commandId, STAFF);
    await accepted((await post(`/v1/incidents/${incidentId}/accept`, {}, HANDLER)).commandId, HANDLER);
    await accepted((await post(`/v1/incidents/${incidentId}/resolve`, { notes: '已清理' }, HANDLER)).commandId, HANDLER);
    return { incidentId, reportCommandId: commandId };
  };
  const eventsOf = async (incidentId: string) =>
    (await readTopic(infra.kafka, infra.topics.events)).filter((r) => r.key === incidentId).map((r) => JSON.parse(r.value!) as GridEvent);
  const outcomesOf = async (commandId: string) =>
    (await readTopic(infra.kafka, infra.topics.outcomes))
      .map((r) => JSON.parse(r.value!) as CommandOutcome)
      .filter((o) => o.commandId === commandId);
  const commandRecord = async (incidentId: string, type: string) =>
    (await readTopic(infra.kafka, infra.topics.commands)).find(
      (r) => r.key === incidentId && (JSON.parse(r.value!) as CommandEnvelope).command.type === type,
    )!;
  /** Dead letters about one incident (the DLQ key is the origin; the letter keeps the record's key). */
  const lettersOf = async (incidentId: string, count: number) =>
    eventually(
      async () =>
        (await readTopic(infra.kafka, infra.topics.dlq)).map((r) => JSON.parse(r.value!) as DeadLetter).filter((l) => l.key === incidentId),
      (letters) => letters.length >= count,
    );
  const figures = async (area: string) => {
    const res = await fetch(`${projection}/v1/figures?area=${area}&window=all`, { headers: LEADER });
    expect(res.status).toBe(200);
    const { reported, closed, closedOnTime } = (
      (await res.json()) as { figures: { reported: number; closed: number; closedOnTime: number } }
    ).figures;
    return { reported, closed, closedOnTime };
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('(1) sets aside the exact signed bytes of a closed case’s report produced to another partition: the case stays closed', async () => {
    const { incidentId, reportCommandId } = await resolvedCase(gridA);
    await accepted((await post(`/v1/incidents/${incidentId}/verify`, { passed: true }, STAFF)).commandId, STAFF);
    const closed = await eventually(
      () => view(incidentId),
      (v) => v.status === 'closed',
    );
    const events = await eventsOf(incidentId);
    expect(events.at(-1)?.type).toBe('IncidentClosed');

    const original = await commandRecord(incidentId, 'ReportIncident');
    const elsewhere = (original.partition + 1) % 3;
    await produceRaw(infra.kafka, infra.topics.commands, [{ key: incidentId, value: original.value, partition: elsewhere }]);

    const [letter] = await lettersOf(incidentId, 1);
    expect(letter).toMatchObject({
      consumer: 'dispatch-worker',
      topic: infra.topics.commands,
      partition: elsewhere,
      value: original.value,
    });
    expect(letter!.reason).toBe(
      `the command stands on partition ${elsewhere} of ${infra.topics.commands}, but its key maps to partition ${original.partition}: a copy produced to another partition is not decided`,
    );
    // The worker wrote the letter with whatever else that batch decided: nothing.
    expect(await view(incidentId)).toEqual(closed);
    expect(await eventsOf(incidentId)).toEqual(events);
    expect(await outcomesOf(reportCommandId)).toHaveLength(1);
  });

  it('(2) refuses a captured signed command produced again after the window, with an outcome that says so; nothing decided', async () => {
    const { commandId: reported, incidentId } = await report(gridA);
    await accepted(reported, STAFF);
    const escalate = await post(`/v1/incidents/${incidentId}/escalate`, { reason: '督办' }, DISPATCHER);
    await accepted(escalate.commandId, DISPATCHER);
    const captured = await commandRecord(incidentId, 'EscalateIncident');
    // And one that never arrived: signed as the intake signs, held back on its way.
    const held = signedForTest(
      {
        commandId: randomUUID(),
        incidentId,
        issuedAt: new Date().toISOString(),
        actor: { id: 'dispatcher-integrity', role: 'dispatcher', areas: ['440705'] },
        command: { type: 'EscalateIncident', data: { reason: '督办' } },
      },
      infra.topics.commands,
    );
    const before = { view: await view(incidentId), events: await eventsOf(incidentId) };
    expect(before.events.filter((e) => e.type === 'IncidentEscalated')).toHaveLength(1);

    await sleep(MAX_AGE_MS + 1_000);
    await produceRaw(infra.kafka, infra.topics.commands, [
      { key: incidentId, value: captured.value },
      { key: incidentId, value: JSON.stringify(held) },
    ]);

    const refused = await outcome(held.commandId, DISPATCHER);
    expect(refused).toMatchObject({ status: 'rejected', code: 'COMMAND_EXPIRED', incidentId });
    expect(refused.status === 'rejected' && refused.message).toMatch(
      /^the command was signed at .* and reached the commands topic at .*: more than the 5 s a command may take/,
    );
    // The replay of the decided one is set aside; its first outcome stands.
    const [letter] = await lettersOf(incidentId, 1);
    expect(letter!.reason).toMatch(new RegExp(`^a replay of command ${escalate.commandId}, decided already: the command was signed at`));
    expect(await outcome(escalate.commandId, DISPATCHER)).toMatchObject({ status: 'accepted', events: [{ type: 'IncidentEscalated' }] });
    expect(await outcomesOf(escalate.commandId)).toHaveLength(1);
    expect(await eventsOf(incidentId)).toEqual(before.events);
    expect(await view(incidentId)).toEqual(before.view);
  });

  it('(3) sets aside a hand-written report and a forged next version on grid.events: figures unchanged, the genuine next version counts', async () => {
    const { incidentId } = await resolvedCase(gridB);
    await eventually(
      () => view(incidentId),
      (v) => v.version === 4,
    );
    const counted = await eventually(
      () => figures(gridB),
      (f) => f.reported === 1,
    );
    expect(counted).toEqual({ reported: 1, closed: 0, closedOnTime: 0 });
    const [genuineReport] = await eventsOf(incidentId);

    // One case that never was, in the same grid, and the genuine case's version 5 closing it on time.
    const fakeId = randomUUID();
    const fake = { ...genuineReport!, metadata: { ...genuineReport!.metadata, incidentId: fakeId, eventId: `${fakeId}:1` } };
    const forgedClose = {
      type: 'IncidentClosed',
      data: { onTime: true, handlingMs: 3_600_000 },
      metadata: { ...genuineReport!.metadata, eventId: `${incidentId}:5`, version: 5, occurredAt: new Date().toISOString() },
    };
    await produceRaw(infra.kafka, infra.topics.events, [
      { key: fakeId, value: JSON.stringify(fake) },
      { key: incidentId, value: JSON.stringify(forgedClose) },
    ]);
    const [fakeLetter] = await lettersOf(fakeId, 1);
    const [forgedLetter] = await lettersOf(incidentId, 1);
    for (const letter of [fakeLetter!, forgedLetter!]) {
      expect(letter).toMatchObject({
        consumer: 'projection',
        topic: infra.topics.events,
        reason: 'the event is not signed (no gridgov-signature header)',
      });
    }
    expect(await figures(gridB)).toEqual(counted);
    expect(await view(incidentId)).toMatchObject({ version: 4 });

    // The reporter's check closes the case: the genuine version 5 counts.
    await accepted((await post(`/v1/incidents/${incidentId}/verify`, { passed: true }, STAFF)).commandId, STAFF);
    expect(
      await eventually(
        () => figures(gridB),
        (f) => f.closed === 1,
      ),
    ).toMatchObject({ reported: 1, closed: 1 });
    expect(await view(incidentId)).toMatchObject({ version: 5, status: 'closed' });
  });
});
