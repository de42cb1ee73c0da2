import { randomUUID } from 'node:crypto';
import type { CommandOutcome, GridEvent } from '@gridgov/contracts';
import {
  bearer,
  createTestInfra,
  readTopic,
  startService,
  type RunningService,
  type TestInfra,
  loadXinhuiAreas,
  XINHUI_AREAS_FILE,
} from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distinctPlace } from './support/client.ts';

/**
 * A client that retries sends the same command again: the same report id, the same Idempotency-Key. Every command
 * kind, retried while the first copy is in flight and after it was decided, has one effect: one command id, one
 * outcome (the first), one set of events. The services run as processes; grid.events and grid.outcomes are read
 * with a plain Kafka client.
 */
describe('commands are idempotent end to end', () => {
  const areas = loadXinhuiAreas();
  const town = areas.children('440705')[0]!;
  const grid = areas.children(areas.children(town.code)[0]!.code)[0]!.code;

  const STAFF = bearer({ sub: 'staff-retry', role: 'grid_staff', areas: [grid] });
  const DISPATCHER = bearer({ sub: 'dispatcher-retry', role: 'dispatcher', areas: ['440705'] });
  const SANITATION = bearer({ sub: 'h-sanitation-retry', role: 'handler', department: 'sanitation', areas: ['440705'] });
  const URBAN = bearer({ sub: 'h-urban-retry', role: 'handler', department: 'urban_mgmt', areas: ['440705'] });

  let infra: TestInfra;
  let services: RunningService[] = [];
  let intake: string;

  beforeAll(async () => {
    infra = await createTestInfra({ partitions: { commands: 2, events: 2 } });
    const env = { ...infra.env(), AREAS_FILE: XINHUI_AREAS_FILE };
    services = await Promise.all([startService('intake-api', env), startService('dispatch-worker', env), startService('projection', env)]);
    intake = services[0]!.url!;
  });

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await infra?.cleanup();
  });

  type Headers = Record<string, string>;
  const post = async (path: string, body: unknown, headers: Headers): Promise<{ commandId: string; incidentId: string }> => {
    const res = await fetch(`${intake}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
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

  const given: { commandId: string; headers: Headers; first: CommandOutcome }[] = [];
  /**
   * Sends a command twice with one Idempotency-Key: both copies at once (`together`) or the second after the first was
   * decided. Both answers name one command; its outcome is read and kept, to be read again at the end.
   */
  const twice = async (incidentId: string, action: string, body: unknown, headers: Headers, together: boolean) => {
    const key = { 'idempotency-key': `retry-${randomUUID()}` };
    const path = `/v1/incidents/${incidentId}/${action}`;
    let answers;
    if (together) {
      answers = await Promise.all([post(path, body, { ...headers, ...key }), post(path, body, { ...headers, ...key })]);
    } else {
      const first = await post(path, body, { ...headers, ...key });
      await outcome(first.commandId, headers);
      answers = [first, await post(path, body, { ...headers, ...key })];
    }
    expect(answers[1]!.commandId).toBe(answers[0]!.commandId);
    const first = await outcome(answers[0]!.commandId, headers);
    given.push({ commandId: answers[0]!.commandId, headers, first });
    return first;
  };
  const reportTwice = async (reportId: string) => {
    const body = {
      reportId,
      gridCode: grid,
      category: 'exposed_rubbish',
      urgency: 'normal',
      description: '路边堆放生活垃圾',
      location: distinctPlace(reportId),
      occurredAt: new Date(Date.now() - 600_000).toISOString(),
    };
    const [a, b] = await Promise.all([post('/v1/incidents', body, STAFF), post('/v1/incidents', body, STAFF)]);
    expect(b).toEqual(a);
    const first = await outcome(a.commandId, STAFF);
    given.push({ commandId: a.commandId, headers: STAFF, first });
    expect(first).toMatchObject({ status: 'accepted' });
    return a.incidentId;
  };
  const accepted = (type: string): unknown =>
    expect.objectContaining({ status: 'accepted', events: [expect.objectContaining({ type }) as unknown] });

  it('gives every command kind one effect, retried in flight or after its decision', async () => {
    // Case 1: 签收, 延期申请 and approval, 反馈, 核查 failed (返工), 反馈 again, 核查 passed (结案).
    const one = await reportTwice(`retry-${randomUUID()}`);
    expect(await twice(one, 'accept', {}, SANITATION, true)).toEqual(accepted('IncidentAccepted'));
    const extension = { unit: 'working_hours', amount: 2, reason: '需协调车辆' };
    expect(await twice(one, 'extension-requests', extension, SANITATION, false)).toEqual(accepted('ExtensionRequested'));
    expect(await twice(one, 'extension-requests/approve', {}, DISPATCHER, true)).toEqual(accepted('ExtensionApproved'));
    expect(await twice(one, 'resolve', { notes: '已清运' }, SANITATION, false)).toEqual(accepted('IncidentResolved'));
    expect(await twice(one, 'verify', { passed: false, notes: '仍有垃圾' }, STAFF, true)).toEqual(accepted('IncidentReworkRequested'));
    expect(await twice(one, 'resolve', { notes: '已清运干净' }, SANITATION, true)).toEqual(accepted('IncidentResolved'));
    expect(await twice(one, 'verify', { passed: true }, STAFF, false)).toEqual(accepted('IncidentClosed'));

    // Case 2: 退回, 派遣, 改派, 延期 denied, 挂账 and back, 督办.
    const two = await reportTwice(`retry-${randomUUID()}`);
    expect(await twice(two, 'return', { reason: '非本单位职责' }, SANITATION, false)).toEqual(accepted('IncidentReturned'));
    expect(await twice(two, 'dispatch', { department: 'sanitation' }, DISPATCHER, true)).toEqual(accepted('IncidentDispatched'));
    expect(await twice(two, 'reassign', { department: 'urban_mgmt', reason: '属城管' }, DISPATCHER, false)).toEqual(
      accepted('IncidentReassigned'),
    );
    expect(await twice(two, 'extension-requests', extension, URBAN, true)).toEqual(accepted('ExtensionRequested'));
    expect(await twice(two, 'extension-requests/deny', { reason: '时限内可完成' }, DISPATCHER, false)).toEqual(accepted('ExtensionDenied'));
    expect(await twice(two, 'suspend', { reason: '等待业主' }, DISPATCHER, true)).toEqual(accepted('IncidentSuspended'));
    expect(await twice(two, 'resume', {}, DISPATCHER, false)).toEqual(accepted('IncidentResumed'));
    expect(await twice(two, 'escalate', { reason: '群众反映强烈' }, DISPATCHER, true)).toEqual(accepted('IncidentEscalated'));

    // Case 3: 不予立案 of a returned case.
    const three = await reportTwice(`retry-${randomUUID()}`);
    expect(await twice(three, 'return', { reason: '非本单位职责' }, SANITATION, true)).toEqual(accepted('IncidentReturned'));
    expect(await twice(three, 'reject', { reason: '不属网格事项' }, DISPATCHER, false)).toEqual(accepted('IncidentRejected'));

    // Each command once on grid.outcomes; each case's events exactly those of one decision per command.
    const outcomes = (await readTopic(infra.kafka, infra.topics.outcomes)).map((r) => JSON.parse(r.value!) as CommandOutcome);
    for (const { commandId } of given)
      expect(
        outcomes.filter((o) => o.commandId === commandId),
        commandId,
      ).toHaveLength(1);
    const events = (await readTopic(infra.kafka, infra.topics.events)).map((r) => JSON.parse(r.value!) as GridEvent);
    const typesOf = (id: string) => {
      const mine = events.filter((e) => e.metadata.incidentId === id).sort((a, b) => a.metadata.version - b.metadata.version);
      expect(new Set(mine.map((e) => e.metadata.version)).size, `versions of ${id}`).toBe(mine.length);
      return mine.map((e) => e.type);
    };
    expect(typesOf(one)).toEqual([
      'IncidentReported',
      'IncidentDispatched',
      'IncidentAccepted',
      'ExtensionRequested',
      'ExtensionApproved',
      'IncidentResolved',
      'IncidentReworkRequested',
      'IncidentResolved',
      'IncidentClosed',
    ]);
    expect(typesOf(two)).toEqual([
      'IncidentReported',
      'IncidentDispatched',
      'IncidentReturned',
      'IncidentDispatched',
      'IncidentReassigned',
      'ExtensionRequested',
      'ExtensionDenied',
      'IncidentSuspended',
      'IncidentResumed',
      'IncidentEscalated',
    ]);
    expect(typesOf(three)).toEqual(['IncidentReported', 'IncidentDispatched', 'IncidentReturned', 'IncidentRejected']);

    // A retry long after still reads the first outcome, though the command would be refused if decided now.
    for (const { commandId, headers, first } of given) expect(await outcome(commandId, headers)).toEqual(first);
  });

  it('takes the same key on two cases as two commands', async () => {
    const [a, b] = [await reportTwice(`retry-${randomUUID()}`), await reportTwice(`retry-${randomUUID()}`)];
    const key = { 'idempotency-key': `same-key-${randomUUID()}` };
    const onA = await post(`/v1/incidents/${a}/escalate`, { reason: '督办' }, { ...DISPATCHER, ...key });
    const onB = await post(`/v1/incidents/${b}/escalate`, { reason: '督办' }, { ...DISPATCHER, ...key });
    expect(onB.commandId).not.toBe(onA.commandId);
    expect(await outcome(onA.commandId, DISPATCHER)).toEqual(accepted('IncidentEscalated'));
    expect(await outcome(onB.commandId, DISPATCHER)).toEqual(accepted('IncidentEscalated'));
  });
});
