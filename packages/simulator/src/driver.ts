import type { Actor } from '@gridgov/contracts';
import type { ProgressLine } from '@gridgov/runtime';
import { keptAliveClient } from './http-client.ts';
import { requestOf, type PlannedCase } from './traffic.ts';

export interface DriveOptions {
  /** The intake-api, e.g. http://127.0.0.1:3000. */
  readonly intakeUrl: string;
  /** The cases to send, in arrival order (`planTraffic`). */
  readonly cases: Iterable<PlannedCase>;
  /** No step due later than this (ms from the start) is sent; the run ends once the steps due before it are answered. */
  readonly untilMs: number;
  /** A bearer token for an actor (minted once per actor and kept). */
  readonly tokenFor: (actor: Actor) => string;
  /** Told of each accepted report: the incident the API named and when the report was due (performance.now() time). */
  readonly onReport?: (planned: PlannedCase, incidentId: string, dueAt: number) => void;
  /** How long to wait for a command to be decided before its follow-up gives up, ms (default 30 s). */
  readonly outcomeWaitMs?: number;
  /** Drawn with the reports sent so far. */
  readonly progress?: ProgressLine;
}

export interface RequestTally {
  sent: number;
  /** Answered 202. */
  accepted: number;
  /** Answers other than 202, and requests that got no answer, by status and error code. */
  readonly failed: Record<string, number>;
  /** From when each request was due to its answer, ms, ascending once the run is over. */
  readonly latencyMs: number[];
}

export interface DriveResult {
  seconds: number;
  readonly reports: RequestTally;
  readonly followUps: RequestTally & {
    /** Follow-ups sent, by command. */
    readonly byCommand: Record<string, number>;
    /** Cases whose last command the decider turned down, by its code: their later steps are not sent. */
    readonly refused: Record<string, number>;
    /** Cases whose last command was not decided within `outcomeWaitMs`: their later steps are not sent. */
    undecided: number;
    /** Steps due after `untilMs`, not sent. */
    leftForLater: number;
  };
  /** The latest any request went out after it was due: the driver itself falling behind (it is in the latencies). */
  maxSendLagMs: number;
}

interface Answer {
  readonly status: number;
  readonly body: { incidentId?: string; commandId?: string; status?: string; code?: string; error?: { code?: string } } | undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

/**
 * Drives the real HTTP API with planned traffic, open loop: each report goes out when it is due,
 * whatever is still unanswered, and its latency runs from when it was due (a driver that falls
 * behind does not hide the wait: no coordinated omission). A case's follow-ups go out in order,
 * each when due and once the one before it is decided (`GET /v1/commands/:id`, as its issuer); a
 * case stops at a command the decider turned down.
 */
export async function driveTraffic(options: DriveOptions): Promise<DriveResult> {
  const tally = (): RequestTally => ({ sent: 0, accepted: 0, failed: {}, latencyMs: [] });
  const result: DriveResult = {
    seconds: 0,
    reports: tally(),
    followUps: { ...tally(), byCommand: {}, refused: {}, undecided: 0, leftForLater: 0 },
    maxSendLagMs: 0,
  };
  const tokens = new Map<string, string>();
  const bearer = (actor: Actor) => {
    const key = `${actor.id}|${actor.role}|${actor.areas?.join(',') ?? ''}|${actor.department ?? ''}`;
    let token = tokens.get(key);
    if (token === undefined) tokens.set(key, (token = options.tokenFor(actor)));
    return `Bearer ${token}`;
  };
  const count = (record: Record<string, number>, key: string) => (record[key] = (record[key] ?? 0) + 1);
  const client = keptAliveClient();
  const call = async (method: 'GET' | 'POST', path: string, actor: Actor, body?: unknown): Promise<Answer> => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers = { authorization: bearer(actor), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) };
    const answer = await client.request(method, `${options.intakeUrl}${path}`, headers, payload);
    if (answer.status === 0) return { status: 0, body: { error: { code: answer.error ?? 'NO_ANSWER' } } };
    try {
      return { status: answer.status, body: answer.text ? (JSON.parse(answer.text) as Answer['body']) : undefined };
    } catch {
      return { status: answer.status, body: { error: { code: 'NOT_JSON' } } };
    }
  };
  const outcomeWaitMs = options.outcomeWaitMs ?? 30_000;
  /** accepted, rejected with a code, or undefined when not decided in time. */
  const decided = async (commandId: string, actor: Actor): Promise<{ accepted: boolean; code?: string } | undefined> => {
    const giveUpAt = performance.now() + outcomeWaitMs;
    while (performance.now() < giveUpAt) {
      const waitMs = Math.min(10_000, Math.max(0, Math.round(giveUpAt - performance.now())));
      const answer = await call('GET', `/v1/commands/${commandId}?waitMs=${waitMs}`, actor);
      if (answer.status === 200 && answer.body?.status === 'accepted') return { accepted: true };
      if (answer.status === 200 && answer.body?.status === 'rejected') return { accepted: false, code: answer.body.code ?? 'REJECTED' };
      if (answer.status !== 202) await sleep(200); // a refused read (429, 5xx): ask again a little later
    }
    return undefined;
  };

  const start = performance.now();
  const send = async (tallied: RequestTally, dueAt: number, path: string, actor: Actor, body: unknown): Promise<Answer> => {
    result.maxSendLagMs = Math.max(result.maxSendLagMs, performance.now() - dueAt);
    tallied.sent++;
    const answer = await call('POST', path, actor, body);
    tallied.latencyMs.push(performance.now() - dueAt);
    if (answer.status === 202) tallied.accepted++;
    else count(tallied.failed, `${answer.status || 'no answer'} ${answer.body?.error?.code ?? ''}`.trim());
    return answer;
  };

  /** One case: its report, then each follow-up in turn. */
  const follow = async (planned: PlannedCase, reportDueAt: number): Promise<void> => {
    const [report, ...steps] = planned.steps;
    if (!report) return;
    const sent = requestOf(planned, report, undefined, Date.now());
    const answer = await send(result.reports, reportDueAt, sent.path, report.actor, sent.body);
    const incidentId = answer.body?.incidentId;
    if (answer.status !== 202 || !incidentId) return;
    options.onReport?.(planned, incidentId, reportDueAt);
    let last = { commandId: answer.body?.commandId, actor: report.actor };
    for (const [i, step] of steps.entries()) {
      let dueAt = start + step.atMs;
      if (step.atMs > options.untilMs) {
        result.followUps.leftForLater += steps.length - i;
        return;
      }
      await sleep(dueAt - performance.now());
      if (!last.commandId) return;
      const outcome = await decided(last.commandId, last.actor);
      if (!outcome) {
        result.followUps.undecided++;
        return;
      }
      if (!outcome.accepted) {
        count(result.followUps.refused, outcome.code ?? 'REJECTED');
        return;
      }
      // A follow-up cannot go before the one before it is decided: it is due from then, if that is later.
      dueAt = Math.max(dueAt, performance.now());
      if (dueAt - start > options.untilMs) {
        result.followUps.leftForLater += steps.length - i;
        return;
      }
      const request = requestOf(planned, step, incidentId, Date.now());
      const followed = await send(result.followUps, dueAt, request.path, step.actor, request.body);
      count(result.followUps.byCommand, step.command.type);
      if (followed.status !== 202) return;
      last = { commandId: followed.body?.commandId, actor: step.actor };
    }
  };

  const pending = new Set<Promise<void>>();
  let reports = 0;
  for (const planned of options.cases) {
    const dueAt = start + (planned.steps[0]?.atMs ?? 0);
    const wait = dueAt - performance.now();
    if (wait > 1) await sleep(wait);
    // Behind schedule, the reports due go out back to back, yet the answers must be read meanwhile.
    else if (reports % 32 === 31) await new Promise((resolve) => setImmediate(resolve));
    const task: Promise<void> = follow(planned, dueAt).finally(() => pending.delete(task));
    pending.add(task);
    reports++;
    options.progress?.update(
      reports,
      `${result.reports.accepted.toLocaleString('en-US')} accepted, ${result.followUps.sent.toLocaleString('en-US')} follow-ups`,
    );
  }
  await Promise.all(pending);
  client.close();
  for (const t of [result.reports, result.followUps]) t.latencyMs.sort((a, b) => a - b);
  result.seconds = (performance.now() - start) / 1000;
  options.progress?.finish(
    `${result.reports.accepted.toLocaleString('en-US')} reports and ${result.followUps.accepted.toLocaleString('en-US')} follow-ups accepted`,
  );
  return result;
}
