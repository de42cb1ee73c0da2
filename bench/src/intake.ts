import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import {
  benchInfra,
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

/**
 * Intake: reports/s accepted with acks=all (each 202 means Kafka holds the signed command), each
 * with its grid staff member's bearer token checked, against a bare Fastify route parsing the same
 * body with the same headers: same load generator, same machine, same run.
 */
export async function intakeBench(seconds: number): Promise<SuiteRows> {
  const infra = await benchInfra(12);
  const connections = 64;
  try {
    const tokens = gridStaffTokens(infra);
    const hello = await startBareFastify();
    await load(hello.url, 2, connections, tokens); // warm-up
    const bare = await load(hello.url, seconds, connections, tokens);
    const helloRss = peakRss(hello.child.pid);
    await stopProcess(hello.child);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const intake = await startProcess('intake-api', { ...infra.env, PORT: String(port), LOG_LEVEL: 'warn' }, `${url}/readyz`);
    await load(url, 2, connections, tokens); // warm-up
    const real = await load(url, seconds, connections, tokens);
    const intakeRss = peakRss(intake.pid);
    await stopProcess(intake);

    report(
      'intake',
      [
        {
          name: 'bare Fastify route',
          value: Math.round(bare.requests.average),
          unit: 'req/s',
          note: `p50 ${bare.latency.p50} ms, p99 ${bare.latency.p99} ms`,
        },
        {
          name: 'intake-api (JWT, signed, acks=all)',
          value: Math.round(real.requests.average),
          unit: 'reports/s',
          note: `p50 ${real.latency.p50} ms, p99 ${real.latency.p99} ms`,
        },
        { name: 'intake / bare', value: Math.round((real.requests.average / bare.requests.average) * 1000) / 10, unit: '%' },
        { name: 'reports accepted (202)', value: real['2xx'], unit: '', note: `${real.non2xx} not 2xx, ${real.errors} errors` },
        { name: 'intake-api peak RSS', value: Math.round(intakeRss / MiB), unit: 'MiB' },
        { name: 'bare Fastify peak RSS', value: Math.round(helloRss / MiB), unit: 'MiB' },
      ],
      { seconds, connections },
    );
    if (real.non2xx > 0 || real.errors > 0) throw new Error(`intake: ${real.non2xx} answers not 2xx, ${real.errors} errors`);
    const bareRoute = (value: number, unit: string) => ({ name: 'bare Fastify route', value, unit });
    return [
      {
        figure: `intake: reports/s accepted (JWT, signed, acks=all), ${connections} clients`,
        value: Math.round(real.requests.average),
        unit: '/s',
        reference: bareRoute(Math.round(bare.requests.average), '/s'),
      },
      { figure: 'intake: latency p99 at that load', value: real.latency.p99, unit: 'ms', reference: bareRoute(bare.latency.p99, 'ms') },
      {
        figure: 'memory: intake-api peak RSS',
        value: Math.round(intakeRss / MiB),
        unit: 'MiB',
        reference: { name: 'bare Fastify process', value: Math.round(helloRss / MiB), unit: 'MiB' },
      },
    ];
  } finally {
    await infra.cleanup();
  }
}
