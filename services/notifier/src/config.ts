import { fileURLToPath } from 'node:url';
import { TokenConfig } from '@gridgov/auth';
import { BaselineConfig, CommonConfig, HttpConfig, StreamConfig } from '@gridgov/config';
import { z } from 'zod';

const DEMO_DIRECTORY = fileURLToPath(new URL('../../../data/directory/xinhui.json', import.meta.url));

/** "22:00-07:00" → minutes of the day [from, to); empty: no quiet hours. */
const QuietHours = z
  .string()
  .regex(/^$|^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'quiet hours are HH:MM-HH:MM (Asia/Shanghai), or empty for none')
  .transform((s) => {
    if (s === '') return undefined;
    const [from, to] = s.split('-').map((t) => {
      const [h, m] = t.split(':').map(Number);
      return h! * 60 + m!;
    });
    return { fromMinute: from!, toMinute: to! };
  });

export const NotifierConfig = CommonConfig.extend(HttpConfig.omit({ PORT: true }).shape)
  .extend(TokenConfig.shape)
  .extend(StreamConfig.shape)
  .extend(BaselineConfig.shape)
  .extend({
    NOTIFIER_PORT: z.coerce
      .number()
      .int()
      .min(0)
      .max(65535)
      .default(8083)
      .describe("The notifier's HTTP port (inbox API, SSE, directory)."),
    NOTIFIER_GROUP_ID: z.string().min(1).default('notifier').describe('Consumer group of grid.notifications (after TOPIC_PREFIX).'),
    NOTIFIER_SESSION_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(6_000)
      .max(300_000)
      .default(10_000)
      .describe(
        "How long the group waits for a silent notifier before giving its partitions to another (a killed one's are redelivered after this), in ms.",
      ),
    DIRECTORY_FILE: z
      .string()
      .min(1)
      .default(DEMO_DIRECTORY)
      .describe(
        'The directory of people (id, role, areas, department, phone, channels) and webhooks, JSON; PUT /v1/directory replaces it until the next start.',
      ),
    WEBHOOK_SECRET: z
      .string()
      .min(32, 'WEBHOOK_SECRET has at least 32 characters')
      .optional()
      .describe('Key webhooks are signed with (HMAC-SHA256 over `timestamp.body`); required when the directory has webhooks.'),
    WEBHOOK_MAX_ATTEMPTS: z.coerce
      .number()
      .int()
      .min(1)
      .max(20)
      .default(6)
      .describe('Tries of one webhook delivery before it goes to grid.dlq with the reason.'),
    WEBHOOK_BACKOFF_MS: z.coerce
      .number()
      .int()
      .min(10)
      .max(60_000)
      .default(500)
      .describe('First wait between webhook tries, in ms; doubled after each failure.'),
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000).describe('How long one webhook POST may take, in ms.'),
    SMS_API_URL: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('Generic HTTP SMS API the SMS channel POSTs to ({ phone, text, outId } JSON); unset: SMS are not sent.'),
    SMS_API_TOKEN: z.string().min(1).optional().describe('Bearer token for SMS_API_URL, when it wants one.'),
    SMS_LIMIT_PER_NUMBER: z.coerce
      .number()
      .int()
      .min(1)
      .default(5)
      .describe('SMS one phone number may receive per SMS_LIMIT_WINDOW_MS; more wait for the next window.'),
    SMS_LIMIT_WINDOW_MS: z.coerce.number().int().min(1000).default(3_600_000).describe('Window of the per-number SMS limit, in ms.'),
    SMS_QUIET_HOURS: QuietHours.prefault('22:00-07:00').describe(
      'No SMS in these hours, Asia/Shanghai (HH:MM-HH:MM; empty for none): non-urgent SMS wait until they end, very urgent cases are sent.',
    ),
    SMS_POLL_MS: z.coerce.number().int().min(20).max(60_000).default(1_000).describe('How often deferred SMS are looked at, in ms.'),
  });
export type NotifierConfig = z.infer<typeof NotifierConfig>;
