import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { redisPasswordVariable, redisUserName, SERVICE_NAMES, usesRedis, type ServiceName } from '@gridgov/contracts';
import { createKafka, DurableProducer, ensureTopics, readTopic, squatGroup, type KafkaClient, type KafkaSasl } from '@gridgov/kafka';
import { Redis } from '@gridgov/redis';
import {
  brokerLogin,
  createTestInfra,
  eventually,
  startOwnKafka,
  startOwnRedis,
  startService,
  testLogger,
  type OwnKafka,
  type OwnRedis,
  type RunningService,
  type TestInfra,
} from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * ADR 0017, issue 15 §2: the broker of infra/kafka/kafka.sh requires a SASL/SCRAM login and checks ACLs; each service's
 * principal may use only its own topics and groups (infra/services.json). Every refusal is checked twice: the client
 * is refused, and the broker's authorizer log names the principal, the operation and the resource it denied.
 */
describe('Kafka: each service principal is held to its own topics and groups', () => {
  let broker: OwnKafka;

  /** A plain client logged in as `principal`, with the password the broker's home keeps for it. */
  const as = (principal: string, sasl: KafkaSasl | undefined = brokerLogin(broker.brokers, principal)) =>
    createKafka({ brokers: [broker.brokers], clientId: principal, sasl, logger: testLogger(), retries: 0, connectionTimeoutMs: 2_000 });
  const produce = async (kafka: KafkaClient, topic: string, value: string) => {
    const producer = new DurableProducer(kafka, { retry: { retries: 0, maxRetryTimeMs: 500 } });
    try {
      await producer.connect();
      await producer.send(topic, [{ key: 'incident-1', value }]);
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  };
  /** Waits until the broker's authorizer log has said it denied `principal` `operation` on `resource` (e.g. Topic:LITERAL:grid.events). */
  const denied = (principal: string, operation: string, resource: string) => {
    // A name ending in '-' is a prefix (a group named after it); any other is the whole name.
    const name = resource.replaceAll('.', '\\.') + (resource.endsWith('-') ? '' : ' ');
    const line = new RegExp(`Principal = User:${principal} is Denied operation = ${operation} .*on resource = ${name}`);
    return eventually(
      () => readFile(join(broker.home, 'broker', 'logs', 'authorizer.log'), 'utf8'),
      (log) => log.split('\n').some((l) => line.test(l)),
      10_000,
    );
  };

  beforeAll(async () => {
    broker = await startOwnKafka();
  });

  afterAll(async () => {
    await broker?.remove();
  });

  it('refuses a client without a login, and one with a wrong password', async () => {
    await expect(produce(as('anonymous', undefined), 'grid.commands', 'x')).rejects.toThrow();
    await expect(produce(as('intake-api', { username: 'intake-api', password: 'not-its-password' }), 'grid.commands', 'x')).rejects.toThrow(
      /authentication failed/i,
    );
    expect(await readTopic(as('dispatch-worker'), 'grid.commands')).toEqual([]);
  });

  it('lets the intake write commands, and refuses it grid.events: neither read nor written', async () => {
    await produce(as('intake-api'), 'grid.commands', 'command-1');
    await produce(as('dispatch-worker'), 'grid.events', 'event-1');
    await expect(readTopic(as('intake-api'), 'grid.events', 10_000)).rejects.toThrow();
    // Groups named after it it may use (it follows grid.config, ADR 0024): the topic is what it is refused.
    await denied('intake-api', 'READ', 'Topic:LITERAL:grid.events');
    await expect(produce(as('intake-api'), 'grid.events', 'forged')).rejects.toThrow(/not authorized/i);
    await denied('intake-api', 'WRITE', 'Topic:LITERAL:grid.events');
    // What the worker wrote is all there is: nothing of the refused writes reached the log.
    expect((await readTopic(as('projection'), 'grid.events')).map((r) => r.value)).toEqual(['event-1']);
  });

  it('lets the worker read commands in its group; the projection may neither write nor read them, nor write an event', async () => {
    expect((await readTopic(as('dispatch-worker'), 'grid.commands')).map((r) => r.value)).toEqual(['command-1']);
    await expect(produce(as('projection'), 'grid.commands', 'forged')).rejects.toThrow(/not authorized/i);
    await denied('projection', 'DESCRIBE', 'Topic:LITERAL:grid.commands');
    await expect(readTopic(as('projection'), 'grid.commands', 10_000)).rejects.toThrow(/not authorized/i);
    // A forged event needs the worker's principal: the projection (like the intake) is refused.
    await expect(produce(as('projection'), 'grid.events', 'forged')).rejects.toThrow(/not authorized/i);
    await denied('projection', 'WRITE', 'Topic:LITERAL:grid.events');
    expect((await readTopic(as('dispatch-worker'), 'grid.commands')).map((r) => r.value)).toEqual(['command-1']);
  });

  it('lets the intake write configuration changes and every service read them; no other service writes one (ADR 0024)', async () => {
    await produce(as('intake-api'), 'grid.config', 'change-1');
    for (const service of ['intake-api', 'dispatch-worker', 'projection', 'notifier']) {
      expect((await readTopic(as(service), 'grid.config')).map((r) => r.value)).toEqual(['change-1']);
    }
    await expect(produce(as('dispatch-worker'), 'grid.config', 'forged')).rejects.toThrow(/not authorized/i);
    await denied('dispatch-worker', 'WRITE', 'Topic:LITERAL:grid.config');
    await expect(produce(as('projection'), 'grid.config', 'forged')).rejects.toThrow(/not authorized/i);
    expect((await readTopic(as('notifier'), 'grid.config')).map((r) => r.value)).toEqual(['change-1']);
  });

  it("refuses the worker the projection's consumer groups, and the projection the worker's", async () => {
    await expect(squatGroup(as('dispatch-worker'), 'projection', 'grid.events')).rejects.toThrow();
    await denied('dispatch-worker', 'DESCRIBE', 'Group:LITERAL:projection');
    await expect(squatGroup(as('dispatch-worker'), 'case-views', 'grid.events')).rejects.toThrow();
    await denied('dispatch-worker', 'DESCRIBE', 'Group:LITERAL:case-views');
    await expect(squatGroup(as('projection'), 'dispatch-worker', 'grid.events')).rejects.toThrow();
    await denied('projection', 'DESCRIBE', 'Group:LITERAL:dispatch-worker');
    // Its own group it may join.
    const own = await squatGroup(as('projection'), 'projection', 'grid.events');
    await own.leave();
  });

  it('refuses a service what only the admin may do: create a topic', async () => {
    await expect(ensureTopics(as('projection'), [{ name: 'grid.stolen', partitions: 1 }])).rejects.toThrow();
    await denied('projection', 'CREATE', 'Topic:LITERAL:grid.stolen');
    await ensureTopics(as('admin'), [{ name: 'grid.admin-made', partitions: 1 }]);
  });
});

/** Runs the project's script that creates the services' Redis users (scripts/up runs it the same way). */
async function createRedisUsers(redisUrl: string, keyPrefix: string, secrets: Record<string, string>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gridgov-secrets-'));
  try {
    const file = join(dir, 'secrets.env');
    writeFileSync(
      file,
      Object.entries(secrets)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
    );
    await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'packages/redis/src/cli/stack-access.ts',
        'redis-users',
        '--redis-url',
        redisUrl,
        '--key-prefix',
        keyPrefix,
        '--secrets',
        file,
      ],
      { cwd: repoRoot },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** ADR 0017, issue 15 §3: each service's Redis user may touch only its own keys, channels and commands. */
describe("Redis: a service's user is held to its own keys and commands", () => {
  let redis: OwnRedis;
  let admin: Redis;
  const users = new Map<ServiceName, Redis>();
  const secrets = Object.fromEntries(SERVICE_NAMES.filter(usesRedis).map((s) => [redisPasswordVariable(s), `password-of-${s}-0123456789`]));
  let defaultUserBefore: string;

  const as = (service: ServiceName) => users.get(service)!;

  beforeAll(async () => {
    redis = await startOwnRedis();
    admin = new Redis(redis.url);
    defaultUserBefore = ((await admin.call('ACL', 'LIST')) as string[]).find((l) => l.startsWith('user default '))!;
    await createRedisUsers(redis.url, 'grid', secrets);
    for (const service of SERVICE_NAMES.filter(usesRedis)) {
      const user = new Redis(redis.url, { username: redisUserName('grid', service), password: secrets[redisPasswordVariable(service)]! });
      users.set(service, user);
    }
    await admin.set('grid:incident:i1', '{"view":1}');
    await admin.hset('grid:{w0}:incidents', 'i1', '{"state":1}');
    await admin.set('other:incident:i1', '{"another stack":1}');
  });

  afterAll(async () => {
    for (const user of users.values()) user.disconnect();
    admin?.disconnect();
    await redis?.remove();
  });

  it('creates one user per service, named after the stack, and leaves the default user as it was', async () => {
    const list = (await admin.call('ACL', 'LIST')) as string[];
    expect(list.map((l) => l.split(' ')[1]).sort()).toEqual([
      'default',
      'grid-dispatch-worker',
      'grid-intake-api',
      'grid-notifier',
      'grid-projection',
    ]);
    expect(list.find((l) => l.startsWith('user default '))).toBe(defaultUserBefore);
  });

  it("lets the intake read the case views but not write them, nor touch the worker's state or another stack's keys", async () => {
    expect(await as('intake-api').get('grid:incident:i1')).toBe('{"view":1}');
    await expect(as('intake-api').set('grid:incident:i1', 'forged')).rejects.toThrow(/NOPERM/);
    await expect(as('intake-api').hget('grid:{w0}:incidents', 'i1')).rejects.toThrow(/NOPERM/);
    await expect(as('intake-api').get('other:incident:i1')).rejects.toThrow(/NOPERM/);
    expect(await as('intake-api').incr('grid:ratelimit:user:u1')).toBe(1);
    expect(await admin.get('grid:incident:i1')).toBe('{"view":1}');
  });

  it("lets the worker keep its partitions' state, and refuses it the read side's keys, in a script as well", async () => {
    expect(await as('dispatch-worker').hget('grid:{w0}:incidents', 'i1')).toBe('{"state":1}');
    await expect(as('dispatch-worker').get('grid:incident:i1')).rejects.toThrow(/NOPERM/);
    // A script's declared keys are checked, and so is every call inside it.
    await expect(as('dispatch-worker').eval("return redis.call('GET', KEYS[1])", 1, 'grid:incident:i1')).rejects.toThrow(/NOPERM/);
    await expect(as('dispatch-worker').eval("return redis.call('GET', 'grid:incident:i1')", 1, 'grid:{w0}:incidents')).rejects.toThrow(
      /NOPERM|can't access/,
    );
    expect(await as('dispatch-worker').eval("return redis.call('HGET', KEYS[1], 'i1')", 1, 'grid:{w0}:incidents')).toBe('{"state":1}');
  });

  it("lets the projection write the read side and publish its own notices, and refuses it the worker's state", async () => {
    await as('projection').set('grid:incident:i2', '{"view":2}');
    expect(await as('projection').publish('grid:figures-changed', '{}')).toBe(0);
    await expect(as('projection').publish('grid:something-else', '{}')).rejects.toThrow(/NOPERM/);
    await expect(as('projection').hget('grid:{w0}:incidents', 'i1')).rejects.toThrow(/NOPERM/);
    await expect(as('projection').del('grid:{w0}:incidents')).rejects.toThrow(/NOPERM/);
    expect(await admin.hget('grid:{w0}:incidents', 'i1')).toBe('{"state":1}');
  });

  it.each(['intake-api', 'dispatch-worker', 'projection'] as const)('refuses %s the commands of an administrator', async (service) => {
    await expect(as(service).flushall()).rejects.toThrow(/NOPERM/);
    await expect(as(service).keys('*')).rejects.toThrow(/NOPERM/);
    await expect(as(service).config('SET', 'maxmemory-policy', 'allkeys-lru')).rejects.toThrow(/NOPERM/);
    await expect(as(service).call('ACL', 'SETUSER', 'default', 'nopass')).rejects.toThrow(/NOPERM/);
    expect(await admin.dbsize()).toBeGreaterThan(0);
  });
});

/** The environment a started process really has (/proc/<pid>/environ). */
function environOf(service: RunningService): Record<string, string> {
  const raw = readFileSync(`/proc/${service.process.pid}/environ`, 'utf8');
  return Object.fromEntries(
    raw
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

/** Issue 20, finding 6: each service of a stack is started with only the secrets it uses, and its own logins. */
describe('one secret per service: the environment of each started process', () => {
  let infra: TestInfra;
  const started = new Map<ServiceName, RunningService>();
  const env = (name: ServiceName) => environOf(started.get(name)!);

  beforeAll(async () => {
    infra = await createTestInfra();
    const base = infra.env();
    for (const name of ['dispatch-worker', 'projection', 'intake-api'] as const) started.set(name, await startService(name, base));
    started.set(
      'console',
      await startService('console', {
        ...base,
        INTAKE_URL: started.get('intake-api')!.url!,
        PROJECTION_URL: started.get('projection')!.url!,
      }),
    );
  });

  afterAll(async () => {
    await Promise.all([...started.values()].map((s) => s.stop()));
    await infra?.cleanup();
  });

  it('gives the command signing key to the intake and the worker only', () => {
    expect(env('intake-api')['COMMAND_SIGNING_KEY']).toBe(infra.env()['COMMAND_SIGNING_KEY']);
    expect(env('dispatch-worker')['COMMAND_SIGNING_KEY']).toBe(infra.env()['COMMAND_SIGNING_KEY']);
    expect(env('projection')).not.toHaveProperty('COMMAND_SIGNING_KEY');
    expect(env('console')).not.toHaveProperty('COMMAND_SIGNING_KEY');
  });

  it('gives the token secret to the intake and the projection only', () => {
    expect(env('intake-api')['JWT_SECRET']).toBe(infra.env()['JWT_SECRET']);
    expect(env('projection')['JWT_SECRET']).toBe(infra.env()['JWT_SECRET']);
    expect(env('dispatch-worker')).not.toHaveProperty('JWT_SECRET');
    expect(env('console')).not.toHaveProperty('JWT_SECRET');
  });

  it('gives each service its own Kafka principal and Redis user, and the console neither', () => {
    const requiresLogin = brokerLogin(infra.brokers.join(',')) !== undefined;
    for (const name of ['intake-api', 'dispatch-worker', 'projection'] as const) {
      const own = env(name);
      if (requiresLogin) {
        expect(own['KAFKA_USERNAME']).toBe(name);
        expect(own['KAFKA_PASSWORD']).toBe(brokerLogin(infra.brokers.join(','), name)!.password);
      }
      expect(decodeURIComponent(new URL(own['REDIS_URL']!).username)).toBe(redisUserName(infra.keyPrefix, name));
      // No one else's password anywhere in its environment.
      const others = ['intake-api', 'dispatch-worker', 'projection', 'admin'].filter((o) => o !== name);
      const values = Object.values(own).join('\n');
      for (const other of others) {
        const password = brokerLogin(infra.brokers.join(','), other)?.password;
        if (password) expect(values).not.toContain(password);
      }
    }
    expect(env('console')).not.toHaveProperty('KAFKA_USERNAME');
    expect(env('console')).not.toHaveProperty('KAFKA_PASSWORD');
    expect(env('console')).not.toHaveProperty('REDIS_URL');
  });
});
