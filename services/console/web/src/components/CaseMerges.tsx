import { useState, type ReactNode } from 'react';
import type { ApiClient } from '../api/client.ts';
import { duplicateFacts, type IncidentView, type Me } from '../api/types.ts';
import { localTime, shortId } from '../format.ts';
import { useI18n } from '../i18n/context.tsx';
import { casePath } from '../session.ts';
import { statusLabel } from '../status.ts';
import { ACTION_ROUTES } from './CaseActions.tsx';
import { OutcomeText, sendCommand, type Outcome } from './Outcome.tsx';
import { useLoad } from './useLoad.ts';

/** Statuses after which nothing is merged into a case, and no merge into it is undone. */
const OVER = new Set(['closed', 'rejected', 'merged']);

type MergeAction = 'merge' | 'unmerge';

/**
 * 合并 on the case detail: the case this one was merged into (已合并到), the reports merged into this one (合并的上报),
 * and for a report still waiting for dispatch, the open cases the intake proposed it repeats. A dispatcher merges it
 * into one of them (合并到此案件) and undoes a merge (撤销合并) while the surviving case is open; the API judges again.
 */
export function CaseMerges({
  api,
  me,
  view,
  onOpenCase,
  onChanged,
}: {
  api: ApiClient;
  me: Me;
  view: IncidentView;
  onOpenCase: (incidentId: string) => void;
  onChanged: () => void;
}) {
  const { t } = useI18n();
  const facts = duplicateFacts(view);
  const dispatcher = me.actor.role === 'dispatcher';
  const [outcome, setOutcome] = useState<Outcome<MergeAction> | undefined>();

  /** Merge (this case into `into`) or undo a merge (of `duplicate`); the page reloads once the worker took it. */
  const act = async (action: MergeAction, duplicate: string, body: Record<string, string>) => {
    setOutcome({ state: 'sending', action });
    const result = await sendCommand(api, duplicate, action, ACTION_ROUTES[action], body);
    setOutcome(result);
    if (result.state === 'accepted') onChanged();
  };
  const busy = outcome?.state === 'sending';
  const waitsForDispatch = view.status === 'reported' || view.status === 'returned';
  const proposals = waitsForDispatch ? facts.possibleDuplicateOf : [];

  if (!facts.mergedInto && facts.mergedDuplicates.length === 0 && proposals.length === 0 && !outcome) return null;
  return (
    <div className="card case-merges" data-testid="case-merges">
      {facts.mergedInto && (
        <p data-testid="merged-into">
          {t('dup.mergedIntoLink')} <CaseLink incidentId={facts.mergedInto} onOpenCase={onOpenCase} />
        </p>
      )}
      {facts.mergedInto && dispatcher && facts.merged && (
        <SurvivorOpen api={api} incidentId={facts.mergedInto}>
          <button type="button" data-testid="unmerge" disabled={busy} onClick={() => void act('unmerge', view.incidentId, {})}>
            {t('action.unmerge')}
          </button>
        </SurvivorOpen>
      )}
      {facts.mergedDuplicates.length > 0 && (
        <>
          <h2>{t('dup.mergedList')}</h2>
          <ul className="merged-list" data-testid="merged-duplicates">
            {facts.mergedDuplicates.map((id) => (
              <li key={id} data-incident={id}>
                <CaseLink incidentId={id} onOpenCase={onOpenCase} />
                {dispatcher && !OVER.has(view.status) && (
                  <button type="button" data-testid="unmerge" disabled={busy} onClick={() => void act('unmerge', id, {})}>
                    {t('action.unmerge')}
                  </button>
                )}
              </li>
            ))}
          </ul>
          {dispatcher && OVER.has(view.status) && <p className="muted">{t('dup.survivorClosed')}</p>}
        </>
      )}
      {proposals.length > 0 && (
        <>
          <h2>{t('dup.candidates')}</h2>
          <ul className="duplicate-candidates" data-testid="proposed-duplicates">
            {proposals.map((id) => (
              <li key={id} data-incident={id}>
                <CandidateFacts api={api} incidentId={id} onOpenCase={onOpenCase} />
                {dispatcher && (
                  <button
                    type="button"
                    className="primary"
                    data-testid="merge-here"
                    disabled={busy}
                    onClick={() => void act('merge', view.incidentId, { into: id })}
                  >
                    {t('dup.mergeHere')}
                  </button>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      {outcome && (
        <p className={`outcome outcome-${outcome.state}`} data-testid="merge-outcome" role="status">
          <OutcomeText outcome={outcome} what={t(`action.${outcome.action}`)} />
        </p>
      )}
    </div>
  );
}

/** A link to another case's detail, by its short id (the whole id in the title). */
function CaseLink({ incidentId, onOpenCase }: { incidentId: string; onOpenCase: (incidentId: string) => void }) {
  return (
    <a
      href={casePath(incidentId)}
      title={incidentId}
      data-testid="case-link"
      onClick={(e) => {
        e.preventDefault();
        onOpenCase(incidentId);
      }}
    >
      <code>{shortId(incidentId)}</code>
    </a>
  );
}

/** A proposed case: its link, its status and when it was reported, as the API shows it now. */
function CandidateFacts({ api, incidentId, onOpenCase }: { api: ApiClient; incidentId: string; onOpenCase: (id: string) => void }) {
  const { t, lang } = useI18n();
  const loaded = useLoad(incidentId, (signal) =>
    api.get<{ incident: IncidentView }>('intake', `/v1/incidents/${encodeURIComponent(incidentId)}`, signal),
  );
  const other = loaded.data?.incident;
  return (
    <>
      <CaseLink incidentId={incidentId} onOpenCase={onOpenCase} />{' '}
      {other && (
        <>
          <span className={`badge badge-status-${other.status}`}>{statusLabel(other.status, t)}</span>{' '}
          <small>{localTime(other.reportedAt, lang)}</small>
        </>
      )}
    </>
  );
}

/** Its children while the surviving case is open (a merge is undone only then); otherwise why not. */
function SurvivorOpen({ api, incidentId, children }: { api: ApiClient; incidentId: string; children: ReactNode }) {
  const { t } = useI18n();
  const loaded = useLoad(incidentId, (signal) =>
    api.get<{ incident: IncidentView }>('intake', `/v1/incidents/${encodeURIComponent(incidentId)}`, signal),
  );
  const survivor = loaded.data?.incident;
  if (!survivor) return null;
  return OVER.has(survivor.status) ? <p className="muted">{t('dup.survivorClosed')}</p> : <>{children}</>;
}
