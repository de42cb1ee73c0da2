import { useState, type FormEvent } from 'react';
import type { ApiClient } from '../api/client.ts';
import type { AreaDetail } from '../api/types.ts';
import { useCatalog } from '../catalog.ts';
import { useI18n } from '../i18n/context.tsx';
import { useLoad } from './useLoad.ts';

/** The filters of a case list (GET /v1/incidents, ADR 0015), as the form holds them: '' is no filter. */
export interface CaseFilterValues {
  readonly q: string;
  readonly category: string;
  readonly urgency: string;
  readonly subArea: string;
  readonly department: string;
  /** Local dates (yyyy-mm-dd), China time. */
  readonly from: string;
  readonly to: string;
  readonly overdue: boolean;
  readonly escalated: boolean;
}

export const NO_FILTERS: CaseFilterValues = {
  q: '',
  category: '',
  urgency: '',
  subArea: '',
  department: '',
  from: '',
  to: '',
  overdue: false,
  escalated: false,
};

const URGENCIES = ['normal', 'urgent', 'very_urgent'] as const;

/** The query string the filters add to a list's path ('' when none), each `&name=value`. */
export function filterParams(f: CaseFilterValues): string {
  const params = new URLSearchParams();
  if (f.q.trim()) params.set('q', f.q.trim());
  if (f.category) params.set('category', f.category);
  if (f.urgency) params.set('urgency', f.urgency);
  if (f.subArea) params.set('subArea', f.subArea);
  if (f.department) params.set('department', f.department);
  // A local date's whole day, China time (UTC+8, no daylight saving).
  if (f.from) params.set('from', `${f.from}T00:00:00+08:00`);
  if (f.to) params.set('to', `${f.to}T23:59:59.999+08:00`);
  if (f.overdue) params.set('overdue', 'true');
  if (f.escalated) params.set('escalated', 'true');
  const s = params.toString();
  return s ? `&${s}` : '';
}

/**
 * Filter controls and a search box for a case list: the dispatcher's queues (with the area's sub-areas to choose
 * from) and 我的上报 (`area` absent). The list is asked again only when the form is sent (搜索) or cleared.
 */
export function CaseFilters({
  api,
  area,
  value,
  onChange,
}: {
  api: ApiClient;
  /** The list's area: its children are the sub-areas offered. */
  area?: string | undefined;
  value: CaseFilterValues;
  onChange: (next: CaseFilterValues) => void;
}) {
  const { t, lang } = useI18n();
  const catalog = useCatalog();
  const [draft, setDraft] = useState<CaseFilterValues>(value);
  const children = useLoad(area, (signal) => api.get<AreaDetail>('intake', `/v1/areas/${encodeURIComponent(area!)}`, signal));
  const set = <K extends keyof CaseFilterValues>(key: K, v: CaseFilterValues[K]) => setDraft((d) => ({ ...d, [key]: v }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onChange(draft);
  };
  const clear = () => {
    setDraft(NO_FILTERS);
    onChange(NO_FILTERS);
  };
  return (
    <form className="case-filters" onSubmit={submit} data-testid="case-filters" role="search">
      <input
        type="search"
        value={draft.q}
        onChange={(e) => set('q', e.target.value)}
        placeholder={t('filter.searchPlaceholder')}
        aria-label={t('filter.search')}
        data-testid="filter-q"
        maxLength={100}
      />
      <select
        value={draft.category}
        onChange={(e) => set('category', e.target.value)}
        aria-label={t('queue.category')}
        data-testid="filter-category"
      >
        <option value="">{t('filter.anyCategory')}</option>
        {catalog.categories.map((c) => (
          <option key={c.code} value={c.code}>
            {catalog.categoryName(c.code, lang)}
          </option>
        ))}
      </select>
      <select
        value={draft.urgency}
        onChange={(e) => set('urgency', e.target.value)}
        aria-label={t('queue.urgency')}
        data-testid="filter-urgency"
      >
        <option value="">{t('filter.anyUrgency')}</option>
        {URGENCIES.map((u) => (
          <option key={u} value={u}>
            {t(`urgency.${u}`)}
          </option>
        ))}
      </select>
      {area && (
        <select
          value={draft.subArea}
          onChange={(e) => set('subArea', e.target.value)}
          aria-label={t('filter.subArea')}
          data-testid="filter-sub-area"
        >
          <option value="">{t('filter.anySubArea')}</option>
          {(children.data?.children ?? []).map((a) => (
            <option key={a.code} value={a.code}>
              {a.name}
            </option>
          ))}
        </select>
      )}
      <select
        value={draft.department}
        onChange={(e) => set('department', e.target.value)}
        aria-label={t('queue.department')}
        data-testid="filter-department"
      >
        <option value="">{t('filter.anyDepartment')}</option>
        {catalog.departments.map((d) => (
          <option key={d.code} value={d.code}>
            {catalog.departmentName(d.code, lang)}
          </option>
        ))}
      </select>
      <label>
        {t('filter.from')}
        <input type="date" value={draft.from} onChange={(e) => set('from', e.target.value)} data-testid="filter-from" />
      </label>
      <label>
        {t('filter.to')}
        <input type="date" value={draft.to} onChange={(e) => set('to', e.target.value)} data-testid="filter-to" />
      </label>
      <label>
        <input type="checkbox" checked={draft.overdue} onChange={(e) => set('overdue', e.target.checked)} data-testid="filter-overdue" />
        {t('queue.overdueTag')}
      </label>
      <label>
        <input
          type="checkbox"
          checked={draft.escalated}
          onChange={(e) => set('escalated', e.target.checked)}
          data-testid="filter-escalated"
        />
        {t('filter.escalated')}
      </label>
      <button type="submit" data-testid="filter-apply">
        {t('filter.apply')}
      </button>
      <button type="button" className="link" onClick={clear} data-testid="filter-clear">
        {t('filter.clear')}
      </button>
    </form>
  );
}
