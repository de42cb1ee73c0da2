import { useCallback, useEffect, useState } from 'react';
import type { ApiClient } from '../api/client.ts';
import type { InboxItem, InboxPage as InboxAnswer } from '@gridgov/contracts';
import { NOTIFICATION_EVENT } from '../components/Bell.tsx';
import { useI18n } from '../i18n/context.tsx';
import type { MessageKey } from '../i18n/translate.ts';

/** The case detail page of a notification's case (the case page takes the incident id as `id`). */
export const caseHref = (incidentId: string) => `/case?id=${encodeURIComponent(incidentId)}`;

const time = (iso: string) =>
  new Date(iso).toLocaleString('zh-CN', {
    timeZone: 'Asia/Shanghai',
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });

/** The caller's notifications, newest first: new ones appear as they come; opening one marks it read. */
export function InboxPage({ api, onBack }: { api: ApiClient; onBack: () => void }) {
  const { t } = useI18n();
  const [items, setItems] = useState<InboxItem[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | undefined>(undefined);

  const load = useCallback(
    async (cursor?: string) => {
      try {
        const page = await api.get<InboxAnswer>('notifier', `/v1/notifications?limit=20${cursor ? `&cursor=${cursor}` : ''}`);
        setItems((old) => (cursor ? [...old, ...page.items] : page.items));
        setNext(page.next);
        setProblem(undefined);
      } catch (err) {
        setProblem(err instanceof Error ? err.message : String(err));
      }
    },
    [api],
  );

  useEffect(() => {
    void load();
    const onNew = (e: Event) => {
      const item = { ...(e as CustomEvent<Omit<InboxItem, 'read'>>).detail, read: false };
      setItems((old) => (old.some((i) => i.id === item.id) ? old : [item, ...old]));
    };
    window.addEventListener(NOTIFICATION_EVENT, onNew);
    return () => window.removeEventListener(NOTIFICATION_EVENT, onNew);
  }, [load]);

  const markRead = async (body: { ids: string[] } | { all: true }) => {
    await api.post('notifier', '/v1/notifications/read', body).catch(() => undefined);
    setItems((old) => old.map((i) => ('all' in body || body.ids.includes(i.id) ? { ...i, read: true } : i)));
  };

  return (
    <section className="card inbox" data-testid="inbox">
      <div className="inbox-head">
        <button type="button" className="link" onClick={onBack} data-testid="inbox-back">
          {t('inbox.back')}
        </button>
        <h1>{t('inbox.title')}</h1>
        <button
          type="button"
          onClick={() => void markRead({ all: true })}
          data-testid="inbox-mark-all"
          disabled={!items.some((i) => !i.read)}
        >
          {t('inbox.markAll')}
        </button>
      </div>
      {problem && <p className="error">{t('inbox.unavailable', { message: problem })}</p>}
      {items.length === 0 && !problem && <p>{t('inbox.empty')}</p>}
      <ul className="inbox-list">
        {items.map((item) => (
          <li key={item.id} className={item.read ? 'inbox-item' : 'inbox-item unread'} data-testid="inbox-item" data-id={item.id}>
            <span className="inbox-kind">{t(`inbox.kind.${item.kind}` as MessageKey)}</span>
            {!item.read && <span className="inbox-unread">{t('inbox.unread')}</span>}
            <time dateTime={item.at}>{time(item.at)}</time>
            <p className="inbox-message">{item.message}</p>
            <a href={caseHref(item.incidentId)} onClick={() => void markRead({ ids: [item.id] })} data-testid="inbox-open-case">
              {t('inbox.openCase')}
            </a>
          </li>
        ))}
      </ul>
      {next && (
        <button type="button" className="link" onClick={() => void load(next)}>
          {t('inbox.more')}
        </button>
      )}
    </section>
  );
}
