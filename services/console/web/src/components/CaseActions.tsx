import { useState, type FormEvent } from 'react';
import type { IncidentView } from '../api/types.ts';
import { useCatalog } from '../catalog.ts';
import { useI18n } from '../i18n/context.tsx';

/** The dispatcher's actions on a case, each a command route of intake-api. */
export type ActionName = 'dispatch' | 'reassign' | 'approveExtension' | 'denyExtension' | 'escalate';

export const ACTION_ROUTES: Readonly<Record<ActionName, string>> = {
  dispatch: 'dispatch',
  reassign: 'reassign',
  approveExtension: 'extension-requests/approve',
  denyExtension: 'extension-requests/deny',
  escalate: 'escalate',
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
  return actions;
}

const needsDepartment = (a: ActionName) => a === 'dispatch' || a === 'reassign';
const needsReason = (a: ActionName) => a === 'reassign' || a === 'denyExtension' || a === 'escalate';

/** The body of the command: the department and the reason, as the action takes them. */
export function actionBody(action: ActionName, department: string, reason: string): Record<string, string> {
  return {
    ...(needsDepartment(action) ? { department } : {}),
    ...(needsReason(action) ? { reason } : {}),
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
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit(actionBody(action, department, reason));
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
      <button type="submit" className="primary">
        {t('action.submit')}
      </button>
      <button type="button" onClick={onCancel}>
        {t('action.cancel')}
      </button>
    </form>
  );
}
