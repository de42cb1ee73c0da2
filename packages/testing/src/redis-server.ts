import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './processes.ts';

/**
 * A redis-server of a test's own, without persistence (`--save "" --appendonly no`): a SIGKILL loses everything, as
 * it does for the Redis of `infra/redis/redis.sh`. It can be killed and started again, empty, on the same port.
 */
export interface OwnRedisServer {
  readonly port: number;
  readonly url: string;
  /** Whether the server process is running now. */
  running(): boolean;
  /** SIGKILLs the server and waits until the process is gone. */
  kill(): Promise<void>;
  /** Starts the server again (empty) on the same port and waits until it answers PING. */
  start(): Promise<void>;
  /** Stops it for good (SIGKILL) and deletes its directory. */
  stop(): Promise<void>;
}

/** Whether a Redis on `port` answers PING now. */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** Starts a redis-server (from PATH) on a free port of 127.0.0.1, without persistence, in a directory of its own. */
export async function startOwnRedis(timeoutMs = 10_000): Promise<OwnRedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `own-redis-${port}-`));
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const launch = async () => {
    output = '';
    const started = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_192));
    started.stdout?.on('data', keep);
    started.stderr?.on('data', keep);
    exited = new Promise((resolve) => started.once('exit', () => resolve()));
    child = started;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (started.exitCode !== null || started.signalCode !== null) break;
      if (await pings(port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    started.kill('SIGKILL');
    throw new Error(`redis-server did not answer on port ${port} within ${timeoutMs} ms:\n${output}`);
  };
  const kill = async () => {
    const current = child;
    if (current && current.exitCode === null && current.signalCode === null) current.kill('SIGKILL');
    await exited;
  };

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    kill,
    start: launch,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
