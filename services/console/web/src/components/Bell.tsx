import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/client.ts';
import { useI18n } from '../i18n/context.tsx';

/** An inbox entry as the notifier answers it (GET /v1/notifications, the stream's `notification` events). */
export type { InboxItem } from '@gridgov/contracts';

/** Fired on window for each new entry the stream brings (the inbox page adds it at the top). */
export const NOTIFICATION_EVENT = 'gridgov:notification';

/** Server-sent events read with fetch (EventSource cannot send the bearer token): `event:` and `data:` of each block. */
export async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (event: string, data: unknown) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) onEvent(event, JSON.parse(data) as unknown);
    }
  }
}

const RECONNECT_MS = 3_000;

/** The bell on every page's header: the caller's unread count, live from the notifier's stream; opens the inbox. */
export function Bell({ api, onOpen }: { api: ApiClient; onOpen: () => void }) {
  const { t } = useI18n();
  const [unread, setUnread] = useState<number | undefined>(undefined);

  useEffect(() => {
    const controller = new AbortController();
    let retry: number | undefined;
    const connect = async () => {
      try {
        const res = await api.fetch('notifier', '/v1/notifications/stream', { signal: controller.signal });
        if (res.ok && res.body) {
          await readEvents(res.body, (event, data) => {
            if (event === 'unread') setUnread((data as { unread: number }).unread);
            if (event === 'notification') window.dispatchEvent(new CustomEvent(NOTIFICATION_EVENT, { detail: data }));
          });
        }
      } catch {
        // The notifier is away or the network is gone: try again below.
      }
      if (!controller.signal.aborted) retry = window.setTimeout(() => void connect(), RECONNECT_MS);
    };
    void connect();
    return () => {
      controller.abort();
      window.clearTimeout(retry);
    };
  }, [api]);

  const count = unread ?? 0;
  return (
    <button type="button" className="link bell" onClick={onOpen} aria-label={t('inbox.bell', { count })} data-testid="bell">
      <span aria-hidden="true">🔔</span>
      <span className={count > 0 ? 'bell-count unread' : 'bell-count'} data-testid="bell-count">
        {unread === undefined ? '–' : count}
      </span>
    </button>
  );
}
