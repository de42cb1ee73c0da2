import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import {
  benchInfra,
  cpuSeconds,
  MiB,
  peakRss,
  report,
  startBareFastify,
  startProcess,
  stopProcess,
  tokenFor,
  freePort,
  type BenchInfra,
  type SuiteRows,
} from './support.ts';
import { loadXinhuiAreas } from '@gridgov/testing';

const grids = loadXinhuiAreas()
  .ofLevel('grid')
  .map((g) => g.code);

function body(n: number): string {
  return JSON.stringify({
    reportId: randomUUID(),
    gridCode: grids[n % grids.length],
    category: 'exposed_rubbish',
    urgency: 'normal',
    description: '路边堆放生活垃圾，影响通行',
    location: { lat: 22.52, lng: 113.03, address: '会城同德路' },
    occurredAt: new Date().toISOString(),
  });
}

/** Closed loop: `connections` clients, each sending its next report when the last one is answered. */
async function load(url: string, seconds: number, connections: number, tokens: readonly string[]): Promise<autocannon.Result> {
  let n = 0;
  return autocannon({
    url: `${url}/v1/incidents`,
    method: 'POST',
    connections,
    duration: seconds,
    requests: [
      {
        setupRequest: (req) => {
          const i = n++;
          // Each grid's own staff member reports in their grid.
          const headers = { 'content-type': 'application/json', authorization: `Bearer ${tokens[i % tokens.length]}` };
          return { ...req, headers, body: body(i) };
        },
      },
    ],
  });
}

function gridStaffTokens(infra: BenchInfra): string[] {
  return grids.map((grid) => tokenFor(infra, { role: 'grid_staff', areas: [grid], sub: `gs-${grid}` }));
}

interface Measured {
  readonly result: autocannon.Result;
  readonly rss: number;
  /** CPU milliseconds the server spent per request answered. */
  readonly cpuMsPerRequest: number;
}

/** Warms a server up, loads it for `seconds`, and stops it: its answers, peak RSS and CPU per request. */
async function measure(server: ChildProcess, url: string, seconds: number, connections: number, tokens: readonly string[]) {
  await load(url, 2, connections, tokens); // warm-up
  const cpuBefore = cpuSeconds(server.pid);
  const result = await load(url, seconds, connections, tokens);
  const cpu = cpuSeconds(server.pid) - cpuBefore;
  const rss = peakRss(server.pid);
  await stopProcess(server);
  return { result, rss, cpuMsPerRequest: (cpu * 1000) / Math.max(1, result.requests.total) } satisfies Measured;
}

const row = (name: string, m: Measured, unit: string) => ({
  name,
  value: Math.round(m.result.requests.average),
  unit,
  note: `p50 ${m.result.latency.p50} ms, p99 ${m.result.latency.p99} ms, ${m.cpuMsPerRequest.toFixed(3)} CPU ms each, peak RSS ${Math.round(m.rss / MiB)} MiB`,
});

/**
 * Intake: reports/s accepted with acks=all (each 202 means Kafka holds the signed command), each with its grid staff
 * member's bearer token checked, against two references in the same run, with the same load generator: a bare Fastify
 * route that only parses the body, and the same-work reference (bare-intake.ts), a bare route that checks the token,
 * validates, signs and waits for acks=all as the intake must, and nothing else.
 */
export async function intakeBench(seconds: number): Promise<SuiteRows> {
  const infra = await benchInfra(12);
  const connections = 64;
  try {
    const tokens = gridStaffTokens(infra);
    const hello = await startBareFastify();
    const bare = await measure(hello.child, hello.url, seconds, connections, tokens);

    const samePort = await freePort();
    const sameUrl = `http://127.0.0.1:${samePort}`;
    const sameWork = await startProcess('', { ...infra.env, PORT: String(samePort) }, `${sameUrl}/readyz`, 'bench/src/bare-intake.ts');
    const same = await measure(sameWork, sameUrl, seconds, connections, tokens);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const intake = await startProcess('intake-api', { ...infra.env, PORT: String(port), LOG_LEVEL: 'warn' }, `${url}/readyz`);
    const real = await measure(intake, url, seconds, connections, tokens);

    const ratio = (a: Measured, b: Measured) => Math.round((a.result.requests.average / b.result.requests.average) * 1000) / 10;
    report(
      'intake',
      [
        row('bare Fastify route', bare, 'req/s'),
        row('same-work route (token, zod, signed, acks=all)', same, 'reports/s'),
        row('intake-api (JWT, signed, acks=all)', real, 'reports/s'),
        { name: 'intake / same-work route', value: ratio(real, same), unit: '%' },
        { name: 'intake / bare route', value: ratio(real, bare), unit: '%' },
        {
          name: 'reports accepted (202)',
          value: real.result['2xx'],
          unit: '',
          note: `${real.result.non2xx} not 2xx, ${real.result.errors} errors`,
        },
      ],
      { seconds, connections },
    );
    for (const [name, m] of [
      ['intake', real],
      ['same-work route', same],
    ] as const) {
      if (m.result.non2xx > 0 || m.result.errors > 0)
        throw new Error(`${name}: ${m.result.non2xx} answers not 2xx, ${m.result.errors} errors`);
    }
    const perSecond = (m: Measured) => Math.round(m.result.requests.average);
    const sameRoute = { name: 'same-work route (token, zod, signing, acks=all)', value: perSecond(same), unit: '/s' };
    return [
      {
        figure: `intake: reports/s accepted (JWT, signed, acks=all), ${connections} clients`,
        value: perSecond(real),
        unit: '/s',
        reference: sameRoute,
      },
      {
        figure: 'intake: reports/s against a route that only parses the body',
        value: perSecond(real),
        unit: '/s',
        reference: { name: 'bare Fastify route', value: perSecond(bare), unit: '/s' },
      },
      {
        figure: 'intake: CPU per report',
        value: Math.round(real.cpuMsPerRequest * 1000) / 1000,
        unit: 'ms',
        reference: { name: 'same-work route', value: Math.round(same.cpuMsPerRequest * 1000) / 1000, unit: 'ms' },
      },
      {
        figure: 'intake: latency p99 at that load',
        value: real.result.latency.p99,
        unit: 'ms',
        reference: { name: 'same-work route', value: same.result.latency.p99, unit: 'ms' },
      },
      {
        figure: 'memory: intake-api peak RSS',
        value: Math.round(real.rss / MiB),
        unit: 'MiB',
        reference: { name: 'bare Fastify process', value: Math.round(bare.rss / MiB), unit: 'MiB' },
      },
    ];
  } finally {
    await infra.cleanup();
  }
}
