import { useEffect, useState } from 'react';
import { useCatalog } from '../catalog.ts';
import type { WhatIfCurrentPolicyAnswer, WhatIfFiguresAnswer, WhatIfRunAnswer } from '@gridgov/projection-api';
import type { ApiClient } from '../api/client.ts';
import { knownAreas, type Me } from '../api/types.ts';
import { percent } from '../format.ts';
import { useI18n } from '../i18n/context.tsx';

type Policy = WhatIfCurrentPolicyAnswer['policy'];
type Duration = Policy['escalationEvery'];
const UNITS: readonly Duration['unit'][] = ['working_hours', 'working_days', 'natural_hours', 'natural_minutes'];
const URGENCIES = ['normal', 'urgent', 'very_urgent'] as const;
/** How often a running what-if is asked how far it is. */
const POLL_MS = 1_000;

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Six whole months before this one (Asia/Shanghai): what a leader most often asks about. */
function lastHalfYear(now = new Date()): { from: string; to: string } {
  const local = new Date(now.getTime() + 8 * 3_600_000);
  const first = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), 1);
  const from = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() - 6, 1));
  return { from: from.toISOString().slice(0, 10), to: new Date(first - 86_400_000).toISOString().slice(0, 10) };
}

/** An amount and its unit, edited in place. */
function DurationInput({ value, onChange, label }: { value: Duration; onChange: (d: Duration) => void; label: string }) {
  const { t } = useI18n();
  return (
    <span className="duration-input">
      <input
        type="number"
        min={0.1}
        step="any"
        aria-label={label}
        value={value.amount}
        onChange={(e) => onChange({ ...value, amount: Number(e.target.value) })}
      />
      <select
        aria-label={`${label} ${t('whatIf.unit')}`}
        value={value.unit}
        onChange={(e) => onChange({ ...value, unit: e.target.value as Duration['unit'] })}
      >
        {UNITS.map((u) => (
          <option key={u} value={u}>
            {t(`whatIf.unit.${u}`)}
          </option>
        ))}
      </select>
    </span>
  );
}

/** One figure, the rules in force beside the proposal: `80.0% → 92.5%`, the change marked. */
function Side({ current, proposed, rate }: { current: number | null; proposed: number | null; rate?: boolean }) {
  const show = (v: number | null) => (rate ? percent(v) : String(v ?? '—'));
  const changed = current !== proposed;
  const better = rate ? (proposed ?? 0) > (current ?? 0) : (proposed ?? 0) < (current ?? 0);
  return (
    <td className={changed ? (better ? 'side better' : 'side worse') : 'side'}>
      {show(current)} → {show(proposed)}
    </td>
  );
}

/** 假设分析: a leader edits the deadlines and the 督办 ladder, starting from the rules in force, and replays their history under them. */
export function WhatIfPage({ api, me }: { api: ApiClient; me: Me }) {
  const { t } = useI18n();
  const roots = knownAreas(me);
  const [rules, setRules] = useState<WhatIfCurrentPolicyAnswer | undefined>();
  const [policy, setPolicy] = useState<Policy | undefined>();
  const [name, setName] = useState('');
  const [scope, setScope] = useState(() => ({ ...lastHalfYear(), area: roots[0]?.code ?? '' }));
  const [warnings, setWarnings] = useState('');
  const [run, setRun] = useState<WhatIfRunAnswer | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    api.get<WhatIfCurrentPolicyAnswer>('projection', '/v1/what-if/policy').then(
      (answer) => {
        setRules(answer);
        setPolicy(answer.policy);
        setWarnings(answer.policy.warningFractions.join(','));
      },
      (err: unknown) => setError(messageOf(err)),
    );
  }, [api]);

  // While a run goes on, ask how far it is; stop once it is done or failed.
  const runId = run?.status === 'running' ? run.runId : undefined;
  useEffect(() => {
    if (!runId) return;
    const timer = setInterval(() => {
      api.get<WhatIfRunAnswer>('projection', `/v1/what-if/${runId}`).then(setRun, (err: unknown) => setError(messageOf(err)));
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [api, runId]);

  if (!rules || !policy)
    return (
      <section className="card what-if" data-state={error ? 'failed' : 'loading'}>
        {error ?? t('app.loading')}
      </section>
    );

  const handling = (code: string, urgency: (typeof URGENCIES)[number]): Duration =>
    policy.handling[code]?.[urgency] ?? rules.policy.handling[code]![urgency]!;
  const setHandling = (code: string, urgency: (typeof URGENCIES)[number], d: Duration) =>
    setPolicy({ ...policy, handling: { ...policy.handling, [code]: { ...policy.handling[code], [urgency]: d } } });

  const start = () => {
    setError(undefined);
    const fractions = warnings
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .map(Number);
    const body = { scope, policy: { ...policy, warningFractions: fractions, ...(name.trim() ? { name: name.trim() } : {}) } };
    api.post<WhatIfRunAnswer>('projection', '/v1/what-if', body).then(setRun, (err: unknown) => setError(messageOf(err)));
  };
  const state = error ? 'failed' : (run?.status ?? 'idle');

  return (
    <section className="what-if" data-state={state}>
      <div className="card">
        <h2>{t('whatIf.title')}</h2>
        <p className="hint">{t('whatIf.intro')}</p>
        <div className="what-if-scope">
          <label>
            {t('whatIf.area')}
            <select value={scope.area} onChange={(e) => setScope({ ...scope, area: e.target.value })}>
              {roots.map((a) => (
                <option key={a.code} value={a.code}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('whatIf.from')}
            <input type="date" value={scope.from} onChange={(e) => setScope({ ...scope, from: e.target.value })} />
          </label>
          <label>
            {t('whatIf.to')}
            <input type="date" value={scope.to} onChange={(e) => setScope({ ...scope, to: e.target.value })} />
          </label>
          <label>
            {t('whatIf.name')}
            <input type="text" value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
          </label>
        </div>
        <h3>{t('whatIf.deadlines')}</h3>
        <table className="what-if-deadlines">
          <thead>
            <tr>
              <th>{t('whatIf.category')}</th>
              {URGENCIES.map((u) => (
                <th key={u}>{t(`urgency.${u}`)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rules.categories.map((c) => (
              <tr key={c.code} data-category={c.code}>
                <td>{c.name}</td>
                {URGENCIES.map((u) => (
                  <td key={u}>
                    <DurationInput
                      label={`${c.name} ${t(`urgency.${u}`)}`}
                      value={handling(c.code, u)}
                      onChange={(d) => setHandling(c.code, u, d)}
                    />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        <h3>{t('whatIf.escalation')}</h3>
        <div className="what-if-scope">
          <label>
            {t('whatIf.escalationEvery')}
            <DurationInput
              label={t('whatIf.escalationEvery')}
              value={policy.escalationEvery}
              onChange={(d) => setPolicy({ ...policy, escalationEvery: d })}
            />
          </label>
          <label>
            {t('whatIf.signFor')}
            <DurationInput label={t('whatIf.signFor')} value={policy.signFor} onChange={(d) => setPolicy({ ...policy, signFor: d })} />
          </label>
          <label>
            {t('whatIf.warnings')}
            <input type="text" value={warnings} onChange={(e) => setWarnings(e.target.value)} />
          </label>
        </div>
        <div className="what-if-actions">
          <button type="button" className="primary" onClick={start} disabled={state === 'running'} data-testid="what-if-run">
            {t('whatIf.run')}
          </button>
          <button
            type="button"
            onClick={() => {
              setPolicy(rules.policy);
              setWarnings(rules.policy.warningFractions.join(','));
            }}
          >
            {t('whatIf.reset')}
          </button>
        </div>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
      </div>
      {run && <RunView run={run} />}
    </section>
  );
}

function RunView({ run }: { run: WhatIfRunAnswer }) {
  const { t, lang } = useI18n();
  const catalog = useCatalog();
  // Communities make a long table: the district and its towns first, the communities when asked for.
  const [communities, setCommunities] = useState(false);
  const { progress, report } = run;
  if (run.status === 'failed') return <p className="card error">{t('whatIf.failed', { message: run.error ?? '' })}</p>;
  if (run.status === 'running' || !report)
    return (
      <div className="card what-if-progress">
        <progress max={Math.max(progress.total, 1)} value={progress.done} />
        <span>{t(`whatIf.phase.${progress.phase}`, { done: progress.done, total: progress.total })}</span>
      </div>
    );
  return (
    <div className="card what-if-result">
      <h3>{t('whatIf.result', { cases: report.cases, events: report.eventsRead })}</h3>
      <table className="what-if-table">
        <thead>
          <tr>
            <th>{t('whatIf.area')}</th>
            <th>{t('whatIf.month')}</th>
            <th>{t('whatIf.reported')}</th>
            <th>{t('figure.onTimeClosureRate')}</th>
            <th>{t('figure.overdue')}</th>
            <th>{t('figure.escalated')}</th>
          </tr>
        </thead>
        <tbody>
          {report.rows
            .filter((row) => communities || row.area.level !== 'community')
            .map((row) => {
              const c: WhatIfFiguresAnswer = row.current;
              const p: WhatIfFiguresAnswer = row.proposed;
              return (
                <tr key={`${row.area.code}|${row.month}`} className={`level-${row.area.level}`}>
                  <td>{row.area.name}</td>
                  <td>{row.month}</td>
                  <td>{c.reported}</td>
                  <Side current={c.onTimeClosureRate} proposed={p.onTimeClosureRate} rate />
                  <Side current={c.overdue} proposed={p.overdue} />
                  <Side current={c.escalated} proposed={p.escalated} />
                </tr>
              );
            })}
        </tbody>
      </table>
      <label className="what-if-communities">
        <input type="checkbox" checked={communities} onChange={(e) => setCommunities(e.target.checked)} />
        {t('whatIf.showCommunities')}
      </label>
      <h3>{t('whatIf.changed', { count: report.changedTotal })}</h3>
      <ul className="what-if-changed">
        {report.changed.map((c) => (
          <li key={c.incidentId} data-incident={c.incidentId}>
            <code>{c.incidentId.slice(0, 8)}</code> {catalog.categoryName(c.category, lang)} · {c.reportedAt.slice(0, 10)}:{' '}
            {t(`whatIf.outcome.${c.current.outcome}`)}
            {c.current.escalated ? ` (${t('whatIf.escalated')})` : ''} → {t(`whatIf.outcome.${c.proposed.outcome}`)}
            {c.proposed.escalated ? ` (${t('whatIf.escalated')})` : ''}
          </li>
        ))}
      </ul>
      <p className="hint">
        {report.currentDiffersFromLog === 0 ? t('whatIf.checkOk') : t('whatIf.checkDiffers', { count: report.currentDiffersFromLog })}
      </p>
      <p className="hint what-if-limits">{t('whatIf.limits')}</p>
    </div>
  );
}
