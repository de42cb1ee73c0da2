import type { MessageKey, Translate } from './i18n/translate.ts';

const STATUSES = ['reported', 'dispatched', 'returned', 'accepted', 'resolved', 'closed', 'rejected', 'merged'] as const;
type KnownStatus = (typeof STATUSES)[number];

const isKnown = (status: string): status is KnownStatus => (STATUSES as readonly string[]).includes(status);

/** A case's status in words (已合并 for a report merged into another); a status this console does not know, as it is. */
export function statusLabel(status: string, t: Translate): string {
  return isKnown(status) ? t(`status.${status}` satisfies MessageKey) : status;
}
