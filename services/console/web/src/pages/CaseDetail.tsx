import { HolidayData, WorkingCalendar } from '@gridgov/domain';
import { useEffect, useMemo, useState } from 'react';
import type { ApiClient } from '../api/client.ts';
import type { HistoryEntry, IncidentView, Me } from '../api/types.ts';
import { useCatalog } from '../catalog.ts';
import { CaseMerges } from '../components/CaseMerges.tsx';
import { PhotoStrip } from '../components/PhotoStrip.tsx';
import { useLoad } from '../components/useLoad.ts';
import { localTime, shortId } from '../format.ts';
import { useI18n } from '../i18n/context.tsx';
import holidayNotices from '@gridgov-data/calendars/cn-public-holidays.json?raw';
import { statusLabel } from '../status.ts';
import { Verify } from './Report.tsx';

/**
 * The working calendar the dispatch worker counts deadlines in: the repository's holiday notices and the default
 * office hours (a deployment that configures other OFFICE_HOURS shows countdowns a little off; the due time is exact).
 */
const calendar = new WorkingCalendar({ holidays: HolidayData.parse(JSON.parse(holidayNotices)) });

type Measure = 'working' | 'natural';
type Stage = IncidentView['deadlines'][number]['stage'];

/** The measure each stage's clock counts in, as the events that started it record it (the latest event wins). */
export function stageMeasures(history: readonly HistoryEntry[]): Partial<Record<Stage, Measure>> {
  const out: Partial<Record<Stage, Measure>> = {};
  for (const line of history) {
    const measures = line.data.measures;
    if (measures && typeof measures === 'object') Object.assign(out, measures);
  }
  return out;
}

/** Time left until `due` (negative: past it), in working time when the stage counts working time. */
export function timeLeft(due: number, now: number, measure: Measure): number {
  if (measure === 'natural') return due - now;
  return due >= now ? calendar.workingMsBetween(now, due) : -calendar.workingMsBetween(due, now);
}

/** Which step a photo was taken at, by the event that carried it: 上报 (处置前), 反馈 (处置后) or 核查. */
export type PhotoStage = 'report' | 'resolution' | 'verification';
const PHOTO_STAGES: Partial<Record<HistoryEntry['type'], PhotoStage>> = {
  IncidentReported: 'report',
  IncidentResolved: 'resolution',
  IncidentClosed: 'verification',
  IncidentReworkRequested: 'verification',
};

/** The photos of a case: each event's, in order (report, 反馈, 核查), with the step it was taken at. */
function photosOf(history: readonly HistoryEntry[]): { key: string; stage?: PhotoStage }[] {
  return history.flatMap((line) => {
    const photos = line.data.photos;
    const stage = PHOTO_STAGES[line.type];
    return Array.isArray(photos)
      ? photos
          .filter((p): p is { key: string } => typeof (p as { key?: unknown }).key === 'string')
          .map((p) => (stage ? { key: p.key, stage } : { key: p.key }))
      : [];
  });
}

interface Report {
  readonly description?: string;
  readonly location?: { lat: number; lng: number; address?: string };
  /** A citizen's request through the Open311 door (ADR 0028): the app, and the contact the API shows this reader. */
  readonly channel?: { via: string; client: string };
  readonly contact?: Partial<Record<'email' | 'phone' | 'firstName' | 'lastName' | 'deviceId' | 'accountId', string | null>>;
}

/** How to reach the citizen, as far as their app told: name, phone, email. */
const citizenOf = (report: Report): string => {
  const c = report.contact ?? {};
  const name = [c.lastName, c.firstName].filter(Boolean).join('');
  const parts = [name, c.phone, c.email].filter((p): p is string => typeof p === 'string' && p.length > 0);
  return `${parts.length > 0 ? parts.join(' · ') : '—'} (${report.channel?.client ?? ''})`;
};

/** 详情: a case as the reader may see it (the API decides what), its deadlines counting down, its history and photos. */
export function CaseDetailPage({
  api,
  me,
  incidentId,
  onBack,
  onOpenCase,
}: {
  api: ApiClient;
  me: Me;
  incidentId: string;
  onBack: () => void;
  onOpenCase: (incidentId: string) => void;
}) {
  const { t, lang } = useI18n();
  const catalog = useCatalog();
  const [reloads, setReloads] = useState(0);
  const loaded = useLoad(`${incidentId}:${reloads}`, (signal) =>
    api.get<{ incident: IncidentView; history: HistoryEntry[] }>('intake', `/v1/incidents/${encodeURIComponent(incidentId)}`, signal),
  );
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  const history = useMemo(() => loaded.data?.history ?? [], [loaded.data]);
  const measures = useMemo(() => stageMeasures(history), [history]);

  const back = (
    <button type="button" onClick={onBack} data-testid="back">
      ← {t('case.back')}
    </button>
  );
  if (loaded.state === 'error')
    return (
      <section className="case-detail phone card">
        {back}
        <p className="error" data-testid="case-not-found">
          {loaded.error.status === 403 || loaded.error.status === 404 ? t('case.notFound') : loaded.error.message}
        </p>
      </section>
    );
  if (!loaded.data) return <p className="loading">{t('app.loading')}</p>;
  const view = loaded.data.incident;
  const report = (history.find((l) => l.type === 'IncidentReported')?.data ?? {}) as Report;
  const place = report.location ? (report.location.address ?? `${report.location.lat}, ${report.location.lng}`) : '—';
  return (
    <section className="case-detail phone" data-testid="case-detail" data-incident={view.incidentId}>
      <div className="card">
        {back}
        <h1>
          {catalog.categoryName(view.category, lang)} <code title={view.incidentId}>{shortId(view.incidentId)}</code>
        </h1>
        <dl className="case-facts">
          <dt>{t('case.status')}</dt>
          <dd data-testid="case-status">{statusLabel(view.status, t)}</dd>
          <dt>{t('case.description')}</dt>
          <dd data-testid="case-description">{report.description ?? '—'}</dd>
          {report.channel && (
            <>
              <dt>{t('case.citizen')}</dt>
              <dd data-testid="case-citizen">{citizenOf(report)}</dd>
            </>
          )}
          <dt>{t('case.place')}</dt>
          <dd>
            {place} · <code>{view.gridCode}</code>
            {view.locationOutsideGrid && (
              <>
                {' '}
                <span className="tag tag-bottom" data-testid="outside-grid">
                  {t('case.locationOutsideGrid')}
                </span>
              </>
            )}
          </dd>
          <dt>{t('queue.urgency')}</dt>
          <dd className={`urgency-${view.urgency}`}>{t(`urgency.${view.urgency}`)}</dd>
          <dt>{t('queue.department')}</dt>
          <dd>{catalog.departmentName(view.department, lang)}</dd>
          <dt>{t('queue.reportedAt')}</dt>
          <dd>{localTime(view.reportedAt, lang)}</dd>
        </dl>
        {/* 核查 where the photos are: grid staff compare the report's photos with the resolution's, then judge. */}
        {view.status === 'resolved' && me.actor.role === 'grid_staff' && (
          <div data-testid="case-verify">
            <h2>{t('report.verify')}</h2>
            <Verify api={api} view={view} onDone={() => setReloads((n) => n + 1)} />
          </div>
        )}
      </div>
      <CaseMerges api={api} me={me} view={view} onOpenCase={onOpenCase} onChanged={() => setReloads((n) => n + 1)} />
      <div className="card">
        <h2>{t('case.deadlines')}</h2>
        {view.deadlines.length === 0 && <p className="muted">{t('case.noDeadline')}</p>}
        <ul className="countdowns">
          {view.deadlines.map((d) => {
            const measure = measures[d.stage] ?? 'natural';
            const left = d.due === null ? null : timeLeft(Date.parse(d.due), now, measure);
            return (
              <li key={d.stage} data-stage={d.stage} data-testid="countdown">
                <strong>{t(`stage.${d.stage}`)}</strong> {localTime(d.due, lang)}{' '}
                {view.suspended ? (
                  <span className="tag">{t('queue.suspendedTag')}</span>
                ) : left === null ? null : (
                  <span className={left < 0 || d.overdue ? 'tag tag-bottom' : 'tag'}>
                    {left < 0 || d.overdue ? t('case.overdueBy', { time: span(-left, t) }) : t('case.left', { time: span(left, t) })}
                    {measure === 'working' ? ` · ${t('case.workingTime')}` : ` · ${t('case.naturalTime')}`}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      </div>
      <div className="card">
        <h2>{t('case.photos')}</h2>
        <PhotoStrip incidentId={view.incidentId} photos={photosOf(history)} />
        {photosOf(history).length === 0 && <p className="muted">{t('case.noPhotos')}</p>}
      </div>
      <div className="card">
        <h2>{t('case.history')}</h2>
        <ol className="timeline" data-testid="timeline">
          {history.map((line) => (
            <li key={line.version} data-type={line.type}>
              <time>{localTime(line.at, lang)}</time> <strong>{eventName(line.type, t)}</strong>{' '}
              <span className="muted">
                {t(`role.${line.actor.role === 'system' ? 'system' : line.actor.role}`)} {line.actor.id}
              </span>
              {typeof line.data.reason === 'string' && <div>{line.data.reason}</div>}
              {typeof line.data.notes === 'string' && line.data.notes && <div>{line.data.notes}</div>}
              {typeof line.data.note === 'string' && line.data.note && <div>{line.data.note}</div>}
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
}

type T = ReturnType<typeof useI18n>['t'];

/** A span of time in hours and minutes (days of 24 h for long natural spans). */
function span(ms: number, t: T): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? t('case.hoursMinutes', { h, m }) : t('case.minutes', { m });
}

function eventName(type: HistoryEntry['type'], t: T): string {
  const key = `event.${type}` as const;
  return t(key);
}
