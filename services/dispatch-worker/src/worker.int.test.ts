import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { EVENT_SIGNATURE_HEADER, EventSigner, generateEventSigningKey, signEnvelope } from '@gridgov/auth';
import type { CommandEnvelope, CommandOutcome, GridEvent } from '@gridgov/contracts';
import type { DeadLetter } from '@gridgov/kafka';
import { deleteTopics, DurableProducer, ensureTopics, partitionOf, produceRaw } from '@gridgov/kafka';
import {
  createTestInfra,
  defaultDecisionContext,
  eventually,
  readTopic,
  signedForTest,
  TEST_COMMAND_SIGNING_KEY,
  TEST_KEK_FILE,
  TEST_PSEUDONYM_SECRET,
  testEventSigner,
  testEventVerifier,
  type TestInfra,
} from '@gridgov/testing';
import { pino, type Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caseKeyRedisKey, LocalKms, Pseudonyms } from '@gridgov/crypto';
import { PartitionStore } from './partition-store.ts';
import { restorePartitions } from './restore.ts';
import { DispatchWorker } from './worker.ts';

const context = defaultDecisionContext();
const { areas } = context;
const grid = areas.ofLevel('grid')[10]!.code;

// Monday 23 November 2026, 09:00 in Shanghai: a working day.
const MONDAY_9AM = Date.parse('2026-11-23T01:00:00.000Z');

describe('DispatchWorker on the real broker and Redis', () => {
  let infra: TestInfra;
  let producer: DurableProducer;
  let now: number;
  const workers: DispatchWorker[] = [];

  const encryption = { kms: LocalKms.fromFile(TEST_KEK_FILE), pseudonyms: new Pseudonyms(TEST_PSEUDONYM_SECRET) };
  /** A command signed as the intake signs it for this test's grid.commands, `signedAt` now unless given. */
  const signed = (envelope: CommandEnvelope, signedAt?: Date) => signedForTest(envelope, infra.topics.commands, signedAt);

  const newWorker = async (logger: Logger = infra.logger, options: { encrypted?: boolean; maxAgeMs?: number } = {}) => {
    const worker = new DispatchWorker({
      kafka: infra.kafka,
      redis: infra.redis,
      logger,
      topics: infra.topics,
      groupId: `${infra.topicPrefix}dispatch-worker`,
      keyPrefix: infra.keyPrefix,
      context,
      partitionsConcurrently: 2,
      // A long poll: the test fires timers itself, at instants it chooses.
      timerPollMs: 60_000,
      clock: () => Promise.resolve(new Date(now)),
      signingKeys: [TEST_COMMAND_SIGNING_KEY],
      ...(options.encrypted ? { encryption } : {}),
      commandMaxAgeMs: options.maxAgeMs ?? 300_000,
      eventSigner: testEventSigner,
      eventVerifier: testEventVerifier,
    });
    await worker.start();
    workers.push(worker);
    await eventually(
      () => Promise.resolve(worker.ownedPartitions.length),
      (n) => n > 0,
    );
    return worker;
  };

  const report = (incidentId: string, category = 'dirty_road', reporter = 'staff-007'): CommandEnvelope => ({
    commandId: randomUUID(),
    incidentId,
    issuedAt: new Date(now).toISOString(),
    actor: { id: reporter, role: 'grid_staff', areas: [grid] },
    command: {
      type: 'ReportIncident',
      data: {
        reportId: `r-${incidentId}`,
        gridCode: grid,
        category,
        urgency: 'normal',
        description: '道路不洁',
        location: { lat: 22.5, lng: 113.0 },
        occurredAt: new Date(now).toISOString(),
      },
    },
  });

  const eventsOf = async (incidentId: string): Promise<GridEvent[]> =>
    (await readTopic(infra.kafka, infra.topics.events)).filter((r) => r.key === incidentId).map((r) => JSON.parse(r.value!) as GridEvent);

  beforeEach(async () => {
    now = MONDAY_9AM;
    infra = await createTestInfra({ partitions: { commands: 2, events: 2, outcomes: 2 } });
    producer = new DurableProducer(infra.kafka);
    await producer.connect();
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    await producer.disconnect();
    await infra.cleanup();
  });

  it('fires a deadline that fell due while no worker ran, once, as soon as a worker owns the partition', async () => {
    const id = randomUUID();
    const first = await newWorker();
    await producer.send(infra.topics.commands, [{ key: id, value: JSON.stringify(signed(report(id))) }]);
    await eventually(
      () => eventsOf(id),
      (e) => e.length >= 2,
    );
    await first.stop();
    workers.splice(workers.indexOf(first), 1);

    // 道路不洁 is due in 5 working hours; sign-for in 2. The next morning both have long passed.
    now = Date.parse('2026-11-24T02:00:00.000Z');
    const second = await newWorker();
    expect(await second.fireDueTimers()).toBeGreaterThan(0);
    expect(await second.fireDueTimers()).toBe(0);

    const events = await eventually(
      () => eventsOf(id),
      (e) => e.some((x) => x.type === 'IncidentEscalated'),
    );
    const kinds = events
      .filter((e) => e.metadata.version > 2)
      .map(
        (e) =>
          `${e.type}:${'stage' in e.data ? e.data.stage : ''}:${'fraction' in e.data ? e.data.fraction : ''}${'level' in e.data ? e.data.level : ''}`,
      );
    expect(kinds).toEqual([
      'DeadlineWarned:sign_for:0.5',
      'DeadlineWarned:sign_for:0.8',
      'DeadlineMissed:sign_for:',
      'DeadlineWarned:handling:0.5',
      'DeadlineWarned:handling:0.8',
      'DeadlineMissed:handling:',
      'IncidentEscalated::1',
    ]);
    // Each version once: no event was produced twice.
    expect(new Set(events.map((e) => e.metadata.version)).size).toBe(events.length);
    const escalation = events.find((e) => e.type === 'IncidentEscalated');
    expect(escalation?.data).toMatchObject({ level: 1, area: grid.slice(0, 12), manual: false });
  });

  it("seals a confidential lead's automatic escalation reason, and leaves an ordinary case's readable", async () => {
    const worker = await newWorker(infra.logger, { encrypted: true });
    const [lead, road] = [randomUUID(), randomUUID()];
    await producer.send(infra.topics.commands, [
      { key: lead, value: JSON.stringify(signed(report(lead, 'gang_crime_lead'))) },
      { key: road, value: JSON.stringify(signed(report(road))) },
    ]);
    await eventually(
      () => Promise.all([eventsOf(lead), eventsOf(road)]),
      ([l, r]) => l.length >= 2 && r.length >= 2,
    );
    // Weeks later: every deadline of both has passed, and both are escalated by the ladder.
    now = Date.parse('2026-12-21T02:00:00.000Z');
    expect(await worker.fireDueTimers()).toBe(2);
    const reasons = async (id: string) =>
      (
        await eventually(
          () => eventsOf(id),
          (e) => e.some((x) => x.type === 'IncidentEscalated'),
        )
      ).flatMap((e) => (e.type === 'IncidentEscalated' ? [e.data.reason] : []));
    const [leadReasons, roadReasons] = [await reasons(lead), await reasons(road)];
    expect(leadReasons.length).toBeGreaterThan(0);
    for (const reason of leadReasons) expect(reason).toMatch(/^enc1\./);
    expect(roadReasons.length).toBeGreaterThan(0);
    for (const reason of roadReasons) expect(reason).toBe('超期自动督办 overdue');
  });

  it('a worker that lost its partitions cannot write: its fenced batch changes nothing', async () => {
    const worker = await newWorker();
    const partition = worker.ownedPartitions[0]!;
    const zombie = new PartitionStore(infra.redis, infra.keyPrefix, partition);
    const staleEpoch = Number(await infra.redis.get(zombie.keys.epoch)) - 1;
    const before = await zombie.checkpoint();
    await expect(
      zombie.apply({
        epoch: staleEpoch,
        fromCheckpoint: before,
        toCheckpoint: '999',
        states: new Map(),
        decided: new Map(),
        timers: new Map(),
        outbox: [],
      }),
    ).rejects.toMatchObject({ code: 'FENCED' });
    expect(await zombie.checkpoint()).toBe(before);
  });

  it('a partition claimed by another member under an older assignment is claimed back: its commands and timers go on', async () => {
    const worker = await newWorker();
    await eventually(
      () => Promise.resolve(worker.ownedPartitions.length),
      (n) => n === 2,
    );
    const first = randomUUID();
    const partition = partitionOf(first, 2);
    /** A new case id on the same partition. */
    const onPartition = (): string => {
      for (;;) {
        const id = randomUUID();
        if (partitionOf(id, 2) === partition) return id;
      }
    };
    await producer.send(infra.topics.commands, [{ key: first, value: JSON.stringify(signed(report(first))) }]);
    await eventually(
      () => eventsOf(first),
      (e) => e.length >= 2,
    );
    // A member still acting on an older assignment takes the partition's epoch after this worker took it, and goes.
    const stale = new PartitionStore(infra.redis, infra.keyPrefix, partition);
    await stale.takeOwnership();
    // A command: its batch is fenced, the worker claims the partition back and decides it.
    const second = onPartition();
    await producer.send(infra.topics.commands, [{ key: second, value: JSON.stringify(signed(report(second))) }]);
    await eventually(
      () => eventsOf(second),
      (e) => e.length >= 2,
    );
    // A timer pass: fenced, the partition claimed back (nothing fired); the next pass fires the first case's deadlines.
    await stale.takeOwnership();
    now = Date.parse('2026-11-24T02:00:00.000Z');
    expect(await worker.fireDueTimers()).toBe(0);
    expect(await worker.fireDueTimers()).toBeGreaterThan(0);
    const events = await eventually(
      () => eventsOf(first),
      (e) => e.some((x) => x.type === 'IncidentEscalated'),
    );
    // Each version once: nothing decided twice across the claims.
    expect(new Set(events.map((e) => e.metadata.version)).size).toBe(events.length);
  });

  /** Every outcome of a command on grid.outcomes (the worker puts each there once). */
  const outcomesOf = async (commandId: string): Promise<CommandOutcome[]> =>
    (await readTopic(infra.kafka, infra.topics.outcomes))
      .map((r) => JSON.parse(r.value!) as CommandOutcome)
      .filter((o) => o.commandId === commandId);
  const outcomeOf = (commandId: string) =>
    eventually(
      () => outcomesOf(commandId),
      (found) => found.length > 0,
    ).then((found) => found[0]!);

  it('sets malformed, unsigned and badly signed commands aside in the DLQ with reason and origin, and decides on', async () => {
    await newWorker();
    const ids = Array.from({ length: 5 }, () => randomUUID());
    const forged = report(ids[3]!);
    const good = signed(report(ids[4]!));
    // All five on one partition, in order (same key): the good one comes after every bad one.
    const key = ids[0]!;
    const sent = await producer.send(infra.topics.commands, [
      { key, value: 'not json at all' },
      { key, value: JSON.stringify(report(ids[1]!)) }, // a producer that does not sign
      { key, value: JSON.stringify({ ...signed(report(ids[2]!)), actor: { id: 'dispatcher-x', role: 'dispatcher' } }) }, // altered after signing
      { key, value: JSON.stringify(signEnvelope(forged, 'a-key-that-is-not-the-command-signing-key', { topic: infra.topics.commands })) }, // signed with another key
      { key, value: JSON.stringify({ ...good, incidentId: key }) }, // signed, but the body was changed
    ]);
    const partition = sent[0]!.partition;
    const fine = signed(report(key));
    await producer.send(infra.topics.commands, [{ key, value: JSON.stringify(fine) }]);

    const letters = await eventually(
      async () => (await readTopic(infra.kafka, infra.topics.dlq)).map((r) => JSON.parse(r.value!) as DeadLetter),
      (l) => l.length >= 5,
    );
    expect(letters.map((l) => [l.topic, l.partition, l.consumer])).toEqual(
      Array(5).fill([infra.topics.commands, partition, 'dispatch-worker']),
    );
    expect(letters.map((l) => BigInt(l.offset) - BigInt(letters[0]!.offset))).toEqual([0n, 1n, 2n, 3n, 4n]);
    expect(letters.map((l) => l.reason)).toEqual([
      'record value is not JSON',
      'the command envelope is not signed',
      ...Array.from({ length: 3 }, (): unknown =>
        expect.stringMatching(/^the command envelope's signature does not verify with the command signing key for topic/),
      ),
    ]);
    expect(letters[1]!.value).toContain(ids[1]);

    // The worker carried on: the signed report after them was decided; none of the set-aside ones was.
    expect(await outcomeOf(fine.commandId)).toMatchObject({ status: 'accepted', incidentId: key });
    for (const id of ids.slice(1)) expect(await eventsOf(id)).toEqual([]);
  });

  it('re-checks jurisdiction from the signed envelope: a command from outside the case’s areas is rejected', async () => {
    await newWorker();
    const id = randomUUID();
    const reported = signed(report(id));
    await producer.send(infra.topics.commands, [{ key: id, value: JSON.stringify(reported) }]);
    expect(await outcomeOf(reported.commandId)).toMatchObject({ status: 'accepted' });

    const escalate = (areas: string[]): CommandEnvelope =>
      signed({
        commandId: randomUUID(),
        incidentId: id,
        issuedAt: new Date(now).toISOString(),
        actor: { id: 'dispatcher-9', role: 'dispatcher', areas },
        command: { type: 'EscalateIncident', data: { reason: '督办' } },
      });
    // 大泽镇's dispatcher on a case of another town; then the district's.
    const outside = escalate([areas.ofLevel('town').find((t) => t.name === '大泽镇')!.code]);
    const inside = escalate(['440705']);
    await producer.send(infra.topics.commands, [
      { key: id, value: JSON.stringify(outside) },
      { key: id, value: JSON.stringify(inside) },
    ]);
    expect(await outcomeOf(outside.commandId)).toMatchObject({ status: 'rejected', code: 'OUT_OF_JURISDICTION', actorId: 'dispatcher-9' });
    expect(await outcomeOf(inside.commandId)).toMatchObject({ status: 'accepted', events: [{ type: 'IncidentEscalated' }] });
  });

  it('never logs the reporter (nor the report id) of a confidential lead', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    await newWorker(pino({ level: 'trace' }, sink));
    const id = randomUUID();
    const lead = signed(report(id, 'gang_crime_lead', 'whistleblower-0042'));
    const ordinary = signed(report(randomUUID(), 'dirty_road', 'staff-0777'));
    await producer.send(infra.topics.commands, [
      { key: id, value: JSON.stringify(lead) },
      { key: ordinary.incidentId, value: JSON.stringify(ordinary) },
    ]);
    expect(await outcomeOf(lead.commandId)).toMatchObject({ status: 'accepted' });
    expect(await outcomeOf(ordinary.commandId)).toMatchObject({ status: 'accepted' });
    const log = lines.join('');
    expect(log).toContain(id);
    expect(log).toContain('staff-0777');
    expect(log).not.toContain('whistleblower-0042');
    expect(log).not.toContain(`r-${id}`);
  });

  it('names the community of a confidential lead in its notifications on grid.notifications, never its grid', async () => {
    await newWorker();
    const gridArea = areas.get(grid);
    const community = areas.get(gridArea.parent!);
    const id = randomUUID();
    const lead = signed(report(id, 'gang_crime_lead', 'whistleblower-0043'));
    const ordinaryId = randomUUID();
    const ordinary = signed(report(ordinaryId));
    await producer.send(infra.topics.commands, [
      { key: id, value: JSON.stringify(lead) },
      { key: ordinaryId, value: JSON.stringify(ordinary) },
    ]);
    expect(await outcomeOf(lead.commandId)).toMatchObject({ status: 'accepted' });
    expect(await outcomeOf(ordinary.commandId)).toMatchObject({ status: 'accepted' });
    // 督办 of the lead: a second notification, to a leader.
    const escalate = escalateBy(id, ['440705']);
    await producer.send(infra.topics.commands, [{ key: id, value: JSON.stringify(escalate) }]);
    expect(await outcomeOf(escalate.commandId)).toMatchObject({ status: 'accepted' });

    // The records as the SMS / push gateway reads them: raw, with a plain client.
    const raw = async (incidentId: string) =>
      (await readTopic(infra.kafka, infra.topics.notifications))
        .map((r) => r.value!)
        .filter((v) => (JSON.parse(v) as { incidentId: string }).incidentId === incidentId);
    const leadRecords = await eventually(
      () => raw(id),
      (found) => found.length >= 2,
    );
    expect(leadRecords.map((v) => (JSON.parse(v) as { kind: string }).kind)).toEqual(['dispatched', 'escalated']);
    for (const value of leadRecords) {
      const { message } = JSON.parse(value) as { message: string };
      expect(message).toContain(`${community.name}「涉黑涉恶线索」案件`);
      expect(message).not.toContain(gridArea.name);
      expect(message).not.toContain(grid);
      expect(value).not.toContain(gridArea.name);
    }
    // An ordinary case is named by its grid.
    const [dispatched] = await eventually(
      () => raw(ordinaryId),
      (found) => found.length >= 1,
    );
    expect((JSON.parse(dispatched!) as { message: string }).message).toContain(`${gridArea.name}「`);
  });

  const escalateBy = (incidentId: string, areas: string[], commandId: string = randomUUID()): CommandEnvelope =>
    signed({
      commandId,
      incidentId,
      issuedAt: new Date(now).toISOString(),
      actor: { id: 'dispatcher-9', role: 'dispatcher', areas },
      command: { type: 'EscalateIncident', data: { reason: '督办' } },
    });

  it('decides a command id once: the same signed command produced again changes nothing', async () => {
    await newWorker();
    const id = randomUUID();
    const reported = signed(report(id));
    const escalate = escalateBy(id, ['440705']);
    await producer.send(infra.topics.commands, [{ key: id, value: JSON.stringify(reported) }]);
    await outcomeOf(reported.commandId);
    // A client's retry with the same Idempotency-Key, or the same bytes replayed: the same command id, three times.
    for (let i = 0; i < 3; i++) await producer.send(infra.topics.commands, [{ key: id, value: JSON.stringify(escalate) }]);
    // A later command on the same case: once it is decided, every copy before it was too.
    const later = escalateBy(id, ['440705']);
    await producer.send(infra.topics.commands, [{ key: id, value: JSON.stringify(later) }]);
    expect(await outcomeOf(later.commandId)).toMatchObject({ status: 'accepted', events: [{ type: 'IncidentEscalated', version: 4 }] });
    expect(await outcomesOf(escalate.commandId)).toEqual([
      expect.objectContaining({ status: 'accepted', events: [{ type: 'IncidentEscalated', version: 3 }] }),
    ]);
    const levels = (await eventsOf(id)).flatMap((e) => (e.type === 'IncidentEscalated' ? [e.data.level] : []));
    expect(levels).toEqual([1, 2]);
  });

  it('restores a partition whose state Redis lost from grid.events and grid.outcomes alone, and decides on from there', async () => {
    const worker = await newWorker();
    const ids = Array.from({ length: 6 }, () => randomUUID());
    const reports = ids.map((id) => signed(report(id)));
    await producer.send(
      infra.topics.commands,
      reports.map((r) => ({ key: r.incidentId, value: JSON.stringify(r) })),
    );
    for (const r of reports) await outcomeOf(r.commandId);
    const inside = escalateBy(ids[0]!, ['440705']);
    const outside = escalateBy(ids[1]!, [areas.ofLevel('town').find((t) => t.name === '大泽镇')!.code]);
    await producer.send(infra.topics.commands, [
      { key: ids[0]!, value: JSON.stringify(inside) },
      { key: ids[1]!, value: JSON.stringify(outside) },
    ]);
    expect(await outcomeOf(inside.commandId)).toMatchObject({ status: 'accepted' });
    expect(await outcomeOf(outside.commandId)).toMatchObject({ status: 'rejected', code: 'OUT_OF_JURISDICTION' });
    // A warning falls due: the restored timers must know it fired.
    now = Date.parse('2026-11-23T02:10:00.000Z');
    expect(await worker.fireDueTimers()).toBeGreaterThan(0);

    const stateOf = async () =>
      Promise.all(
        worker.ownedPartitions.map(async (p) => {
          const { keys } = new PartitionStore(infra.redis, infra.keyPrefix, p);
          return {
            incidents: await infra.redis.hgetall(keys.incidents),
            timers: await infra.redis.zrange(keys.timers, 0, -1, 'WITHSCORES'),
            decided: await infra.redis.hgetall(keys.decided),
            checkpoint: await infra.redis.get(keys.checkpoint),
          };
        }),
      );
    const before = await stateOf();
    expect(before.flatMap((p) => Object.keys(p.incidents))).toHaveLength(6);

    // Redis loses everything of this worker (as FLUSHALL or a restart without persistence would).
    const lost = await infra.redis.keys(`${infra.keyPrefix}:{w*`);
    await infra.redis.del(...lost);
    expect(await worker.fireDueTimers()).toBe(0);
    expect(await stateOf()).toEqual(before);

    // The retried command is still known as decided; a new one is decided against the restored state.
    const again = escalateBy(ids[0]!, ['440705']);
    await producer.send(infra.topics.commands, [
      { key: ids[0]!, value: JSON.stringify(inside) },
      { key: ids[0]!, value: JSON.stringify(again) },
    ]);
    expect(await outcomeOf(again.commandId)).toMatchObject({ status: 'accepted', events: [{ type: 'IncidentEscalated' }] });
    const events = await eventsOf(ids[0]!);
    expect(events.filter((e) => e.type === 'IncidentEscalated').map((e) => 'level' in e.data && e.data.level)).toEqual([1, 2]);
    expect(new Set(events.map((e) => e.metadata.version)).size).toBe(events.length);
    expect(await outcomesOf(inside.commandId)).toHaveLength(1);
  });
  it('writes again the outcomes whose events reached the log without them, each as first decided, when it restores', async () => {
    await newWorker();
    const commands = [randomUUID(), randomUUID()].map((id) => signed(report(id)));
    await producer.send(
      infra.topics.commands,
      commands.map((c) => ({ key: c.incidentId, value: JSON.stringify(c) })),
    );
    const outcomes = await Promise.all(commands.map((c) => outcomeOf(c.commandId)));
    // The restore runs an hour later, and finds these events but no outcome of theirs (the outbox lost between the
    // two sends: here, a grid.outcomes that holds none, and a state Redis never had).
    now += 3_600_000;
    const emptyOutcomes = `${infra.topics.outcomes}.empty`;
    await ensureTopics(infra.kafka, [{ name: emptyOutcomes, partitions: 2 }]);
    const prefix = `${infra.keyPrefix}-restored`;
    const recovered: CommandOutcome[] = [];
    try {
      const targets = await Promise.all(
        [0, 1].map(async (p) => {
          const store = new PartitionStore(infra.redis, prefix, p);
          return { store, epoch: await store.takeOwnership() };
        }),
      );
      const reports = await restorePartitions(
        {
          kafka: infra.kafka,
          topics: { ...infra.topics, outcomes: emptyOutcomes },
          logger: infra.logger,
          context,
          groupPrefix: `${infra.topicPrefix}restore-outcomes`,
          now: () => new Date(now),
          eventVerifier: testEventVerifier,
        },
        targets,
      );
      expect(reports.reduce((n, r) => n + r.outcomesRecovered, 0)).toBe(2);
      for (const { store } of targets) {
        const { entries } = await store.pendingOutbox(100);
        for (const e of entries) if (e.topic === emptyOutcomes) recovered.push(JSON.parse(e.value) as CommandOutcome);
      }
    } finally {
      await deleteTopics(infra.kafka, [emptyOutcomes]);
      const written = await infra.redis.keys(`${prefix}:*`);
      if (written.length > 0) await infra.redis.del(...written);
    }
    const gist = (o: CommandOutcome) => ({
      status: o.status,
      commandId: o.commandId,
      incidentId: o.incidentId,
      decidedAt: o.decidedAt,
      events: o.status === 'accepted' ? o.events : [],
    });
    expect(recovered.map(gist)).toEqual(expect.arrayContaining(outcomes.map(gist)));
    expect(recovered).toHaveLength(2);
  });

  it('seals what names the reporter on grid.events, and restores the clear state from it, keys and all, after Redis lost them', async () => {
    const worker = await newWorker(infra.logger, { encrypted: true });
    const id = randomUUID();
    const lead = signed(report(id, 'gang_crime_lead', 'staff-secret-01'));
    await producer.send(infra.topics.commands, [{ key: id, value: JSON.stringify(lead) }]);
    expect(await outcomeOf(lead.commandId)).toMatchObject({ status: 'accepted', actorId: encryption.pseudonyms.person('staff-secret-01') });
    const raw = (await readTopic(infra.kafka, infra.topics.events)).map((r) => r.value).join('\n');
    for (const secret of ['staff-secret-01', `r-${id}`, '道路不洁']) expect(raw).not.toContain(secret);

    const stateOf = async () =>
      Object.fromEntries(
        await Promise.all(
          worker.ownedPartitions.map(async (p) => [
            p,
            await infra.redis.hgetall(new PartitionStore(infra.redis, infra.keyPrefix, p).keys.incidents),
          ]),
        ),
      ) as Record<string, Record<string, string>>;
    const before = await stateOf();
    expect(
      Object.values(before)
        .flatMap((p) => Object.values(p))
        .join(),
    ).toContain('"reporterId":"staff-secret-01"');

    // Redis loses everything, the cases' keys with it: the state comes back from the log, opened with keys from grid.keys.
    await infra.redis.del(...(await infra.redis.keys(`${infra.keyPrefix}:*`)));
    await worker.fireDueTimers();
    expect(await stateOf()).toEqual(before);
    expect(await infra.redis.exists(caseKeyRedisKey(infra.keyPrefix, id))).toBe(1);

    // Only the key's cached copy lost: a command whose event must be sealed still goes through, the key read again.
    await infra.redis.del(caseKeyRedisKey(infra.keyPrefix, id));
    const escalation = escalateBy(id, ['440705']);
    await producer.send(infra.topics.commands, [{ key: id, value: JSON.stringify(escalation) }]);
    expect(await outcomeOf(escalation.commandId)).toMatchObject({ status: 'accepted', events: [{ type: 'IncidentEscalated' }] });
    const escalated = (await eventsOf(id)).find((e) => e.type === 'IncidentEscalated');
    expect(escalated?.type === 'IncidentEscalated' && escalated.data.reason).toMatch(/^enc1\./);
  });

  // ADR 0019: commands bound to their partition, replay-proof; events signed by the worker.
  const lettersOf = async (): Promise<DeadLetter[]> =>
    (await readTopic(infra.kafka, infra.topics.dlq)).map((r) => JSON.parse(r.value!) as DeadLetter);
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('refuses the exact bytes of a decided command produced to another partition: DLQ, nothing decided', async () => {
    const worker = await newWorker();
    const id = randomUUID();
    const reported = signed(report(id));
    const [home] = await producer.send(infra.topics.commands, [{ key: id, value: JSON.stringify(reported) }]);
    expect(await outcomeOf(reported.commandId)).toMatchObject({ status: 'accepted' });
    const eventsBefore = await eventsOf(id);
    const elsewhere = 1 - home!.partition;
    const original = (await readTopic(infra.kafka, infra.topics.commands)).find((r) => r.key === id)!;
    await produceRaw(infra.kafka, infra.topics.commands, [{ key: id, value: original.value, partition: elsewhere }]);

    const [letter] = await eventually(lettersOf, (l) => l.length > 0);
    expect(letter).toMatchObject({ topic: infra.topics.commands, partition: elsewhere, key: id, value: original.value });
    expect(letter!.reason).toBe(
      `the command stands on partition ${elsewhere} of ${infra.topics.commands}, but its key maps to partition ${home!.partition}: a copy produced to another partition is not decided`,
    );
    expect(await eventsOf(id)).toEqual(eventsBefore);
    expect(await outcomesOf(reported.commandId)).toHaveLength(1);
    expect(worker.ownedPartitions).toEqual([0, 1]);
  });

  it('refuses a command that reached the topic too long after it was signed, with an outcome that says so', async () => {
    await newWorker(infra.logger, { maxAgeMs: 1_000 });
    const id = randomUUID();
    // Signed two minutes ago and held back (captured on its way, produced now): too old to decide.
    const held = signed(report(id), new Date(Date.now() - 120_000));
    await produceRaw(infra.kafka, infra.topics.commands, [{ key: id, value: JSON.stringify(held) }]);
    const outcome = await outcomeOf(held.commandId);
    expect(outcome).toMatchObject({ status: 'rejected', code: 'COMMAND_EXPIRED', incidentId: id, actorId: 'staff-007' });
    expect(outcome.status === 'rejected' && outcome.message).toMatch(/reached the commands topic .* more than the 1 s a command may take/);
    // A producer's claimed timestamp changes nothing: the topic keeps the broker's append time.
    const claimed = signed(report(randomUUID()), new Date(Date.now() - 120_000));
    await produceRaw(infra.kafka, infra.topics.commands, [
      { key: claimed.incidentId, value: JSON.stringify(claimed), timestamp: String(Date.parse(claimed.signedAt!)) },
    ]);
    expect(await outcomeOf(claimed.commandId)).toMatchObject({ status: 'rejected', code: 'COMMAND_EXPIRED' });
    expect(await eventsOf(id)).toEqual([]);
    expect(await eventsOf(claimed.incidentId)).toEqual([]);
  });

  it('sets a late replay of a decided command aside to the DLQ; its first outcome stands', async () => {
    await newWorker(infra.logger, { maxAgeMs: 1_000 });
    const id = randomUUID();
    const reported = signed(report(id));
    await producer.send(infra.topics.commands, [{ key: id, value: JSON.stringify(reported) }]);
    expect(await outcomeOf(reported.commandId)).toMatchObject({ status: 'accepted' });
    const captured = (await readTopic(infra.kafka, infra.topics.commands)).find((r) => r.key === id)!;
    await sleep(1_500);
    await produceRaw(infra.kafka, infra.topics.commands, [{ key: id, value: captured.value }]);
    const [letter] = await eventually(lettersOf, (l) => l.length > 0);
    expect(letter!.reason).toMatch(new RegExp(`^a replay of command ${reported.commandId}, decided already: the command was signed at`));
    expect(await outcomesOf(reported.commandId)).toEqual([expect.objectContaining({ status: 'accepted' })]);
    expect((await eventsOf(id)).map((e) => e.metadata.version)).toEqual([1, 2]);
  });

  it('judges a command by when it was appended, not by when it is read: a worker back after the window decides it', async () => {
    const id = randomUUID();
    const reported = signed(report(id));
    // No worker runs while the command waits on the topic longer than the window.
    await producer.send(infra.topics.commands, [{ key: id, value: JSON.stringify(reported) }]);
    await sleep(1_500);
    await newWorker(infra.logger, { maxAgeMs: 1_000 });
    expect(await outcomeOf(reported.commandId)).toMatchObject({ status: 'accepted' });
  });

  it('signs every event it writes, for the partition it stands on', async () => {
    await newWorker();
    const id = randomUUID();
    const reported = signed(report(id));
    await producer.send(infra.topics.commands, [{ key: id, value: JSON.stringify(reported) }]);
    await outcomeOf(reported.commandId);
    const records = (await readTopic(infra.kafka, infra.topics.events)).filter((r) => r.key === id);
    expect(records).toHaveLength(2);
    for (const r of records) {
      const record = { topic: infra.topics.events, partition: r.partition, key: r.key, value: Buffer.from(r.value!), headers: r.headers };
      expect(testEventVerifier.problem(record)).toBeUndefined();
      expect(testEventVerifier.problem({ ...record, partition: 1 - r.partition })).toMatch(/does not verify/);
    }
    // The command's events went out in one relay chunk: one signature over both, each with its leaf's place (ADR 0035).
    const headers = records.map((r) => r.headers[EVENT_SIGNATURE_HEADER]!.split(':'));
    expect(headers.map(([scheme, keyId, , index, count]) => [scheme, keyId, index, count])).toEqual([
      ['ed25519m', testEventSigner.keyId, '0', '2'],
      ['ed25519m', testEventSigner.keyId, '1', '2'],
    ]);
    expect(headers[0]![2]).toBe(headers[1]![2]);
  });

  it('sends an outbox a failed relay left behind first, with the next batch, before trimming it', async () => {
    await newWorker();
    const warm = signed(report(randomUUID()));
    await producer.send(infra.topics.commands, [{ key: warm.incidentId, value: JSON.stringify(warm) }]);
    await outcomeOf(warm.commandId);
    // A relay that failed after its batch was written leaves its entries in the outbox (here one notification).
    const id = randomUUID();
    const store = new PartitionStore(infra.redis, infra.keyPrefix, partitionOf(id, 2));
    const leftover = { topic: infra.topics.notifications, key: id, value: JSON.stringify({ leftover: true }) };
    await infra.redis.rpush(store.keys.outbox, JSON.stringify(leftover));
    const reported = signed(report(id));
    await producer.send(infra.topics.commands, [{ key: id, value: JSON.stringify(reported) }]);
    await outcomeOf(reported.commandId);
    // The batch's write is not the whole outbox: the relay reads it, and the leftover goes first, then the batch's own.
    const onTopic = (await readTopic(infra.kafka, infra.topics.notifications)).filter((r) => r.key === id);
    expect(onTopic.length).toBeGreaterThan(1);
    expect(onTopic[0]!.value!.toString()).toBe(leftover.value);
    expect(await infra.redis.llen(store.keys.outbox)).toBe(0);
    expect((await eventsOf(id)).map((e) => e.metadata.version)).toEqual([1, 2]);
  });

  it('restores past events nobody signed: a forged report and a forged next version are not folded', async () => {
    const worker = await newWorker();
    const id = randomUUID();
    const reported = signed(report(id));
    await producer.send(infra.topics.commands, [{ key: id, value: JSON.stringify(reported) }]);
    await outcomeOf(reported.commandId);
    const [v1, v2] = await eventsOf(id);
    // Someone with access to the broker writes a case of their own and the genuine case's version 3.
    const forgedId = randomUUID();
    const forgedReport = { ...v1!, metadata: { ...v1!.metadata, incidentId: forgedId, eventId: `${forgedId}:1` } };
    const forgedNext = { ...v2!, metadata: { ...v2!.metadata, version: 3, eventId: `${id}:3` } };
    const impostor = new EventSigner(generateEventSigningKey().privateKey);
    await produceRaw(infra.kafka, infra.topics.events, [
      { key: forgedId, value: JSON.stringify(forgedReport) },
      {
        key: id,
        value: JSON.stringify(forgedNext),
        headers: impostor.headers(infra.topics.events, partitionOf(id, 2), id, JSON.stringify(forgedNext)),
      },
    ]);
    // Redis loses the worker's state: the restore reads grid.events again.
    await infra.redis.del(...(await infra.redis.keys(`${infra.keyPrefix}:{w*`)));
    expect(await worker.fireDueTimers()).toBe(0);
    const states = await Promise.all(
      worker.ownedPartitions.map((p) => new PartitionStore(infra.redis, infra.keyPrefix, p).loadStates([id, forgedId])),
    );
    expect(states.map((m) => m.get(forgedId))).toEqual([null, null]);
    expect(states.map((m) => m.get(id)?.version ?? 0).sort()).toEqual([0, 2]);
    // The genuine next command takes version 3.
    const escalate = escalateBy(id, ['440705']);
    await producer.send(infra.topics.commands, [{ key: id, value: JSON.stringify(escalate) }]);
    expect(await outcomeOf(escalate.commandId)).toMatchObject({ status: 'accepted', events: [{ type: 'IncidentEscalated', version: 3 }] });
  });
});
