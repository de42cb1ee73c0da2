/**
 * The local stack's least privilege (ADR 0017), from infra/services.json. Run from the repository root:
 *
 *   node --import tsx packages/redis/src/cli/stack-access.ts redis-users --redis-url URL --key-prefix P --secrets FILE
 *     Creates (or resets) each service's Redis ACL user, <P>-<service>, limited to its key patterns, channels and
 *     commands, with the password REDIS_PASSWORD_<SERVICE> of the secrets file, and saves them (ACL SAVE) where the
 *     server has an ACL file. No other user is touched (never `default`): a Redis shared by several stacks keeps theirs.
 *
 *   node --import tsx packages/redis/src/cli/stack-access.ts service-envs --out-dir DIR --base FILE --secrets FILE
 *       [--kafka-credentials FILE] [--redis-url URL] [--key-prefix P]
 *     Writes DIR/<service>.env for each service: the base settings, then only the secrets it uses, its own Kafka login
 *     (from the broker's scram-credentials) and its own REDIS_URL.
 *
 * Exit codes: 0 ok, 1 failure, 2 usage.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  kafkaPrincipals,
  redisAclRules,
  redisPasswordVariable,
  redisUrlWithUser,
  redisUserName,
  SERVICE_NAMES,
  serviceEnvironment,
  usesRedis,
  type ServiceName,
} from '@gridgov/contracts';
import { Redis } from 'ioredis';

const USAGE = `usage: stack-access.ts redis-users --redis-url URL --key-prefix P --secrets FILE
       stack-access.ts service-envs --out-dir DIR --base FILE --secrets FILE [--kafka-credentials FILE] [--redis-url URL] [--key-prefix P]`;

class UsageError extends Error {}

/** KEY=VALUE lines (comments and blank lines skipped), as the stack's env files hold them. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_-]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

function readEnvFile(path: string): Record<string, string> {
  try {
    return parseEnvFile(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as Error).message}`);
  }
}

function options(argv: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]!;
    const value = argv[i + 1];
    if (!name.startsWith('--') || value === undefined) throw new UsageError(USAGE);
    out[name.slice(2)] = value;
  }
  return out;
}

function required(opts: Record<string, string>, name: string): string {
  const v = opts[name];
  if (!v) throw new UsageError(`--${name} is required\n${USAGE}`);
  return v;
}

function passwordOf(secrets: Record<string, string>, service: ServiceName): string {
  const password = secrets[redisPasswordVariable(service)];
  if (!password) throw new UsageError(`the secrets file has no ${redisPasswordVariable(service)} (bash scripts/dev-secrets writes it)`);
  return password;
}

async function redisUsers(opts: Record<string, string>): Promise<void> {
  const secrets = readEnvFile(required(opts, 'secrets'));
  const keyPrefix = required(opts, 'key-prefix');
  const redis = new Redis(required(opts, 'redis-url'), { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await redis.connect();
    for (const service of SERVICE_NAMES.filter(usesRedis)) {
      const user = redisUserName(keyPrefix, service);
      await redis.call('ACL', 'SETUSER', user, ...redisAclRules(service, keyPrefix), `>${passwordOf(secrets, service)}`);
      console.log(`Redis user ${user}: keys ${keyPrefix}:… of ${service} only`);
    }
    // Saved to the server's ACL file (infra/redis/redis.sh gives it one), so that the users outlive a restart. A Redis
    // without one (e.g. shared, started elsewhere) keeps them until it restarts; scripts/up creates them again.
    await redis.call('ACL', 'SAVE').catch((err: unknown) => console.log(`Redis users not saved to a file: ${(err as Error).message}`));
  } finally {
    redis.disconnect();
  }
}

function serviceEnvs(opts: Record<string, string>): void {
  const outDir = required(opts, 'out-dir');
  const base = readEnvFile(required(opts, 'base'));
  const secrets = readEnvFile(required(opts, 'secrets'));
  const kafkaCredentials = opts['kafka-credentials'] ? readEnvFile(opts['kafka-credentials']) : {};
  const redisUrl = opts['redis-url'] ?? base['REDIS_URL'];
  const keyPrefix = opts['key-prefix'] ?? base['KEY_PREFIX'] ?? 'grid';
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  for (const service of SERVICE_NAMES) {
    const password = kafkaCredentials[service];
    if (kafkaPrincipals().includes(service) && opts['kafka-credentials'] && !password) {
      throw new UsageError(`${opts['kafka-credentials']} has no login for ${service}`);
    }
    const env = serviceEnvironment(service, base, secrets, {
      kafka: password ? { username: service, password } : undefined,
      redisUrl:
        redisUrl && usesRedis(service)
          ? redisUrlWithUser(redisUrl, redisUserName(keyPrefix, service), passwordOf(secrets, service))
          : undefined,
    });
    const file = join(outDir, `${service}.env`);
    const text = Object.entries(env)
      .map(([k, v]) => `${k}=${v}\n`)
      .join('');
    writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
    chmodSync(`${file}.tmp`, 0o600);
    renameSync(`${file}.tmp`, file);
    console.log(`${file}: ${Object.keys(env).join(' ')}`);
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const [command, ...rest] = argv;
  const opts = options(rest);
  if (command === 'redis-users') return redisUsers(opts);
  if (command === 'service-envs') return serviceEnvs(opts);
  throw new UsageError(USAGE);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`stack-access: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
