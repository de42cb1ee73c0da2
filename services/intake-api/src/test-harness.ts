/**
 * The intake app on the real broker and Redis, for this service's integration and fuzz tests: a real producer,
 * counted, so a test can tell that a refused request wrote nothing; a case seeded through the real decider.
 */
import { randomUUID } from 'node:crypto';
import { stampEvents, type Actor, type CommandEnvelope, type GridEvent, type PhotoRef } from '@gridgov/contracts';
import { ConfigFollower, ConfigWriter, liveView, loadBaseline } from '@gridgov/config-data';
import { decide, DEFAULT_POLICY, DEFAULT_OFFICE_HOURS, evolve, type IncidentState } from '@gridgov/domain';
import { DurableProducer, GroupCommitProducer, partitionCount, type OutgoingRecord } from '@gridgov/kafka';
import { caseChange, ReadModelWriter } from '@gridgov/read-model';
import { rateLimitsFrom, systemClock, type Redis } from '@gridgov/redis';
import { LocalKms, Pseudonyms } from '@gridgov/crypto';
import {
  defaultDecisionContext,
  XINHUI_AREAS_FILE,
  TEST_COMMAND_SIGNING_KEY,
  TEST_KEK_FILE,
  TEST_PSEUDONYM_SECRET,
  testTokenVerifier,
  type TestInfra,
} from '@gridgov/testing';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildIntakeApp, type IntakeDeps, type PhotoOptions } from './app.ts';
import { ReadSideReadiness } from './read-side.ts';

export const context = defaultDecisionContext();
export const { areas, catalog } = context;
const town = (name: string) => areas.ofLevel('town').find((t) => t.name === name)!;
export const HUICHENG = town('会城街道');
export const DAZE = town('大泽镇');
/** The first grid of 会城街道 同德社区, and one of 大泽镇. */
export const GRID = areas.children(areas.children(HUICHENG.code)[0]!.code)[0]!.code;
export const OTHER_GRID = areas.children(areas.children(DAZE.code)[0]!.code)[0]!.code;

/** The test suite's KMS and pseudonyms, as the services started by tests have them (TEST_AUTH_ENV). */
export const encryption = { kms: LocalKms.fromFile(TEST_KEK_FILE), pseudonyms: new Pseudonyms(TEST_PSEUDONYM_SECRET) };

export const ACTORS = {
  staff: { id: 'staff-001', role: 'grid_staff', areas: [GRID] },
  otherStaff: { id: 'staff-900', role: 'grid_staff', areas: [OTHER_GRID] },
  handler: { id: 'handler-sanitation-01', role: 'handler', department: 'sanitation', areas: ['440705'] },
  police: { id: 'handler-police-01', role: 'handler', department: 'public_security', areas: ['440705'] },
  dispatcher: { id: 'dispatcher-01', role: 'dispatcher', areas: ['440705'] },
  dazeDispatcher: { id: 'dispatcher-daze', role: 'dispatcher', areas: [DAZE.code] },
  leader: { id: 'leader-huicheng', role: 'leader', areas: [HUICHENG.code] },
  dazeLeader: { id: 'leader-daze', role: 'leader', areas: [DAZE.code] },
  admin: { id: 'admin-01', role: 'admin', areas: ['440700'] },
} as const satisfies Record<string, Actor>;

export interface IntakeHarness {
  readonly app: FastifyInstance;
  /** Records produced to Kafka so far (each one really sent, acks=all). */
  sent(): number;
  readonly records: OutgoingRecord[];
  close(): Promise<void>;
}

export async function intakeHarness(
  infra: TestInfra,
  options: {
    logger?: Logger;
    perUser?: number;
    perIp?: number;
    /** Rate-limit hits gathered (`GatheredRateLimitStore`, as the projection and the notifier count them). */
    gatheredRateLimits?: boolean;
    corsOrigins?: string[];
    bodyLimit?: number;
    redis?: Redis;
    photos?: PhotoOptions;
    open311?: IntakeDeps['open311'];
    /** The admin routes, on the test's own grid.config (a follower and writer of it, version 0 the 新会区 files). */
    admin?: { importMaxBytes?: number };
  } = {},
): Promise<IntakeHarness> {
  const producer = new DurableProducer(infra.kafka);
  await producer.connect();
  const records: OutgoingRecord[] = [];
  const group = new GroupCommitProducer(producer);
  // Cases are seeded into the read side by hand here (seedCase), not folded from the log: it is whole.
  const readSide = new ReadSideReadiness(infra.redis, infra.keyPrefix, await partitionCount(infra.kafka, infra.topics.events));
  await readSide.markAllWhole();
  const configuration = options.admin ? await followConfig(infra) : undefined;
  const app = buildIntakeApp({
    logger: options.logger ?? infra.logger,
    producer: {
      send: async (topic, record) => {
        await group.send(topic, record);
        records.push(record);
      },
    },
    redis: options.redis ?? infra.redis,
    topics: infra.topics,
    keyPrefix: infra.keyPrefix,
    // With the admin routes, the tree and catalog in force on the test's grid.config.
    areas: configuration ? liveView(() => configuration.follower.current.areas) : areas,
    catalog: configuration ? liveView(() => configuration.follower.current.catalog) : catalog,
    clock: systemClock,
    maxOutcomeWaitMs: 1000,
    bodyLimit: options.bodyLimit ?? 16 * 1024,
    ready: () => Promise.resolve(true),
    edge: {
      authenticate: testTokenVerifier().authenticate,
      // As the intake counts them (each hit to Redis), or as the projection does (gathered: most hits counted here).
      rateLimits: rateLimitsFrom(
        options.redis ?? infra.redis,
        infra.keyPrefix,
        { RATE_LIMIT_WINDOW_MS: 60_000, RATE_LIMIT_PER_USER: options.perUser ?? 1_000_000, RATE_LIMIT_PER_IP: options.perIp ?? 1_000_000 },
        options.logger ?? infra.logger,
        { gathered: options.gatheredRateLimits ?? false },
      ),
      corsOrigins: options.corsOrigins ?? [],
    },
    signingKey: TEST_COMMAND_SIGNING_KEY,
    readSide,
    encryption,
    ...(options.photos ? { photos: options.photos } : {}),
    ...(options.open311 ? { open311: options.open311 } : {}),
    ...(configuration && options.admin
      ? {
          configVersion: () => configuration.follower.current.version,
          areasKey: () => configuration.follower.current.documents.areas,
          admin: {
            current: () => configuration.follower.current,
            changes: () => configuration.follower.changes,
            write: (change) => configuration.writer.write(change),
            importMaxBytes: options.admin.importMaxBytes ?? 50 * 1024 * 1024,
          },
        }
      : {}),
  });
  await app.ready();
  return {
    app,
    records,
    sent: () => records.length,
    close: async () => {
      await app.close();
      await producer.disconnect();
      await configuration?.writer.close();
      await configuration?.follower.stop();
    },
  };
}

/** A point inside a grid's boundary: the mean of its ring's positions (the generated grids are convex). */
export function insideGrid(code: string): { lat: number; lng: number } {
  const boundary = areas.get(code).boundary;
  if (boundary?.type !== 'Polygon') throw new Error(`grid ${code} has no polygon boundary`);
  const ring = boundary.coordinates[0]!.slice(0, -1);
  const mean = (i: 0 | 1) => ring.reduce((sum, p) => sum + p[i], 0) / ring.length;
  return { lat: mean(1), lng: mean(0) };
}

/** A follower and a writer of the test's grid.config, version 0 being the 新会区 tree and the built-in catalog and policy. */
async function followConfig(infra: TestInfra): Promise<{ follower: ConfigFollower; writer: ConfigWriter }> {
  const baseline = await loadBaseline({
    AREAS_FILE: XINHUI_AREAS_FILE,
    OFFICE_HOURS: DEFAULT_OFFICE_HOURS,
    DEADLINE_DISPATCH: DEFAULT_POLICY.dispatch,
    DEADLINE_SIGN_FOR: DEFAULT_POLICY.signFor,
    DEADLINE_VERIFICATION: DEFAULT_POLICY.verification,
    ESCALATION_EVERY: DEFAULT_POLICY.escalationEvery,
    WARNING_FRACTIONS: DEFAULT_POLICY.warningFractions,
  });
  const follower = new ConfigFollower({ kafka: infra.kafka, topic: infra.topics.config, baseline, logger: infra.logger });
  await follower.start();
  return { follower, writer: new ConfigWriter(infra.kafka, infra.topics.config, follower) };
}

/**
 * A case reported by `reporter` in `gridCode` and routed, decided by the real decider and written by the read model's
 * writer as the read side's projector writes it (view, history, work lists, the reporter's list), without a worker
 * or projector running.
 */
export async function seedCase(
  infra: TestInfra,
  options: {
    category?: string;
    reporter?: Actor;
    gridCode?: string;
    description?: string;
    address?: string;
    photos?: PhotoRef[];
    /** Where it was found; by default a point inside the grid. */
    location?: { lat: number; lng: number };
  } = {},
): Promise<{ incidentId: string; events: GridEvent[] }> {
  const incidentId = randomUUID();
  const reporter = options.reporter ?? ACTORS.staff;
  const now = new Date();
  const envelope: CommandEnvelope = {
    commandId: randomUUID(),
    incidentId,
    issuedAt: now.toISOString(),
    actor: reporter,
    command: {
      type: 'ReportIncident',
      data: {
        reportId: `seed-${incidentId}`,
        gridCode: options.gridCode ?? GRID,
        category: options.category ?? 'exposed_rubbish',
        urgency: 'normal',
        description: options.description ?? '种子事件',
        location: {
          ...(options.location ?? insideGrid(options.gridCode ?? GRID)),
          ...(options.address === undefined ? {} : { address: options.address }),
        },
        occurredAt: now.toISOString(),
        ...(options.photos ? { photos: options.photos } : {}),
      },
    },
  };
  const decision = decide(envelope, null, context, now);
  if (decision.kind !== 'accepted') throw new Error(`seedCase: ${decision.rejection.code} ${decision.rejection.message}`);
  // Stamped as the worker stores them, with the reporter's pseudonym the worker adds (ADR 0016); not sealed.
  const events = stampEvents(decision.events, { incidentId, version: 0, commandId: envelope.commandId }).map((e) =>
    e.type === 'IncidentReported' ? { ...e, data: { ...e.data, reporterRef: encryption.pseudonyms.person(reporter.id) } } : e,
  );
  let state: IncidentState = null;
  for (const e of events) state = evolve(state, e);
  await new ReadModelWriter(infra.redis, infra.keyPrefix, 3600).writeCases([caseChange(incidentId, null, state!, events, areas)]);
  return { incidentId, events };
}
