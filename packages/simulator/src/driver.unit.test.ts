import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Actor } from '@gridgov/contracts';
import { defaultDecisionContext } from '@gridgov/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { driveTraffic } from './driver.ts';
import { planTraffic, type PlannedCase } from './traffic.ts';

interface Received {
  readonly method: string;
  readonly path: string;
  readonly token: string;
}

/**
 * A stand-in for the intake: holds its answers to reports until it has `holdReports` of them, answers
 * commands at once, and refuses the commands on the `refused` incident.
 */
async function fakeIntake(options: { holdReports?: number; refused?: string } = {}) {
  const received: Received[] = [];
  let n = 0;
  const held: (() => void)[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const path = req.url ?? '';
    received.push({ method: req.method ?? '', path, token: req.headers.authorization ?? '' });
    req.resume();
    req.on('end', () => {
      const answer = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'GET') {
        const commandId = /^\/v1\/commands\/([^?]+)/.exec(path)?.[1] ?? '';
        const refused = options.refused !== undefined && commandId.endsWith(`-on-${options.refused}`);
        return answer(200, refused ? { status: 'rejected', code: 'INVALID_TRANSITION' } : { status: 'accepted' });
      }
      const i = n++;
      if (path === '/v1/incidents') {
        held.push(() => answer(202, { incidentId: `incident-${i}`, commandId: `report-${i}` }));
        if (held.length >= (options.holdReports ?? 1)) held.splice(0).forEach((release) => release());
      } else {
        answer(202, { incidentId: path.split('/')[3], commandId: `command-${i}-on-${path.split('/')[3]}` });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const staff: Actor = { id: 'gs-440705001001001', role: 'grid_staff', areas: ['440705001001001'] };
const handler: Actor = { id: 'sanitation-1', role: 'handler', department: 'sanitation', areas: ['440705'] };
const tokenFor = (actor: Actor) => `token-of-${actor.id}`;

/** A case of four steps, a second apart in plan: report, sign for, resolve, verify. */
function caseOf(index: number, atMs: number): PlannedCase {
  return {
    index,
    gridCode: '440705001001001',
    category: 'exposed_rubbish',
    urgency: 'normal',
    reportedBeforeMs: 3 * 3_600_000,
    occurredBeforeMs: 60_000,
    steps: [
      {
        atMs,
        actor: staff,
        command: {
          type: 'ReportIncident',
          data: {
            reportId: `sim-test-${index}`,
            gridCode: '440705001001001',
            category: 'exposed_rubbish',
            urgency: 'normal',
            description: '测试',
            location: { lat: 22.5, lng: 113 },
            occurredAt: '2026-03-02T01:00:00.000Z',
          },
        },
      },
      { atMs: atMs + 20, actor: handler, command: { type: 'AcceptIncident', data: {} } },
      { atMs: atMs + 40, actor: handler, command: { type: 'ResolveIncident', data: { notes: '已处置', photos: [] } } },
      { atMs: atMs + 60, actor: staff, command: { type: 'VerifyIncident', data: { passed: false, notes: '返工' } } },
    ],
  };
}

describe('driveTraffic', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  it('sends reports on schedule, whatever is still unanswered, and times them from when they were due', async () => {
    // No report is answered before all 40 are in: a driver waiting for answers would never finish.
    const intake = await fakeIntake({ holdReports: 40 });
    close = intake.close;
    const cases = planTraffic({
      seed: 3,
      ctx: defaultDecisionContext(),
      rate: 200,
      durationMs: 200,
      arrivals: 'uniform',
      timeScale: 600,
      lifecycle: false,
      runId: 't',
    });
    const result = await driveTraffic({ intakeUrl: intake.url, cases, untilMs: 200, tokenFor });
    expect(result.reports.sent).toBe(40);
    expect(result.reports.accepted).toBe(40);
    expect(intake.received).toHaveLength(40);
    // The first report, due at 0, was answered once the last one (due at 195 ms) was in: its wait counts.
    expect(result.reports.latencyMs.at(-1)).toBeGreaterThanOrEqual(190);
    expect(intake.received.every((r) => r.token.startsWith('Bearer token-of-gs-'))).toBe(true);
  });

  it('follows a case in order, each step once the one before it is decided, as its own actor; a refused step stops the case', async () => {
    const intake = await fakeIntake({ refused: 'incident-1' });
    close = intake.close;
    const reported: string[] = [];
    const result = await driveTraffic({
      intakeUrl: intake.url,
      cases: [caseOf(0, 0), caseOf(1, 5)],
      untilMs: 1_000,
      tokenFor,
      onReport: (_planned, incidentId) => reported.push(incidentId),
    });
    expect(reported.sort()).toEqual(['incident-0', 'incident-1']);
    const of = (incident: string) => intake.received.filter((r) => r.path.includes(incident) || r.method === 'GET');
    const trail = (incident: string) =>
      of(incident)
        .filter((r) => r.method === 'POST')
        .map((r) => `${r.path.split('/').pop()} ${r.token.replace('Bearer token-of-', '')}`);
    expect(trail('incident-0')).toEqual(['accept sanitation-1', 'resolve sanitation-1', 'verify gs-440705001001001']);
    // Each follow-up asked after the outcome of the command before it, as whoever gave that command.
    const gets = intake.received.filter((r) => r.method === 'GET').map((r) => `${r.path.split('?')[0]} ${r.token}`);
    expect(gets).toContain('/v1/commands/report-0 Bearer token-of-gs-440705001001001');
    // Case 1's sign-for is refused: nothing more is sent for it.
    expect(result.followUps.refused).toEqual({ INVALID_TRANSITION: 1 });
    expect(result.followUps.sent).toBe(4);
    expect(result.followUps.byCommand).toEqual({ AcceptIncident: 2, ResolveIncident: 1, VerifyIncident: 1 });
  });

  it('tallies a report nobody answered by its error, and goes on with the next', async () => {
    // A port that was just free: the connection is refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const result = await driveTraffic({
      intakeUrl: `http://127.0.0.1:${port}`,
      cases: [caseOf(0, 0), caseOf(1, 5)],
      untilMs: 1_000,
      tokenFor,
    });
    expect(result.reports.sent).toBe(2);
    expect(result.reports.accepted).toBe(0);
    expect(result.reports.failed).toEqual({ 'no answer ECONNREFUSED': 2 });
    expect(result.followUps.sent).toBe(0);
  });
});
