import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { topicSpecsWithPrefix, type TopicSpec } from '@gridgov/contracts';
import type { KafkaSasl } from '@gridgov/kafka';
import { claimPort } from './processes.ts';
import { brokerLogin, registerBrokerHome } from './stack-access.ts';

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const KAFKA_SH = join(repoRoot, 'infra/kafka/kafka.sh');

export interface OwnKafkaOptions {
  /** Topics created at start, with their partition counts (the grid.* topics, unprefixed, by default). */
  readonly topics?: readonly TopicSpec[];
  /** First port tried for the broker (and the next one for its controller). */
  readonly firstPort?: number;
}

export interface OwnKafka {
  readonly port: number;
  /** KAFKA_BROKERS of this broker. */
  readonly brokers: string;
  /** Its home: data, logs, pid file. */
  readonly home: string;
  /** Its admin login (SASL/SCRAM-SHA-256, ADR 0017): what a test's plain client connects with. */
  readonly sasl: KafkaSasl | undefined;
  /** Kills the broker with SIGKILL (no clean shutdown) and waits until it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data (infra/kafka/kafka.sh start), and waits until it answers. */
  restart(): Promise<void>;
  /** Stops it and deletes its data. */
  remove(): Promise<void>;
}

const portFree = (port: number) =>
  new Promise<boolean>((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });

async function freePortPair(first: number): Promise<number> {
  for (let port = first; port < first + 400; port += 2) {
    // Claimed too: a port of a broker killed for a while is free to the OS, not to another test process.
    if ((await portFree(port)) && (await portFree(port + 1)) && claimPort(port) && claimPort(port + 1)) return port;
  }
  throw new Error(`no two free ports from ${first} to ${first + 400}`);
}

/** Alive and not a zombie (the broker is detached: whoever reaps it may take a while). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
  } catch {
    return false;
  }
}

/** Every topic of infra/topics.json, small: commands, events and outcomes with the same partition count. */
const GRID_TOPICS: readonly TopicSpec[] = topicSpecsWithPrefix('', { commands: 3, events: 3, notifications: 1, dlq: 1 });

/**
 * A Kafka broker of a test's own (not the suite's shared one, which other tests use at the same time), started by
 * infra/kafka/kafka.sh on free ports from 39100 with a home of its own, so that the test may kill it.
 */
export async function startOwnKafka(options: OwnKafkaOptions = {}): Promise<OwnKafka> {
  const port = await freePortPair(options.firstPort ?? 39_100);
  const home = mkdtempSync(join(tmpdir(), 'gridgov-kafka-'));
  const topicsFile = join(home, 'topics.json');
  writeFileSync(topicsFile, JSON.stringify({ topics: options.topics ?? GRID_TOPICS }));
  const env = {
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(port + 1),
    KAFKA_HOME_DIR: join(home, 'broker'),
    KAFKA_TOPICS_FILE: topicsFile,
    KAFKA_HEAP_OPTS: '-Xms128m -Xmx384m',
  };
  const kafkaSh = async (command: 'start' | 'stop' | 'clean') => {
    try {
      await run('bash', [KAFKA_SH, command], { env, timeout: 180_000 });
    } catch (err) {
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
      throw new Error(`kafka.sh ${command} (port ${port}) failed:\n${stdout}\n${stderr}`);
    }
  };
  const pid = () => Number(readFileSync(join(home, 'broker', 'kafka.pid'), 'utf8').trim());

  await kafkaSh('start');
  registerBrokerHome(`127.0.0.1:${port}`, join(home, 'broker'));
  return {
    port,
    brokers: `127.0.0.1:${port}`,
    home,
    sasl: brokerLogin(`127.0.0.1:${port}`),
    kill: async () => {
      const target = pid();
      process.kill(target, 'SIGKILL');
      for (let i = 0; i < 300; i++) {
        if (!alive(target)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`broker pid ${target} still alive 30 s after SIGKILL`);
    },
    restart: () => kafkaSh('start'),
    remove: async () => {
      await kafkaSh('clean').catch(() => undefined);
      rmSync(home, { recursive: true, force: true });
    },
  };
}
