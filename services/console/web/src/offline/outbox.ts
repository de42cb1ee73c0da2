/**
 * The phone's outbox of reports (ADR 0007). A report is kept on the device (localStorage) from the moment
 * the user presses submit until the API has it, and every try sends it with the SAME reportId: the API
 * derives the incident from reporter + reportId, so however many tries reach it, it is one incident.
 * Network failures, 5xx and 429 are retried with backoff; a 4xx that judges the report itself stops
 * retrying that one and shows why; a 401 pauses the outbox until the user signs in again.
 *
 * A delivered report is the API's from then on (the list of own reports shows it): it stays on the device only for a
 * short retention (DELIVERED_RETENTION_MS), so that the user sees it arrive, and leaves it at sign-out. A report not yet
 * delivered (pending, or failed and not yet read) is never dropped by either: losing it would lose the report.
 */

/** The body of POST /v1/incidents, reportId included. */
export interface ReportBody {
  readonly reportId: string;
  readonly gridCode: string;
  readonly category: string;
  readonly urgency: 'normal' | 'urgent' | 'very_urgent';
  readonly description: string;
  readonly location: { readonly lat: number; readonly lng: number; readonly address?: string };
  readonly occurredAt: string;
  readonly reportedAt: string;
  /** Uploaded before the report is kept (POST /v1/photos): key and SHA-256 of each. */
  readonly photos?: readonly { readonly key: string; readonly sha256: string }[];
}

export type OutboxState = 'pending' | 'delivered' | 'failed';

export interface OutboxItem {
  readonly reportId: string;
  readonly body: ReportBody;
  readonly state: OutboxState;
  /** Tries so far. */
  readonly attempts: number;
  /** Not before this instant (epoch ms) is it tried again. */
  readonly nextAttemptAt: number;
  readonly lastError: string | undefined;
  readonly incidentId: string | undefined;
  readonly commandId: string | undefined;
  readonly deliveredAt: number | undefined;
  /** How many open cases the intake proposed the delivered report as a duplicate of (it then waits for a dispatcher). */
  readonly possibleDuplicates?: number;
}

/** What one try came to. */
export type SendResult =
  | { readonly kind: 'delivered'; readonly incidentId: string; readonly commandId: string; readonly possibleDuplicates?: number }
  | { readonly kind: 'rejected'; readonly message: string }
  | { readonly kind: 'retry'; readonly message: string; readonly retryAfterMs?: number }
  | { readonly kind: 'unauthorized'; readonly message: string };

export type Send = (body: ReportBody) => Promise<SendResult>;

/** What localStorage offers (and a test's map). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** How long a delivered report stays on the device after the API took it. */
export const DELIVERED_RETENTION_MS = 10 * 60_000;

/** Where each user's outbox is kept (localStorage): one per user, so a report is never sent under someone else's token. */
export const OUTBOX_KEY_PREFIX = 'gridgov.console.outbox.';
export const outboxKey = (userId: string): string => `${OUTBOX_KEY_PREFIX}${userId}`;

/** The storage keys of every user's outbox on this device. */
export function outboxKeys(storage: { readonly length: number; key(index: number): string | null }): string[] {
  const keys: string[] = [];
  for (let i = 0; i < storage.length; i++) {
    const key = storage.key(i);
    if (key?.startsWith(OUTBOX_KEY_PREFIX)) keys.push(key);
  }
  return keys;
}

/**
 * At sign-out: the delivered reports leave the device (confidential ones included); those not yet delivered stay,
 * to be sent when their user signs in again. Returns how many were removed.
 */
export function forgetDelivered(storage: KeyValueStorage, keys: readonly string[]): number {
  let removed = 0;
  for (const key of keys) {
    const items = readItems(storage, key);
    const kept = items.filter((i) => i.state !== 'delivered');
    if (kept.length === items.length) continue;
    removed += items.length - kept.length;
    storage.setItem(key, JSON.stringify(kept));
  }
  return removed;
}

function readItems(storage: KeyValueStorage, key: string): OutboxItem[] {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(key) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter(isItem) : [];
  } catch {
    return [];
  }
}

export const RETRY_BASE_MS = 1000;
export const RETRY_MAX_MS = 30_000;

/** Delay after the n-th failed try: 1 s doubling to 30 s, ±20% jitter so that a thousand phones do not retry in step. */
export function retryDelayMs(attempts: number, random: () => number = Math.random): number {
  const plain = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.max(0, attempts - 1));
  return Math.round(plain * (0.8 + 0.4 * random()));
}

/** A new report id: a UUID, 36 characters (the API takes 8–64). */
export const newReportId = (): string => crypto.randomUUID();

/** Reads one answer of POST /v1/incidents (status, parsed JSON body or undefined, Retry-After header). */
export function classifyAnswer(status: number, body: unknown, retryAfter: string | null = null): SendResult {
  const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  const message = error?.message ? `${error.code ? `${error.code}: ` : ''}${error.message}` : `HTTP ${status}`;
  if (status === 202 || status === 200) {
    const ok = body as { incidentId?: unknown; commandId?: unknown; possibleDuplicates?: unknown } | undefined;
    if (typeof ok?.incidentId === 'string' && typeof ok.commandId === 'string') {
      const proposed = Array.isArray(ok.possibleDuplicates) ? ok.possibleDuplicates.length : 0;
      return {
        kind: 'delivered',
        incidentId: ok.incidentId,
        commandId: ok.commandId,
        ...(proposed > 0 ? { possibleDuplicates: proposed } : {}),
      };
    }
    return { kind: 'retry', message: `unexpected answer ${status}` };
  }
  if (status === 401) return { kind: 'unauthorized', message };
  if (status === 429 || status === 408 || status >= 500) {
    const seconds = retryAfter !== null && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;
    return seconds === undefined ? { kind: 'retry', message } : { kind: 'retry', message, retryAfterMs: seconds };
  }
  if (status >= 400) return { kind: 'rejected', message };
  return { kind: 'retry', message: `unexpected answer ${status}` };
}

const isItem = (v: unknown): v is OutboxItem => {
  const i = v as Partial<OutboxItem> | null;
  return (
    typeof i === 'object' &&
    i !== null &&
    typeof i.reportId === 'string' &&
    typeof i.body === 'object' &&
    i.body?.reportId === i.reportId &&
    (i.state === 'pending' || i.state === 'delivered' || i.state === 'failed')
  );
};

export interface OutboxOptions {
  readonly storage: KeyValueStorage;
  /** The storage key: one outbox per user, so a report is never sent under someone else's token. */
  readonly key: string;
  readonly send: Send;
  readonly now?: () => number;
  readonly random?: () => number;
  /** Delivered reports kept in the list (the oldest go first). */
  readonly keepDelivered?: number;
  /** How long a delivered report stays (DELIVERED_RETENTION_MS unless set). */
  readonly deliveredRetentionMs?: number;
  /**
   * Whether its user is still signed in: a report delivered by a try that ends after the sign-out is not kept (the
   * sign-out has cleared the delivered ones already). Always, unless set.
   */
  readonly signedIn?: () => boolean;
}

export class Outbox {
  private list: OutboxItem[];
  private flushing: Promise<void> | undefined;
  private paused: string | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: OutboxOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.list = this.load();
    // Opening the page is a moment to let go of what was delivered long enough ago.
    if (this.list.some((i) => i.state === 'delivered')) this.save();
  }

  /** Newest first. */
  items(): readonly OutboxItem[] {
    return this.list;
  }

  pending(): readonly OutboxItem[] {
    return this.list.filter((i) => i.state === 'pending');
  }

  /** Why the outbox waits for a sign-in (a 401), if it does. */
  pausedBecause(): string | undefined {
    return this.paused;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Keeps the report on the device first; sending comes after (flush). */
  add(body: ReportBody): OutboxItem {
    this.reload();
    const existing = this.list.find((i) => i.reportId === body.reportId);
    if (existing) return existing;
    const item: OutboxItem = {
      reportId: body.reportId,
      body,
      state: 'pending',
      attempts: 0,
      nextAttemptAt: this.now(),
      lastError: undefined,
      incidentId: undefined,
      commandId: undefined,
      deliveredAt: undefined,
    };
    this.list = [item, ...this.list];
    this.save();
    return item;
  }

  /** When the next delivered report leaves the device (its retention ends), if any. */
  nextExpiryAt(): number | undefined {
    const ends = this.list.flatMap((i) =>
      i.state === 'delivered' && i.deliveredAt !== undefined ? [i.deliveredAt + this.retentionMs] : [],
    );
    return ends.length === 0 ? undefined : Math.min(...ends);
  }

  /** Drops the delivered reports whose retention has ended (the page calls it when `nextExpiryAt` comes). */
  expire(): void {
    this.reload();
    this.save();
  }

  /** When the next pending report is due, if any (and the outbox is not paused). */
  nextDueAt(): number | undefined {
    if (this.paused !== undefined) return undefined;
    const due = this.pending().map((i) => i.nextAttemptAt);
    return due.length === 0 ? undefined : Math.min(...due);
  }

  /** Every pending report due now (or all of them, with `all`, as on the `online` event), tried once each, oldest first. */
  flush(all = false): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = this.sendDue(all).finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** A sign-in again: a paused outbox goes on. */
  resume(): void {
    this.paused = undefined;
    this.emit();
  }

  /** Forgets the delivered ones (the list of own reports shows them from the API). */
  clearDelivered(): void {
    this.reload();
    this.list = this.list.filter((i) => i.state !== 'delivered');
    this.save();
  }

  /** Drops one that failed for good (the user has read why). */
  discard(reportId: string): void {
    this.reload();
    this.list = this.list.filter((i) => !(i.reportId === reportId && i.state === 'failed'));
    this.save();
  }

  private async sendDue(all: boolean): Promise<void> {
    if (this.paused !== undefined) return;
    const due = this.pending()
      .filter((i) => all || i.nextAttemptAt <= this.now())
      .reverse();
    for (const item of due) {
      // Another tab may have sent it meanwhile.
      this.reload();
      if (this.list.find((i) => i.reportId === item.reportId)?.state !== 'pending') continue;
      let result: SendResult;
      try {
        result = await this.options.send(item.body);
      } catch (err) {
        result = { kind: 'retry', message: err instanceof Error ? err.message : String(err) };
      }
      this.apply(item.reportId, result);
      if (result.kind === 'unauthorized') return;
    }
  }

  private apply(reportId: string, result: SendResult): void {
    this.reload();
    const now = this.now();
    this.list = this.list.map((item) => {
      if (item.reportId !== reportId || item.state !== 'pending') return item;
      const attempts = item.attempts + 1;
      switch (result.kind) {
        case 'delivered':
          return {
            ...item,
            attempts,
            state: 'delivered',
            incidentId: result.incidentId,
            commandId: result.commandId,
            deliveredAt: now,
            lastError: undefined,
            ...(result.possibleDuplicates ? { possibleDuplicates: result.possibleDuplicates } : {}),
          };
        case 'rejected':
          return { ...item, attempts, state: 'failed', lastError: result.message };
        case 'unauthorized':
          return { ...item, lastError: result.message, nextAttemptAt: now };
        case 'retry':
          return {
            ...item,
            attempts,
            lastError: result.message,
            nextAttemptAt: now + Math.max(result.retryAfterMs ?? 0, retryDelayMs(attempts, this.random)),
          };
        default: {
          const unknown: never = result;
          throw new Error(`unknown send result ${JSON.stringify(unknown)}`);
        }
      }
    });
    if (result.kind === 'unauthorized') this.paused = result.message;
    if (result.kind === 'delivered' && this.options.signedIn?.() === false) {
      this.list = this.list.filter((i) => i.reportId !== reportId);
    }
    this.save();
  }

  private get retentionMs(): number {
    return this.options.deliveredRetentionMs ?? DELIVERED_RETENTION_MS;
  }

  private load(): OutboxItem[] {
    return readItems(this.options.storage, this.options.key);
  }

  /**
   * Another tab of the same user may have changed the list meanwhile: its reports are kept too, and what either
   * found out about a report (delivered, failed, more tries) wins over the older pending state. A delivered report
   * gone from storage was removed (a sign-out, another tab's clearing): it is not written back.
   */
  private reload(): void {
    const stored = this.load();
    const mine = new Set(this.list.map((i) => i.reportId));
    const byId = new Map(stored.map((i) => [i.reportId, i]));
    const newer = (a: OutboxItem, b: OutboxItem) => {
      if (a.state !== 'pending') return a;
      if (b.state !== 'pending') return b;
      return b.attempts > a.attempts ? b : a;
    };
    this.list = [
      ...stored.filter((i) => !mine.has(i.reportId)),
      ...this.list.flatMap((i) => {
        const other = byId.get(i.reportId);
        if (other) return [newer(i, other)];
        return i.state === 'delivered' ? [] : [i];
      }),
    ].sort((a, b) => b.body.reportedAt.localeCompare(a.body.reportedAt));
  }

  private save(): void {
    const keep = this.options.keepDelivered ?? 50;
    const expired = this.now() - this.retentionMs;
    let delivered = 0;
    this.list = this.list.filter(
      (i) => i.state !== 'delivered' || ((i.deliveredAt === undefined || i.deliveredAt > expired) && ++delivered <= keep),
    );
    this.options.storage.setItem(this.options.key, JSON.stringify(this.list));
    this.emit();
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

/** POST /v1/incidents for the outbox: every answer (or none) classified; nothing thrown. */
export function reportSender(intakeUrl: string, token: () => string): Send {
  return async (body) => {
    let res: Response;
    try {
      res = await fetch(`${intakeUrl}/v1/incidents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token()}` },
        body: JSON.stringify(body),
      });
    } catch (err) {
      return { kind: 'retry', message: err instanceof Error ? err.message : String(err) };
    }
    let parsed: unknown;
    try {
      parsed = await res.json();
    } catch {
      parsed = undefined;
    }
    return classifyAnswer(res.status, parsed, res.headers.get('retry-after'));
  };
}
