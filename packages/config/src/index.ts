import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The 新会区 area tree kept in the repository (`data/areas/xinhui.json`). */
const XINHUI_AREAS_FILE = fileURLToPath(new URL('../../../data/areas/xinhui.json', import.meta.url));

export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG';
  constructor(readonly issues: readonly string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
  }
}

/** Parses the environment once, at the entrypoint; every problem is named by its variable. */
export function parseConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
}

const hostPort = /^[A-Za-z0-9.-]+:\d{1,5}$/;

/** Variables every service shares. */
export const CommonConfig = z.object({
  KAFKA_BROKERS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(hostPort, 'each broker is host:port')).min(1))
    .describe('Comma-separated Kafka bootstrap brokers, host:port (use 127.0.0.1, not localhost).'),
  KAFKA_USERNAME: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'a principal name: letters, digits, ".", "_", "-"')
    .optional()
    .describe(
      "The service's own Kafka principal (SASL/SCRAM-SHA-256, ADR 0017); with KAFKA_PASSWORD. Unset: no login (a broker without SASL).",
    ),
  KAFKA_PASSWORD: z.string().min(1).optional().describe("The password of KAFKA_USERNAME (a secret of the stack's, this service's only)."),
  TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/)
    .default('')
    .describe('Prefix put in front of every topic and consumer group name (tests use their own).'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).describe('Redis connection URL, e.g. redis://127.0.0.1:6379/0.'),
  KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/)
    .default('grid')
    .describe('Prefix of every Redis key this deployment writes (tests use their own).'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level.'),
  METRICS_TOKEN: z
    .string()
    .min(16, 'METRICS_TOKEN is at least 16 characters')
    .optional()
    .describe(
      'Bearer token GET /metrics wants (Prometheus `authorization` scrape setting); unset: /metrics is open to whoever reaches the port (ADR 0026).',
    ),
  CLOCK_SOURCE: z
    .enum(['system', 'redis'])
    .default('system')
    .describe('Where time comes from: the system clock, or (tests, demos) an instant kept in Redis at <KEY_PREFIX>:clock.'),
  CLOCK_REDIS_URL: z
    .url({ protocol: /^rediss?$/ })
    .optional()
    .describe(
      'With CLOCK_SOURCE=redis: a Redis of its own for the clock (tests that wipe REDIS_URL keep their time); REDIS_URL when unset.',
    ),
  AREAS_FILE: z
    .string()
    .min(1)
    .default(XINHUI_AREAS_FILE)
    .describe(
      "The area tree of configuration version 0 (JSON, validated by the domain's AreaData): by default the repository's 新会区 tree; data/areas/luan.json is the 六安-like 金安区 (docs/areas.md). Admins change it at runtime on grid.config (ADR 0024).",
    ),
});
export type CommonConfig = z.infer<typeof CommonConfig>;

/**
 * The Kafka login of a parsed config (KAFKA_USERNAME and KAFKA_PASSWORD, both or neither): what createKafka and
 * KafkaProbe are given. One without the other is refused at start, naming both.
 */
export function kafkaLogin(config: {
  readonly KAFKA_USERNAME?: string | undefined;
  readonly KAFKA_PASSWORD?: string | undefined;
}): { username: string; password: string } | undefined {
  const { KAFKA_USERNAME: username, KAFKA_PASSWORD: password } = config;
  if (username === undefined && password === undefined) return undefined;
  if (username === undefined || password === undefined) {
    throw new ConfigError(['KAFKA_USERNAME, KAFKA_PASSWORD: set both (a SASL/SCRAM login) or neither']);
  }
  return { username, password };
}

/** Variables of the services that seal or open personal data, or name people by pseudonym (ADR 0016). */
export const EncryptionConfig = z.object({
  KEK_FILE: z
    .string()
    .min(1)
    .describe(
      'The key-encryption keys (JSON: {"current": kid, "keys": {kid: 32 bytes base64url}}) that wrap each case\'s data key; ' +
        'scripts/dev-secrets writes .local/kek.json. Rotation: add a key and make it current, keep the old ones.',
    ),
  PSEUDONYM_SECRET: z
    .string()
    .min(32, 'at least 32 characters')
    .describe(
      'Secret of the keyed pseudonyms (HMAC-SHA256) that name reporters and command issuers on the log and in Redis, and derive incident ids; the same for intake-api and dispatch-worker.',
    ),
});
export type EncryptionConfig = z.infer<typeof EncryptionConfig>;

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** How long an HTTP server waits on a client, in ms: every server of the stack is given all four. */
export interface HttpTimeouts {
  /** The whole request (headers and body) must arrive within this; else 408 and the connection is closed. */
  readonly requestMs: number;
  /** The request's headers must arrive within this. */
  readonly headersMs: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveMs: number;
  /** A connection on which nothing moves for this long is closed (above the longest long poll and stream keep-alive). */
  readonly idleMs: number;
}

/** The timeouts of every HTTP server (intake, projection, console, the worker's health port). */
export const HttpTimeoutConfig = z.object({
  HTTP_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(500)
    .max(300_000)
    .default(30_000)
    .describe('Longest time a client may take to send a whole request, headers and body; then 408 and the connection is closed.'),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(500)
    .max(300_000)
    .default(10_000)
    .describe('Longest time a client may take to send the request headers (at most HTTP_REQUEST_TIMEOUT_MS).'),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(300_000)
    .default(5_000)
    .describe('How long an idle keep-alive connection is kept open after its last answer.'),
  HTTP_IDLE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(3_600_000)
    .default(60_000)
    .describe(
      "A connection on which nothing is sent or received for this long is closed; above the longest outcome wait (30 s) and the streams' keep-alive (15 s).",
    ),
});
export type HttpTimeoutConfig = z.infer<typeof HttpTimeoutConfig>;

/** The timeouts a service's configuration asks for. */
export function httpTimeoutsFrom(config: HttpTimeoutConfig): HttpTimeouts {
  return {
    requestMs: config.HTTP_REQUEST_TIMEOUT_MS,
    headersMs: Math.min(config.HTTP_HEADERS_TIMEOUT_MS, config.HTTP_REQUEST_TIMEOUT_MS),
    keepAliveMs: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    idleMs: config.HTTP_IDLE_TIMEOUT_MS,
  };
}

/** Variables of a service that listens for HTTP. */
export const HttpConfig = HttpTimeoutConfig.extend({
  HOST: z.string().default('127.0.0.1').describe('Address to listen on.'),
  PORT: z.coerce.number().int().min(0).max(65535).describe('Port to listen on (0 picks a free one).'),
  HTTP_LISTEN_BACKLOG: z.coerce
    .number()
    .int()
    .min(1)
    .max(65535)
    .default(4096)
    .describe(
      "How many connections the kernel holds for the server before it accepts them (the listen backlog; the kernel caps it at net.core.somaxconn, 4096 on current Linux). Node's own 511 overflowed when many phones connected at once to a busy intake: their connection attempts were dropped and retried seconds later, and some were reset.",
    ),
  RATE_LIMIT_WINDOW_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(3_600_000)
    .default(60_000)
    .describe('Length of a rate-limit window, in ms (counted in Redis, so the limits hold across instances).'),
  RATE_LIMIT_PER_USER: z.coerce
    .number()
    .int()
    .min(0)
    .default(600)
    .describe('Requests one user (token subject) may make per window; 0 turns the limit off.'),
  RATE_LIMIT_PER_IP: z.coerce
    .number()
    .int()
    .min(0)
    .default(3000)
    .describe("Requests one client IP may make per window (many phones share a carrier's address); 0 turns the limit off."),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((s) =>
      s
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/ }).or(z.literal('*'))))
    .describe('Origins allowed to call from a browser, comma-separated (e.g. https://dashboard.example.gov.cn); empty: none.'),
  TRUST_PROXY: flag
    .default(false)
    .describe('Behind a reverse proxy: take the client IP from X-Forwarded-For (true) or the socket (false).'),
});
export type HttpConfig = z.infer<typeof HttpConfig>;

/**
 * A process's old-generation growth in percent (V8's --heap-growing-percent, set at start by `limitHeapGrowth` of
 * @gridgov/runtime), 0–400, 100 unless set; 0 leaves V8's own factor.
 */
export const HeapGrowingPercent = z.coerce.number().int().min(0).max(400).default(100);

/** The per-user cap on open live streams (server-sent events) of a service, counted over its instances (ADR 0020). */
export const StreamConfig = z.object({
  STREAMS_PER_USER: z.coerce
    .number()
    .int()
    .min(1)
    .max(1_000)
    .default(10)
    .describe(
      "Live streams (the projection's figures, the notifier's inbox) one user may hold open at once on one service, counted over every instance of it (429 TOO_MANY_STREAMS beyond).",
    ),
  STREAM_SLOT_LEASE_MS: z.coerce
    .number()
    .int()
    .min(3_000)
    .max(3_600_000)
    .default(60_000)
    .describe(
      "How long an open stream's slot is held without renewal (ms; renewed every third of it): how soon the slots of an instance that died free up.",
    ),
});
export type StreamConfig = z.infer<typeof StreamConfig>;

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

/**
 * The deployment's files and settings that make configuration version 0 (ADR 0024): what every service holds until
 * grid.config has a change of that kind. Every service reads them, so that every instance agrees on version 0.
 */
export const BaselineConfig = z.object({
  RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(1)
    .max(36_500)
    .optional()
    .describe(
      'Days after a case is closed or rejected that its personal data is erased (crypto-shredding, ADR 0016); unset: kept until an admin erases it.',
    ),
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
export type BaselineConfig = z.infer<typeof BaselineConfig>;
