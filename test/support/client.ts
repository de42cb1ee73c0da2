import { randomBytes } from 'node:crypto';
import { Agent, get } from 'node:http';
import { TEST_AUTH_ENV, XINHUI_AREAS_FILE } from '@gridgov/testing';

/** How long a client waits for any answer: a request still unanswered by then fails its test (a hang). */
export const CLIENT_TIMEOUT_MS = 10_000;

export interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: Record<string, unknown> & { error?: { code: string; message: string } };
}

/** One HTTP request as a client makes it, with a bounded wait: its answer, or a thrown error when none came. */
export async function call(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: text ? (JSON.parse(text) as Answer['body']) : {} };
}

/**
 * Many GETs on kept-alive connections (at most `sockets` open), for a test that asks tens of thousands of questions:
 * node:http costs the test about half the CPU `fetch` does, CPU the services under test share on 2 cores. `close` when done.
 */
export function keptAliveGets(sockets: number): {
  get(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }>;
  close(): void;
} {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  return {
    get: (url, headers) =>
      new Promise((resolve, reject) => {
        const request = get(url, { agent, headers, timeout: CLIENT_TIMEOUT_MS }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          res.on('error', reject);
        });
        request.on('timeout', () => request.destroy(new Error(`no answer to GET ${url} in ${CLIENT_TIMEOUT_MS} ms`)));
        request.on('error', reject);
      }),
    close: () => agent.destroy(),
  };
}

export const post = (url: string, headers: Record<string, string>, body: unknown) =>
  call(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

let placed = 0;
const places = new Map<string, { lat: number; lng: number }>();

/**
 * A place no other report of this test process stands at: about 100 m from every other (more than any category's
 * duplicate radius), so reports of one category are not proposed as duplicates of each other (ADR 0032) unless a
 * test puts them at one place on purpose. The same `key` (a report id) gives the same place: a retry is the same body.
 */
export function distinctPlace(key?: string): { lat: number; lng: number } {
  const known = key === undefined ? undefined : places.get(key);
  if (known) return known;
  const n = placed++;
  const place = { lat: 22.5 + (n % 100) * 0.001, lng: 113.0 + (Math.floor(n / 100) % 100) * 0.001 };
  if (key !== undefined) places.set(key, place);
  return place;
}

/** A report of exposed rubbish in `gridCode`, with the client's own report id (a retry sends the same). */
export const reportBody = (reportId: string, gridCode: string) => ({
  reportId,
  gridCode,
  category: 'exposed_rubbish',
  urgency: 'normal',
  description: '路边堆放生活垃圾',
  location: { ...distinctPlace(reportId), address: '会城同德路' },
  occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
});

/** Environment of services pointed at the given broker and Redis, with the test suite's secrets and no rate limits. */
export function serviceEnv(kafkaBrokers: string, redisUrl: string): Record<string, string> {
  const id = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  return {
    KAFKA_BROKERS: kafkaBrokers,
    REDIS_URL: redisUrl,
    KEY_PREFIX: id,
    AREAS_FILE: XINHUI_AREAS_FILE,
    ...TEST_AUTH_ENV,
    RATE_LIMIT_PER_USER: '0',
    RATE_LIMIT_PER_IP: '0',
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
