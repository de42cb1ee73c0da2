import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export type ServiceName = 'intake-api' | 'dispatch-worker' | 'projection';

export interface RunningService {
  readonly name: ServiceName;
  readonly process: ChildProcess;
  /** Base URL of an HTTP service. */
  readonly url: string | undefined;
  /** Everything the service logged so far (pino JSON lines). */
  output(): string;
  /** Sends a signal and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function freePort(): Promise<number> {
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
 * it has started: an HTTP service must answer /readyz, the worker must log that it started.
 */
export async function startService(name: ServiceName, env: Record<string, string>, timeoutMs = 60_000): Promise<RunningService> {
  const http = name !== 'dispatch-worker';
  const port = http ? (env['PORT'] ? Number(env['PORT']) : await freePort()) : undefined;
  const child = spawn(process.execPath, ['--import', 'tsx', `services/${name}/src/main.ts`], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'info', ...env, ...(port ? { PORT: String(port) } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = port ? `http://127.0.0.1:${port}` : undefined;

  const deadline = Date.now() + timeoutMs;
  let started = false;
  while (!started && Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited during start-up:\n${output}`);
    if (url) {
      started = await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
    } else {
      started = output.includes('"msg":"owning command partitions"');
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
