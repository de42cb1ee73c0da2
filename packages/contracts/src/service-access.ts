// eslint-disable-next-line import-x/no-relative-packages -- infra/services.json is no package's: it is the one definition of who may do what
import accessFile from '../../../infra/services.json' with { type: 'json' };

/**
 * Least privilege, in one place (ADR 0017): infra/services.json says, for each service, which secrets it receives,
 * which topics and consumer groups its Kafka principal may use, and which Redis keys, channels and commands its Redis
 * user may touch. From it come the broker's ACLs (infra/kafka/kafka.sh, the tests' stacks), the Redis ACL users
 * (scripts/up, the tests' stacks) and each service's environment (scripts/up, packages/testing's startService,
 * docker-compose.yml's env files).
 */
/** The services, and `import-cases`: an operator's tool with a Kafka login of its own (ADR 0030). */
export const SERVICE_NAMES = ['intake-api', 'dispatch-worker', 'projection', 'notifier', 'console', 'import-cases'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** DescribeConfigs: the worker checks at start that grid.commands keeps LogAppendTime (ADR 0019). */
export type KafkaTopicOperation = 'Read' | 'Write' | 'Describe' | 'DescribeConfigs';

interface ServiceAccessFile {
  readonly secretVariables: readonly string[];
  readonly services: Record<
    ServiceName,
    {
      readonly secrets: readonly string[];
      readonly kafka: { readonly topics: Readonly<Record<string, readonly string[]>>; readonly groups: readonly string[] } | null;
      readonly redis: {
        readonly read: readonly string[];
        readonly readWrite: readonly string[];
        readonly channels: readonly string[];
        readonly commands: readonly string[];
      } | null;
    }
  >;
}

const ACCESS = accessFile as ServiceAccessFile;

/** The variables that hold a secret of the stack (token secret, command signing keys): each service gets only its own. */
export const STACK_SECRET_VARIABLES: readonly string[] = ACCESS.secretVariables;
/** The variables of a service's own Kafka login (SASL/SCRAM-SHA-256): never another service's. */
export const KAFKA_CREDENTIAL_VARIABLES = ['KAFKA_USERNAME', 'KAFKA_PASSWORD'] as const;
/** The Kafka principal with every right (super user): infra scripts and tests' plain clients, never a service. */
export const KAFKA_ADMIN_USER = 'admin';

/** The secrets `service` uses, by variable name (infra/services.json). */
export function serviceSecrets(service: ServiceName): readonly string[] {
  return ACCESS.services[service].secrets;
}

/** The Kafka principals of the services (User:<name>): the services that use Kafka, by name. */
export function kafkaPrincipals(): ServiceName[] {
  return SERVICE_NAMES.filter((s) => ACCESS.services[s].kafka !== null);
}

/** One ACL of the broker: allow `principal` `operation` on a topic or a consumer group (literal or by prefix). */
export interface KafkaAclBinding {
  readonly principal: string;
  readonly resourceType: 'topic' | 'group';
  readonly resourceName: string;
  readonly patternType: 'literal' | 'prefixed';
  readonly operation: KafkaTopicOperation | 'Delete';
}

/**
 * The ACLs of `service`'s principal for a deployment whose topics and groups carry `topicPrefix` (TOPIC_PREFIX): its
 * topics by literal name with their operations, its consumer groups by prefix (the live group, the restore and rebuild
 * groups named after it, the range readers' groups named after its client id). Nothing else is allowed: the broker
 * denies what no ACL allows.
 */
export function kafkaAclBindings(service: ServiceName, topicPrefix = ''): KafkaAclBinding[] {
  const kafka = ACCESS.services[service].kafka;
  if (!kafka) return [];
  const principal = `User:${service}`;
  const topics = Object.entries(kafka.topics).flatMap(([topic, operations]) =>
    operations.map((operation): KafkaAclBinding => ({
      principal,
      resourceType: 'topic',
      resourceName: `${topicPrefix}${topic}`,
      patternType: 'literal',
      operation: operation as KafkaTopicOperation,
    })),
  );
  const groupPrefixes = [...new Set(kafka.groups.map((g) => g.replaceAll('{TOPIC_PREFIX}', topicPrefix)))];
  const groups = groupPrefixes.flatMap((group) =>
    (['Read', 'Describe', 'Delete'] as const).map((operation): KafkaAclBinding => ({
      principal,
      resourceType: 'group',
      resourceName: group,
      patternType: 'prefixed',
      operation,
    })),
  );
  return [...topics, ...groups];
}

/** The Redis ACL user of `service` in the stack `stack` (KEY_PREFIX): named after the stack, so stacks sharing a Redis never meet. */
export function redisUserName(stack: string, service: ServiceName): string {
  return `${stack}-${service}`;
}

/** The variable of the stack's secrets that holds the password of `service`'s Redis user (REDIS_PASSWORD_INTAKE_API, …). */
export function redisPasswordVariable(service: ServiceName): string {
  return `REDIS_PASSWORD_${service.toUpperCase().replaceAll('-', '_')}`;
}

/** True when `service` connects to Redis at all. */
export function usesRedis(service: ServiceName): boolean {
  return ACCESS.services[service].redis !== null;
}

/**
 * The rules of `ACL SETUSER <user> ...` for `service` with keys under `keyPrefix` (without the password): its commands,
 * read-only key patterns (%R~), read-write key patterns (~) and pub/sub channels (&), everything else reset first.
 * Scripts declare their keys (EVALSHA numkeys) and Redis checks every call inside them too, so the patterns hold there.
 */
export function redisAclRules(service: ServiceName, keyPrefix: string): string[] {
  const redis = ACCESS.services[service].redis;
  if (!redis) return [];
  const key = (pattern: string) => `${keyPrefix}:${pattern}`;
  return [
    'reset',
    'on',
    ...redis.commands,
    ...redis.read.map((p) => `%R~${key(p)}`),
    ...redis.readWrite.map((p) => `~${key(p)}`),
    ...redis.channels.map((c) => `&${key(c)}`),
  ];
}

/** `url` (redis:// or rediss://) logging in as `user` with `password`. */
export function redisUrlWithUser(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(password);
  return u.toString();
}

/**
 * `env` without any secret of the stack or Kafka login: what every service may inherit (the rest of its environment is
 * added by serviceEnvironment).
 */
export function withoutStackSecrets(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const drop = new Set<string>([...STACK_SECRET_VARIABLES, ...KAFKA_CREDENTIAL_VARIABLES]);
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && !drop.has(e[0])));
}

export interface ServiceCredentials {
  /** Its Kafka login (absent: a broker without SASL, e.g. a container of the tests). */
  readonly kafka?: { readonly username: string; readonly password: string } | undefined;
  /** Its REDIS_URL, logging in as its own Redis user (absent: the base environment's REDIS_URL). */
  readonly redisUrl?: string | undefined;
}

/**
 * The environment `service` is started with: `base` (the stack's settings) without any secret, then only the secrets it
 * uses, taken from `secrets`, then its own Kafka login and Redis URL. The one function scripts/up (through the
 * service-access CLI) and the tests' startService build every service's environment with.
 */
export function serviceEnvironment(
  service: ServiceName,
  base: Readonly<Record<string, string | undefined>>,
  secrets: Readonly<Record<string, string | undefined>>,
  credentials: ServiceCredentials = {},
): Record<string, string> {
  const env = withoutStackSecrets(base);
  for (const name of serviceSecrets(service)) {
    const value = secrets[name];
    if (value !== undefined && value !== '') env[name] = value;
  }
  if (ACCESS.services[service].kafka && credentials.kafka) {
    env['KAFKA_USERNAME'] = credentials.kafka.username;
    env['KAFKA_PASSWORD'] = credentials.kafka.password;
  }
  if (!usesRedis(service)) delete env['REDIS_URL'];
  else if (credentials.redisUrl) env['REDIS_URL'] = credentials.redisUrl;
  if (!ACCESS.services[service].kafka) delete env['KAFKA_BROKERS'];
  return env;
}
