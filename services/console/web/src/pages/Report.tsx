import { useEffect, useState, type FormEvent } from 'react';
import { ApiError, type ApiClient } from '../api/client.ts';
import {
  duplicateFacts,
  knownAreas,
  type DuplicateCandidate,
  type DuplicatesAnswer,
  type IncidentPage,
  type IncidentView,
  type Me,
} from '../api/types.ts';
import { useCatalog } from '../catalog.ts';
import { CatalogOptions } from '../components/CatalogOptions.tsx';
import { checkDuplicates } from '../components/duplicate-check.ts';
import { PhotoPicker, type PhotoRef } from '../components/PhotoPicker.tsx';
import { CaseFilters, filterParams, NO_FILTERS } from '../components/CaseFilters.tsx';
import { useLoad } from '../components/useLoad.ts';
import { localTime, shortId } from '../format.ts';
import { statusLabel } from '../status.ts';
import { useI18n } from '../i18n/context.tsx';
import { newReportId, type Outbox, type OutboxItem, type ReportBody } from '../offline/outbox.ts';
import { useOutbox } from '../offline/useOutbox.ts';

const URGENCIES = ['normal', 'urgent', 'very_urgent'] as const;

/** 上报 (phone-sized): the report form, the reports still on the device, and the user's reports with 核查. */
export function ReportPage({ api, me, onOpenCase }: { api: ApiClient; me: Me; onOpenCase?: (incidentId: string) => void }) {
  const outbox = useOutbox(api, me.actor.id);
  const delivered = outbox.items().filter((i) => i.state === 'delivered').length;
  return (
    <div className="phone">
      <ReportForm api={api} me={me} outbox={outbox} />
      <OutboxList outbox={outbox} />
      <MyReports api={api} reload={delivered} {...(onOpenCase ? { onOpenCase } : {})} />
    </div>
  );
}

function ReportForm({ api, me, outbox }: { api: ApiClient; me: Me; outbox: Outbox }) {
  const { t } = useI18n();
  const catalog = useCatalog();
  const grids = knownAreas(me).filter((a) => a.level === 'grid');
  const [gridCode, setGridCode] = useState(grids[0]?.code ?? '');
  const [category, setCategory] = useState(catalog.categories[0]?.code ?? '');
  const [urgency, setUrgency] = useState<(typeof URGENCIES)[number]>('normal');
  const [description, setDescription] = useState('');
  const [lat, setLat] = useState('');
  const [lng, setLng] = useState('');
  const [address, setAddress] = useState('');
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>();
  const [locating, setLocating] = useState(false);
  const [photos, setPhotos] = useState<PhotoRef[]>([]);
  const [photosBusy, setPhotosBusy] = useState(false);
  const [checking, setChecking] = useState(false);
  /** The report held back because it may repeat open cases: sent anyway, or not, as the user chooses. */
  const [proposal, setProposal] = useState<{ body: ReportBody; candidates: readonly DuplicateCandidate[] } | undefined>();

  const locate = () => {
    setLocating(true);
    navigator.geolocation.getCurrentPosition(
      (position) => {
        setLocating(false);
        const latitude = position.coords.latitude.toFixed(6);
        const longitude = position.coords.longitude.toFixed(6);
        setLat(latitude);
        setLng(longitude);
        // The grid holding the position (GET /v1/grids/locate, ADR 0025), proposed when it is one of the user's.
        api.get<{ code: string; name: string }>('intake', `/v1/grids/locate?lat=${latitude}&lng=${longitude}`).then(
          (grid) => {
            if (grids.some((g) => g.code === grid.code)) setGridCode(grid.code);
            setNote({ kind: 'ok', text: t('report.located', { name: `${grid.name} (${grid.code})` }) });
          },
          (err: unknown) =>
            setNote({ kind: 'error', text: t('report.notLocated', { message: err instanceof Error ? err.message : String(err) }) }),
        );
      },
      (err) => {
        setLocating(false);
        setNote({ kind: 'error', text: t('report.noPosition', { message: err.message }) });
      },
      { enableHighAccuracy: true, timeout: 15_000, maximumAge: 60_000 },
    );
  };

  /** Into the outbox, which sends it (now, or when the signal is back). */
  const send = (body: ReportBody) => {
    outbox.add(body);
    void outbox.flush();
    setProposal(undefined);
    setDescription('');
    setPhotos([]);
    setNote({ kind: 'ok', text: t('report.queued') });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (checking) return;
    const latitude = Number(lat);
    const longitude = Number(lng);
    const missing = [
      ...(gridCode ? [] : [t('report.grid')]),
      ...(description.trim() ? [] : [t('report.description')]),
      ...(lat.trim() && Number.isFinite(latitude) && Math.abs(latitude) <= 90 ? [] : [t('report.lat')]),
      ...(lng.trim() && Number.isFinite(longitude) && Math.abs(longitude) <= 180 ? [] : [t('report.lng')]),
    ];
    if (missing.length > 0) {
      setNote({ kind: 'error', text: t('report.invalid', { fields: missing.join('、') }) });
      return;
    }
    if (photosBusy) {
      setNote({ kind: 'error', text: t('photos.stillUploading') });
      return;
    }
    // The id is fixed now, when the user presses submit: every try of this report sends the same one.
    const now = new Date().toISOString();
    const body: ReportBody = {
      reportId: newReportId(),
      gridCode,
      category,
      urgency,
      description: description.trim(),
      location: { lat: latitude, lng: longitude, ...(address.trim() ? { address: address.trim() } : {}) },
      occurredAt: now,
      reportedAt: now,
      ...(photos.length > 0 ? { photos } : {}),
    };
    // 已有相同问题？Asked before sending when the category has a duplicate rule; offline or slow, the report goes as is.
    setNote(undefined);
    setChecking(true);
    const check = await checkDuplicates(
      (path, signal) => api.get<DuplicatesAnswer>('intake', path, signal),
      { category, lat: latitude, lng: longitude },
      { hasRule: catalog.duplicateRule(category) !== undefined, online: navigator.onLine },
    );
    setChecking(false);
    if (check.kind === 'candidates') setProposal({ body, candidates: check.candidates });
    else send(body);
  };

  return (
    <form className="card report-form" onSubmit={(e) => void submit(e)} data-testid="report-form" noValidate>
      <h1>{t('report.title')}</h1>
      <label>
        {t('report.grid')}
        <select name="grid" value={gridCode} onChange={(e) => setGridCode(e.target.value)}>
          {grids.map((g) => (
            <option key={g.code} value={g.code}>
              {g.name} ({g.code})
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('report.category')}
        <select name="category" value={category} onChange={(e) => setCategory(e.target.value)}>
          <CatalogOptions of="categories" />
        </select>
      </label>
      <fieldset className="urgency">
        <legend>{t('report.urgency')}</legend>
        {URGENCIES.map((u) => (
          <label key={u} className="inline">
            <input type="radio" name="urgency" value={u} checked={urgency === u} onChange={() => setUrgency(u)} />
            {t(`urgency.${u}`)}
          </label>
        ))}
      </fieldset>
      <label>
        {t('report.description')}
        <textarea
          name="description"
          rows={3}
          maxLength={2000}
          value={description}
          placeholder={t('report.descriptionPlaceholder')}
          onChange={(e) => setDescription(e.target.value)}
        />
      </label>
      <div className="row">
        <label>
          {t('report.lat')}
          <input name="lat" inputMode="decimal" value={lat} onChange={(e) => setLat(e.target.value)} />
        </label>
        <label>
          {t('report.lng')}
          <input name="lng" inputMode="decimal" value={lng} onChange={(e) => setLng(e.target.value)} />
        </label>
      </div>
      {'geolocation' in navigator && (
        <button type="button" onClick={locate} disabled={locating}>
          {locating ? t('report.locating') : t('report.usePosition')}
        </button>
      )}
      <label>
        {t('report.address')}
        <input name="address" value={address} maxLength={200} onChange={(e) => setAddress(e.target.value)} />
      </label>
      <fieldset className="photos">
        <legend>{t('photos.title')}</legend>
        <PhotoPicker value={photos} onChange={setPhotos} onBusy={setPhotosBusy} />
      </fieldset>
      {note && (
        <p className={note.kind === 'ok' ? 'ok' : 'error'} role="status">
          {note.text}
        </p>
      )}
      {proposal ? (
        <DuplicateProposal
          candidates={proposal.candidates}
          onSend={() => send(proposal.body)}
          onCancel={() => {
            setProposal(undefined);
            setNote({ kind: 'ok', text: t('dup.cancelled') });
          }}
        />
      ) : (
        <button type="submit" className="primary big" disabled={checking}>
          {checking ? t('dup.checking') : t('report.submit')}
        </button>
      )}
    </form>
  );
}

/** 已有相同问题: the open cases the report may repeat (how far, when, what), and the choice to send it anyway or not. */
function DuplicateProposal({
  candidates,
  onSend,
  onCancel,
}: {
  candidates: readonly DuplicateCandidate[];
  onSend: () => void;
  onCancel: () => void;
}) {
  const { t, lang } = useI18n();
  return (
    <div className="duplicate-proposal" role="alertdialog" aria-labelledby="duplicate-proposal-title" data-testid="duplicate-proposal">
      <strong id="duplicate-proposal-title">{t('dup.proposal', { count: candidates.length })}</strong>
      <ul className="duplicate-candidates">
        {candidates.map((c) => (
          <li key={c.incidentId} data-incident={c.incidentId} data-testid="duplicate-candidate">
            <span className="tag">{t('dup.distance', { meters: c.distanceMeters })}</span> <small>{localTime(c.reportedAt, lang)}</small>{' '}
            <span className={`badge badge-status-${c.status}`}>{statusLabel(c.status, t)}</span>
            {c.summary && <p className="duplicate-summary">{c.summary}</p>}
          </li>
        ))}
      </ul>
      <div className="row">
        <button type="button" className="primary" onClick={onSend} data-testid="send-anyway">
          {t('dup.sendAnyway')}
        </button>
        <button type="button" onClick={onCancel} data-testid="cancel-report">
          {t('dup.cancel')}
        </button>
      </div>
    </div>
  );
}

function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }, []);
  return online;
}

function OutboxList({ outbox }: { outbox: Outbox }) {
  const { t, lang } = useI18n();
  const catalog = useCatalog();
  const online = useOnline();
  const items = outbox.items();
  const paused = outbox.pausedBecause();
  const stateLabel = (item: OutboxItem) =>
    item.state === 'pending' ? t('report.waiting') : item.state === 'delivered' ? t('report.delivered') : t('report.failed');
  return (
    <section className="card outbox" data-testid="outbox">
      <h2>
        {t('report.outbox')}
        {!online && <span className="tag tag-bottom">{t('report.offline')}</span>}
      </h2>
      {paused && <p className="error">{t('report.paused', { message: paused })}</p>}
      {items.length === 0 && <p className="muted">{t('report.outboxEmpty')}</p>}
      <ul className="outbox-list">
        {items.map((item) => (
          <li key={item.reportId} className={`outbox-item outbox-${item.state}`} data-report-id={item.reportId} data-state={item.state}>
            <div className="outbox-head">
              <span className={`badge badge-${item.state}`}>{stateLabel(item)}</span>
              <span>{catalog.categoryName(item.body.category, lang)}</span>
              <small>{localTime(item.body.reportedAt, lang)}</small>
            </div>
            <p className="outbox-text">{item.body.description}</p>
            {item.incidentId && (
              <small className="incident-id" title={item.incidentId}>
                {t('report.incidentId', { id: shortId(item.incidentId) })}
              </small>
            )}
            {item.state === 'delivered' && item.possibleDuplicates !== undefined && (
              <small className="duplicate-note" data-testid="possible-duplicates">
                {t('report.possibleDuplicates', { count: item.possibleDuplicates })}
              </small>
            )}
            {item.state !== 'delivered' && item.attempts > 0 && (
              <small className={`outbox-note ${item.state === 'failed' ? 'error' : 'muted'}`}>
                {[t('report.attempts', { count: item.attempts }), item.lastError].filter(Boolean).join(' · ')}
              </small>
            )}
            {item.state === 'failed' && (
              <button type="button" className="link" onClick={() => outbox.discard(item.reportId)}>
                {t('report.discard')}
              </button>
            )}
          </li>
        ))}
      </ul>
      <div className="row">
        {outbox.pending().length > 0 && (
          <button type="button" onClick={() => void outbox.flush(true)}>
            {t('report.retryNow')}
          </button>
        )}
        {items.some((i) => i.state === 'delivered') && (
          <button type="button" className="link" onClick={() => outbox.clearDelivered()}>
            {t('report.clearDelivered')}
          </button>
        )}
      </div>
    </section>
  );
}

/** The user's own reports, newest first, as the API has them; a resolved one waits for 核查. */
function MyReports({ api, reload, onOpenCase }: { api: ApiClient; reload: number; onOpenCase?: (incidentId: string) => void }) {
  const { t, lang } = useI18n();
  const catalog = useCatalog();
  const [refreshes, setRefreshes] = useState(0);
  const [filters, setFilters] = useState(NO_FILTERS);
  const filtered = filterParams(filters);
  const mine = useLoad(`${reload}:${refreshes}:${filtered}`, (signal) =>
    api.get<IncidentPage>('intake', `/v1/incidents?mine=true&limit=20${filtered}`, signal),
  );
  return (
    <section className="card mine" data-testid="my-reports">
      <h2>
        {t('report.mine')}
        <button type="button" className="link" onClick={() => setRefreshes((n) => n + 1)}>
          {t('queue.refresh')}
        </button>
      </h2>
      <CaseFilters api={api} value={filters} onChange={setFilters} />
      {mine.state === 'error' && <p className="error">{mine.error.message}</p>}
      {mine.data && mine.data.items.length === 0 && <p className="muted">{t('report.mineEmpty')}</p>}
      <ul className="mine-list">
        {mine.data?.items.map((view) => (
          <li key={view.incidentId} data-incident={view.incidentId}>
            <div className="outbox-head">
              <span className={`badge badge-status-${view.status}`}>{statusLabel(view.status, t)}</span>
              <span>{catalog.categoryName(view.category, lang)}</span>
              <small>{localTime(view.reportedAt, lang)}</small>
            </div>
            <small className="muted" title={view.incidentId}>
              {t('report.incidentId', { id: shortId(view.incidentId) })}
            </small>
            {onOpenCase && (
              <button type="button" className="link" data-action="detail" onClick={() => onOpenCase(view.incidentId)}>
                {t('handler.detail')}
              </button>
            )}
            {duplicateFacts(view).mergedInto && (
              <small className="muted" data-testid="merged-into">
                {t('dup.mergedInto', { id: shortId(duplicateFacts(view).mergedInto ?? '') })}
              </small>
            )}
            {view.status === 'resolved' && <Verify api={api} view={view} onDone={() => setRefreshes((n) => n + 1)} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** 核查 of a resolved case by the grid staff: passed (结案) or not (返工), with notes; the outcome shown. */
export function Verify({ api, view, onDone }: { api: ApiClient; view: IncidentView; onDone: () => void }) {
  const { t } = useI18n();
  const [notes, setNotes] = useState('');
  const [result, setResult] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const verify = async (passed: boolean) => {
    setBusy(true);
    try {
      const outcome = await api.command(view.incidentId, 'verify', { passed, notes });
      if (outcome.status === 'accepted') {
        setResult(t('action.accepted'));
        onDone();
      } else setResult(outcome.status === 'rejected' ? t('action.rejected', { message: outcome.message }) : t('action.pending'));
    } catch (err) {
      setResult(t('action.failed', { message: err instanceof ApiError ? err.message : String(err) }));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => e.preventDefault();
  return (
    <form className="verify" onSubmit={submit}>
      <input name="notes" placeholder={t('report.verifyNotes')} value={notes} onChange={(e) => setNotes(e.target.value)} maxLength={2000} />
      <div className="row">
        <button type="button" className="primary" disabled={busy} onClick={() => void verify(true)}>
          {t('report.verifyPass')}
        </button>
        <button type="button" disabled={busy} onClick={() => void verify(false)}>
          {t('report.verifyFail')}
        </button>
      </div>
      {result && <p role="status">{result}</p>}
    </form>
  );
}
