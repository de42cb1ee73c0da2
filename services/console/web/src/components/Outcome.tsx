import { useState } from 'react';
import { ApiError, type ApiClient } from '../api/client.ts';
import type { CommandOutcome, IncidentView } from '../api/types.ts';
import { useI18n } from '../i18n/context.tsx';

/** What became of the last action on a case, shown beside it (the dispatcher's and the handler's pages alike). */
export type Outcome<A extends string = string> =
  | { readonly state: 'sending'; readonly action: A }
  | { readonly state: 'accepted'; readonly action: A }
  | { readonly state: 'rejected'; readonly action: A; readonly message: string }
  | { readonly state: 'pending'; readonly action: A }
  | { readonly state: 'failed'; readonly action: A; readonly message: string };

/** Sends a command on a case (POST /v1/incidents/:id/<route>) and tells what became of it: never throws. */
export async function sendCommand<A extends string>(
  api: ApiClient,
  incidentId: string,
  action: A,
  route: string,
  body: unknown,
): Promise<Outcome<A>> {
  try {
    const answer: CommandOutcome = await api.command(incidentId, route, body);
    return answer.status === 'accepted'
      ? { state: 'accepted', action }
      : answer.status === 'rejected'
        ? { state: 'rejected', action, message: `${answer.message} (${answer.code})` }
        : { state: 'pending', action };
  } catch (err) {
    // A 409 judges the command itself (MERGE_REFUSED: a merge that cannot be, seen up front): a refusal, not a failure to send.
    if (err instanceof ApiError && err.status === 409) return { state: 'rejected', action, message: `${err.message} (${err.code})` };
    return { state: 'failed', action, message: err instanceof ApiError ? `${err.message} (${err.code})` : String(err) };
  }
}

/** An outcome in words; `what` names the action. */
export function OutcomeText({ outcome, what }: { outcome: Outcome; what: string }) {
  const { t } = useI18n();
  switch (outcome.state) {
    case 'sending':
      return <span>{t('action.sending')}</span>;
    case 'accepted':
      return (
        <span>
          ✓ {what}：{t('action.accepted')}
        </span>
      );
    case 'rejected':
      return (
        <span>
          ✗ {what}：{t('action.rejected', { message: outcome.message })}
        </span>
      );
    case 'pending':
      return <span>{t('action.pending')}</span>;
    case 'failed':
      return (
        <span>
          ✗ {what}：{t('action.failed', { message: outcome.message })}
        </span>
      );
    default: {
      const unknown: never = outcome;
      return <span>{String(unknown)}</span>;
    }
  }
}

/**
 * The actions a work list sends on its cases (the dispatcher's and the handler's pages): the form open on one case,
 * what became of each case's last action, and each case as the API shows it after an accepted action, so that its row
 * stays where it is, with its outcome, until the list is loaded again.
 */
export function useCaseActions<A extends string>(api: ApiClient, routes: Readonly<Record<A, string>>) {
  const [outcomes, setOutcomes] = useState<Readonly<Record<string, Outcome<A>>>>({});
  const [updated, setUpdated] = useState<Readonly<Record<string, IncidentView>>>({});
  const [open, setOpen] = useState<{ incidentId: string; action: A } | undefined>();

  const act = async (view: IncidentView, action: A, body: unknown) => {
    setOpen(undefined);
    const id = view.incidentId;
    setOutcomes((o) => ({ ...o, [id]: { state: 'sending', action } }));
    const outcome = await sendCommand(api, id, action, routes[action], body);
    setOutcomes((o) => ({ ...o, [id]: outcome }));
    if (outcome.state === 'accepted') {
      api.get<{ incident: IncidentView }>('intake', `/v1/incidents/${encodeURIComponent(id)}`).then(
        ({ incident }) => setUpdated((u) => ({ ...u, [id]: incident })),
        () => undefined,
      );
    }
  };

  return {
    outcomes,
    open,
    setOpen,
    act,
    /** How many actions were accepted: a key that counts the queues again after each (its outcome is answered once the lists hold it). */
    accepted: Object.values(outcomes).filter((o) => o.state === 'accepted').length,
    /** The case as it is now: as read after an accepted action, else as listed. */
    current: (view: IncidentView): IncidentView => updated[view.incidentId] ?? view,
    /** Forgets the outcomes and closes the form (a refresh, another queue). */
    reset: () => {
      setOutcomes({});
      setOpen(undefined);
    },
    /** Forgets the cases read after actions: a list loaded again holds them as they are. */
    listLoaded: () => setUpdated({}),
  };
}
