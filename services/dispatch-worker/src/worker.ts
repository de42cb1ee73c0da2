import { EVENT_SIGNATURE_HEADER, type EventSigner, type EventVerifier } from '@gridgov/auth';
import type { Topics } from '@gridgov/contracts';
import type { DecisionContext, IncidentState } from '@gridgov/domain';
import {
  DurableProducer,
  partitionCount,
  withAdmin,
  CHECKPOINTED_COMMIT_EVERY_MS,
  runBatchConsumer,
  type IncomingRecord,
  type OutgoingRecord,
  type PartitionBatch,
  type RunningConsumer,
} from '@gridgov/kafka';
import { CaseKeys, type Kms, type Pseudonyms } from '@gridgov/crypto';
import { CheckpointConflict, Fenced, type Clock, type Redis } from '@gridgov/redis';
import type { Logger } from '@gridgov/runtime';
import { consumerObserver, SpanKind, startSpan, type ServiceMetrics, type WorkerBacklog } from '@gridgov/telemetry';
import type { KafkaClient } from '@gridgov/kafka';
import { BatchDecider, commandAgeProblem, parseCommandRecord, type BatchSealing } from './decide-batch.ts';
import { PartitionStore, type Applied, type LogMove, type OutboxEntry } from './partition-store.ts';

/** A write's outbox entries, as decided and as stored, and the outbox's length after the write. */
type Written = Applied & { readonly entries: readonly OutboxEntry[] };
import { restorePartitions, type RestoreReport } from './restore.ts';

export interface WorkerDeps {
  readonly kafka: KafkaClient;
  readonly redis: Redis;
  readonly logger: Logger;
  readonly topics: Topics;
  readonly groupId: string;
  readonly keyPrefix: string;
  /**
   * What commands and timers are decided with: one context, or the configuration in force at each batch (grid.config,
   * ADR 0024), which a batch keeps throughout.
   */
  readonly context: DecisionContext | (() => DecisionContext);
  /**
   * Waits (a bounded time, well within the session timeout) until the configuration in force is at least this version: a command checked by the intake
   * against a version this worker has not read yet is decided once it has (ADR 0024).
   */
  readonly configVersionReached?: (version: number) => Promise<void>;
  readonly partitionsConcurrently: number;
  /** The worker's clock; tests move their own. */
  readonly clock: Clock;
  /** How soon a silent worker loses its partitions, in ms. */
  readonly sessionTimeoutMs?: number;
  /** How often each owned partition's due timers are looked at. */
  readonly timerPollMs: number;
  /** Keys a command envelope may be signed with: the current one, then any being rotated out (ADR 0006). */
  readonly signingKeys: readonly string[];
  /** Longest time from the intake signing a command to the broker appending it, in ms (ADR 0019). */
  readonly commandMaxAgeMs: number;
  /** Signs every record this worker writes to grid.events (ADR 0019): the private key is the worker's alone. */
  readonly eventSigner: EventSigner;
  /** Checks the events a restore folds: this worker's key, and any being rotated out. */
  readonly eventVerifier: EventVerifier;
  /** Told when kafkajs gave up on the commands consumer for good (the service exits). */
  readonly onConsumerCrash?: (err: Error) => void;
  /**
   * Field-level encryption of personal data on grid.events (ADR 0016): the KMS that wraps each case's data key, and
   * the pseudonyms. The service always has it; left out, events go in clear (a benchmark's reference run, old tests).
   */
  readonly encryption?: { readonly kms: Kms; readonly pseudonyms: Pseudonyms };
  /** Consumer lag, dead letters, timer lateness (ADR 0026); the outbox and timer backlog are read at each scrape. */
  readonly metrics?: ServiceMetrics;
}

interface Owned {
  readonly store: PartitionStore;
  epoch: number;
  /** Commands and timers of one partition take turns: both read and write its incidents. */
  turn: Promise<void>;
  /** The last seek back to the checkpoint: a batch that again begins at the same later offset shows a hole in the log. */
  lastSeek?: { offset: bigint; first: bigint };
}

/**
 * How long a worker fenced on a partition it still owns waits before it claims the partition back: long enough for a
 * rebalance that gave the partition away to reach this member (its assignment then no longer holds it).
 */
const RECLAIM_PAUSE_MS = 1_000;

/** Whether an error is, or wraps (kafkajs wraps what a restore's reader throws), a fenced write: a newer epoch. */
function isFence(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Fenced || e.message.includes('GRIDGOV_EPOCH_FENCED')) return true;
  }
  return false;
}

const RELAY_CHUNK = 1000;
const TIMER_CHUNK = 100;
/** At most this many commands are decided and written together (see onBatch); two ids each stay under MAX_READ_IDS. */
const COMMAND_CHUNK = 100;

/**
 * The dispatch worker: owns the commands partitions the group gives it, decides each command
 * against the incident's state, and commits states + outbox in one Redis script before anything
 * is produced. The relay then produces the outbox and trims it. Its state in Redis is a cache of
 * grid.events and grid.outcomes: on taking a partition, and whenever Redis is found to have lost
 * it, the state is restored from the log before anything is decided (ADR 0009).
 */
export class DispatchWorker {
  private readonly producer: DurableProducer;
  private readonly owned = new Map<number, Owned>();
  private consumer: RunningConsumer | undefined;
  private timerLoop: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly caseKeys: CaseKeys | undefined;
  /** Partitions of grid.commands (and of grid.events and grid.outcomes), read at start. */
  private partitions = 0;

  constructor(private readonly deps: WorkerDeps) {
    this.producer = new DurableProducer(deps.kafka);
    if (deps.encryption) {
      this.caseKeys = new CaseKeys({
        redis: deps.redis,
        keyPrefix: deps.keyPrefix,
        kms: deps.encryption.kms,
        topic: deps.topics.keys,
        producer: this.producer,
        kafka: deps.kafka,
        logger: deps.logger,
      });
    }
  }

  /**
   * The data keys a batch may seal with, loaded before it is decided; null without encryption. A case that exists,
   * is not erased and has no key in the cache means the cache lost it (Redis lost some keys, not the partition's
   * state): the partition's keys are read again from grid.keys first.
   */
  /** The decision context in force now. */
  private context(): DecisionContext {
    const { context } = this.deps;
    return typeof context === 'function' ? context() : context;
  }

  private async sealingFor(partition: number, states: ReadonlyMap<string, IncidentState>): Promise<BatchSealing | null> {
    if (!this.caseKeys || !this.deps.encryption) return null;
    const keys = this.caseKeys;
    const ids = [...states.keys()];
    let found = await keys.get(ids);
    const missing = ids.filter((id) => states.get(id) && !states.get(id)!.erased && !found.has(id));
    if (missing.length > 0) {
      this.deps.logger.warn(
        { partition, incidents: missing.slice(0, 10), missing: missing.length },
        'case keys missing from Redis: read again from grid.keys',
      );
      await keys.restore([partition], `${this.deps.groupId}-keys`);
      found = await keys.get(ids);
    }
    return { keys: found, createKey: () => keys.create(), pseudonyms: this.deps.encryption.pseudonyms };
  }

  /**
   * Before a batch is committed: its new cases' keys are stored durably (grid.keys, then the cache), so nothing sealed
   * goes out without its key; erased cases' keys are shredded. A crash after this re-decides the same commands: a
   * new key for a report replaces one that sealed nothing sent; an erasure decided again shreds nothing more.
   */
  private async settleKeys(decider: BatchDecider, now: Date): Promise<void> {
    if (!this.caseKeys) return;
    await this.caseKeys.put(decider.newKeys, now);
    await this.caseKeys.shred(decider.erased);
  }

  async start(): Promise<void> {
    await this.checkPartitionsAlign();
    await this.checkAppendTime();
    await this.producer.connect();
    this.consumer = await runBatchConsumer({
      kafka: this.deps.kafka,
      groupId: this.deps.groupId,
      topics: [this.deps.topics.commands],
      logger: this.deps.logger,
      partitionsConcurrently: this.deps.partitionsConcurrently,
      // Its checkpoint says what is decided (a command read again is skipped): offsets need not be saved every batch.
      commitEveryMs: CHECKPOINTED_COMMIT_EVERY_MS,
      ...(this.deps.sessionTimeoutMs ? { sessionTimeoutMs: this.deps.sessionTimeoutMs } : {}),
      onAssigned: (assignment) => this.onAssigned(assignment.get(this.deps.topics.commands) ?? []),
      onBatch: (batch) => this.inTurn(batch.partition, () => this.onBatch(batch)),
      ...(this.deps.onConsumerCrash ? { onCrash: this.deps.onConsumerCrash } : {}),
      ...(this.deps.metrics ? { observer: consumerObserver(this.deps.metrics) } : {}),
    });
    this.scheduleTimers();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timerLoop);
    await this.consumer?.stop();
    await Promise.all([...this.owned.values()].map((o) => o.turn));
    await this.producer.disconnect();
  }

  /**
   * Commands, events and outcomes are keyed by incident id with the same partitioner: with the same partition count,
   * everything about commands partition p is on partition p of grid.events and grid.outcomes, where a restore reads it.
   */
  private async checkPartitionsAlign(): Promise<void> {
    const { kafka, topics } = this.deps;
    const count = (topic: string) =>
      partitionCount(kafka, topic).catch((err: unknown) => {
        throw new Error(`cannot read the partitions of ${topic} (${(err as Error).message}): is it created (infra/topics.json)?`, {
          cause: err,
        });
      });
    const [commands, events, outcomes] = await Promise.all([count(topics.commands), count(topics.events), count(topics.outcomes)]);
    this.partitions = commands;
    if (commands !== events || commands !== outcomes) {
      throw new Error(
        `${topics.commands} has ${commands} partitions, ${topics.events} ${events} and ${topics.outcomes} ${outcomes}: ` +
          'they must have the same number, so that one partition of each holds the same incidents',
      );
    }
    if (this.caseKeys) {
      const keys = await count(topics.keys);
      if (keys !== commands) {
        throw new Error(
          `${topics.keys} has ${keys} partitions and ${topics.commands} ${commands}: a restore reads a partition's keys from its own`,
        );
      }
    }
  }

  /**
   * A command's age is judged by the broker's append time (ADR 0019): with CreateTime, whoever produces a record sets
   * its timestamp, and a replay could claim the time of the original. Refuses to start otherwise.
   */
  private async checkAppendTime(): Promise<void> {
    const { kafka, topics } = this.deps;
    const configs = await withAdmin(kafka, (admin) => admin.topicConfigs([topics.commands], ['message.timestamp.type']));
    const type = configs.get(topics.commands)?.['message.timestamp.type'];
    if (type !== 'LogAppendTime') {
      throw new Error(
        `${topics.commands} has message.timestamp.type ${String(type)}: it must be LogAppendTime (infra/topics.json), so that ` +
          'a command is timed by the broker and not by whoever produced it. Set it with kafka-configs.sh --alter --entity-type ' +
          `topics --entity-name ${topics.commands} --add-config message.timestamp.type=LogAppendTime`,
      );
    }
  }

  /** Runs `work` after whatever the partition is already doing. */
  private inTurn<T>(partition: number, work: () => Promise<T>): Promise<T> {
    const owner = this.owned.get(partition);
    if (!owner) return work();
    const run = owner.turn.then(work);
    owner.turn = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private scheduleTimers(): void {
    if (this.stopping) return;
    this.timerLoop = setTimeout(() => {
      this.fireDueTimers()
        .catch((err: unknown) => this.deps.logger.error({ err }, 'timer pass failed'))
        .finally(() => this.scheduleTimers());
    }, this.deps.timerPollMs);
  }

  /** One pass over every owned partition: ticks the incidents whose timers are due now. */
  async fireDueTimers(): Promise<number> {
    // Partitions are independent: their timers fire side by side, as many at once as batches are decided (each pass's
    // synchronous part, deciding a chunk, delays the others' Redis replies: twelve at once on a busy machine made
    // them wait past the command timeout).
    const queue = [...this.ownedPartitions];
    let fired = 0;
    const lane = async () => {
      for (let partition = queue.shift(); partition !== undefined; partition = queue.shift()) {
        const n = await this.inTurn(partition, () => this.firePartitionTimers(partition)).catch(async (err: unknown) => {
          this.deps.logger.warn({ err, partition }, 'timers of partition not fired');
          if (isFence(err)) await this.inTurn(partition, () => this.reclaim(partition, err)).catch(() => undefined);
          return 0;
        });
        fired += n;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, this.deps.partitionsConcurrently) }, lane));
    return fired;
  }

  private async firePartitionTimers(partition: number): Promise<number> {
    let fired = 0;
    const owner = this.owned.get(partition);
    if (!owner) return fired;
    const now = await this.deps.clock();
    for (;;) {
      // One round trip: the restored mark, the checkpoint, the outbox's depth, the due timers and their states.
      let pass = await owner.store.timerPass(now.getTime(), TIMER_CHUNK);
      if (!pass.restored) {
        // Redis lost the state (a wipe, a restart without persistence): the timers with it. Restore first.
        await this.recover(partition, 'no restored mark found at a timer pass');
        pass = await owner.store.timerPass(now.getTime(), TIMER_CHUNK);
        if (!pass.restored) throw new Error(`partition ${partition}: no restored mark right after a restore`);
      }
      // An outbox left behind by a relay that failed after its batch was committed (a Redis or Kafka timeout): the batch
      // read again finds nothing new to decide, so nothing else would send it until the partition's next command. The
      // relay after this pass's write sends it too, first (the outbox is a list), so it is sent here only when none is due.
      if (pass.due.length === 0) {
        if (pass.outboxDepth > 0) await this.relay(partition);
        return fired;
      }
      const { due, states, checkpoint: fromCheckpoint } = pass;
      const context = this.context();
      // What a tick emits (warnings, missed deadlines, escalations; by the system) carries nothing personal but the
      // escalation reason of a confidential category's case (ADR 0016): only those cases' keys are read and unwrapped.
      const sealed = new Map([...states].filter(([, state]) => state !== null && context.catalog.isConfidential(state.category)));
      const decider = new BatchDecider(
        states,
        new Set(),
        context,
        this.deps.topics,
        now,
        this.deps.logger,
        await this.sealingFor(partition, sealed),
      );
      for (const { incidentId } of due) decider.tick(incidentId);
      await this.settleKeys(decider, now);
      const applied = await owner.store.apply({ epoch: owner.epoch, fromCheckpoint, toCheckpoint: fromCheckpoint, ...decider });
      const metrics = this.deps.metrics;
      if (metrics) {
        for (const { dueAt } of due) metrics.timerLateness.observe(Math.max(0, now.getTime() - dueAt) / 1000);
        metrics.timersFired.inc(due.length);
      }
      await this.relay(partition, { entries: decider.outbox, ...applied });
      fired += due.length;
      // One line a chunk (a line a timer, now at debug level, was most of the worker's log with many cases open).
      this.deps.logger.info(
        { partition, timers: due.length, events: decider.outbox.length, latestDueAt: new Date(due[due.length - 1]!.dueAt).toISOString() },
        'deadline timers ticked',
      );
      if (due.length < TIMER_CHUNK) return fired;
    }
  }

  /** Each owned partition's outbox depth and due timers, for a scrape (ADR 0026). */
  async backlog(): Promise<WorkerBacklog[]> {
    const now = (await this.deps.clock()).getTime();
    return Promise.all([...this.owned].map(async ([partition, owner]) => ({ partition, ...(await owner.store.backlog(now)) })));
  }

  get ownedPartitions(): number[] {
    return [...this.owned.keys()].sort((a, b) => a - b);
  }

  /** How many assignments the group has given this member (counted when given, before they are taken). */
  private assignments = 0;

  /** Assignments are taken one after the other: a rebalance during a restore waits for it. */
  private assigning: Promise<void> = Promise.resolve();

  private onAssigned(partitions: readonly number[]): Promise<void> {
    this.assignments++;
    const next = this.assigning.then(() =>
      this.takeAssignment(partitions).catch((err: unknown) => {
        // Another member claimed a partition after this one did (a member still acting on an older assignment): the
        // consumer takes the assignment again shortly (runBatchConsumer retries what calls itself non-retriable).
        if (!isFence(err)) throw err;
        throw Object.assign(new Error(`taking partitions ${partitions.join(', ')}: fenced by another member`, { cause: err }), {
          retriable: false,
        });
      }),
    );
    this.assigning = next.catch((err: unknown) => this.deps.logger.warn({ err, partitions }, 'taking the assignment failed'));
    return next;
  }

  private async takeAssignment(partitions: readonly number[]): Promise<void> {
    // Let work under way finish (a fenced write fails on its own) before the new epochs are taken.
    await Promise.all([...this.owned.values()].map((o) => o.turn));
    this.owned.clear();
    // Epochs first; the partitions become owned together with turns that wait for the restore, with no await in
    // between, so that no timer pass or batch slips in and restores (taking another epoch) on its own.
    const taken: [number, Owned][] = [];
    for (const partition of partitions) {
      const store = new PartitionStore(this.deps.redis, this.deps.keyPrefix, partition);
      taken.push([partition, { store, epoch: await store.takeOwnership(), turn: Promise.resolve() }]);
    }
    for (const [partition, owner] of taken) this.owned.set(partition, owner);
    // What a previous owner committed but did not get to send goes out first; then the state catches up with the log
    // (all of it, if Redis lost it), before the first command is decided or timer fired: both wait their turn.
    const restored = (async () => {
      await Promise.all(partitions.map((p) => this.relay(p)));
      await this.restore(partitions);
    })();
    for (const owner of this.owned.values()) {
      owner.turn = restored.then(
        () => undefined,
        () => undefined,
      );
    }
    await restored;
    this.deps.logger.info({ partitions: this.ownedPartitions }, 'owning command partitions');
  }

  private async restore(partitions: readonly number[]): Promise<RestoreReport[]> {
    const targets = partitions.flatMap((p) => {
      const owner = this.owned.get(p);
      return owner ? [{ store: owner.store, epoch: owner.epoch }] : [];
    });
    const reports = await restorePartitions(
      {
        kafka: this.deps.kafka,
        topics: this.deps.topics,
        logger: this.deps.logger,
        context: this.context(),
        groupPrefix: `${this.deps.groupId}-restore`,
        now: () => new Date(),
        ...(this.caseKeys && this.deps.encryption ? { keys: this.caseKeys, pseudonyms: this.deps.encryption.pseudonyms } : {}),
        eventVerifier: this.deps.eventVerifier,
      },
      targets,
    );
    // Outcomes of commands whose events were on the log without them go out now.
    await Promise.all(partitions.map((p) => this.relay(p)));
    return reports;
  }

  /** Redis lost the partition's state while this worker owned it: a new epoch, then the state from the log. */
  private async recover(partition: number, why: string): Promise<void> {
    const owner = this.owned.get(partition);
    if (!owner) return;
    this.deps.logger.warn({ partition, why }, 'partition state lost from Redis: restoring it from the log before deciding');
    owner.epoch = await owner.store.takeOwnership();
    await this.restore([partition]);
  }

  /**
   * A write of a partition this worker owns was fenced though its state is whole: another member claimed the partition
   * after this one took it (one acting on an older assignment, or the new owner whose assignment has not reached this
   * member yet). Unless a rebalance moves the partition meanwhile, it is claimed back (a new epoch, the state restored
   * from the log): otherwise no one would decide its commands or fire its timers until the next rebalance. Runs in the
   * partition's turn; two members that both believe they own it fence each other until the group settles, each write
   * refused whole, nothing decided twice. Answers whether it claimed the partition back.
   */
  private async reclaim(partition: number, err: unknown): Promise<boolean> {
    const owner = this.owned.get(partition);
    if (!owner) return false;
    const given = this.assignments;
    await new Promise((r) => setTimeout(r, RECLAIM_PAUSE_MS));
    // A new assignment given meanwhile (taken once this turn ends) decides whether the partition stays.
    if (this.stopping || this.assignments !== given || this.owned.get(partition) !== owner) return false;
    this.deps.logger.warn(
      { partition, why: err instanceof Error ? err.message : String(err) },
      'partition claimed by another member while this one owns it: claiming it back',
    );
    owner.epoch = await owner.store.takeOwnership();
    await this.restore([partition]);
    return true;
  }

  /**
   * A batch is decided in chunks of at most COMMAND_CHUNK commands, each written by its own fenced script (its
   * checkpoint the chunk's last offset) and relayed: a fetch of thousands of commands neither blocks the event loop for
   * seconds (Redis commands of other partitions would time out meanwhile) nor builds one huge write.
   */
  private async onBatch(batch: PartitionBatch): Promise<void> {
    const owner = this.owned.get(batch.partition);
    if (!owner) throw new Error(`batch for partition ${batch.partition}, which this worker does not own`);
    let decided = false;
    for (let start = 0; start < batch.records.length; start += COMMAND_CHUNK) {
      // A batch of many chunks shares the process with the other partitions' batches: the group hears from this member
      // between chunks, not only between batches, or a busy worker loses its partitions (session timeout).
      if (start > 0) await batch.heartbeat();
      const chunk = batch.records.slice(start, start + COMMAND_CHUNK);
      const outcome = await this.decideChunk(owner, batch, chunk, start === 0);
      if (outcome === 'sought') return;
      if (outcome === 'decided') decided = true;
    }
    // Decided already (a batch read again after its relay failed): what it left in the outbox goes now.
    if (!decided) await this.relay(batch.partition);
  }

  /** Decides one chunk of a batch: 'sought' when the partition was moved to another offset (the rest of the batch is dropped). */
  private async decideChunk(
    owner: Owned,
    batch: PartitionBatch,
    records: readonly IncomingRecord[],
    firstOfBatch: boolean,
  ): Promise<'decided' | 'nothing new' | 'sought'> {
    const { store } = owner;
    const place = { topic: batch.topic, partition: batch.partition, partitions: this.partitions };
    const parsed = records.map((r) => parseCommandRecord(r, this.deps.signingKeys, place));
    const envelopes = parsed.flatMap((p) => (p.ok ? [p.envelope] : []));
    const ids = [...new Set(envelopes.map((e) => e.incidentId))];
    const commandIds = [...new Set(envelopes.map((e) => e.commandId))];
    const wanted = Math.max(0, ...envelopes.map((e) => e.configVersion ?? 0));
    if (this.deps.configVersionReached) await this.deps.configVersionReached(wanted);
    const now = await this.deps.clock();
    // One round trip: the restored mark, the checkpoint, the states and the command ids decided already.
    let reads = await store.batchReads(ids, commandIds);
    if (!reads.restored) {
      await this.recover(batch.partition, 'no restored mark found at a batch');
      reads = await store.batchReads(ids, commandIds);
      if (!reads.restored) throw new Error(`partition ${batch.partition}: no restored mark right after a restore`);
    }
    const fromCheckpoint = reads.checkpoint;
    const next = fromCheckpoint === '' ? 0n : BigInt(fromCheckpoint) + 1n;
    const first = BigInt(records[0]?.offset ?? next);
    if (firstOfBatch && first > next) {
      // Commands after the checkpoint that are not in this batch (a restore moved the checkpoint back, or the group's
      // committed offset ran ahead of it): read them first. The same later offset right after seeking there means the
      // log has a hole (retention deleted commands never decided): go on after it, loudly.
      if (!(owner.lastSeek && owner.lastSeek.offset === next && owner.lastSeek.first === first)) {
        owner.lastSeek = { offset: next, first };
        this.consumer?.seek({ topic: batch.topic, partition: batch.partition, offset: next });
        this.deps.logger.info(
          { partition: batch.partition, from: next.toString(), batchBegins: first.toString() },
          'commands after the checkpoint: re-reading',
        );
        return 'sought';
      }
      this.deps.logger.error(
        { partition: batch.partition, missing: `${next}..${first - 1n}` },
        'commands missing from the log: going on after them',
      );
    }
    if (firstOfBatch) delete owner.lastSeek;
    const fresh = parsed.filter((p) => BigInt(p.record.offset) >= next);
    if (fresh.length === 0) return 'nothing new';

    const decider = new BatchDecider(
      reads.states,
      reads.decidedBefore,
      this.context(),
      this.deps.topics,
      now,
      this.deps.logger,
      await this.sealingFor(batch.partition, reads.states),
    );
    for (const item of fresh) {
      if (item.ok) {
        const tooOld = commandAgeProblem(item.envelope, item.record, this.deps.commandMaxAgeMs);
        const expired = tooOld ? { reason: tooOld, setAside: (why: string) => decider.deadLetter(batch, item.record, why) } : undefined;
        // The trace the intake began (a traceparent header), or a new one for a command produced without it.
        const trace = startSpan(`decide ${item.envelope.command.type}`, item.record.headers, SpanKind.CONSUMER);
        decider.command(item.envelope, { partition: batch.partition, offset: item.record.offset }, expired, trace);
        trace.end();
      } else decider.deadLetter(batch, item.record, item.reason);
    }
    const last = fresh[fresh.length - 1]!.record;
    await this.settleKeys(decider, now);
    let applied: Applied;
    try {
      applied = await store.apply({ epoch: owner.epoch, fromCheckpoint, toCheckpoint: last.offset, ...decider });
    } catch (err) {
      if (!(err instanceof Fenced || err instanceof CheckpointConflict)) throw err;
      if (await store.isRestored()) {
        if (!(err instanceof Fenced)) throw err;
        // Another member claimed the partition (see reclaim): claimed back, or left to the assignment that moved it.
        if (!(await this.reclaim(batch.partition, err))) throw err;
      } else {
        // Redis lost the state between the read above and the write: restore, then read from the checkpoint again.
        await this.recover(batch.partition, err.message);
      }
      const checkpoint = await store.checkpoint();
      const from = checkpoint === '' ? '0' : (BigInt(checkpoint) + 1n).toString();
      this.consumer?.seek({ topic: batch.topic, partition: batch.partition, offset: from });
      return 'sought';
    }
    const letters = decider.outbox.filter((e) => e.topic === this.deps.topics.dlq).length;
    if (letters > 0) this.deps.metrics?.deadLetters.inc({ consumer: 'dispatch-worker', topic: batch.topic }, letters);
    await this.relay(batch.partition, { entries: decider.outbox, ...applied });
    return 'decided';
  }

  /**
   * Produces the partition's outbox (acks=all) and trims it. A chunk's events, notifications, dead letters and outcomes
   * go in one request: Kafka appends each partition's records whole, so a command's outcome is on grid.outcomes only
   * with its events on grid.events, and the outcomes on the log are every one up to the last (a restore relies on it).
   */
  private async relay(partition: number, written?: Written): Promise<void> {
    const owner = this.owned.get(partition);
    if (!owner) return;
    // What the write just pushed is the whole outbox (nothing left by an earlier relay): sent as it was written, without
    // reading it back. The trim still checks that the last entry sent is the one stored.
    if (written && written.outboxDepth === written.pushed.length && written.pushed.length <= RELAY_CHUNK) {
      if (written.pushed.length > 0) await this.sendAndTrim(owner, written.entries, written.pushed);
      return;
    }
    for (;;) {
      const { raw, entries } = await owner.store.pendingOutbox(RELAY_CHUNK);
      if (entries.length === 0) return;
      await this.sendAndTrim(owner, entries, raw);
      if (entries.length < RELAY_CHUNK) return;
    }
  }

  /**
   * Sends the first outbox entries (`raw` as stored), then in one script moves the partition's log positions past what
   * it wrote to grid.events and grid.outcomes and drops the entries.
   */
  private async sendAndTrim(owner: Owned, entries: readonly OutboxEntry[], raw: readonly string[]): Promise<void> {
    const moves = await this.send(owner, entries);
    await owner.store.relayed(owner.epoch, entries.length, raw[raw.length - 1]!, moves);
  }

  /** Sends records; answers the log positions to move past what it wrote to grid.events and grid.outcomes. */
  private async send(owner: Owned, entries: readonly OutboxEntry[]): Promise<LogMove[]> {
    const byTopic = new Map<string, OutgoingRecord[]>();
    const { events: eventsTopic } = this.deps.topics;
    const partition = owner.store.partition;
    // Events are signed as published, for the partition they go to (their key's, the commands partition's: ADR 0019),
    // the chunk's at once: one signature over the Merkle root of their records, each given its path (ADR 0035).
    // The signature covers the key and value, not the headers: a traceparent beside it changes nothing it vouches for.
    const signatures = this.deps.eventSigner.signChunk(
      eventsTopic,
      partition,
      entries.filter((e) => e.topic === eventsTopic),
    );
    let signed = 0;
    for (const entry of entries) {
      const list = byTopic.get(entry.topic) ?? [];
      const headers = {
        ...(entry.topic === eventsTopic ? { [EVENT_SIGNATURE_HEADER]: signatures[signed++]! } : {}),
        ...(entry.traceparent ? { traceparent: entry.traceparent } : {}),
      };
      list.push({ key: entry.key, value: entry.value, ...(Object.keys(headers).length > 0 ? { headers } : {}) });
      byTopic.set(entry.topic, list);
    }
    const delivered = await this.producer.sendMany(byTopic);
    const { events, outcomes } = this.deps.topics;
    const moves: LogMove[] = [];
    for (const [log, topic] of [['events', events] as const, ['outcomes', outcomes] as const]) {
      const written = delivered.filter((d) => d.topic === topic);
      const count = byTopic.get(topic)?.length ?? 0;
      // All of them on the partition's own (the keys say so): then the state holds the log up to there.
      if (written.length === 1 && written[0]!.partition === owner.store.partition && written[0]!.offset !== '-1') {
        const from = BigInt(written[0]!.offset);
        moves.push({ log, from, next: from + BigInt(count) });
      }
    }
    return moves;
  }
}
