import type { Notification } from '@gridgov/contracts';

/** What sends one SMS: answers when the gateway took it, throws why not. */
export interface SmsAdapter {
  send(message: { readonly phone: string; readonly text: string; readonly outId: string }): Promise<void>;
}

/**
 * A generic HTTP SMS API: POST { phone, text, outId } as JSON (bearer token when given). `outId` is the delivery id:
 * gateways that dedupe on a caller's id (most Chinese ones do: outId / 业务流水号) send a retried message once.
 */
export class HttpSmsAdapter implements SmsAdapter {
  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
    private readonly timeoutMs = 5_000,
  ) {}

  async send(message: { phone: string; text: string; outId: string }): Promise<void> {
    const response = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': message.outId,
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
      },
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`SMS API answered ${response.status}`);
  }
}

const SIGN = '【网格化管理】';

/** The SMS text of each notification kind: the sign, what it is, then the notification's own message. */
const TEMPLATES: Record<Notification['kind'], (message: string) => string> = {
  dispatched: (m) => `${SIGN}您有一件新的派遣任务，请及时签收处置。${m}`,
  warning: (m) => `${SIGN}您有一件案件即将超期，请抓紧办理。${m}`,
  overdue: (m) => `${SIGN}您有一件案件已超期，请尽快办理。${m}`,
  escalated: (m) => `${SIGN}您辖区有一件案件被督办，请关注。${m}`,
  returned: (m) => `${SIGN}您派遣的一件案件被退回，请重新派遣。${m}`,
  rework: (m) => `${SIGN}您处置的一件案件核查未通过，请返工。${m}`,
  resolved: (m) => `${SIGN}您有一件案件待核查，请前往现场核查。${m}`,
  closed: (m) => `${SIGN}您上报的问题已结案。${m}`,
};

export function smsText(n: Pick<Notification, 'kind' | 'message'>): string {
  return TEMPLATES[n.kind](n.message);
}

/** Asia/Shanghai has no daylight saving: UTC+8 all year. */
const SHANGHAI_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 24 * 3600_000;

export interface QuietHours {
  readonly fromMinute: number;
  readonly toMinute: number;
}

/** When quiet hours are on at `nowMs`, the instant they end; undefined when SMS may go now. */
export function quietUntil(quiet: QuietHours | undefined, nowMs: number): number | undefined {
  if (!quiet || quiet.fromMinute === quiet.toMinute) return undefined;
  const local = nowMs + SHANGHAI_OFFSET_MS;
  const dayStart = Math.floor(local / DAY_MS) * DAY_MS;
  const minute = Math.floor((local - dayStart) / 60_000);
  const { fromMinute, toMinute } = quiet;
  const wraps = fromMinute > toMinute; // 22:00-07:00
  const inQuiet = wraps ? minute >= fromMinute || minute < toMinute : minute >= fromMinute && minute < toMinute;
  if (!inQuiet) return undefined;
  const endToday = dayStart + toMinute * 60_000;
  const endLocal = endToday > local ? endToday : endToday + DAY_MS;
  return endLocal - SHANGHAI_OFFSET_MS;
}
