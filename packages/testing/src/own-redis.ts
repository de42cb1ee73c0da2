import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { freePort } from './processes.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** The settings every Redis of the pipeline runs with (append-only file, noeviction): infra/redis/redis.conf. */
export const REDIS_CONF = join(repoRoot, 'infra/redis/redis.conf');

export interface OwnRedis {
  readonly port: number;
  readonly url: string;
  /** Its data directory (the append-only file is in appendonlydir/). */
  readonly dir: string;
  readonly pid: number | undefined;
  /** Kills the server with SIGKILL (nothing flushed, nothing said) and waits until it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data directory, and waits until it answers PING (its data loaded). */
  restart(): Promise<void>;
  /** Stops it and deletes its data directory. */
  remove(): Promise<void>;
}

/**
 * A redis-server of a test's own, as a child process on a free port with a data directory of its own: the
 * settings of infra/redis/redis.conf, then `args` (e.g. ['--maxmemory-policy', 'allkeys-lru']).
 */
export async function startOwnRedis(args: readonly string[] = []): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'gridgov-redis-'));
  let child: ChildProcess | undefined;
  let output = '';

  const launch = async () => {
    output = '';
    // Its ACL users (a service's own, ADR 0017) are saved beside its data, so that they outlive a restart as in redis.sh.
    if (!existsSync(join(dir, 'users.acl'))) writeFileSync(join(dir, 'users.acl'), '', { mode: 0o600 });
    const started = spawn(
      'redis-server',
      [REDIS_CONF, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--aclfile', join(dir, 'users.acl'), ...args],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-16 * 1024));
    started.stdout?.on('data', keep);
    started.stderr?.on('data', keep);
    child = started;
    const probe = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    // Refused connections while it starts are expected: the loop asks again.
    probe.on('error', () => undefined);
    try {
      for (let waited = 0; waited < 60_000; waited += 100) {
        if (started.exitCode !== null) throw new Error(`redis-server on port ${port} exited:\n${output}`);
        const pong = await probe
          .connect()
          .then(() => probe.ping())
          .catch(() => undefined);
        if (pong === 'PONG') return;
        probe.disconnect();
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`redis-server on port ${port} did not answer in 60 s:\n${output}`);
    } finally {
      probe.disconnect();
    }
  };

  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const gone = new Promise((r) => running.once('exit', r));
    running.kill('SIGKILL');
    await gone;
  };

  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get pid() {
      return child?.pid;
    },
    kill,
    restart: launch,
    remove: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
