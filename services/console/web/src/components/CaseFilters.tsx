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
      <Choice
        value={draft.category}
        onChange={(v) => set('category', v)}
        label={t('queue.category')}
        any={t('filter.anyCategory')}
        testId="filter-category"
        options={catalog.categories.map((c) => ({ value: c.code, label: catalog.categoryName(c.code, lang) }))}
      />
      <Choice
        value={draft.urgency}
        onChange={(v) => set('urgency', v)}
        label={t('queue.urgency')}
        any={t('filter.anyUrgency')}
        testId="filter-urgency"
        options={URGENCIES.map((u) => ({ value: u, label: t(`urgency.${u}`) }))}
      />
      {area && (
        <Choice
          value={draft.subArea}
          onChange={(v) => set('subArea', v)}
          label={t('filter.subArea')}
          any={t('filter.anySubArea')}
          testId="filter-sub-area"
          options={(children.data?.children ?? []).map((a) => ({ value: a.code, label: a.name }))}
        />
      )}
      <Choice
        value={draft.department}
        onChange={(v) => set('department', v)}
        label={t('queue.department')}
        any={t('filter.anyDepartment')}
        testId="filter-department"
        options={catalog.departments.map((d) => ({ value: d.code, label: catalog.departmentName(d.code, lang) }))}
      />
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

/** One filter's choice: '' (`any`) or one of the options. */
function Choice({
  value,
  onChange,
  label,
  any,
  testId,
  options,
}: {
  value: string;
  onChange: (value: string) => void;
  label: string;
  any: string;
  testId: string;
  options: readonly { value: string; label: string }[];
}) {
  return (
    <select value={value} onChange={(e) => onChange(e.target.value)} aria-label={label} data-testid={testId}>
      <option value="">{any}</option>
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}
