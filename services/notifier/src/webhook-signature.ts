import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures, for the notifier and for integrators who receive its webhooks (copy this file, or import
 * `@gridgov/notifier`'s `verifyWebhook`): HMAC-SHA256 with the shared secret over `<timestamp>.<raw body>`, sent as
 *   X-Grid-Timestamp: <seconds since the epoch>
 *   X-Grid-Signature: v1=<hex>
 *   Idempotency-Key: <delivery id>   (the same on every retry of one delivery: dedupe on it)
 * A receiver refuses a signature that does not verify and one whose timestamp is outside the replay window, so a
 * captured request cannot be replayed later. Node's crypto only: no other dependency.
 */
export const WEBHOOK_HEADERS = {
  timestamp: 'x-grid-timestamp',
  signature: 'x-grid-signature',
  idempotencyKey: 'idempotency-key',
} as const;

/** The default replay window: a signed request older (or newer) than this is refused. */
export const DEFAULT_WEBHOOK_TOLERANCE_S = 300;

export function signWebhook(secret: string, timestampS: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex')}`;
}

export type WebhookVerdict =
  { readonly ok: true; readonly deliveryId: string; readonly timestampS: number } | { readonly ok: false; readonly reason: string };

type Headers = Readonly<Record<string, string | readonly string[] | undefined>>;

const one = (headers: Headers, name: string): string | undefined => {
  const v: string | readonly string[] | undefined = headers[name];
  return typeof v === 'string' ? v : v?.[0];
};

/**
 * Checks a received webhook: its signature over the raw body, and its timestamp within `toleranceS` of `nowMs`.
 * Answers the delivery id to dedupe on when it verifies, or why it is refused.
 */
export function verifyWebhook(options: {
  readonly secret: string;
  readonly headers: Headers;
  readonly body: string;
  readonly nowMs?: number;
  readonly toleranceS?: number;
}): WebhookVerdict {
  const { secret, headers, body } = options;
  const timestamp = one(headers, WEBHOOK_HEADERS.timestamp);
  const signature = one(headers, WEBHOOK_HEADERS.signature);
  const deliveryId = one(headers, WEBHOOK_HEADERS.idempotencyKey);
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: `${WEBHOOK_HEADERS.timestamp}: missing or not seconds` };
  if (!signature) return { ok: false, reason: `${WEBHOOK_HEADERS.signature}: missing` };
  if (!deliveryId) return { ok: false, reason: `${WEBHOOK_HEADERS.idempotencyKey}: missing` };
  const timestampS = Number(timestamp);
  const expected = Buffer.from(signWebhook(secret, timestampS, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'signature does not verify' };
  const skewS = Math.abs((options.nowMs ?? Date.now()) / 1000 - timestampS);
  const tolerance = options.toleranceS ?? DEFAULT_WEBHOOK_TOLERANCE_S;
  if (skewS > tolerance) return { ok: false, reason: `timestamp is ${Math.round(skewS)} s away, outside the ${tolerance} s replay window` };
  return { ok: true, deliveryId, timestampS };
}
