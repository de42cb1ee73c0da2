import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testServiceEnvironment } from './stack-access.ts';
import { TEST_SERVICE_SECRETS } from './auth.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export type ServiceName = 'intake-api' | 'dispatch-worker' | 'projection' | 'console' | 'notifier';

export interface RunningService {
  readonly name: ServiceName;
  readonly process: ChildProcess;
  /** Base URL of an HTTP service, or of the worker's health port (/healthz, /readyz). */
  readonly url: string | undefined;
  /** Everything the service logged so far (pino JSON lines). */
  output(): string;
  /** Sends a signal and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Ports handed out, by any test process of this machine: a claim file each, named by the port, holding the claiming
 * process's pid. A port is free when asked for, not when used: the OS may hand a closed port out again at once, and a
 * stack's ports are all chosen before its services bind them. Were the projection given the port chosen a moment before
 * for the console, the console's start-up would take the projection's /readyz for its own. Test files that run side by
 * side (vitest.config.ts) are separate processes: a port one handed out and its service has not bound yet is free to
 * the OS, and another's worker once took it (EADDRINUSE). A claim lasts as long as the process that made it.
 */
const CLAIMS_DIR = join(tmpdir(), 'gridgov-test-ports');

/** Claims `port` for this process: false when this process or another still running holds it already. */
export function claimPort(port: number): boolean {
  mkdirSync(CLAIMS_DIR, { recursive: true });
  const file = join(CLAIMS_DIR, String(port));
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let holder = Number.NaN;
  try {
    holder = Number(readFileSync(file, 'utf8'));
  } catch {
    // Being written or taken over this instant: held.
    return false;
  }
  // Empty: its claimant is between creating the file and writing its pid. Held.
  if (!(holder > 0) || holder === process.pid || processAlive(holder)) return false;
  // Its claimant is gone (an earlier run, a finished test file): the port may be claimed again.
  writeFileSync(file, String(process.pid));
  return true;
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A TCP port on 127.0.0.1 free now, and not handed out to any test process still running. */
export async function freePort(): Promise<number> {
  for (let tries = 0; ; tries++) {
    const port = await portFreeNow();
    if (claimPort(port) || tries >= 100) return port;
  }
}

function portFreeNow(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts a service as its own process (node + tsx, as `scripts/up` does) and waits until it says
 * it has started: an HTTP service must answer /readyz, the worker must log that it started. Like scripts/up, it gives
 * the service only the secrets it uses and its own Kafka principal and Redis user (testServiceEnvironment, ADR 0017).
 */
export async function startService(name: ServiceName, env: Record<string, string>, timeoutMs = 60_000): Promise<RunningService> {
  const http = name !== 'dispatch-worker';
  // The worker's health port: a free one of its own, so that workers of tests running side by side never meet.
  const portVariable = name === 'notifier' ? 'NOTIFIER_PORT' : http ? 'PORT' : 'WORKER_PORT';
  const port = env[portVariable] ? Number(env[portVariable]) : await freePort();
  // Readiness is a 200 from the port: another server already there would pass for this one.
  if (
    await fetch(`http://127.0.0.1:${port}/readyz`).then(
      () => true,
      () => false,
    )
  )
    throw new Error(`${name}: port ${port} already answers HTTP: another server holds it`);
  const child = spawn(process.execPath, ['--import', 'tsx', `services/${name}/src/main.ts`], {
    cwd: repoRoot,
    // At info level at least: start-up is recognised by what the service logs.
    env: {
      ...(await testServiceEnvironment(name, { ...TEST_SERVICE_SECRETS[name], ...env })),
      LOG_LEVEL: env['LOG_LEVEL'] === 'debug' ? 'debug' : 'info',
      [portVariable]: String(port),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // The worker says when it owns partitions; the tail of the output is kept for failure messages.
  let output = '';
  let owning = false;
  const keep = (chunk: Buffer) => {
    const text = chunk.toString();
    if (text.includes('"msg":"owning command partitions"')) owning = true;
    output = (output + text).slice(-256 * 1024);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + timeoutMs;
  let started = false;
  while (!started && Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited during start-up (code ${child.exitCode ?? child.signalCode}):\n${output}`);
    }
    if (http) {
      started = await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
    } else {
      started = owning;
    }
    if (!started) await new Promise((r) => setTimeout(r, 100));
  }
  if (!started) {
    child.kill('SIGKILL');
    throw new Error(`${name} did not start in ${timeoutMs} ms:\n${output}`);
  }
  return {
    name,
    process: child,
    url,
    output: () => output,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
