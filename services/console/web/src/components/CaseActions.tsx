import { useState, type FormEvent } from 'react';
import { useApi } from '../api/context.tsx';
import { duplicateFacts, type IncidentView } from '../api/types.ts';
import { useCatalog } from '../catalog.ts';
import { localTime, shortId } from '../format.ts';
import { useI18n } from '../i18n/context.tsx';
import { statusLabel } from '../status.ts';
import { useLoad } from './useLoad.ts';

/** The dispatcher's actions on a case, each a command route of intake-api. */
export type ActionName = 'dispatch' | 'reassign' | 'approveExtension' | 'denyExtension' | 'escalate' | 'merge' | 'unmerge';

export const ACTION_ROUTES: Readonly<Record<ActionName, string>> = {
  dispatch: 'dispatch',
  reassign: 'reassign',
  approveExtension: 'extension-requests/approve',
  denyExtension: 'extension-requests/deny',
  escalate: 'escalate',
  merge: 'merge',
  unmerge: 'unmerge',
};

const OPEN = new Set(['reported', 'returned', 'dispatched', 'accepted', 'resolved']);

/** What a case's state allows (the decider judges again: a stale row gets a rejection, shown as such). */
export function actionsFor(view: IncidentView): ActionName[] {
  const actions: ActionName[] = [];
  if (view.status === 'reported' || view.status === 'returned') actions.push('dispatch');
  if (view.status === 'dispatched' || view.status === 'accepted') actions.push('reassign');
  if (view.pendingExtension && (view.status === 'dispatched' || view.status === 'accepted'))
    actions.push('approveExtension', 'denyExtension');
  if (OPEN.has(view.status)) actions.push('escalate');
  // 合并 into one of the open cases the intake proposed, while the report still waits for dispatch.
  if ((view.status === 'reported' || view.status === 'returned') && duplicateFacts(view).possibleDuplicateOf.length > 0)
    actions.push('merge');
  return actions;
}

const needsDepartment = (a: ActionName) => a === 'dispatch' || a === 'reassign';
const needsReason = (a: ActionName) => a === 'reassign' || a === 'denyExtension' || a === 'escalate';
const needsTarget = (a: ActionName) => a === 'merge';
const takesNote = (a: ActionName) => a === 'merge' || a === 'unmerge';

/** The body of the command: the department, the reason, the case merged into and a note, as the action takes them. */
export function actionBody(action: ActionName, department: string, reason: string, into = '', note = ''): Record<string, string> {
  return {
    ...(needsDepartment(action) ? { department } : {}),
    ...(needsReason(action) ? { reason } : {}),
    ...(needsTarget(action) ? { into } : {}),
    ...(takesNote(action) && note.trim() ? { note: note.trim() } : {}),
  };
}

/** The form of one action: a department, a reason, or just a confirmation. The API judges what is sent. */
export function ActionForm({
  view,
  action,
  onSubmit,
  onCancel,
}: {
  view: IncidentView;
  action: ActionName;
  onSubmit: (body: Record<string, string>) => void;
  onCancel: () => void;
}) {
  const { t, lang } = useI18n();
  const catalog = useCatalog();
  const first = catalog.departments.find((d) => d.code !== view.department)?.code ?? '';
  const [department, setDepartment] = useState(action === 'dispatch' && view.department ? view.department : first);
  const [reason, setReason] = useState('');
  const candidates = duplicateFacts(view).possibleDuplicateOf;
  const [into, setInto] = useState(candidates[0] ?? '');
  const [otherCase, setOtherCase] = useState('');
  const [note, setNote] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit(actionBody(action, department, reason, otherCase.trim() || into, note));
  };
  return (
    <form className="action-form" onSubmit={submit} data-testid={`action-form-${action}`}>
      <strong>{t(`action.${action}`)}</strong>
      {needsDepartment(action) && (
        <label>
          {t('action.department')}
          <select name="department" value={department} onChange={(e) => setDepartment(e.target.value)}>
            {catalog.departments.map((d) => (
              <option key={d.code} value={d.code}>
                {catalog.departmentName(d.code, lang)}
              </option>
            ))}
          </select>
        </label>
      )}
      {needsReason(action) && (
        <label>
          {t('action.reason')}
          <input name="reason" value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} />
        </label>
      )}
      {needsTarget(action) && (
        <>
          <label>
            {t('action.into')}
            <select name="into" value={into} onChange={(e) => setInto(e.target.value)}>
              {candidates.map((id) => (
                <CandidateOption key={id} incidentId={id} />
              ))}
            </select>
          </label>
          <label>
            {t('action.intoOther')}
            <input name="intoOther" value={otherCase} onChange={(e) => setOtherCase(e.target.value)} maxLength={64} />
          </label>
        </>
      )}
      {takesNote(action) && (
        <label>
          {t('action.note')}
          <input name="note" value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} />
        </label>
      )}
      <button type="submit" className="primary">
        {t('action.submit')}
      </button>
      <button type="button" onClick={onCancel}>
        {t('action.cancel')}
      </button>
    </form>
  );
}

/** A case the report may be merged into, named by its short id, its status and its report time (as the API shows it now). */
function CandidateOption({ incidentId }: { incidentId: string }) {
  const { t, lang } = useI18n();
  const api = useApi();
  const loaded = useLoad(incidentId, (signal) =>
    api.get<{ incident: IncidentView }>('intake', `/v1/incidents/${encodeURIComponent(incidentId)}`, signal),
  );
  const view = loaded.data?.incident;
  return (
    <option value={incidentId}>
      {view
        ? t('dup.candidateLine', { id: shortId(incidentId), status: statusLabel(view.status, t), time: localTime(view.reportedAt, lang) })
        : shortId(incidentId)}
    </option>
  );
}
