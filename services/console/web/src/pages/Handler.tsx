import { useState, type FormEvent } from 'react';
import { ApiError, type ApiClient } from '../api/client.ts';
import type { DepartmentQueue, DepartmentQueueCounts, IncidentPage, IncidentView, Me } from '../api/types.ts';
import { useCatalog } from '../catalog.ts';
import { OutcomeText, useCaseActions } from '../components/Outcome.tsx';
import { PhotoPicker, type PhotoRef } from '../components/PhotoPicker.tsx';
import { useLoad } from '../components/useLoad.ts';
import { localTime, shortId } from '../format.ts';
import { useI18n } from '../i18n/context.tsx';
import { statusLabel } from '../status.ts';

/** A department's work lists (GET /v1/incidents?department=&queue=), in the order they are worked. */
export const HANDLER_QUEUES = [
  'awaiting_sign_for',
  'handling',
  'warned',
  'overdue',
  'rework',
  'extension_requested',
] as const satisfies readonly DepartmentQueue[];

/** The handler's actions, each a command route of intake-api. */
export type HandlerAction = 'accept' | 'return' | 'resolve' | 'requestExtension';
const ROUTES: Readonly<Record<HandlerAction, string>> = {
  accept: 'accept',
  return: 'return',
  resolve: 'resolve',
  requestExtension: 'extension-requests',
};

/** What the case's state allows (the decider judges again: a stale card gets a rejection, shown as such). */
export function handlerActions(view: IncidentView): HandlerAction[] {
  if (view.status === 'dispatched') return ['accept', 'return'];
  if (view.status === 'accepted') return view.pendingExtension ? ['resolve'] : ['resolve', 'requestExtension'];
  return [];
}

const PAGE = 20;
const listPath = (department: string, queue: DepartmentQueue, cursor?: string) =>
  `/v1/incidents?department=${encodeURIComponent(department)}&queue=${queue}&limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;

/** 处置单位: the department's queues with their true counts, on a phone, and 签收, 退回, 反馈, 申请延期 on each case. */
export function HandlerPage({ api, me, onOpenCase }: { api: ApiClient; me: Me; onOpenCase: (incidentId: string) => void }) {
  const { t, lang } = useI18n();
  const catalog = useCatalog();
  const department = me.actor.department ?? '';
  const [queue, setQueue] = useState<DepartmentQueue>('awaiting_sign_for');
  const [refreshes, setRefreshes] = useState(0);
  const actions = useCaseActions(api, ROUTES);
  const { outcomes, open, setOpen, act } = actions;
  const [more, setMore] = useState<IncidentPage | undefined>();
  const [moreError, setMoreError] = useState<string | undefined>();

  const counts = useLoad(department ? `${department}:${refreshes}:${actions.accepted}` : undefined, (signal) =>
    api.get<DepartmentQueueCounts>('intake', `/v1/incidents/counts?department=${encodeURIComponent(department)}`, signal),
  );
  const list = useLoad(department ? `${department}:${queue}:${refreshes}` : undefined, async (signal) => {
    const page = await api.get<IncidentPage>('intake', listPath(department, queue), signal);
    setMore(undefined);
    actions.listLoaded();
    return page;
  });

  const refresh = () => {
    actions.reset();
    setRefreshes((n) => n + 1);
  };
  const choose = (q: DepartmentQueue) => {
    setQueue(q);
    actions.reset();
  };

  const loadMore = async () => {
    const page = more ?? list.data;
    if (!page?.nextCursor) return;
    try {
      const next = await api.get<IncidentPage>('intake', listPath(department, queue, page.nextCursor));
      setMore({ items: [...page.items, ...next.items], nextCursor: next.nextCursor });
      setMoreError(undefined);
    } catch (err) {
      setMoreError(err instanceof ApiError ? err.message : String(err));
    }
  };

  const page = more ?? list.data;
  return (
    <section className="handler phone" data-testid="handler-page">
      <div className="card">
        <h1>
          {t('handler.title')} · {catalog.departmentName(department || null, lang)}
        </h1>
        <div className="tabs handler-tabs" role="tablist">
          {HANDLER_QUEUES.map((q) => (
            <button
              key={q}
              type="button"
              role="tab"
              aria-selected={q === queue}
              className={`tab${q === queue ? ' tab-active' : ''}`}
              onClick={() => choose(q)}
              data-queue={q}
            >
              {t(`handler.queue.${q}`)}{' '}
              <span className="count" data-testid={`count-${q}`}>
                {counts.data?.counts[q] ?? (counts.state === 'error' ? '—' : '…')}
              </span>
            </button>
          ))}
        </div>
        <button type="button" onClick={refresh} data-testid="refresh">
          {t('queue.refresh')}
        </button>
      </div>
      {list.state === 'error' && (
        <p className="error card">
          {list.error.status === 403 ? t('error.forbidden', { message: list.error.message }) : list.error.message}
        </p>
      )}
      {page && page.items.length === 0 && <p className="muted card">{t('queue.empty')}</p>}
      <ul className="handler-list" data-testid="queue">
        {page?.items.map((original) => {
          const view = actions.current(original);
          const outcome = outcomes[view.incidentId];
          const deadline = view.deadlines.at(-1);
          return (
            <li key={view.incidentId} className="card handler-case" data-incident={view.incidentId}>
              <div className="handler-case-head">
                <strong>{catalog.categoryName(view.category, lang)}</strong>
                <span className={`urgency-${view.urgency}`}>{t(`urgency.${view.urgency}`)}</span>
                <span className="badge">{statusLabel(view.status, t)}</span>
                {view.deadlines.some((d) => d.overdue) && <span className="tag tag-bottom">{t('queue.overdueTag')}</span>}
                {view.reworkCount > 0 && <span className="tag">{t('handler.reworkTag', { count: view.reworkCount })}</span>}
                {view.pendingExtension && <span className="tag">{t('queue.extensionTag')}</span>}
              </div>
              <div className="muted">
                <code title={view.incidentId}>{shortId(view.incidentId)}</code> · <code>{view.gridCode}</code> ·{' '}
                {localTime(view.reportedAt, lang)}
              </div>
              <div>{deadline ? `${t(`stage.${deadline.stage}`)} ${localTime(deadline.due, lang)}` : '—'}</div>
              <div className="actions">
                {handlerActions(view).map((action) => (
                  <button
                    key={action}
                    type="button"
                    data-action={action}
                    className={action === 'accept' ? 'primary' : ''}
                    disabled={outcome?.state === 'sending'}
                    onClick={() => (action === 'accept' ? void act(view, 'accept', {}) : setOpen({ incidentId: view.incidentId, action }))}
                  >
                    {t(`handler.action.${action}`)}
                  </button>
                ))}
                <button type="button" data-action="detail" onClick={() => onOpenCase(view.incidentId)}>
                  {t('handler.detail')}
                </button>
              </div>
              {open?.incidentId === view.incidentId && open.action !== 'accept' && (
                <HandlerForm
                  action={open.action}
                  onSubmit={(body) => void act(view, open.action, body)}
                  onCancel={() => setOpen(undefined)}
                />
              )}
              <div className={`outcome outcome-${outcome?.state ?? 'none'}`} data-testid="outcome" role="status">
                {outcome && <OutcomeText outcome={outcome} what={t(`handler.action.${outcome.action}`)} />}
              </div>
            </li>
          );
        })}
      </ul>
      {page?.nextCursor && (
        <button type="button" onClick={() => void loadMore()}>
          {t('queue.more')}
        </button>
      )}
      {moreError && <p className="error">{moreError}</p>}
    </section>
  );
}

/** The form of 退回 (a reason), 反馈 (notes and photos) or 申请延期 (how much more time, and why). The API judges what is sent. */
function HandlerForm({
  action,
  onSubmit,
  onCancel,
}: {
  action: Exclude<HandlerAction, 'accept'>;
  onSubmit: (body: unknown) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [text, setText] = useState('');
  const [photos, setPhotos] = useState<PhotoRef[]>([]);
  const [unit, setUnit] = useState<'working_days' | 'working_hours' | 'natural_hours'>('working_days');
  const [amount, setAmount] = useState('1');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (action === 'return') onSubmit({ reason: text });
    else if (action === 'resolve') onSubmit({ notes: text, photos });
    else onSubmit({ unit, amount: Number(amount), reason: text });
  };
  return (
    <form className="action-form handler-form" onSubmit={submit} data-testid={`action-form-${action}`}>
      <strong>{t(`handler.action.${action}`)}</strong>
      {action === 'requestExtension' && (
        <>
          <label>
            {t('handler.extension.unit')}
            <select name="unit" value={unit} onChange={(e) => setUnit(e.target.value as typeof unit)}>
              <option value="working_days">{t('handler.extension.working_days')}</option>
              <option value="working_hours">{t('handler.extension.working_hours')}</option>
              <option value="natural_hours">{t('handler.extension.natural_hours')}</option>
            </select>
          </label>
          <label>
            {t('handler.extension.amount')}
            <input name="amount" type="number" min={1} max={90} value={amount} onChange={(e) => setAmount(e.target.value)} />
          </label>
        </>
      )}
      <label>
        {action === 'resolve' ? t('handler.notes') : t('action.reason')}
        <textarea
          name={action === 'resolve' ? 'notes' : 'reason'}
          value={text}
          onChange={(e) => setText(e.target.value)}
          maxLength={2000}
        />
      </label>
      {action === 'resolve' && <PhotoPicker value={photos} onChange={setPhotos} />}
      <button type="submit" className="primary">
        {t('action.submit')}
      </button>
      <button type="button" onClick={onCancel}>
        {t('action.cancel')}
      </button>
    </form>
  );
}
