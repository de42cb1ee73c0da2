import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiError, errorOf, type ApiClient } from '../api/client.ts';
import { useI18n } from '../i18n/context.tsx';

/** One duration of the catalog (DurationData of ADR 0024). */
interface Duration {
  readonly unit: 'working_hours' | 'working_days' | 'natural_hours' | 'natural_minutes';
  readonly amount: number;
}
interface CategoryRow {
  readonly code: string;
  readonly name: string;
  readonly defaultDepartment: string;
  readonly handling: { readonly normal: Duration; readonly urgent: Duration; readonly very_urgent: Duration };
  readonly confidential?: boolean;
  /** 重复上报: within how many metres and hours a report is proposed as a duplicate of an open case; absent: never. */
  readonly duplicates?: { readonly radiusMeters: number; readonly windowHours: number };
}
interface RoutingRow {
  readonly area: string;
  readonly category: string;
  readonly department: string;
  readonly note?: string;
}
/** GET /v1/admin/config: the version in force and every document but the area tree (its size only). */
interface AdminConfig {
  readonly version: number;
  readonly areas: { readonly count: number };
  readonly catalog: { readonly categories: readonly CategoryRow[]; readonly departments: readonly { code: string; name: string }[] };
  readonly routing: { readonly rules: readonly RoutingRow[] };
  readonly calendar: unknown;
  readonly policy: unknown;
}
interface AreaDiff {
  readonly added: readonly { code: string; name: string }[];
  readonly renamed: readonly { code: string; from: string; to: string }[];
  readonly moved: readonly { code: string }[];
  readonly boundariesChanged: readonly string[];
  readonly removed: readonly { code: string; name: string }[];
}
interface Preview {
  readonly version: number;
  readonly diff: AreaDiff;
  readonly summary: string;
  readonly areas: number;
  readonly blockedByCases: readonly { code: string; cases: number }[];
}
/** One problem of an area file, as the API's 400 lists it (packages/geo ImportProblem). */
interface Problem {
  readonly row: number | null;
  readonly column: string | null;
  readonly message: string;
}
interface AuditEntry {
  readonly version: number;
  readonly kind: string;
  readonly at: string;
  readonly by: { readonly id: string; readonly role: string };
  readonly summary: string;
}

/** The content type of an area file, by its name's ending (the API reads CSV, JSON and GeoJSON). */
export function areaFileType(name: string): string {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return 'text/csv';
  if (lower.endsWith('.geojson')) return 'application/geo+json';
  return 'application/json';
}

/** Sends a configuration change on top of `version` (If-Match); answers the new version or throws the API's error. */
async function change(api: ApiClient, method: 'PUT' | 'POST', path: string, version: number | undefined, body: string, type: string) {
  const res = await api.fetch('intake', path, {
    method,
    headers: { 'content-type': type, ...(version === undefined ? {} : { 'if-match': `"${version}"` }) },
    body,
  });
  if (!res.ok) throw await errorOf(res);
  return (await res.json()) as Record<string, unknown>;
}

const problemsOf = (err: unknown): Problem[] => {
  if (!(err instanceof ApiError)) return [];
  const problems = err.details?.['problems'] as Problem[] | undefined;
  return Array.isArray(problems) ? problems : [];
};

/** 系统管理: the area tree import, the catalog, routing rules, the calendar and the audit log (ADR 0024), for admins. */
export function AdminPage({ api }: { api: ApiClient }) {
  const { t } = useI18n();
  const [config, setConfig] = useState<AdminConfig | undefined>();
  const [audit, setAudit] = useState<readonly AuditEntry[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();

  const reload = useCallback(async () => {
    try {
      const [c, a] = await Promise.all([
        api.get<AdminConfig>('intake', '/v1/admin/config'),
        api.get<{ entries: AuditEntry[] }>('intake', '/v1/admin/audit?limit=50'),
      ]);
      setConfig(c);
      setAudit(a.entries);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, [api]);
  useEffect(() => void reload(), [reload]);

  /** Runs a change, then shows the API's summary (or its error) and reloads the configuration. */
  const run = async (work: () => Promise<Record<string, unknown>>) => {
    setError(undefined);
    setNotice(undefined);
    try {
      const made = (await work()) as { version?: number; summary?: string };
      setNotice(t('admin.applied', { version: made.version ?? '', summary: made.summary ?? '' }));
      await reload();
      return true;
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      return false;
    }
  };

  if (!config) return <p className={error ? 'error' : 'loading'}>{error ?? t('app.loading')}</p>;
  return (
    <div className="admin">
      <h2>
        {t('admin.title')} <small className="admin-version">{t('admin.version', { version: config.version })}</small>
      </h2>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <AreaImport api={api} version={config.version} areaCount={config.areas.count} run={run} />
      <CategoryForm config={config} api={api} run={run} />
      <DepartmentForm config={config} api={api} run={run} />
      <RoutingForm config={config} api={api} run={run} />
      <CalendarForm config={config} api={api} run={run} />
      <section className="card admin-audit">
        <h3>{t('admin.audit')}</h3>
        <table>
          <thead>
            <tr>
              <th>{t('admin.audit.version')}</th>
              <th>{t('admin.audit.at')}</th>
              <th>{t('admin.audit.by')}</th>
              <th>{t('admin.audit.summary')}</th>
            </tr>
          </thead>
          <tbody>
            {audit.map((e) => (
              <tr key={e.version}>
                <td>{e.version}</td>
                <td>{new Date(e.at).toLocaleString()}</td>
                <td>{e.by.id}</td>
                <td>{e.summary}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

type Run = (work: () => Promise<Record<string, unknown>>) => Promise<boolean>;

/** Choose a file → preview its diff (or its problems by row and column) → apply it on the version previewed. */
function AreaImport({ api, version, areaCount, run }: { api: ApiClient; version: number; areaCount: number; run: Run }) {
  const { t } = useI18n();
  const [file, setFile] = useState<{ name: string; text: string } | undefined>();
  const [preview, setPreview] = useState<Preview | undefined>();
  const [problems, setProblems] = useState<readonly Problem[]>([]);
  const [failure, setFailure] = useState<string | undefined>();

  const choose = async (chosen: File | undefined) => {
    setPreview(undefined);
    setProblems([]);
    setFailure(undefined);
    if (!chosen) return setFile(undefined);
    const picked = { name: chosen.name, text: await chosen.text() };
    setFile(picked);
    try {
      const answer = await change(api, 'POST', '/v1/admin/areas/preview', undefined, picked.text, areaFileType(picked.name));
      setPreview(answer as unknown as Preview);
    } catch (err) {
      setProblems(problemsOf(err));
      setFailure(err instanceof Error ? err.message : String(err));
    }
  };
  const apply = async () => {
    if (!file || !preview) return;
    const ok = await run(() => change(api, 'PUT', '/v1/admin/areas', preview.version, file.text, areaFileType(file.name)));
    if (ok) {
      setPreview(undefined);
      setFile(undefined);
    }
  };
  const d = preview?.diff;
  return (
    <section className="card admin-areas">
      <h3>{t('admin.areas')}</h3>
      <p>{t('admin.areas.count', { count: areaCount, version })}</p>
      <label>
        {t('admin.areas.file')}{' '}
        <input type="file" accept=".csv,.json,.geojson" name="areaFile" onChange={(e) => void choose(e.target.files?.[0])} />
      </label>
      {d && preview && (
        <div className="admin-diff" data-testid="area-diff">
          <p>
            {t('admin.areas.diff', {
              added: d.added.length,
              renamed: d.renamed.length,
              boundaries: d.boundariesChanged.length,
              removed: d.removed.length,
            })}
          </p>
          <ul>
            {d.added.slice(0, 20).map((a) => (
              <li key={`a${a.code}`}>
                + {a.code} {a.name}
              </li>
            ))}
            {d.renamed.slice(0, 20).map((r) => (
              <li key={`r${r.code}`}>
                ~ {r.code} {r.from} → {r.to}
              </li>
            ))}
            {d.removed.slice(0, 20).map((r) => (
              <li key={`d${r.code}`}>
                − {r.code} {r.name}
              </li>
            ))}
          </ul>
          {preview.blockedByCases.length > 0 && (
            <p className="error">{t('admin.areas.blocked', { areas: preview.blockedByCases.map((b) => b.code).join(', ') })}</p>
          )}
          <button type="button" onClick={() => void apply()} disabled={preview.blockedByCases.length > 0}>
            {t('admin.areas.apply')}
          </button>
        </div>
      )}
      {failure && (
        <div className="admin-problems" role="alert">
          <p className="error">{failure}</p>
          {problems.length > 0 && (
            <table>
              <thead>
                <tr>
                  <th>{t('admin.problem.row')}</th>
                  <th>{t('admin.problem.column')}</th>
                  <th>{t('admin.problem.message')}</th>
                </tr>
              </thead>
              <tbody>
                {problems.map((p, i) => (
                  <tr key={i}>
                    <td>{p.row ?? '—'}</td>
                    <td>{p.column ?? '—'}</td>
                    <td>{p.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}

const URGENCIES = ['normal', 'urgent', 'very_urgent'] as const;
const UNITS: readonly Duration['unit'][] = ['working_hours', 'working_days', 'natural_hours', 'natural_minutes'];

/** The categories with their deadlines per urgency, and a form that adds or changes one. */
function CategoryForm({ config, api, run }: { config: AdminConfig; api: ApiClient; run: Run }) {
  const { t } = useI18n();
  const { categories, departments } = config.catalog;
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [department, setDepartment] = useState(departments[0]?.code ?? '');
  const [unit, setUnit] = useState<Duration['unit']>('natural_hours');
  const [amounts, setAmounts] = useState<Record<(typeof URGENCIES)[number], string>>({ normal: '72', urgent: '24', very_urgent: '4' });
  const [confidential, setConfidential] = useState(false);
  const [radius, setRadius] = useState('');
  const [hours, setHours] = useState('');

  /** The category is sent whole (PUT replaces it): typing an existing code brings its duplicate rule, so a change keeps it. */
  const chooseCode = (value: string) => {
    setCode(value);
    const rule = categories.find((c) => c.code === value)?.duplicates;
    setRadius(rule ? String(rule.radiusMeters) : '');
    setHours(rule ? String(rule.windowHours) : '');
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const handling = Object.fromEntries(URGENCIES.map((u) => [u, { unit, amount: Number(amounts[u]) }]));
    // Both given: reports of the category may be proposed as duplicates; either left empty: never (the API judges the values).
    const duplicates = radius.trim() && hours.trim() ? { duplicates: { radiusMeters: Number(radius), windowHours: Number(hours) } } : {};
    const body = JSON.stringify({ name, defaultDepartment: department, handling, confidential, ...duplicates });
    void run(() => change(api, 'PUT', `/v1/admin/categories/${encodeURIComponent(code)}`, config.version, body, 'application/json'));
  };
  const show = (d: Duration) => `${d.amount} ${t(`admin.unit.${d.unit}`)}`;
  return (
    <section className="card admin-catalog">
      <h3>{t('admin.catalog')}</h3>
      <table>
        <thead>
          <tr>
            <th>{t('admin.category.code')}</th>
            <th>{t('admin.category.name')}</th>
            <th>{t('admin.category.department')}</th>
            {URGENCIES.map((u) => (
              <th key={u}>{t(`urgency.${u}`)}</th>
            ))}
            <th>{t('admin.category.duplicates')}</th>
          </tr>
        </thead>
        <tbody>
          {categories.map((c) => (
            <tr key={c.code} data-category={c.code}>
              <td>{c.code}</td>
              <td>{c.name}</td>
              <td>{departments.find((d) => d.code === c.defaultDepartment)?.name ?? c.defaultDepartment}</td>
              {URGENCIES.map((u) => (
                <td key={u}>{show(c.handling[u])}</td>
              ))}
              <td data-testid="category-duplicates">
                {c.duplicates
                  ? t('admin.category.duplicateRule', { meters: c.duplicates.radiusMeters, hours: c.duplicates.windowHours })
                  : '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="admin-category-form" onSubmit={submit}>
        <h4>{t('admin.category.add')}</h4>
        <input
          name="categoryCode"
          placeholder={t('admin.category.code')}
          value={code}
          onChange={(e) => chooseCode(e.target.value)}
          required
        />
        <input name="categoryName" placeholder={t('admin.category.name')} value={name} onChange={(e) => setName(e.target.value)} required />
        <select name="categoryDepartment" value={department} onChange={(e) => setDepartment(e.target.value)}>
          {departments.map((d) => (
            <option key={d.code} value={d.code}>
              {d.name}
            </option>
          ))}
        </select>
        <select name="deadlineUnit" value={unit} onChange={(e) => setUnit(e.target.value as Duration['unit'])}>
          {UNITS.map((u) => (
            <option key={u} value={u}>
              {t(`admin.unit.${u}`)}
            </option>
          ))}
        </select>
        {URGENCIES.map((u) => (
          <label key={u}>
            {t(`urgency.${u}`)}
            <input
              name={`deadline-${u}`}
              type="number"
              min="1"
              step="any"
              value={amounts[u]}
              onChange={(e) => setAmounts({ ...amounts, [u]: e.target.value })}
            />
          </label>
        ))}
        <label>
          <input type="checkbox" checked={confidential} onChange={(e) => setConfidential(e.target.checked)} />{' '}
          {t('admin.category.confidential')}
        </label>
        <label>
          {t('admin.category.duplicateRadius')}
          <input name="duplicateRadius" type="number" min="1" step="1" value={radius} onChange={(e) => setRadius(e.target.value)} />
        </label>
        <label>
          {t('admin.category.duplicateWindow')}
          <input name="duplicateWindow" type="number" min="1" step="any" value={hours} onChange={(e) => setHours(e.target.value)} />
        </label>
        <button type="submit">{t('admin.save')}</button>
      </form>
    </section>
  );
}

/** The departments cases go to, and a form that adds one or renames it. */
function DepartmentForm({ config, api, run }: { config: AdminConfig; api: ApiClient; run: Run }) {
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = JSON.stringify({ name });
    void run(() => change(api, 'PUT', `/v1/admin/departments/${encodeURIComponent(code)}`, config.version, body, 'application/json'));
  };
  return (
    <section className="card admin-departments">
      <h3>{t('admin.departments')}</h3>
      <table>
        <tbody>
          {config.catalog.departments.map((d) => (
            <tr key={d.code} data-department={d.code}>
              <td>{d.code}</td>
              <td>{d.name}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="admin-department-form" onSubmit={submit}>
        <input
          name="departmentCode"
          placeholder={t('admin.category.code')}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          required
        />
        <input
          name="departmentName"
          placeholder={t('admin.category.name')}
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
        />
        <button type="submit">{t('admin.save')}</button>
      </form>
    </section>
  );
}

/** The routing rules (category × area → department): one added, or one removed; the table is sent whole. */
function RoutingForm({ config, api, run }: { config: AdminConfig; api: ApiClient; run: Run }) {
  const { t } = useI18n();
  const { rules } = config.routing;
  const [area, setArea] = useState('');
  const [category, setCategory] = useState('*');
  const [department, setDepartment] = useState(config.catalog.departments[0]?.code ?? '');
  const send = (next: readonly RoutingRow[]) =>
    run(() => change(api, 'PUT', '/v1/admin/routing', config.version, JSON.stringify({ rules: next }), 'application/json'));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // A rule for the same area and category replaces the one there.
    void send([...rules.filter((r) => !(r.area === area && r.category === category)), { area, category, department }]);
  };
  return (
    <section className="card admin-routing">
      <h3>{t('admin.routing')}</h3>
      <table>
        <thead>
          <tr>
            <th>{t('admin.routing.area')}</th>
            <th>{t('admin.routing.category')}</th>
            <th>{t('admin.routing.department')}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rules.map((r, i) => (
            <tr key={`${r.area}-${r.category}-${i}`}>
              <td>{r.area}</td>
              <td>{r.category}</td>
              <td>{r.department}</td>
              <td>
                <button type="button" onClick={() => void send(rules.filter((_, j) => j !== i))}>
                  {t('admin.remove')}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form className="admin-routing-form" onSubmit={submit}>
        <input name="ruleArea" placeholder={t('admin.routing.area')} value={area} onChange={(e) => setArea(e.target.value)} required />
        <select name="ruleCategory" value={category} onChange={(e) => setCategory(e.target.value)}>
          <option value="*">{t('admin.routing.every')}</option>
          {config.catalog.categories.map((c) => (
            <option key={c.code} value={c.code}>
              {c.name}
            </option>
          ))}
        </select>
        <select name="ruleDepartment" value={department} onChange={(e) => setDepartment(e.target.value)}>
          {config.catalog.departments.map((d) => (
            <option key={d.code} value={d.code}>
              {d.name}
            </option>
          ))}
        </select>
        <button type="submit">{t('admin.save')}</button>
      </form>
    </section>
  );
}

/** Office hours and holidays, edited as the calendar document (JSON): the API names the field that is wrong. */
function CalendarForm({ config, api, run }: { config: AdminConfig; api: ApiClient; run: Run }) {
  const { t } = useI18n();
  const [text, setText] = useState(() => JSON.stringify(config.calendar, null, 2));
  useEffect(() => setText(JSON.stringify(config.calendar, null, 2)), [config.calendar]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(() => change(api, 'PUT', '/v1/admin/calendar', config.version, text, 'application/json'));
  };
  return (
    <section className="card admin-calendar">
      <h3>{t('admin.calendar')}</h3>
      <form onSubmit={submit}>
        <textarea name="calendar" rows={12} cols={80} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
        <button type="submit">{t('admin.save')}</button>
      </form>
    </section>
  );
}
