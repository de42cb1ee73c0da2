import { signWebhook, WEBHOOK_HEADERS } from './webhook-signature.ts';

export interface WebhookDelivery {
  readonly deliveryId: string;
  readonly url: string;
  readonly body: string;
}

/** POSTs one signed webhook; throws why it failed (a non-2xx answer, a timeout, a refused connection). */
export async function postWebhook(delivery: WebhookDelivery, secret: string, nowMs: number, timeoutMs: number): Promise<void> {
  const timestampS = Math.floor(nowMs / 1000);
  const response = await fetch(delivery.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [WEBHOOK_HEADERS.timestamp]: String(timestampS),
      [WEBHOOK_HEADERS.signature]: signWebhook(secret, timestampS, delivery.body),
      [WEBHOOK_HEADERS.idempotencyKey]: delivery.deliveryId,
    },
    body: delivery.body,
    signal: AbortSignal.timeout(timeoutMs),
  });
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) throw new Error(`${delivery.url} answered ${response.status}`);
}
