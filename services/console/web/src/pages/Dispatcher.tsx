import { Fragment, useState } from 'react';
import { ApiError, type ApiClient } from '../api/client.ts';
import { OutcomeText, useCaseActions, type Outcome as SharedOutcome } from '../components/Outcome.tsx';
import { duplicateFacts, knownAreas, type AreaRef, type IncidentPage, type IncidentView, type Me, type Queue } from '../api/types.ts';
import { useCatalog } from '../catalog.ts';
import { ACTION_ROUTES, ActionForm, actionsFor, type ActionName } from '../components/CaseActions.tsx';
import { QueueControls, QueueCount, useQueueCounts, useQueuePrefs } from '../components/QueueControls.tsx';
import type { QueuePrefs } from '../components/queue-prefs.ts';
import { CaseFilters, filterParams, NO_FILTERS } from '../components/CaseFilters.tsx';
import { useLoad } from '../components/useLoad.ts';
import { localTime, shortId } from '../format.ts';
import { useI18n } from '../i18n/context.tsx';
import { statusLabel } from '../status.ts';

/** The dispatcher's work lists, in the order they are worked. */
const QUEUES = ['new', 'returned', 'overdue', 'escalated', 'extension', 'handling'] as const satisfies readonly Queue[];
type DispatchQueue = (typeof QUEUES)[number];

type Outcome = SharedOutcome<ActionName>;

type Lists = Readonly<Record<DispatchQueue, IncidentPage>>;

const queuePath = (area: string, queue: Queue, prefs: QueuePrefs, filters: string, cursor?: string) =>
  `/v1/incidents?area=${encodeURIComponent(area)}&queue=${queue}&sort=${prefs.sort}&limit=${prefs.pageSize}${filters}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;

/** 派遣: the queues of the dispatcher's area, and the actions that work them. */
export function DispatcherPage({ api, me, onOpenCase }: { api: ApiClient; me: Me; onOpenCase?: (incidentId: string) => void }) {
  const { t } = useI18n();
  const areas = knownAreas(me);
  const [area, setArea] = useState<AreaRef | undefined>(areas[0]);
  const [queue, setQueue] = useState<DispatchQueue>('new');
  const [refreshes, setRefreshes] = useState(0);
  const [more, setMore] = useState<Partial<Record<DispatchQueue, IncidentPage>>>({});
  const actions = useCaseActions(api, ACTION_ROUTES);
  const [moreError, setMoreError] = useState<string | undefined>();
  const [prefs, setPrefs] = useQueuePrefs();
  // Counted again on a refresh and after each accepted action.
  const counts = useQueueCounts(api, area?.code, `${refreshes}:${actions.accepted}`);
  const [filters, setFilters] = useState(NO_FILTERS);
  const filtered = filterParams(filters);

  const lists = useLoad(
    area ? `${area.code}:${refreshes}:${prefs.sort}:${prefs.pageSize}:${filtered}` : undefined,
    async (signal): Promise<Lists> => {
      const pages = await Promise.all(
        QUEUES.map((q) => api.get<IncidentPage>('intake', queuePath(area!.code, q, prefs, filtered), signal)),
      );
      setMore({});
      actions.listLoaded();
      return Object.fromEntries(QUEUES.map((q, i) => [q, pages[i]!])) as unknown as Lists;
    },
  );

  const refresh = () => {
    actions.reset();
    setRefreshes((n) => n + 1);
  };

  const loadMore = async () => {
    const page = more[queue] ?? lists.data?.[queue];
    if (!area || !page?.nextCursor) return;
    try {
      const next = await api.get<IncidentPage>('intake', queuePath(area.code, queue, prefs, filtered, page.nextCursor));
      setMore((m) => ({ ...m, [queue]: { items: [...page.items, ...next.items], nextCursor: next.nextCursor } }));
      setMoreError(undefined);
    } catch (err) {
      setMoreError(err instanceof ApiError ? err.message : String(err));
    }
  };

  const page = more[queue] ?? lists.data?.[queue];

  return (
    <section className="dispatcher">
      <div className="card toolbar">
        {areas.length > 1 ? (
          <label>
            {t('queue.area')}
            <select value={area?.code} onChange={(e) => setArea(areas.find((a) => a.code === e.target.value))}>
              {areas.map((a) => (
                <option key={a.code} value={a.code}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <strong>{area?.name}</strong>
        )}
        <div className="tabs" role="tablist">
          {QUEUES.map((q) => (
            <button
              key={q}
              type="button"
              role="tab"
              aria-selected={q === queue}
              className={`tab${q === queue ? ' tab-active' : ''}`}
              onClick={() => setQueue(q)}
              data-queue={q}
            >
              {t(`queue.${q}`)} <QueueCount counts={counts} queue={q} />
            </button>
          ))}
        </div>
        <QueueControls prefs={prefs} onChange={setPrefs} />
        <button type="button" onClick={refresh} data-testid="refresh">
          {t('queue.refresh')}
        </button>
      </div>
      <CaseFilters api={api} area={area?.code} value={filters} onChange={setFilters} />
      <div className="card">
        {lists.state === 'error' && (
          <p className="error">
            {lists.error.status === 403 ? t('error.forbidden', { message: lists.error.message }) : lists.error.message}
          </p>
        )}
        {page && page.items.length === 0 && <p className="muted">{t('queue.empty')}</p>}
        {page && page.items.length > 0 && (
          <QueueTable
            items={page.items.map(actions.current)}
            outcomes={actions.outcomes}
            open={actions.open}
            onOpen={(incidentId, action) => actions.setOpen({ incidentId, action })}
            onClose={() => actions.setOpen(undefined)}
            onAct={actions.act}
            {...(onOpenCase ? { onOpenCase } : {})}
          />
        )}
        {page?.nextCursor && (
          <button type="button" onClick={() => void loadMore()}>
            {t('queue.more')}
          </button>
        )}
        {moreError && <p className="error">{moreError}</p>}
      </div>
    </section>
  );
}

function QueueTable({
  items,
  outcomes,
  open,
  onOpen,
  onClose,
  onAct,
  onOpenCase,
}: {
  onOpenCase?: (incidentId: string) => void;
  items: readonly IncidentView[];
  outcomes: Readonly<Record<string, Outcome>>;
  open: { incidentId: string; action: ActionName } | undefined;
  onOpen: (incidentId: string, action: ActionName) => void;
  onClose: () => void;
  onAct: (view: IncidentView, action: ActionName, body: Record<string, string>) => Promise<void>;
}) {
  const { t, lang } = useI18n();
  const catalog = useCatalog();
  return (
    <div className="table-wrap">
      <table className="table queue" data-testid="queue">
        <thead>
          <tr>
            <th>{t('queue.incident')}</th>
            <th>{t('queue.category')}</th>
            <th>{t('queue.grid')}</th>
            <th>{t('queue.urgency')}</th>
            <th>{t('queue.reportedAt')}</th>
            <th>{t('queue.status')}</th>
            <th>{t('queue.department')}</th>
            <th>{t('queue.deadline')}</th>
            <th>{t('queue.actions')}</th>
            <th>{t('queue.outcome')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((view) => {
            const outcome = outcomes[view.incidentId];
            const deadline = view.deadlines.at(-1);
            const overdue = view.deadlines.some((d) => d.overdue);
            return (
              <Fragment key={view.incidentId}>
                <tr data-incident={view.incidentId}>
                  <td title={view.incidentId}>
                    {onOpenCase ? (
                      <a
                        href={`/case?id=${view.incidentId}`}
                        data-testid="open-case"
                        onClick={(e) => {
                          e.preventDefault();
                          onOpenCase(view.incidentId);
                        }}
                      >
                        <code>{shortId(view.incidentId)}</code>
                      </a>
                    ) : (
                      <code>{shortId(view.incidentId)}</code>
                    )}
                  </td>
                  <td>{catalog.categoryName(view.category, lang)}</td>
                  <td>
                    <code>{view.gridCode}</code>
                  </td>
                  <td className={`urgency-${view.urgency}`}>{t(`urgency.${view.urgency}`)}</td>
                  <td>{localTime(view.reportedAt, lang)}</td>
                  <td>
                    {statusLabel(view.status, t)}
                    {overdue && <span className="tag tag-bottom">{t('queue.overdueTag')}</span>}
                    {view.escalationLevel > 0 && <span className="tag">{t('queue.escalationLevel', { level: view.escalationLevel })}</span>}
                    {view.suspended && <span className="tag">{t('queue.suspendedTag')}</span>}
                    {view.pendingExtension && <span className="tag">{t('queue.extensionTag')}</span>}
                    {isPossibleDuplicate(view) && (
                      <span
                        className="tag tag-duplicate"
                        data-testid="possible-duplicate"
                        title={duplicateFacts(view).possibleDuplicateOf.map(shortId).join(' ')}
                      >
                        {t('dup.badge')}
                      </span>
                    )}
                  </td>
                  <td data-testid="department">{catalog.departmentName(view.department, lang)}</td>
                  <td>{deadline ? `${t(`stage.${deadline.stage}`)} ${localTime(deadline.due, lang)}` : '—'}</td>
                  <td className="actions">
                    {actionsFor(view).map((action) => (
                      <button
                        key={action}
                        type="button"
                        data-action={action}
                        onClick={() => onOpen(view.incidentId, action)}
                        disabled={outcome?.state === 'sending'}
                      >
                        {t(`action.${action}`)}
                      </button>
                    ))}
                  </td>
                  <td className={`outcome outcome-${outcome?.state ?? 'none'}`} data-testid="outcome" role="status">
                    {outcome && <OutcomeText outcome={outcome} what={t(`action.${outcome.action}`)} />}
                  </td>
                </tr>
                {open?.incidentId === view.incidentId && (
                  <tr className="action-row">
                    <td colSpan={10}>
                      <ActionForm
                        view={view}
                        action={open.action}
                        onSubmit={(body) => void onAct(view, open.action, body)}
                        onCancel={onClose}
                      />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** 疑似重复: proposed at intake as the same problem as open cases, and not merged yet. */
const isPossibleDuplicate = (view: IncidentView) => {
  const facts = duplicateFacts(view);
  return facts.possibleDuplicateOf.length > 0 && !facts.merged;
};
