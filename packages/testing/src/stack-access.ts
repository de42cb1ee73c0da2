import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  kafkaAclBindings,
  KAFKA_ADMIN_USER,
  kafkaPrincipals,
  redisAclRules,
  redisUrlWithUser,
  redisUserName,
  serviceEnvironment,
  SERVICE_NAMES,
  STACK_SECRET_VARIABLES,
  usesRedis,
  type ServiceName,
} from '@gridgov/contracts';
import { createKafka, grantAcls, revokeAcls, type KafkaSasl } from '@gridgov/kafka';
import { Redis } from 'ioredis';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Home directories of brokers started by infra/kafka/kafka.sh elsewhere than <repo>/.local/kafka-<port> (startOwnKafka). */
const brokerHomes = new Map<string, string>();

/** Records where the broker at `brokers` keeps its credentials (its KAFKA_HOME_DIR). */
export function registerBrokerHome(brokers: string, home: string): void {
  brokerHomes.set(brokers, home);
}

function credentialsFile(brokers: string): string | undefined {
  const home = brokerHomes.get(brokers);
  if (home) return join(home, 'scram-credentials');
  const port = /^127\.0\.0\.1:(\d+)$/.exec(brokers.split(',')[0]?.trim() ?? '')?.[1];
  return port ? join(repoRoot, '.local', `kafka-${port}`, 'scram-credentials') : undefined;
}

/**
 * The login of `principal` on the broker at `brokers`, if it requires one: from the broker's own credentials file
 * (infra/kafka/kafka.sh keeps it in its home, ADR 0017), or, for the admin, KAFKA_USERNAME/KAFKA_PASSWORD when set.
 * Undefined: a broker without SASL (a container of the tests).
 */
export function brokerLogin(brokers: string, principal: string = KAFKA_ADMIN_USER): KafkaSasl | undefined {
  const file = credentialsFile(brokers);
  if (file && existsSync(file)) {
    const line = readFileSync(file, 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${principal}=`));
    if (line) return { username: principal, password: line.slice(principal.length + 1) };
  }
  const username = process.env['KAFKA_USERNAME'];
  const password = process.env['KAFKA_PASSWORD'];
  if (principal === KAFKA_ADMIN_USER && username && password) return { username, password };
  return undefined;
}

/** Passwords of the Redis users this process created, so that a service started again logs in as before. */
const redisPasswords = new Map<string, string>();

/** Creates (or resets) `service`'s Redis ACL user of the stack `keyPrefix` on the Redis at `redisUrl`, and its URL. */
async function redisUserUrl(service: ServiceName, redisUrl: string, keyPrefix: string): Promise<string | undefined> {
  const user = redisUserName(keyPrefix, service);
  const id = `${redisUrl} ${user}`;
  const password = redisPasswords.get(id) ?? randomBytes(18).toString('base64url');
  // Kept before the first await: two instances of a service started at once share one password, not the last one's.
  redisPasswords.set(id, password);
  const admin = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    retryStrategy: () => null,
  });
  admin.on('error', () => undefined);
  try {
    await admin.connect();
    await admin.call('ACL', 'SETUSER', user, ...redisAclRules(service, keyPrefix), `>${password}`);
    // Kept across a restart where the server has an ACL file (startOwnRedis, redis.sh); elsewhere, in memory only.
    await admin.call('ACL', 'SAVE').catch(() => undefined);
  } catch {
    // A Redis that does not answer (a test of a service refusing it): the service is given the URL as it is.
    return undefined;
  } finally {
    admin.disconnect();
  }
  return redisUrlWithUser(redisUrl, user, password);
}

/** Deletes the services' Redis users of the stack `keyPrefix` (a test's cleanup). */
export async function removeRedisUsers(redis: Redis, keyPrefix: string): Promise<void> {
  await redis.call('ACL', 'DELUSER', ...SERVICE_NAMES.filter(usesRedis).map((s) => redisUserName(keyPrefix, s)));
}

/** Grants `service`'s ACLs for the topics and groups under `topicPrefix` on a broker that requires logins. */
async function grantServiceAcls(brokers: string, service: ServiceName, topicPrefix: string): Promise<boolean> {
  const admin = brokerLogin(brokers);
  if (!admin) return false;
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'test-acls', sasl: admin, retries: 2, connectionTimeoutMs: 2_000 });
  try {
    await grantAcls(kafka, kafkaAclBindings(service, topicPrefix));
    return true;
  } catch {
    // A broker that does not answer (a test of a service refusing it).
    return false;
  }
}

/**
 * Revokes the services' ACLs of a test's topic prefix (its cleanup): only those under the prefix. The ones every stack
 * shares (the range readers' groups, named after the client id; the unprefixed topics kafka.sh granted) stay.
 */
export async function revokeServiceAcls(brokers: string, topicPrefix: string): Promise<void> {
  const admin = brokerLogin(brokers);
  if (!admin || topicPrefix === '') return;
  const kafka = createKafka({ brokers: brokers.split(','), clientId: 'test-acls', sasl: admin, retries: 2 });
  await revokeAcls(
    kafka,
    kafkaPrincipals()
      .flatMap((s) => kafkaAclBindings(s, topicPrefix))
      .filter((b) => b.resourceName.startsWith(topicPrefix)),
  );
}

/**
 * The environment a test starts `service` with, as scripts/up does: `env` (with whatever the test process has) without
 * any secret the service does not use, its own Kafka principal (ACLs granted for the test's TOPIC_PREFIX) and its own
 * Redis user (limited to the test's KEY_PREFIX), never the admin's or another service's (ADR 0017).
 */
export async function testServiceEnvironment(
  service: ServiceName,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Record<string, string>> {
  const base = { ...process.env, ...env };
  const secrets = Object.fromEntries(STACK_SECRET_VARIABLES.map((name) => [name, base[name]]));
  const brokers = base['KAFKA_BROKERS'];
  let kafka: KafkaSasl | undefined;
  if (brokers && kafkaPrincipals().includes(service)) {
    kafka = brokerLogin(brokers, service);
    if (kafka && !(await grantServiceAcls(brokers, service, base['TOPIC_PREFIX'] ?? ''))) kafka = undefined;
  }
  const redisUrl = base['REDIS_URL'];
  const ownRedisUrl = redisUrl && usesRedis(service) ? await redisUserUrl(service, redisUrl, base['KEY_PREFIX'] ?? 'grid') : undefined;
  return serviceEnvironment(service, base, secrets, { kafka, redisUrl: ownRedisUrl });
}
