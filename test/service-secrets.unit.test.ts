import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SERVICE_NAMES, serviceEnvironment, STACK_SECRET_VARIABLES, type ServiceName } from '@gridgov/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Issue 20, finding 6: what each service must get, and nothing more. */
const EXPECTED_SECRETS: Record<ServiceName, string[]> = {
  'intake-api': ['COMMAND_SIGNING_KEY', 'JWT_SECRET', 'KEK_FILE', 'PSEUDONYM_SECRET'],
  'dispatch-worker': ['COMMAND_SIGNING_KEY', 'KEK_FILE', 'PSEUDONYM_SECRET'],
  projection: ['JWT_SECRET'],
  notifier: ['JWT_SECRET', 'WEBHOOK_SECRET'],
  console: [],
  'import-cases': ['IMPORT_SIGNING_KEY'],
};

const ALL_SECRETS = {
  JWT_SECRET: 'jwt-secret-value',
  COMMAND_SIGNING_KEY: 'signing-key-value',
  WEBHOOK_SECRET: 'webhook-secret-value',
  PSEUDONYM_SECRET: 'pseudonym-secret-value',
  KEK_FILE: '/secrets/kek.json',
  IMPORT_SIGNING_KEY: 'import-signing-key-value',
};

const secretsIn = (env: Record<string, string>) =>
  Object.keys(env)
    .filter((k) => STACK_SECRET_VARIABLES.includes(k))
    .sort();

describe('one secret per service (infra/services.json)', () => {
  it.each(SERVICE_NAMES)('gives %s only the secrets it uses, whatever the stack holds', (service) => {
    const base = {
      KAFKA_BROKERS: '127.0.0.1:9092',
      REDIS_URL: 'redis://127.0.0.1:6379',
      ...ALL_SECRETS,
      KAFKA_USERNAME: 'admin',
      KAFKA_PASSWORD: 'x',
    };
    const env = serviceEnvironment(service, base, ALL_SECRETS);
    expect(secretsIn(env)).toEqual(EXPECTED_SECRETS[service]);
    // The admin's Kafka login of the environment it was started from is never passed on.
    expect(env['KAFKA_USERNAME']).not.toBe('admin');
  });
});

describe("scripts/up's environment files (stack-access.ts service-envs)", () => {
  let dir: string;
  const read = (service: ServiceName) =>
    Object.fromEntries(
      readFileSync(join(dir, 'services', `${service}.env`), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gridgov-envs-'));
    writeFileSync(
      join(dir, 'stack.env'),
      'KAFKA_BROKERS=127.0.0.1:9092\nREDIS_URL=redis://127.0.0.1:6390\nKEY_PREFIX=grid\nLOG_LEVEL=info\n',
    );
    writeFileSync(
      join(dir, 'secrets.env'),
      'JWT_SECRET=jwt-secret-value\nCOMMAND_SIGNING_KEY=signing-key-value\nWEBHOOK_SECRET=webhook-secret-value\nPSEUDONYM_SECRET=pseudonym-secret-value\nKEK_FILE=/secrets/kek.json\nIMPORT_SIGNING_KEY=import-signing-key-value\nREDIS_PASSWORD_INTAKE_API=ri\nREDIS_PASSWORD_DISPATCH_WORKER=rw\nREDIS_PASSWORD_PROJECTION=rp\nREDIS_PASSWORD_NOTIFIER=rn\n',
    );
    writeFileSync(
      join(dir, 'scram-credentials'),
      'admin=ka\nintake-api=ki\ndispatch-worker=kw\nprojection=kp\nnotifier=kn\nimport-cases=kc\n',
    );
    await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'packages/redis/src/cli/stack-access.ts',
        'service-envs',
        '--out-dir',
        join(dir, 'services'),
        '--base',
        join(dir, 'stack.env'),
        '--secrets',
        join(dir, 'secrets.env'),
        '--kafka-credentials',
        join(dir, 'scram-credentials'),
      ],
      { cwd: root },
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(SERVICE_NAMES)('writes %s only its secrets, its own Kafka login and its own Redis user', (service) => {
    const env = read(service);
    expect(secretsIn(env)).toEqual(EXPECTED_SECRETS[service]);
    const kafka = {
      'intake-api': 'ki',
      'dispatch-worker': 'kw',
      projection: 'kp',
      notifier: 'kn',
      console: undefined,
      'import-cases': 'kc',
    }[service];
    const redis = {
      'intake-api': 'ri',
      'dispatch-worker': 'rw',
      projection: 'rp',
      notifier: 'rn',
      console: undefined,
      'import-cases': undefined,
    }[service];
    if (kafka) {
      expect(env).toMatchObject({ KAFKA_USERNAME: service, KAFKA_PASSWORD: kafka });
      // The importer (ADR 0030) writes grid.events and touches no Redis.
      if (redis) {
        const url = new URL(env['REDIS_URL']!);
        expect([url.username, url.password]).toEqual([`grid-${service}`, redis]);
      } else expect(env).not.toHaveProperty('REDIS_URL');
    } else {
      expect(env).not.toHaveProperty('KAFKA_PASSWORD');
      expect(env).not.toHaveProperty('REDIS_URL');
    }
    // No other service's password, nor the admin's.
    const text = Object.values(env).join('\n');
    for (const other of ['ka', 'ki', 'kw', 'kp', 'kc', 'ri', 'rw', 'rp'].filter((p) => p !== kafka && p !== redis)) {
      expect(text).not.toMatch(new RegExp(`(^|[=:])${other}(@|$)`, 'm'));
    }
  });
});

describe('docker-compose.yml', () => {
  const compose = readFileSync(resolve(root, 'docker-compose.yml'), 'utf8');

  it.each(['intake-api', 'dispatch-worker', 'projection'] as const)(
    "gives %s its own env file (scripts/dev-secrets writes only its secrets there), never the stack's",
    (service) => {
      const block = compose.slice(compose.indexOf(`\n  ${service}:\n`) + 1).split(/\n {2}[a-z-]+:\n/)[0]!;
      expect(block).toContain(`env_file: .local/compose/${service}.env`);
    },
  );

  it('names no secret of the stack anywhere else, nor the file that holds them all', () => {
    expect(compose).not.toContain('env_file: .local/secrets.env');
    for (const name of STACK_SECRET_VARIABLES) expect(compose).not.toMatch(new RegExp(`^\\s+${name}:`, 'm'));
  });
});
