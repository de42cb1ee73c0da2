import { lazy, Suspense, useState } from 'react';
import type { ApiClient } from '../api/client.ts';
import type { Me } from '../api/types.ts';
import { useI18n } from '../i18n/context.tsx';
import { WhatIfPage } from './WhatIf.tsx';

// The dashboard brings ECharts: loaded only by those who open it, not by phones on a weak signal.
const LeaderPage = lazy(() => import('./Leader.tsx').then((m) => ({ default: m.LeaderPage })));

const TABS = ['dashboard', 'whatIf'] as const;
type Tab = (typeof TABS)[number];

/** A leader's pages: the dashboard (领导驾驶舱) and the what-if replay (假设分析). */
export function LeaderTabs({ api, me }: { api: ApiClient; me: Me }) {
  const { t } = useI18n();
  const [tab, setTab] = useState<Tab>('dashboard');
  return (
    <>
      <div className="tabs leader-tabs" role="tablist">
        {TABS.map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            aria-selected={name === tab}
            className={`tab${name === tab ? ' tab-active' : ''}`}
            onClick={() => setTab(name)}
            data-tab={name}
          >
            {t(`leaderTab.${name}`)}
          </button>
        ))}
      </div>
      {tab === 'dashboard' && (
        <Suspense fallback={<p className="loading">{t('app.loading')}</p>}>
          <LeaderPage api={api} me={me} />
        </Suspense>
      )}
      {tab === 'whatIf' && <WhatIfPage api={api} me={me} />}
    </>
  );
}
