import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventSigner, generateEventSigningKey, mintToken, signEnvelope } from '@gridgov/auth';
import { topicSpecsWithPrefix, topicsWithPrefix, type PersonRole, type Topics } from '@gridgov/contracts';
import { LocalKms } from '@gridgov/crypto';
import { createKafka, deleteTopics, ensureTopics, type KafkaClient, type KafkaSasl, type OutgoingRecord } from '@gridgov/kafka';
import { brokerLogin, signedEventRecords } from '@gridgov/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { parse } from 'yaml';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface BenchInfra {
  readonly id: string;
  /** This run's own token secret, command signing key and event signing key pair (never a deployment's). */
  readonly secrets: { readonly jwt: string; readonly signing: string; readonly events: { privateKey: string; publicKey: string } };
  readonly kafka: KafkaClient;
  readonly brokers: readonly string[];
  /** The broker's admin login, when it requires one (ADR 0017). */
  readonly sasl: KafkaSasl | undefined;
  readonly redis: Redis;
  readonly topics: Topics;
  /** Partitions of grid.commands and grid.events. */
  readonly partitions: number;
  readonly env: Record<string, string>;
  /** The worker's: env and the event signing key, which only the worker gets (ADR 0019). */
  readonly workerEnv: Record<string, string>;
  cleanup(): Promise<void>;
}

/** The bench's own slice of the broker and Redis (KAFKA_BROKERS, REDIS_URL), removed afterwards. */
export async function benchInfra(partitions = 12): Promise<BenchInfra> {
  const brokers = process.env['KAFKA_BROKERS'];
  const redisUrl = process.env['REDIS_URL'];
  if (!brokers || !redisUrl) throw new Error('set KAFKA_BROKERS and REDIS_URL, or run `bash scripts/bench`, which starts both');
  const id = `b${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const topics = topicsWithPrefix(`${id}.`);
  // The broker's admin login (ADR 0017): KAFKA_USERNAME/KAFKA_PASSWORD (scripts/bench exports them) or its home's file.
  const sasl = brokerLogin(brokers);
  const kafka = createKafka({ brokers: brokers.split(','), clientId: id, sasl, logger: pino({ level: 'silent' }) });
  const specs = topicSpecsWithPrefix(`${id}.`, { commands: partitions, events: partitions, notifications: 3, dlq: 1 });
  // A busy broker sometimes answers a fresh topic's metadata with UNKNOWN_TOPIC_OR_PARTITION for a moment (retriable):
  // ensureTopics creates only what is missing, so it is asked again.
  for (let attempt = 1; ; attempt++) {
    try {
      await ensureTopics(kafka, specs);
      break;
    } catch (err) {
      if (attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
  const redis = new Redis(redisUrl);
  const secrets = { jwt: randomBytes(32).toString('hex'), signing: randomBytes(32).toString('hex'), events: generateEventSigningKey() };
  // This run's own key-encryption key and pseudonym secret (ADR 0016), for the services it starts.
  const kekFile = resolve(tmpdir(), `${id}-kek.json`);
  writeFileSync(kekFile, JSON.stringify(LocalKms.newFileContents(`${id}-kek`)), { mode: 0o600 });
  const env = {
    KAFKA_BROKERS: brokers,
    REDIS_URL: redisUrl,
    TOPIC_PREFIX: `${id}.`,
    KEY_PREFIX: id,
    // The services of a bench log in as the broker's admin: the ACLs' cost is not what a bench measures.
    ...(sasl ? { KAFKA_USERNAME: sasl.username, KAFKA_PASSWORD: sasl.password } : {}),
    JWT_SECRET: secrets.jwt,
    COMMAND_SIGNING_KEY: secrets.signing,
    EVENT_VERIFY_KEYS: secrets.events.publicKey,
    KEK_FILE: kekFile,
    PSEUDONYM_SECRET: randomBytes(32).toString('hex'),
    // The worker's health port: any free one, beside a stack of scripts/up on 3003.
    WORKER_PORT: '0',
    // A benchmark measures the pipeline, not the rate limiter.
    RATE_LIMIT_PER_USER: '100000000',
    RATE_LIMIT_PER_IP: '100000000',
  };
  return {
    id,
    secrets,
    kafka,
    brokers: brokers.split(','),
    sasl,
    redis,
    topics,
    partitions,
    env,
    workerEnv: { ...env, EVENT_SIGNING_KEY: secrets.events.privateKey },
    cleanup: async () => {
      rmSync(kekFile, { force: true });
      if (process.env.BENCH_KEEP_DATA === '1') {
        console.log(`  (BENCH_KEEP_DATA=1: the run's topics and Redis keys under ${id} are kept)`);
        redis.disconnect();
        return;
      }
      await deleteTopics(kafka, Object.values(topics)).catch(() => undefined);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${id}*`, 'COUNT', 5000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}

/**
 * BENCH_FROM_SOURCES=1: run the services and CLIs from their TypeScript sources through tsx, as `scripts/up` does.
 * By default a bench runs what the image runs (ADR 0029): each entrypoint's bundle, built once per bench run, with
 * plain node. tsx holds its compiler and every compiled module: a service's memory measured through it is not the
 * memory a deployment sees (docs/performance.md).
 */
const FROM_SOURCES = (() => {
  const value = process.env['BENCH_FROM_SOURCES'];
  if (value === undefined || value === '' || value === '0') return false;
  if (value === '1') return true;
  throw new Error(`BENCH_FROM_SOURCES: 1 or 0, got "${value}"`);
})();

/**
 * The bench's own scripts whose TypeScript is erasable: Node 24 strips their types itself, so they run on plain node
 * like the bundles (the bare Fastify process is every service's memory reference). The other bench scripts (the
 * same-work intake, the PostgreSQL server) import the workspace's sources and run through tsx.
 */
const PLAIN_NODE_SCRIPTS = new Set(['bench/src/hello.ts']);

/**
 * The node options docker-compose.yml gives a service (its NODE_OPTIONS: the young generation's size, the old
 * generation's cap): a bench runs each service with them, as deployed, after whatever NODE_OPTIONS the bench itself
 * was given (a profiler's flags).
 */
function deployedNodeOptions(service: string): string | undefined {
  const compose = parse(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
    services?: Record<string, { environment?: Record<string, unknown> }>;
  };
  const value = compose.services?.[service]?.environment?.['NODE_OPTIONS'];
  if (value !== undefined && typeof value !== 'string') throw new Error(`docker-compose.yml: ${service}'s NODE_OPTIONS is not a string`);
  return value;
}

let built = false;

/** Builds the bundles (`node scripts/build.mjs --no-web`, as the image's build stage does) once per bench run. */
export function ensureBundles(): void {
  if (built || FROM_SOURCES) return;
  const started = performance.now();
  execFileSync(process.execPath, ['scripts/build.mjs', '--no-web'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`  (bundles built in ${((performance.now() - started) / 1000).toFixed(1)} s; BENCH_FROM_SOURCES=1 runs the sources instead)`);
  built = true;
}

/**
 * The node arguments that run `source` (a path from the repository root): an entrypoint of the build
 * (`services/<name>/src/main.ts`, a CLI under `src/`) runs as its bundle (`…/dist/….js`) the way the image runs it;
 * a bench script through tsx, or plain node when its types are erasable.
 */
export function nodeArgs(source: string): string[] {
  if (PLAIN_NODE_SCRIPTS.has(source)) return [source];
  if (FROM_SOURCES || source.startsWith('bench/')) return ['--import', 'tsx', source];
  ensureBundles();
  const bundle = source.replace('/src/', '/dist/').replace(/\.ts$/, '.js');
  if (!existsSync(join(repoRoot, bundle))) throw new Error(`${source}: no bundle ${bundle} (is it an entrypoint of scripts/build.mjs?)`);
  // As the image's CMD: stack traces through the source maps.
  return ['--enable-source-maps', bundle];
}

/** The processes the bench is stopping: their exit is expected, not reported. */
const stopping = new WeakSet<ChildProcess>();
/** How much of a process's output is kept to show when it exits unasked: at most this many characters and lines. */
const TAIL_CHARS = 16_384;
const TAIL_LINES = 20;

/**
 * Starts a service as its own process and resolves once it is ready: when its output matches
 * `ready` (a RegExp), or when `ready` (a URL) answers 2xx. A service (named) runs as the image runs it: its bundle
 * (`nodeArgs`) with docker-compose.yml's NODE_OPTIONS for it.
 */
export async function startProcess(
  service: string,
  env: Record<string, string>,
  ready: RegExp | string | (() => Promise<boolean>),
  script = `services/${service}/src/main.ts`,
  onSpawn?: (child: ChildProcess) => void,
): Promise<ChildProcess> {
  const deployed = service ? deployedNodeOptions(service) : undefined;
  const nodeOptions = [process.env['NODE_OPTIONS'], deployed].filter(Boolean).join(' ');
  const child = spawn(process.execPath, nodeArgs(script), {
    cwd: repoRoot,
    env: { ...process.env, ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}), ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onSpawn?.(child);
  let exited = false;
  // The last of its output, kept to tell why it exited when it goes while the bench runs (its output goes nowhere else
  // unless BENCH_LOGS is set).
  let tail = '';
  child.stdout?.on('data', (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-TAIL_CHARS)));
  child.once('exit', (code, signal) => {
    exited = true;
    if (stopping.has(child)) return;
    const name = service || script;
    const lines = tail.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
    process.stderr.write(
      `${name} (pid ${child.pid}) exited while the bench ran, not stopped by it (${signal ? `signal ${signal}` : `exit code ${code}`}); its last output:\n${lines || '(none)'}\n`,
    );
  });
  let seen = '';
  let matched = false;
  // BENCH_LOGS=<dir>: each service's output kept in <dir>/<service>-<pid>.log, to read what it did (or why it exited).
  const logDir = process.env['BENCH_LOGS'];
  if (logDir && child.stdout && child.pid) {
    mkdirSync(logDir, { recursive: true });
    child.stdout.pipe(createWriteStream(join(logDir, `${service || 'process'}-${child.pid}.log`)));
  }
  child.stdout?.on('data', (chunk: Buffer) => {
    if (matched || !(ready instanceof RegExp)) return;
    seen = (seen + chunk.toString()).slice(-10_000);
    matched = ready.test(seen);
  });
  for (let waited = 0; waited < 90_000; waited += 100) {
    if (exited) throw new Error(`${script} exited before it was ready`);
    if (typeof ready === 'string') {
      matched = await fetch(ready).then(
        (r) => r.ok,
        () => false,
      );
    } else if (typeof ready === 'function') {
      matched = await ready();
    }
    if (matched) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  stopping.add(child);
  child.kill('SIGKILL');
  throw new Error(`${script} was not ready in 90 s`);
}

/** Stops a process this bench started and waits for it to go. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  stopping.add(child);
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await gone;
}

/** The reference of the intake benchmark, and of every service's memory: a bare Fastify route in a process of its own. */
export async function startBareFastify(): Promise<{ readonly url: string; readonly child: ChildProcess }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = await startProcess('', { PORT: String(port) }, `${url}/readyz`, 'bench/src/hello.ts');
  return { url, child };
}

let bareRss: Promise<number> | undefined;

/** Peak RSS of a bare Fastify process that has answered a few requests: what any service costs before its own work. Measured once a run. */
export function bareProcessRss(): Promise<number> {
  bareRss ??= (async () => {
    const { url, child } = await startBareFastify();
    for (let i = 0; i < 200; i++) {
      const res = await fetch(`${url}/v1/incidents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      await res.arrayBuffer();
    }
    const rss = peakRss(child.pid);
    await stopProcess(child);
    return rss;
  })();
  return bareRss;
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A process's /proc file; a process that is gone is said so, not as a file that is missing. */
function procFile(pid: number, file: 'stat' | 'status'): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(`process ${pid} is no longer running (a process the bench started is named above, with why)`);
    throw err;
  }
}

/** CPU seconds a running process has used so far (user + system, /proc/<pid>/stat; clock ticks of 1/100 s). */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  const stat = procFile(pid, 'stat');
  // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The most memory a process has held (VmHWM), in bytes. */
export function peakRss(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  const status = procFile(pid, 'status');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) * 1024;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly note?: string;
}

/**
 * One line of the summary: a figure beside the reference it is read against, both measured in the
 * same run on the same machine (ratio = value / reference).
 */
export interface SummaryRow {
  readonly figure: string;
  readonly value: number;
  readonly unit: string;
  readonly reference?: { readonly name: string; readonly value: number; readonly unit: string };
}

/** What a suite gives the summary. */
export type SuiteRows = readonly SummaryRow[];

/**
 * A full collection of the bench's own heap, where node was started with --expose-gc (scripts/bench does); else
 * nothing. Before a measured span: the bench holds what earlier suites and warm-ups left, and a major collection of it
 * held the process 76–85 ms at a time (--trace-gc), the load generator and the end-to-end watcher with it.
 */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Numbers of one section of Redis's INFO (`section`: 'cpu', 'memory', 'persistence', ...), read at once so that they
 * are of one moment, in the order of `fields`; NaN for a field that is absent.
 */
export async function redisInfoNumbers(redis: Redis, section: string, fields: readonly string[]): Promise<number[]> {
  const info = await redis.info(section);
  return fields.map((field) => Number(new RegExp(`^${field}:([0-9.]+)`, 'm').exec(info)?.[1] ?? Number.NaN));
}

/** A number of Redis's INFO, as {@link redisInfoNumbers} reads it. */
export async function redisInfoNumber(redis: Redis, section: string, field: string): Promise<number> {
  const [value] = await redisInfoNumbers(redis, section, [field]);
  return value!;
}

/** A summary row whose reference is measured in the same unit. */
export function summaryRow(figure: string, value: number, unit: string, referenceName: string, reference: number): SummaryRow {
  return { figure, value, unit, reference: { name: referenceName, value: reference, unit } };
}

export const MiB = 2 ** 20;

export function report(suite: string, figures: readonly Figure[], context: Record<string, unknown>): void {
  const width = Math.max(...figures.map((f) => f.name.length));
  console.log(`\n${suite}`);
  for (const f of figures) {
    const value = Number.isInteger(f.value) ? f.value.toLocaleString('en-US') : f.value.toFixed(1);
    console.log(`  ${f.name.padEnd(width)}  ${value.padStart(12)} ${f.unit}${f.note ? `   (${f.note})` : ''}`);
  }
  mkdirSync(resolve(repoRoot, 'bench-results'), { recursive: true });
  const file = resolve(repoRoot, 'bench-results', `${suite}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ suite, at: new Date().toISOString(), context, figures }, null, 2));
  console.log(`  → ${file}`);
}

/** A bearer token of this run. */
export function tokenFor(
  infra: BenchInfra,
  claims: { role: PersonRole; areas: readonly string[]; sub: string; department?: string },
): string {
  return mintToken({ ...claims, ttlSeconds: 3 * 3600 }, infra.secrets.jwt);
}

/** Records for grid.events signed as the worker signs them, for benchmarks that write events themselves (ADR 0019). */
export function signedEvents(infra: BenchInfra, records: readonly { key: string; value: string }[]): OutgoingRecord[] {
  return signedEventRecords(infra.topics.events, infra.partitions, records, new EventSigner(infra.secrets.events.privateKey));
}

/** A command envelope signed as the intake signs it, for benchmarks that produce commands themselves. */
export function signed<T extends object>(infra: BenchInfra, envelope: T): T & { signature: string } {
  return signEnvelope(envelope, infra.secrets.signing, { topic: infra.topics.commands });
}
