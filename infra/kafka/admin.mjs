#!/usr/bin/env node
// Small Kafka admin helper for the local broker (infra/kafka/kafka.sh), using kafkajs.
//
//   node infra/kafka/admin.mjs wait          [--brokers 127.0.0.1:9092] [--timeout 90]
//   node infra/kafka/admin.mjs create-topics [--brokers ...] [--file infra/topics.json] [--timeout 60]
//   node infra/kafka/admin.mjs list          [--brokers ...] [--json]
//
// --brokers defaults to $KAFKA_BROKERS, then 127.0.0.1:9092 (comma-separated list allowed).
// Exit codes: 0 ok, 1 failure / timeout, 2 usage or invalid topics file.
//
// kafkajs is resolved with require() semantics from this file's location, i.e. from the
// workspace root node_modules (it must be a root (dev)dependency: pnpm does not hoist
// transitive packages to the root). NODE_PATH is honoured as a fallback.

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const require = createRequire(import.meta.url);

function loadKafkajs() {
  try {
    return require('kafkajs');
  } catch (err) {
    if (err && err.code === 'MODULE_NOT_FOUND') {
      fail(
        'kafkajs is not installed: run `pnpm install` at the repository root ' +
          '(kafkajs must be a root devDependency), or set NODE_PATH to a node_modules containing it.',
        2,
      );
    }
    throw err;
  }
}

function fail(message, code = 1) {
  process.stderr.write(`admin.mjs: ${message}\n`);
  process.exit(code);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- arguments

const USAGE = `usage: admin.mjs <wait|create-topics|list> [--brokers host:port[,...]] [--timeout seconds] [--file topics.json] [--json]`;

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const opts = { command: command === '-h' || command === '--help' ? 'help' : command, json: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const take = () => {
      const v = rest[++i];
      if (v === undefined || v.startsWith('--')) fail(`${arg} needs a value\n${USAGE}`, 2);
      return v;
    };
    switch (arg) {
      case '--brokers':
        opts.brokers = take();
        break;
      case '--timeout':
        opts.timeout = Number(take());
        if (!Number.isFinite(opts.timeout) || opts.timeout <= 0) fail('--timeout must be a positive number of seconds', 2);
        break;
      case '--file':
        opts.file = take();
        break;
      case '--json':
        opts.json = true;
        break;
      case '-h':
      case '--help':
        opts.command = 'help';
        break;
      default:
        fail(`unknown argument: ${arg}\n${USAGE}`, 2);
    }
  }
  const brokers = (opts.brokers ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) fail('no brokers given', 2);
  opts.brokers = brokers;
  return opts;
}

// ---------------------------------------------------------------- kafkajs

function makeKafka(brokers, { retries = 5 } = {}) {
  const { Kafka, logLevel } = loadKafkajs();
  return new Kafka({
    clientId: 'gridgov-infra-admin',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 10000,
    retry: { retries, initialRetryTime: 200, maxRetryTime: 2000 },
  });
}

async function safeDisconnect(admin) {
  try {
    await admin.disconnect();
  } catch {
    /* ignore */
  }
}

// ---------------------------------------------------------------- wait

async function cmdWait(opts) {
  const timeoutMs = (opts.timeout ?? 90) * 1000;
  const started = Date.now();
  const deadline = started + timeoutMs;
  // No kafkajs-level retries: we loop ourselves with a fresh connection each time.
  const kafka = makeKafka(opts.brokers, { retries: 0 });
  let lastError = 'no attempt made';
  let attempts = 0;
  while (Date.now() < deadline) {
    attempts++;
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0) {
        await safeDisconnect(admin);
        const secs = ((Date.now() - started) / 1000).toFixed(1);
        console.log(
          `Kafka reachable at ${opts.brokers.join(',')} (cluster ${cluster.clusterId}, ` +
            `${cluster.brokers.length} broker(s)) after ${attempts} attempt(s), ${secs}s`,
        );
        return;
      }
      lastError = 'metadata lists no brokers yet';
    } catch (err) {
      lastError = err?.message ?? String(err);
    }
    await safeDisconnect(admin);
    await sleep(Math.min(250, Math.max(0, deadline - Date.now())));
  }
  fail(`Kafka at ${opts.brokers.join(',')} not ready after ${timeoutMs / 1000}s (last error: ${lastError})`);
}

// ---------------------------------------------------------------- topics file

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

function loadTopicsFile(file) {
  if (!file) fail(`create-topics needs --file <topics.json>\n${USAGE}`, 2);
  const path = resolve(file);
  let doc;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    fail(`cannot read ${path}: ${err.message}`, 2);
  }
  const errors = [];
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.topics)) {
    fail(`${path}: expected an object { "topics": [ ... ] }`, 2);
  }
  const seen = new Set();
  const topics = doc.topics.map((t, i) => {
    const where = `topics[${i}]`;
    if (!t || typeof t !== 'object' || Array.isArray(t)) {
      errors.push(`${where}: must be an object`);
      return null;
    }
    for (const key of Object.keys(t)) {
      if (!['name', 'partitions', 'replicationFactor', 'config'].includes(key)) {
        errors.push(`${where}: unknown key "${key}"`);
      }
    }
    const { name, partitions, replicationFactor = 1, config = {} } = t;
    if (typeof name !== 'string' || !TOPIC_NAME.test(name) || name === '.' || name === '..') {
      errors.push(`${where}: invalid topic name ${JSON.stringify(name)}`);
    } else if (seen.has(name)) {
      errors.push(`${where}: duplicate topic "${name}"`);
    } else {
      seen.add(name);
    }
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1000) {
      errors.push(`${where} (${name}): "partitions" must be an integer in 1..1000`);
    }
    if (replicationFactor !== 1) {
      errors.push(`${where} (${name}): "replicationFactor" must be 1 on the single-node local broker`);
    }
    const configEntries = [];
    if (!config || typeof config !== 'object' || Array.isArray(config)) {
      errors.push(`${where} (${name}): "config" must be an object of string values`);
    } else {
      for (const [k, v] of Object.entries(config)) {
        if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) {
          errors.push(`${where} (${name}): config "${k}" must be a string (or number)`);
        } else {
          configEntries.push({ name: k, value: String(v) });
        }
      }
    }
    return { topic: name, numPartitions: partitions, replicationFactor: 1, configEntries };
  });
  if (errors.length > 0) fail(`${path} is invalid:\n  - ${errors.join('\n  - ')}`, 2);
  return topics;
}

// ---------------------------------------------------------------- create-topics

async function waitForLeaders(admin, names, deadline) {
  let pending = names;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: names });
      pending = topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => !(p.leader >= 0))).map((t) => t.name);
      if (pending.length === 0) return topics;
    } catch (err) {
      lastError = ` (${err?.message ?? err})`;
    }
    await sleep(200);
  }
  fail(`timed out waiting for partition leaders of: ${pending.join(', ')}${lastError}`);
}

async function warmGroupCoordinator(admin, topic, deadline) {
  if (!topic) return;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      await admin.fetchOffsets({ groupId: 'gridgov-infra-warmup', topics: [topic] });
      return;
    } catch (err) {
      lastError = err?.message ?? String(err);
    }
    await sleep(200);
  }
  fail(`group coordinator (__consumer_offsets) not available in time: ${lastError}`);
}

async function cmdCreateTopics(opts) {
  const wanted = loadTopicsFile(opts.file);
  const deadline = Date.now() + (opts.timeout ?? 60) * 1000;
  const admin = makeKafka(opts.brokers).admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t.topic));
    const present = wanted.filter((t) => existing.has(t.topic));

    if (missing.length > 0) {
      // Returns false when some topic already existed (e.g. a concurrent creator): not an error.
      await admin.createTopics({
        topics: missing,
        waitForLeaders: true,
        timeout: Math.max(5000, deadline - Date.now()),
      });
    }

    const metadata = await waitForLeaders(
      admin,
      wanted.map((t) => t.topic),
      deadline,
    );
    const partitionsOf = new Map(metadata.map((t) => [t.name, t.partitions.length]));

    for (const t of missing) {
      console.log(`created  ${t.topic} (${partitionsOf.get(t.topic)} partitions)`);
    }
    for (const t of present) {
      const actual = partitionsOf.get(t.topic);
      const note = actual === t.numPartitions ? '' : ` -- WARNING: topics file says ${t.numPartitions}, left unchanged`;
      console.log(`exists   ${t.topic} (${actual} partitions)${note}`);
    }
    console.log(`${wanted.length} topic(s) ready (${missing.length} created, ${present.length} already existed)`);

    // KRaft creates __consumer_offsets lazily on the first FindCoordinator request; until it has
    // leaders, kafkajs consumers log "The group coordinator is not available" errors and retry.
    // Do that once here so the first consumer group (e.g. in a test) joins quickly and quietly.
    await warmGroupCoordinator(admin, wanted[0]?.topic, deadline);
  } catch (err) {
    const details = Array.isArray(err?.errors) ? `: ${err.errors.map((e) => `${e.topic ?? ''} ${e.type ?? e.message}`).join('; ')}` : '';
    fail(`create-topics failed: ${err?.message ?? err}${details}`);
  } finally {
    await safeDisconnect(admin);
  }
}

// ---------------------------------------------------------------- list

async function cmdList(opts) {
  const admin = makeKafka(opts.brokers).admin();
  try {
    await admin.connect();
    const names = (await admin.listTopics()).filter((n) => !n.startsWith('__')).sort();
    if (names.length === 0) {
      console.log(opts.json ? '[]' : '(no topics)');
      return;
    }
    const { topics } = await admin.fetchTopicMetadata({ topics: names });
    const { ConfigResourceTypes } = loadKafkajs();
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: names.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ['retention.ms', 'retention.bytes', 'cleanup.policy'],
      })),
    });
    const configOf = new Map(
      configs.resources.map((r) => [r.resourceName, Object.fromEntries(r.configEntries.map((e) => [e.configName, e.configValue]))]),
    );
    const rows = topics
      .map((t) => ({
        name: t.name,
        partitions: t.partitions.length,
        leaderless: t.partitions.filter((p) => !(p.leader >= 0)).length,
        config: configOf.get(t.name) ?? {},
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
    fail(`list failed: ${err?.message ?? err}`);
  } finally {
    await safeDisconnect(admin);
  }
}

// ---------------------------------------------------------------- main

const opts = parseArgs(process.argv.slice(2));
switch (opts.command) {
  case 'wait':
    await cmdWait(opts);
    break;
  case 'create-topics':
    await cmdCreateTopics(opts);
    break;
  case 'list':
    await cmdList(opts);
    break;
  case 'help':
    console.log(USAGE);
    break;
  default:
    fail(opts.command ? `unknown command: ${opts.command}\n${USAGE}` : USAGE, 2);
}
