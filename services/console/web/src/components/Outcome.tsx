import { ApiError, type ApiClient } from '../api/client.ts';
import type { CommandOutcome } from '../api/types.ts';
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
