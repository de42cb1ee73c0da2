import { CommandSigningKey, EventSignaturesFrom, EventSigningKey, EventVerifyKeys } from '@gridgov/auth';
import { CommonConfig, EncryptionConfig, HttpTimeoutConfig } from '@gridgov/config';
import { z } from 'zod';

const fraction = z.number().gt(0).lt(1);

/** A duration as "<amount> <unit>", e.g. "2 working_hours", "1 working_days", "30 natural_minutes". */
const DurationText = z
  .string()
  .regex(
    /^\d+ (working_hours|working_days|natural_hours|natural_minutes)$/,
    'a duration is "<amount> <working_hours|working_days|natural_hours|natural_minutes>"',
  )
  .transform((s) => {
    const [amount, unit] = s.split(' ') as [string, 'working_hours' | 'working_days' | 'natural_hours' | 'natural_minutes'];
    return { unit, amount: Number(amount) };
  })
  .refine((d) => d.amount > 0, 'a duration is more than 0');

export const WorkerConfig = CommonConfig.extend(HttpTimeoutConfig.shape).extend({
  ...EncryptionConfig.shape,
  RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(36_500)
    .optional()
    .describe(
      'Days after a case is closed or rejected that its personal data is erased (crypto-shredding, ADR 0016); unset: kept until an admin erases it.',
    ),
  HOST: z.string().default('127.0.0.1').describe("Address of the worker's health port (/healthz, /readyz)."),
  WORKER_PORT: z.coerce
    .number()
    .int()
    .min(0)
    .max(65535)
    .default(3003)
    .describe("Port of the worker's health port (/healthz, /readyz); 0 picks a free one."),
  COMMAND_SIGNING_KEY: CommandSigningKey.describe(
    'Key the intake signs command envelopes with (HMAC-SHA256, ADR 0006); a command it did not sign goes to the DLQ.',
  ),
  COMMAND_SIGNING_PREVIOUS_KEYS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .pipe(z.array(CommandSigningKey))
    .describe('Keys being rotated out, comma-separated: envelopes signed with them are still believed meanwhile.'),
  COMMAND_MAX_AGE_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(86_400_000)
    .default(300_000)
    .describe(
      'Longest time from the intake signing a command to its landing on grid.commands (broker append time), in ms: a command older than that is refused (COMMAND_EXPIRED), a replay (ADR 0019).',
    ),
  EVENT_SIGNING_KEY: EventSigningKey.describe(
    "The worker's private Ed25519 key for grid.events, base64url of its 32 bytes (ADR 0019): only the worker has it. `bash scripts/dev-secrets` writes one.",
  ),
  EVENT_VERIFY_KEYS: EventVerifyKeys.default([]).describe(
    "Public keys whose event signatures a restore believes besides this worker's own (keys being rotated out), comma-separated, base64url; `import:<key>` for `pnpm import-cases`'s key (IncidentImported events only, ADR 0030).",
  ),
  EVENT_SIGNATURES_FROM: EventSignaturesFrom.describe(
    'For a log written before events were signed: `<partition>:<offset>,…` of grid.events, from which on each partition every event must be signed (the offsets the log had reached when the signing worker first ran); below them events are believed unsigned. Empty: all must be (ADR 0019).',
  ),
  WORKER_GROUP_ID: z
    .string()
    .min(1)
    .default('dispatch-worker')
    .describe('Consumer group of the dispatch workers (prefixed with TOPIC_PREFIX).'),
  WORKER_PARTITIONS_CONCURRENTLY: z.coerce
    .number()
    .int()
    .min(1)
    .max(64)
    .default(4)
    .describe('How many partitions one worker handles at once.'),
  WORKER_SESSION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(6_000)
    .max(300_000)
    .default(10_000)
    .describe('How soon a worker that died silently loses its partitions to the others, in ms.'),
  TIMER_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(250).describe('How often due deadline timers are looked for, in ms.'),
  ROUTING_RULES_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('Routing overrides, category × area → department (JSON, as data/routing/xinhui-rules.json); none when unset.'),
  HOLIDAYS_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('Public holidays and make-up working days (JSON, as data/calendars/cn-public-holidays.json).'),
  OFFICE_HOURS: z
    .string()
    .regex(/^\d{2}:\d{2}-\d{2}:\d{2}(,\d{2}:\d{2}-\d{2}:\d{2})*$/, 'office hours are HH:MM-HH:MM[,HH:MM-HH:MM...]')
    .default('08:30-12:00,14:30-17:30')
    .transform((s) => s.split(',').map((p) => ({ start: p.slice(0, 5), end: p.slice(6, 11) })))
    .describe('Office hours of a working day, local time: "08:30-12:00,14:30-17:30".'),
  DEADLINE_DISPATCH: DurationText.prefault('2 working_hours').describe(
    'Time a dispatcher has to dispatch a case no route could (派遣时限).',
  ),
  DEADLINE_SIGN_FOR: DurationText.prefault('2 working_hours').describe('Time a department has to sign for a case (签收时限).'),
  DEADLINE_VERIFICATION: DurationText.prefault('1 working_days').describe('Time grid staff have to verify a resolved case (核查时限).'),
  ESCALATION_EVERY: DurationText.prefault('1 working_days').describe(
    'After the handling deadline, each further period overdue escalates one level.',
  ),
  WARNING_FRACTIONS: z
    .string()
    .default('0.5,0.8')
    .transform((s) => s.split(',').map((x) => Number(x.trim())))
    .pipe(z.array(fraction).refine((a) => a.every((x, i) => i === 0 || x > a[i - 1]!), 'warning fractions ascend'))
    .describe('Fractions of a stage\'s time at which the assignee is warned: "0.5,0.8".'),
});
export type WorkerConfig = z.infer<typeof WorkerConfig>;
