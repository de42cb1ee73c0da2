import { Notification } from '@gridgov/contracts';
import {
  deadLetter,
  type DeadLetter,
  DurableProducer,
  type IncomingRecord,
  type KafkaClient,
  type PartitionBatch,
  runBatchConsumer,
  type RunningConsumer,
  sendDeadLetters,
} from '@gridgov/kafka';
import type { Clock } from '@gridgov/redis';
import { consumerObserver, traceFieldsOf, type ServiceMetrics } from '@gridgov/telemetry';
import type { Logger } from 'pino';
import type { Directory } from './directory.ts';
import { quietUntil, type QuietHours, type SmsAdapter, smsText } from './sms.ts';
import type { NotifierStore, QueuedSms } from './store.ts';
import { postWebhook } from './webhooks.ts';

export interface NotifierOptions {
  readonly kafka: KafkaClient;
  readonly store: NotifierStore;
  readonly logger: Logger;
  readonly topics: { readonly notifications: string; readonly dlq: string };
  readonly groupId: string;
  readonly sessionTimeoutMs?: number;
  /** The directory now (PUT /v1/directory may replace it). */
  readonly directory: () => Directory;
  readonly clock: Clock;
  readonly webhooks: {
    readonly secret: string | undefined;
    readonly maxAttempts: number;
    readonly backoffMs: number;
    readonly timeoutMs: number;
  };
  readonly sms: {
    readonly adapter: SmsAdapter | undefined;
    readonly limitPerNumber: number;
    readonly windowMs: number;
    readonly quietHours: QuietHours | undefined;
    readonly pollMs: number;
    readonly maxAttempts: number;
  };
  readonly onConsumerCrash?: (error: Error) => void;
  /** Consumer lag and state, dead letters (ADR 0026). */
  readonly metrics?: ServiceMetrics;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How long a claimed SMS is held by its sender before another may take it. */
const SMS_LEASE_MS = 30_000;

/**
 * Delivers grid.notifications: once per recipient and channel, by a delivery record per (notification, recipient,
 * channel) in Redis. The inbox and the SMS queue write theirs in the same script as the delivery; a webhook's is
 * written after the receiver answered 2xx, so a POST answered just before a SIGKILL is sent again with the same
 * Idempotency-Key, which the receiver dedupes on (ADR 0022).
 */
export class Notifier {
  private consumer: RunningConsumer | undefined;
  private readonly producer: DurableProducer;
  private smsTimer: NodeJS.Timeout | undefined;
  private smsRunning: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly o: NotifierOptions) {
    this.producer = new DurableProducer(o.kafka);
  }

  async start(): Promise<void> {
    await this.producer.connect();
    this.consumer = await runBatchConsumer({
      kafka: this.o.kafka,
      groupId: this.o.groupId,
      topics: [this.o.topics.notifications],
      logger: this.o.logger,
      ...(this.o.sessionTimeoutMs ? { sessionTimeoutMs: this.o.sessionTimeoutMs } : {}),
      onBatch: (batch) => this.handleBatch(batch),
      ...(this.o.onConsumerCrash ? { onCrash: this.o.onConsumerCrash } : {}),
      ...(this.o.metrics ? { observer: consumerObserver(this.o.metrics) } : {}),
    });
    if (this.o.sms.adapter) this.scheduleSms();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.smsTimer) clearTimeout(this.smsTimer);
    await this.smsRunning;
    await this.consumer?.stop();
    await this.producer.disconnect();
  }

  private async handleBatch(batch: PartitionBatch): Promise<void> {
    const dead: DeadLetter[] = [];
    for (const record of batch.records) {
      if (!batch.isRunning()) throw new Error('consumer stopping: the batch is left uncommitted');
      const reason = await this.handleRecord(batch, record);
      if (reason) dead.push(deadLetter('notifier', batch, record, reason, await this.o.clock()));
      await batch.heartbeat();
    }
    if (dead.length > 0) {
      await sendDeadLetters(this.producer, this.o.topics.dlq, dead);
      this.o.metrics?.deadLetters.inc({ consumer: 'notifier', topic: batch.topic }, dead.length);
    }
  }

  /** Delivers one record on every channel; answers a reason when (part of) it goes to grid.dlq. */
  private async handleRecord(batch: PartitionBatch, record: IncomingRecord): Promise<string | undefined> {
    let json: unknown;
    try {
      json = JSON.parse(record.value?.toString('utf8') ?? '');
    } catch {
      this.o.logger.warn(
        { partition: batch.partition, offset: record.offset, ...traceFieldsOf(record.headers) },
        'notification is not JSON: dead-lettered',
      );
      return 'not JSON';
    }
    const parsed = Notification.safeParse(json);
    if (!parsed.success) {
      const reason = `invalid notification: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
      this.o.logger.warn(
        { partition: batch.partition, offset: record.offset, reason, ...traceFieldsOf(record.headers) },
        'invalid notification: dead-lettered',
      );
      return reason;
    }
    const n = parsed.data;
    const directory = this.o.directory();
    const people = directory.recipients(n);
    const hooks = directory.webhooks(n);
    const log = this.o.logger.child({
      notificationId: n.notificationId,
      incidentId: n.incidentId,
      kind: n.kind,
      ...traceFieldsOf(record.headers),
    });
    if (people.length === 0 && hooks.length === 0) log.warn({ recipient: n.recipient }, 'no one in the directory for this notification');

    for (const person of people) {
      if (person.channels.includes('inbox')) {
        const added = await this.o.store.deliverToInbox(person.id, `${n.notificationId}:${person.id}:inbox`, {
          id: n.notificationId,
          incidentId: n.incidentId,
          kind: n.kind,
          message: n.message,
          at: n.at,
          ...(n.urgency ? { urgency: n.urgency } : {}),
        });
        if (added) log.info({ person: person.id, channel: 'inbox' }, 'notification delivered');
      }
      if (person.channels.includes('sms') && person.phone && this.o.sms.adapter) {
        const deliveryId = `${n.notificationId}:${person.id}:sms`;
        const queued = await this.o.store.queueSms(
          { deliveryId, phone: person.phone, text: smsText(n), veryUrgent: n.urgency === 'very_urgent', attempts: 0 },
          (await this.o.clock()).getTime(),
        );
        if (queued) log.info({ person: person.id, channel: 'sms' }, 'SMS queued');
      }
    }

    const failures: string[] = [];
    for (const hook of hooks) {
      const reason = await this.deliverWebhook(batch, n, hook.id, hook.url, log);
      if (reason) failures.push(`webhook ${hook.id}: ${reason}`);
    }
    return failures.length > 0 ? failures.join('; ') : undefined;
  }

  /** Tries a webhook with exponential backoff; answers why it gave up, having recorded it so that it is not tried again. */
  private async deliverWebhook(
    batch: PartitionBatch,
    n: Notification,
    hookId: string,
    url: string,
    log: Logger,
  ): Promise<string | undefined> {
    const deliveryId = `${n.notificationId}:webhook:${hookId}`;
    if (await this.o.store.isDelivered(deliveryId)) return undefined;
    const { secret, maxAttempts, backoffMs, timeoutMs } = this.o.webhooks;
    if (!secret) {
      await this.o.store.recordDelivered(deliveryId, 'dead');
      return 'WEBHOOK_SECRET is not set';
    }
    const body = JSON.stringify({ deliveryId, notification: n });
    let lastError = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      try {
        // Signed with real time, as the receiver checks the replay window against its own clock.
        await postWebhook({ deliveryId, url, body }, secret, Date.now(), timeoutMs);
        await this.o.store.recordDelivered(deliveryId, 'webhook');
        log.info({ webhook: hookId, attempt }, 'webhook delivered');
        return undefined;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
        log.warn({ webhook: hookId, attempt, maxAttempts, err: lastError }, 'webhook failed');
        if (attempt < maxAttempts) {
          await sleep(backoffMs * 2 ** (attempt - 1));
          await batch.heartbeat();
        }
      }
    }
    // Recorded before the dead letter is sent: a crash between the two loses the dead letter, never repeats the tries.
    await this.o.store.recordDelivered(deliveryId, 'dead');
    log.error({ webhook: hookId, attempts: maxAttempts, err: lastError }, 'webhook given up: to grid.dlq');
    return `gave up after ${maxAttempts} tries: ${lastError}`;
  }

  private scheduleSms(): void {
    if (this.stopped) return;
    this.smsTimer = setTimeout(() => {
      this.smsRunning = this.sendDueSms()
        .catch((err: unknown) => this.o.logger.error({ err }, 'SMS round failed'))
        .finally(() => this.scheduleSms());
    }, this.o.sms.pollMs);
  }

  /** One round of the SMS queue: what is due is sent, unless quiet hours or the number's limit say later. */
  async sendDueSms(): Promise<void> {
    const { adapter, limitPerNumber, windowMs, quietHours, maxAttempts } = this.o.sms;
    if (!adapter) return;
    const now = (await this.o.clock()).getTime();
    const due = await this.o.store.claimDueSms(now, SMS_LEASE_MS, 50);
    for (const sms of due) {
      const log = this.o.logger.child({ deliveryId: sms.deliveryId });
      const quietEnd = sms.veryUrgent ? undefined : quietUntil(quietHours, now);
      if (quietEnd !== undefined) {
        await this.o.store.rescheduleSms(sms, quietEnd);
        log.info({ until: new Date(quietEnd).toISOString() }, 'SMS deferred: quiet hours');
        continue;
      }
      if (!(await this.o.store.takeSmsSlot(sms.phone, now, windowMs, limitPerNumber))) {
        const next = (Math.floor(now / windowMs) + 1) * windowMs;
        await this.o.store.rescheduleSms(sms, next);
        log.info({ until: new Date(next).toISOString(), limit: limitPerNumber }, 'SMS deferred: the number reached its limit');
        continue;
      }
      try {
        await adapter.send({ phone: sms.phone, text: sms.text, outId: sms.deliveryId });
        await this.o.store.smsDone(sms.deliveryId);
        log.info('SMS sent');
      } catch (err) {
        const attempts = sms.attempts + 1;
        const reason = err instanceof Error ? err.message : String(err);
        if (attempts >= maxAttempts) {
          await this.o.store.smsDone(sms.deliveryId);
          await sendDeadLetters(this.producer, this.o.topics.dlq, [smsDeadLetter(sms, reason, now)]);
          log.error({ attempts, err: reason }, 'SMS given up: to grid.dlq');
        } else {
          await this.o.store.rescheduleSms({ ...sms, attempts }, now + 1_000 * 2 ** attempts);
          log.warn({ attempts, err: reason }, 'SMS failed: retried later');
        }
      }
    }
  }
}

function smsDeadLetter(sms: QueuedSms, reason: string, nowMs: number): DeadLetter {
  return {
    reason: `SMS gave up after ${sms.attempts + 1} tries: ${reason}`,
    topic: 'sms-queue',
    partition: 0,
    offset: '0',
    key: sms.deliveryId,
    value: JSON.stringify({ ...sms, phone: `${sms.phone.slice(0, -8)}****${sms.phone.slice(-4)}` }),
    consumer: 'notifier',
    at: new Date(nowMs).toISOString(),
  };
}
