import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generateEventSigningKey } from '@gridgov/auth';
import { KafkaAdmin, topicWatermarks } from '@gridgov/kafka';
import {
  bearer,
  createTestInfra,
  eventually,
  freePort,
  TEST_SERVICE_SECRETS,
  testServiceEnvironment,
  type ServiceName,
  type TestInfra,
} from '@gridgov/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);
const SERVICES: readonly ServiceName[] = ['intake-api', 'dispatch-worker', 'projection', 'notifier', 'console'];

interface ComposeService {
  environment?: Record<string, string>;
  command?: string[];
  volumes?: string[];
}
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const runtimeStage = dockerfile.slice(dockerfile.indexOf(' AS runtime'));
/** An exec-form instruction of the runtime stage (`CMD [...]`, `HEALTHCHECK ... CMD [...]`), as its argv. */
const execForm = (pattern: RegExp) => JSON.parse(pattern.exec(runtimeStage)![1]!) as string[];
const CMD = execForm(/^CMD (\[.*\])$/m);
const HEALTHCHECK = execForm(/^HEALTHCHECK .*? CMD (\[.*\])$/m);
const WORKDIR = /^WORKDIR (\S+)$/m.exec(runtimeStage)![1]!;

/**
 * The files compose mounts into a service (`./.local/…:/run/…:ro`), each at a path of this test's own: its container
 * path → where the test puts it. A value of the environment naming a container path is mapped to the test's file.
 */
function mountsOf(service: ComposeService, into: string): Map<string, string> {
  return new Map(
    (service.volumes ?? []).map((volume) => {
      const [, inContainer] = volume.split(':');
      return [inContainer!, join(into, inContainer!.replaceAll('/', '_'))];
    }),
  );
}

/**
 * The runtime stage's file system, made from the Dockerfile's own COPY lines: `COPY --from=build /src/x ./x` from the
 * build just made here (in `built`), `COPY x y` from the checkout. Nothing else: no node_modules, no sources, no TypeScript.
 */
function assembleImage(built: string, into: string): void {
  for (const [, from, sources, target] of runtimeStage.matchAll(/^COPY (--from=build )?(.+) (\S+)$/gm)) {
    const list = sources!.split(' ').map((s) => (from ? s.replace(/^\/src\//, '') : s));
    for (const source of list) {
      const destination = target!.endsWith('/') ? join(into, target!, source.split('/').pop()!) : join(into, target!);
      mkdirSync(dirname(destination), { recursive: true });
      cpSync(join(from ? built : root, source), destination, { recursive: true });
    }
  }
}

/** Makes a compose value point at this test's servers: the broker, Redis, the S3 store, and the image's paths. */
function mapValue(value: string, infraEnv: Record<string, string>, image: string): string {
  const mapped = value
    .replace('kafka:29092', infraEnv['KAFKA_BROKERS']!)
    .replace('redis://redis:6379', infraEnv['REDIS_URL']!)
    .replace('http://s3:80', infraEnv['S3_ENDPOINT'] ?? 'http://s3:80')
    .replace(new RegExp(`^${WORKDIR}/`), `${image}/`);
  // A compose host name left over would be a setting this test does not know how to run locally: said, not ignored.
  expect(mapped, `a compose address this test does not map: ${value}`).not.toMatch(/\/\/(kafka|redis|s3)[:/]|^(kafka|redis|s3):\d/);
  return mapped;
}

interface Started {
  readonly child: ChildProcess;
  readonly env: Record<string, string>;
  output: string;
  readonly exited: Promise<number | null>;
}

/** The image's HEALTHCHECK command run in the container's environment: its exit code and what it said. */
async function healthcheck(env: Record<string, string>, image: string): Promise<{ code: number; said: string }> {
  const [command, ...args] = HEALTHCHECK;
  try {
    const { stdout } = await run(command === 'node' ? process.execPath : command!, args, { cwd: image, env, timeout: 15_000 });
    return { code: 0, said: stdout };
  } catch (err) {
    const e = err as { code?: number; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, said: e.stderr ?? String(err) };
  }
}

describe('the image entrypoints, run as the image runs them (compiled JS from a clean build, the compose environment)', () => {
  let infra: TestInfra;
  let work: string;
  let image: string;
  const started = new Map<ServiceName, Started>();
  const extraTopics: string[] = [];

  beforeAll(async () => {
    // A clean build, as the Dockerfile's build stage makes it (the bundles and the console's pages), into a folder of
    // its own: the checkout's services/console/dist/static may be served by browser tests meanwhile.
    work = mkdtempSync(join(tmpdir(), 'gridgov-image-'));
    const built = join(work, 'build');
    image = join(work, 'app');
    await run(process.execPath, ['scripts/build.mjs', '--clean', '--out', built], { cwd: root, timeout: 240_000 });
    assembleImage(built, image);
    infra = await createTestInfra();
  }, 300_000);

  afterAll(async () => {
    const running = [...started.values()].filter((s) => s.child.exitCode === null && s.child.signalCode === null);
    for (const s of running) s.child.kill('SIGKILL');
    await Promise.all(running.map((s) => s.exited));
    if (extraTopics.length > 0) {
      const admin = new KafkaAdmin(infra.kafka);
      await admin
        .connect()
        .then(() => admin.deleteTopics(extraTopics))
        .catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
    await infra?.cleanup();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('holds node bundles, data and the topics file, and no node_modules or TypeScript', () => {
    for (const name of SERVICES) expect(existsSync(join(image, `services/${name}/dist/main.js`)), name).toBe(true);
    expect(existsSync(join(image, 'services/console/dist/static/index.html'))).toBe(true);
    expect(existsSync(join(image, 'data/areas/xinhui.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(image, 'infra/topics.json'), 'utf8'))).toEqual(
      JSON.parse(readFileSync(join(root, 'infra/topics.json'), 'utf8')),
    );
    expect(existsSync(join(image, 'node_modules'))).toBe(false);
    expect(existsSync(join(image, 'services/intake-api/src'))).toBe(false);
  });

  it('the topics container: the compiled admin CLI creates the topics of infra/topics.json', async () => {
    // The compose command, on a copy of the file whose topic names carry a prefix of this test (the broker is shared).
    const prefix = `${infra.topicPrefix}compose.`;
    const file = JSON.parse(readFileSync(join(image, 'infra/topics.json'), 'utf8')) as { topics: { name: string; partitions: number }[] };
    const prefixed = { ...file, topics: file.topics.map((t) => ({ ...t, name: `${prefix}${t.name}` })) };
    writeFileSync(join(image, 'test-topics.json'), JSON.stringify(prefixed));
    extraTopics.push(...prefixed.topics.map((t) => t.name));
    const command = compose.services['topics']!.command!.map((a) => (a === 'infra/topics.json' ? 'test-topics.json' : a));
    expect(command.slice(0, 2)).toEqual(['node', 'packages/kafka/dist/cli/admin.js']);
    const env = { ...process.env, ...infra.env() };
    const { stdout } = await run(process.execPath, command.slice(1), { cwd: image, env, timeout: 150_000 });
    expect(stdout).toContain(`${file.topics.length} topic(s) ready (${file.topics.length} created, 0 already existed)`);
    const listed = JSON.parse((await run(process.execPath, [command[1]!, 'list', '--json'], { cwd: image, env })).stdout) as unknown;
    for (const topic of prefixed.topics) expect(JSON.stringify(listed)).toContain(topic.name);
  });

  let open311Key = '';

  it('the Open311 clients CLI, compiled, writes the clients file compose mounts into the intake (the key hashed)', async () => {
    const mounts = mountsOf(compose.services['intake-api']!, join(work, 'mounts'));
    const file = mounts.get(compose.services['intake-api']!.environment!['OPEN311_CLIENTS_FILE']!);
    expect(file, 'OPEN311_CLIENTS_FILE names a file compose mounts').toBeDefined();
    mkdirSync(dirname(file!), { recursive: true });
    const { stdout } = await run(
      process.execPath,
      ['services/intake-api/dist/open311/cli/add-client.js', '--id', 'image-test-app', '--name', '图像测试', '--file', file!],
      { cwd: image },
    );
    open311Key = stdout.trim();
    expect(open311Key).toMatch(/^o311_/);
    const written = readFileSync(file!, 'utf8');
    expect(written).toContain('"image-test-app"');
    expect(written).not.toContain(open311Key);
  });

  it('the import CLI, compiled, signs on its threads from the bundle and puts a legacy export on grid.events', async () => {
    // The signing threads run a module of their own (packages/importer/dist/sign-worker.js): without it in the image,
    // every import waited for ever on its first batch.
    const grid = '440705001001001';
    const header =
      '案件编号,网格编码,问题类别,紧急程度,问题描述,上报人,联系电话,上报时间,派遣时间,处置部门,办结时间,结案时间,是否返工,是否按期';
    const rows = [
      `IMG-1,${grid},垃圾暴露,一般,,,,2025/03/01 08:00:00,2025/03/01 09:00:00,环卫所,2025/03/02 09:00:00,2025/03/02 10:00:00,否,是`,
      `IMG-2,${grid},邻里纠纷,一般,,,,2025/03/03 08:00:00,,,,,,`,
    ];
    const file = join(work, 'legacy.csv');
    writeFileSync(file, `${header}\n${rows.join('\n')}\n`);
    const before = await topicWatermarks(infra.kafka, infra.topics.events);
    const env = { ...process.env, ...infra.env(), IMPORT_SIGNING_KEY: generateEventSigningKey().privateKey, LOG_LEVEL: 'warn' };
    const { stdout } = await run(
      process.execPath,
      ['--enable-source-maps', 'packages/importer/dist/cli.js', file, '--mapping', 'data/import/szcg-legacy.mapping.json'],
      { cwd: image, env, timeout: 60_000 },
    );
    expect(stdout).toContain('imported  2');
    const after = await topicWatermarks(infra.kafka, infra.topics.events);
    const total = (marks: typeof after) => marks.reduce((n, p) => n + Number(p.high), 0);
    expect(total(after) - total(before)).toBe(2);
  });

  it('each service starts from its bundle with its compose environment and answers the image HEALTHCHECK', async () => {
    const infraEnv = infra.env();
    await Promise.all(
      SERVICES.map(async (name) => {
        const composeEnv = compose.services[name]!.environment!;
        const mounts = mountsOf(compose.services[name]!, join(work, 'mounts'));
        const environment = Object.fromEntries(
          Object.entries(composeEnv).map(([k, v]) => [k, mounts.get(String(v)) ?? mapValue(String(v), infraEnv, image)]),
        );
        // Its port: a free one (the tests run side by side), under the variable compose sets.
        const portVariable = ['PORT', 'WORKER_PORT', 'NOTIFIER_PORT'].find((v) => v in composeEnv)!;
        environment[portVariable] = String(await freePort());
        // The env_file's secrets (.local/compose/<name>.env) are the test suite's; its Kafka principal and Redis user its own.
        const env = await testServiceEnvironment(name, {
          ...(name === 'console' ? {} : infraEnv),
          ...TEST_SERVICE_SECRETS[name],
          ...environment,
          SERVICE: name,
          LOG_LEVEL: 'info',
        });
        expect(env['SERVICE']).toBe(name);
        const child = spawn(CMD[0]!, CMD.slice(1), {
          cwd: image,
          env: { ...env, PATH: `${dirname(process.execPath)}:${process.env['PATH']}` },
        });
        const entry: Started = { child, env, output: '', exited: new Promise((r) => child.once('exit', (code) => r(code))) };
        const keep = (chunk: Buffer) => (entry.output = (entry.output + chunk.toString()).slice(-64 * 1024));
        child.stdout.on('data', keep);
        child.stderr.on('data', keep);
        started.set(name, entry);
      }),
    );

    for (const [name, s] of started) {
      const health = await eventually(
        () => healthcheck(s.env, image),
        (h) => h.code === 0 || s.child.exitCode !== null,
        90_000,
        250,
      ).catch((err: unknown) => ({ code: -1, said: `${String(err)}\n${s.output}` }));
      expect(health.code, `${name}: ${health.said}\n${s.output}`).toBe(0);
      // The console has no dependencies to wait for: its /readyz says ok.
      expect(health.said, name).toMatch(name === 'console' ? /"status":"ok"/ : /"status":"ready"/);
    }
  });

  it('the intake takes Open311 requests from the app of the mounted clients file, and only from it', async () => {
    const s = started.get('intake-api')!;
    const post = (key: string) =>
      fetch(`http://127.0.0.1:${s.env['PORT']}/open311/v2/requests.json`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ api_key: key }).toString(),
      });
    const stranger = await post('o311_not-a-key-of-any-app');
    expect(stranger.status).toBe(403);
    expect(JSON.stringify(await stranger.json())).toContain('api_key: invalid');
    // The app's key passes the key check: what is refused now is the missing fields of the request.
    const known = await post(open311Key);
    const said = JSON.stringify(await known.json());
    expect(known.status, said).toBe(400);
    expect(said).not.toContain('api_key');
  });

  it('the projection prints a bulletin as PDF from its bundle, with the Chromium its compose environment names', async () => {
    const s = started.get('projection')!;
    expect(s.env['CHROMIUM_PATH']).toBe(compose.services['projection']!.environment!['CHROMIUM_PATH']);
    const base = `http://127.0.0.1:${s.env['PORT']}`;
    const leader = bearer({ role: 'leader', areas: ['440700'], sub: 'leader-image-test' });
    const frozen = await fetch(`${base}/v1/bulletins/2026-10`, {
      method: 'POST',
      headers: { ...leader, 'content-type': 'application/json' },
      body: JSON.stringify({ area: '440705' }),
    });
    // 201, or 200 when the projection's own schedule froze it first (ADR 0031's auto-freeze of last month).
    expect([200, 201], await frozen.clone().text()).toContain(frozen.status);
    const pdf = await fetch(`${base}/v1/bulletins/2026-10/document.pdf?area=440705`, { headers: leader });
    const body = Buffer.from(await pdf.arrayBuffer());
    expect(pdf.status, `${body.toString('utf8', 0, 300)}\n${s.output}`).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('the APIs serve their /docs pages and the files those pages load from the bundle (swagger-ui beside it)', async () => {
    for (const name of ['intake-api', 'projection'] as const) {
      const base = `http://127.0.0.1:${started.get(name)!.env['PORT']}`;
      const page = await fetch(`${base}/docs/`, { redirect: 'follow' });
      expect(page.status, name).toBe(200);
      expect(await page.text(), name).toContain('swagger-ui');
      const script = await fetch(`${base}/docs/static/swagger-ui-bundle.js`);
      expect(script.status, name).toBe(200);
      expect((await script.arrayBuffer()).byteLength, name).toBeGreaterThan(100_000);
    }
  });

  it('the console serves its built pages and tells the browser where the APIs are', async () => {
    const s = started.get('console')!;
    const base = `http://127.0.0.1:${s.env['PORT']}`;
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/<script type="module"[^>]* src="\/assets\/[^"]+\.js"/);
    expect(await (await fetch(`${base}/config.json`)).json()).toMatchObject({
      intakeUrl: compose.services['console']!.environment!['INTAKE_URL'],
      projectionUrl: compose.services['console']!.environment!['PROJECTION_URL'],
    });
  });

  it('each service stops cleanly on SIGTERM (docker stop), and then fails its HEALTHCHECK', async () => {
    expect([...started.keys()].sort()).toEqual([...SERVICES].sort());
    for (const [name, s] of started) {
      s.child.kill('SIGTERM');
      expect(await s.exited, `${name}:\n${s.output}`).toBe(0);
      const after = await healthcheck(s.env, image);
      expect(after.code, name).toBe(1);
      expect(after.said, name).toMatch(new RegExp(`^healthcheck: ${name}: http://127\\.0\\.0\\.1:\\d+/readyz did not answer`));
    }
  });
});
