import { createTestInfra, startOwnRedis, startService, type OwnRedis, type ServiceName, type TestInfra } from '@gridgov/testing';
import { squatGroup, type GroupSquatter } from '@gridgov/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Starts a service that is expected to give up: resolves with what it said, or fails if it started after all. */
async function refusedStart(name: ServiceName, env: Record<string, string>): Promise<string> {
  try {
    const started = await startService(name, env);
    await started.stop('SIGKILL');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error(`${name} started, though it should have refused`);
}

/** The pino lines of some output, parsed. */
const logLines = (output: string) =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string; err?: { message: string } });

const FATAL = 60;

describe('services refuse a Redis that may evict keys', () => {
  let infra: TestInfra;
  let evicting: OwnRedis;

  beforeAll(async () => {
    infra = await createTestInfra();
    evicting = await startOwnRedis(['--maxmemory-policy', 'allkeys-lru']);
  });

  afterAll(async () => {
    await evicting?.remove();
    await infra?.cleanup();
  });

  it.each(['intake-api', 'dispatch-worker', 'projection'] as const)('%s exits non-zero, naming the policy and the fix', async (name) => {
    const said = await refusedStart(name, { ...infra.env(), REDIS_URL: evicting.url });
    expect(said).toMatch(new RegExp(`^${name} exited during start-up \\(code 1\\)`));
    const fatal = logLines(said).find((l) => l.level === FATAL);
    expect(fatal?.msg).toBe('failed to start');
    expect(fatal?.err?.message).toMatch(/^Redis has maxmemory-policy allkeys-lru: it may evict keys/);
    expect(fatal?.err?.message).toContain('Set maxmemory-policy noeviction');
  });
});

describe('a consumer that Kafka gave up on ends the process', () => {
  let infra: TestInfra;
  const squatters: GroupSquatter[] = [];

  beforeAll(async () => {
    infra = await createTestInfra();
  });

  afterAll(async () => {
    await Promise.all(squatters.map((s) => s.leave()));
    await infra?.cleanup();
  });

  /**
   * A member already in the service's consumer group that speaks another assignment protocol: the service's consumer
   * cannot join (INCONSISTENT_GROUP_PROTOCOL, which kafkajs does not retry), so it is dead for good.
   */
  async function occupy(groupId: string, topic: string) {
    squatters.push(await squatGroup(infra.kafka, groupId, topic));
  }

  it.each([
    { name: 'dispatch-worker', group: 'dispatch-worker', topic: 'commands' },
    { name: 'projection', group: 'projection', topic: 'events' },
  ] as const)('$name logs a fatal line and exits non-zero', async ({ name, group, topic }) => {
    await occupy(`${infra.topicPrefix}${group}`, infra.topics[topic]);
    const said = await refusedStart(name, infra.env());
    expect(said).toMatch(new RegExp(`^${name} exited during start-up \\(code 1\\)`));
    const fatal = logLines(said).find((l) => l.level === FATAL);
    expect(fatal?.msg).toMatch(/consumer crashed and will not be restarted: exiting so that a supervisor restarts this process$/);
    expect(fatal?.err?.message).toMatch(/protocols are incompatible/);
  });
});
