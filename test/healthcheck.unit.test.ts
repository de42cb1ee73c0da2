import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const script = resolve(dirname(fileURLToPath(import.meta.url)), '../scripts/healthcheck.mjs');

/** Runs the image's health check with exactly this environment: its exit code and what it wrote. */
function healthcheck(env: Record<string, string>, args: string[] = []): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [script, ...args], { env }, (error, stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, out: stdout, err: stderr }),
    );
  });
}

describe('the image health check (scripts/healthcheck.mjs)', () => {
  let server: Server;
  let port: number;
  let ready = true;

  beforeAll(async () => {
    // A service's probes: /readyz follows `ready`, /healthz always answers.
    server = createServer((req, res) => {
      if (req.url === '/healthz') return res.writeHead(200).end('{"status":"ok"}');
      if (req.url === '/readyz') return res.writeHead(ready ? 200 : 503).end(ready ? '{"status":"ready"}' : '{"status":"not ready"}');
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("asks the service's /readyz on its own port variable, from loopback when it listens on every address", async () => {
    ready = true;
    for (const [service, variable] of [
      ['intake-api', 'PORT'],
      ['dispatch-worker', 'WORKER_PORT'],
      ['notifier', 'NOTIFIER_PORT'],
    ] as const) {
      const result = await healthcheck({ SERVICE: service, HOST: '0.0.0.0', [variable]: String(port) });
      expect(result, service).toMatchObject({ code: 0, out: `${service}: http://127.0.0.1:${port}/readyz {"status":"ready"}\n` });
    }
  });

  it('fails when the service is not ready (503), and --live asks /healthz instead', async () => {
    ready = false;
    const env = { SERVICE: 'projection', PORT: String(port) };
    expect(await healthcheck(env)).toMatchObject({
      code: 1,
      err: `healthcheck: projection: http://127.0.0.1:${port}/readyz answered 503 {"status":"not ready"}\n`,
    });
    expect(await healthcheck(env, ['--live'])).toMatchObject({ code: 0 });
  });

  it('names what is wrong with its environment or arguments', async () => {
    expect(await healthcheck({})).toMatchObject({
      code: 1,
      err: expect.stringMatching(/^healthcheck: SERVICE is null; one of intake-api, projection/) as unknown,
    });
    expect(await healthcheck({ SERVICE: 'console', PORT: 'web' })).toMatchObject({
      code: 1,
      err: 'healthcheck: PORT is "web", not a port number\n',
    });
    expect(await healthcheck({ SERVICE: 'console' }, ['--deep'])).toMatchObject({
      code: 1,
      err: expect.stringMatching(/unknown argument --deep/) as unknown,
    });
  });
});
