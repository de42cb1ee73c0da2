import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { AreaFixtures } from '@gridgov/domain';
import { benchInfra, freePort, peakRss, repoRoot, report, startProcess, tokenFor, type BenchInfra } from './support.ts';

const grids = AreaFixtures.xinhui()
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
  return grids.map((grid) => tokenFor(infra, { role: 'grid_staff', areas: [grid], sub: `staff-${grid}` }));
}

async function stop(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

/**
 * Intake: reports/s accepted with acks=all (each 202 means Kafka holds the command), against a
 * bare Fastify route parsing the same body, same load generator, same machine, same run.
 */
export async function intakeBench(seconds: number): Promise<void> {
  const infra = await benchInfra(12);
  const connections = 64;
  try {
    const helloPort = await freePort();
    const hello = spawn(process.execPath, ['--import', 'tsx', 'bench/src/hello.ts'], {
      cwd: repoRoot,
      env: { ...process.env, PORT: String(helloPort) },
      stdio: 'ignore',
    });
    const helloUrl = `http://127.0.0.1:${helloPort}`;
    for (
      let i = 0;
      i < 100 &&
      !(await fetch(`${helloUrl}/readyz`).then(
        (r) => r.ok,
        () => false,
      ));
      i++
    )
      await new Promise((r) => setTimeout(r, 100));
    const tokens = gridStaffTokens(infra);
    await load(helloUrl, 2, connections, tokens); // warm-up
    const bare = await load(helloUrl, seconds, connections, tokens);
    await stop(hello);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const intake = await startProcess('intake-api', { ...infra.env, PORT: String(port), LOG_LEVEL: 'warn' }, `${url}/readyz`);
    await load(url, 2, connections, tokens); // warm-up
    const real = await load(url, seconds, connections, tokens);
    const intakeRss = peakRss(intake.pid);
    await stop(intake);

    const accepted = real['2xx'];
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
          name: 'intake-api (acks=all)',
          value: Math.round(real.requests.average),
          unit: 'reports/s',
          note: `p50 ${real.latency.p50} ms, p99 ${real.latency.p99} ms`,
        },
        { name: 'intake / bare', value: Math.round((real.requests.average / bare.requests.average) * 1000) / 10, unit: '%' },
        { name: 'reports accepted (202)', value: accepted, unit: '', note: `${real.non2xx} not 2xx, ${real.errors} errors` },
        { name: 'intake-api peak RSS', value: Math.round(intakeRss / 2 ** 20), unit: 'MiB' },
      ],
      { seconds, connections },
    );
  } finally {
    await infra.cleanup();
  }
}
