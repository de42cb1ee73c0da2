/**
 * Kafka admin for the local broker (infra/kafka/kafka.sh), through this package's KafkaAdmin. Run from
 * the repository root:
 *
 *   node --import tsx packages/kafka/src/cli/admin.ts wait          [--brokers 127.0.0.1:9092] [--timeout 90]
 *   node --import tsx packages/kafka/src/cli/admin.ts create-topics [--brokers ...] [--file infra/topics.json] [--timeout 60]
 *   node --import tsx packages/kafka/src/cli/admin.ts list          [--brokers ...] [--json]
 *   node --import tsx packages/kafka/src/cli/admin.ts grant-service-acls [--brokers ...] [--topic-prefix P]
 *
 * --brokers defaults to $KAFKA_BROKERS, then 127.0.0.1:9092 (comma-separated list allowed). The login is
 * $KAFKA_USERNAME / $KAFKA_PASSWORD when set (SASL/SCRAM-SHA-256; kafka.sh passes the broker's admin).
 * grant-service-acls: every service's ACLs of infra/services.json, for topics and groups under the prefix (ADR 0017).
 * Exit codes: 0 ok, 1 failure / timeout, 2 usage or invalid topics file.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { kafkaAclBindings, kafkaPrincipals } from '@gridgov/contracts';
import { grantAcls } from '../acls.ts';
import { KafkaAdmin, type TopicSpec } from '../admin.ts';
import { createKafka, kafkaSaslFromEnv } from '../client.ts';

class UsageError extends Error {}

function fail(message: string, code = 1): never {
  process.stderr.write(`kafka admin: ${message}\n`);
  process.exit(code);
}

const USAGE = `usage: admin.ts <wait|create-topics|list|grant-service-acls> [--brokers host:port[,...]] [--timeout seconds] [--file topics.json] [--json] [--topic-prefix P]`;

interface Options {
  readonly command: string | undefined;
  readonly brokers: string[];
  readonly timeout: number | undefined;
  readonly file: string | undefined;
  readonly json: boolean;
  readonly topicPrefix: string;
}

function parseArgs(argv: readonly string[]): Options {
  const [first, ...rest] = argv;
  let command = first === '-h' || first === '--help' ? 'help' : first;
  let brokers: string | undefined;
  let timeout: number | undefined;
  let file: string | undefined;
  let json = false;
  let topicPrefix = '';
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const take = (): string => {
      const v = rest[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    switch (arg) {
      case '--brokers':
        brokers = take();
        break;
      case '--timeout':
        timeout = Number(take());
        if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError('--timeout must be a positive number of seconds');
        break;
      case '--file':
        file = take();
        break;
      case '--json':
        json = true;
        break;
      case '--topic-prefix':
        topicPrefix = take();
        break;
      case '-h':
      case '--help':
        command = 'help';
        break;
      default:
        throw new UsageError(`unknown argument: ${arg}\n${USAGE}`);
    }
  }
  const list = (brokers ?? process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (list.length === 0) throw new UsageError('no brokers given');
  return { command, brokers: list, timeout, file, json, topicPrefix };
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** A client for one-off admin requests; `retries` 0 when the caller loops itself. */
function adminFor(brokers: readonly string[], retries = 5): KafkaAdmin {
  const kafka = createKafka({
    brokers,
    clientId: 'gridgov-infra-admin',
    sasl: kafkaSaslFromEnv(),
    retries,
    connectionTimeoutMs: 2000,
    requestTimeoutMs: 10_000,
  });
  return new KafkaAdmin(kafka);
}

async function cmdWait(opts: Options): Promise<void> {
  const timeoutMs = (opts.timeout ?? 90) * 1000;
  const started = Date.now();
  const deadline = started + timeoutMs;
  let lastError = 'no attempt made';
  let attempts = 0;
  while (Date.now() < deadline) {
    attempts++;
    // A fresh connection each time, no retries inside: this loop is the retry.
    const admin = adminFor(opts.brokers, 0);
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers > 0) {
        await admin.disconnect().catch(() => undefined);
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        console.log(
          `Kafka reachable at ${opts.brokers.join(',')} (cluster ${cluster.clusterId}, ${cluster.brokers} broker(s)) after ${attempts} attempt(s), ${secs}s`,
        );
        return;
      }
      lastError = 'metadata lists no brokers yet';
    } catch (err) {
      lastError = messageOf(err);
    }
    await admin.disconnect().catch(() => undefined);
    await sleep(Math.min(250, Math.max(0, deadline - Date.now())));
  }
  fail(`Kafka at ${opts.brokers.join(',')} not ready after ${timeoutMs / 1000}s (last error: ${lastError})`);
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

function loadTopicsFile(file: string | undefined): TopicSpec[] {
  if (!file) throw new UsageError(`create-topics needs --file <topics.json>\n${USAGE}`);
  const path = resolve(file);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${messageOf(err)}`);
  }
  if (!doc || typeof doc !== 'object' || !Array.isArray((doc as { topics?: unknown }).topics)) {
    throw new UsageError(`${path}: expected an object { "topics": [ ... ] }`);
  }
  const errors: string[] = [];
  const seen = new Set<string>();
  const topics = ((doc as { topics: unknown[] }).topics ?? []).map((t, i): TopicSpec | null => {
    const where = `topics[${i}]`;
    if (!t || typeof t !== 'object' || Array.isArray(t)) {
      errors.push(`${where}: must be an object`);
      return null;
    }
    for (const key of Object.keys(t)) {
      if (!['name', 'partitions', 'replicationFactor', 'config'].includes(key)) errors.push(`${where}: unknown key "${key}"`);
    }
    const { name, partitions, replicationFactor = 1, config = {} } = t as Record<string, unknown>;
    if (typeof name !== 'string' || !TOPIC_NAME.test(name) || name === '.' || name === '..') {
      errors.push(`${where}: invalid topic name ${JSON.stringify(name)}`);
    } else if (seen.has(name)) {
      errors.push(`${where}: duplicate topic "${name}"`);
    } else {
      seen.add(name);
    }
    const label = `${where} (${String(name)})`;
    if (typeof partitions !== 'number' || !Number.isInteger(partitions) || partitions < 1 || partitions > 1000) {
      errors.push(`${label}: "partitions" must be an integer in 1..1000`);
    }
    if (replicationFactor !== 1) errors.push(`${label}: "replicationFactor" must be 1 on the single-node local broker`);
    const entries: Record<string, string> = {};
    if (!config || typeof config !== 'object' || Array.isArray(config)) {
      errors.push(`${label}: "config" must be an object of string values`);
    } else {
      for (const [k, v] of Object.entries(config)) {
        if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) entries[k] = String(v);
        else errors.push(`${label}: config "${k}" must be a string (or number)`);
      }
    }
    return { name: String(name), partitions: Number(partitions), config: entries };
  });
  if (errors.length > 0) throw new UsageError(`${path} is invalid:\n  - ${errors.join('\n  - ')}`);
  return topics.filter((t): t is TopicSpec => t !== null);
}

/**
 * KRaft creates __consumer_offsets lazily on the first FindCoordinator request; until it has leaders,
 * consumers log "The group coordinator is not available" and retry. Asking once here lets the first
 * consumer group (e.g. in a test) join quickly and quietly.
 */
async function warmGroupCoordinator(admin: KafkaAdmin, topic: string | undefined, deadline: number): Promise<void> {
  if (!topic) return;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      await admin.committedOffsets('gridgov-infra-warmup', topic);
      return;
    } catch (err) {
      lastError = messageOf(err);
    }
    await sleep(200);
  }
  fail(`group coordinator (__consumer_offsets) not available in time: ${lastError}`);
}

async function cmdCreateTopics(opts: Options): Promise<void> {
  const wanted = loadTopicsFile(opts.file);
  const deadline = Date.now() + (opts.timeout ?? 60) * 1000;
  const admin = adminFor(opts.brokers);
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t.name));
    const present = wanted.filter((t) => existing.has(t.name));
    // A topic created meanwhile by someone else is not an error.
    await admin.createTopics(missing, { timeoutMs: Math.max(5000, deadline - Date.now()) });
    const metadata = await admin.waitForLeaders(
      wanted.map((t) => t.name),
      Math.max(1000, deadline - Date.now()),
    );
    const partitionsOf = new Map(metadata.map((t) => [t.name, t.partitions.length]));
    for (const t of missing) console.log(`created  ${t.name} (${partitionsOf.get(t.name)} partitions)`);
    // Settings the topics file gained since a topic was created (e.g. grid.commands' LogAppendTime, ADR 0019) are set.
    const configs =
      present.length === 0
        ? new Map<string, Record<string, string>>()
        : await admin.topicConfigs(
            present.map((t) => t.name),
            [...new Set(present.flatMap((t) => Object.keys(t.config ?? {})))],
          );
    for (const t of present) {
      const actual = partitionsOf.get(t.name);
      const note = actual === t.partitions ? '' : ` -- WARNING: topics file says ${t.partitions}, left unchanged`;
      const have = configs.get(t.name) ?? {};
      const stale = Object.entries(t.config ?? {}).filter(([k, v]) => have[k] !== v);
      if (stale.length > 0) await admin.setTopicConfig(t.name, t.config ?? {});
      const set = stale.length > 0 ? ` (set ${stale.map(([k, v]) => `${k}=${v}`).join(', ')})` : '';
      console.log(`exists   ${t.name} (${actual} partitions)${note}${set}`);
    }
    console.log(`${wanted.length} topic(s) ready (${missing.length} created, ${present.length} already existed)`);
    await warmGroupCoordinator(admin, wanted[0]?.name, deadline);
  } catch (err) {
    fail(`create-topics failed: ${messageOf(err)}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function cmdList(opts: Options): Promise<void> {
  const admin = adminFor(opts.brokers);
  try {
    await admin.connect();
    const names = (await admin.listTopics()).filter((n) => !n.startsWith('__')).sort();
    if (names.length === 0) {
      console.log(opts.json ? '[]' : '(no topics)');
      return;
    }
    const topics = await admin.topics(names);
    const configs = await admin.topicConfigs(names, ['retention.ms', 'retention.bytes', 'cleanup.policy']);
    const rows = topics
      .map((t) => ({
        name: t.name,
        partitions: t.partitions.length,
        leaderless: t.partitions.filter((p) => !(p.leader >= 0)).length,
        config: configs.get(t.name) ?? {},
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    if (opts.json) {
      console.log(JSON.stringify(rows, null, 2));
      return;
    }
    for (const r of rows) {
      const cfg = Object.entries(r.config)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      const leaders = r.leaderless ? ` (${r.leaderless} without leader)` : '';
      console.log(`${r.name}\tpartitions=${r.partitions}${leaders}\t${cfg}`);
    }
  } catch (err) {
    fail(`list failed: ${messageOf(err)}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function cmdGrantServiceAcls(opts: Options): Promise<void> {
  const kafka = createKafka({ brokers: opts.brokers, clientId: 'gridgov-infra-admin', sasl: kafkaSaslFromEnv(), retries: 5 });
  const bindings = kafkaPrincipals().flatMap((service) => kafkaAclBindings(service, opts.topicPrefix));
  try {
    await grantAcls(kafka, bindings);
  } catch (err) {
    fail(`grant-service-acls failed: ${messageOf(err)}`);
  }
  console.log(`${bindings.length} ACLs granted to ${kafkaPrincipals().join(', ')} (topic prefix '${opts.topicPrefix}')`);
}

async function main(argv: readonly string[]): Promise<void> {
  const opts = parseArgs(argv);
  switch (opts.command) {
    case 'wait':
      return cmdWait(opts);
    case 'create-topics':
      return cmdCreateTopics(opts);
    case 'list':
      return cmdList(opts);
    case 'grant-service-acls':
      return cmdGrantServiceAcls(opts);
    case 'help':
      console.log(USAGE);
      return;
    default:
      throw new UsageError(opts.command ? `unknown command: ${opts.command}\n${USAGE}` : USAGE);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => fail(messageOf(err), err instanceof UsageError ? 2 : 1),
);
