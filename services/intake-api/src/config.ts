import { CommandSigningKey, TokenConfig } from '@gridgov/auth';
import { BaselineConfig, CommonConfig, EncryptionConfig, HttpConfig } from '@gridgov/config';
import { Instant } from '@gridgov/contracts';
import { z } from 'zod';

export const IntakeConfig = CommonConfig.extend(HttpConfig.shape)
  .extend(TokenConfig.shape)
  .extend(EncryptionConfig.shape)
  .extend(BaselineConfig.shape)
  .extend({
    ADMIN_IMPORT_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(64 * 1024)
      .max(256 * 1024 * 1024)
      .default(50 * 1024 * 1024)
      .describe("Largest body of an admin's configuration change (an area tree import), in bytes: beyond it 413 BODY_TOO_LARGE."),
    COMMAND_SIGNING_KEY: CommandSigningKey.describe(
      'Key every command envelope is signed with (HMAC-SHA256, ADR 0006); the dispatch worker holds the same.',
    ),
    PRODUCE_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(30_000)
      .default(1_500)
      .describe(
        "Longest a command waits for Kafka's acknowledgement (acks=all) before the caller hears 503 KAFKA_UNAVAILABLE with Retry-After, in ms.",
      ),
    MAX_OUTCOME_WAIT_MS: z.coerce
      .number()
      .int()
      .min(0)
      .max(30_000)
      .default(10_000)
      .describe('Longest wait a caller may ask of GET /v1/commands/:id?waitMs=.'),
    REPORT_MAX_AHEAD_S: z.coerce
      .number()
      .int()
      .min(0)
      .max(86_400)
      .default(300)
      .describe(
        "How far past the intake's clock a report's occurredAt or reportedAt may be, in seconds (a phone's clock running fast); later is refused 400.",
      ),
    REPORT_TIME_FLOOR: Instant.default('2020-01-01T00:00:00+08:00').describe(
      'The earliest occurredAt or reportedAt a report may name (ISO-8601 with an offset); earlier is refused 400.',
    ),
    BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(64 * 1024)
      .describe('Largest request body accepted, in bytes.'),
    S3_ENDPOINT: z
      .url()
      .optional()
      .describe(
        'The S3 API the photos are stored through (s3proxy locally, MinIO, OSS, COS…; ADR 0021). Unset: POST /v1/photos answers 503 PHOTO_STORE_UNAVAILABLE.',
      ),
    S3_REGION: z.string().min(1).default('us-east-1').describe('Region named in the S3 signatures.'),
    S3_BUCKET: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/)
      .default('gridgov-photos')
      .describe('Bucket of the photos (it must exist): pending/<key> until a command names them, then cases/<key>.'),
    S3_ACCESS_KEY_ID: z.string().min(1).optional().describe('S3 access key; required with S3_ENDPOINT.'),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional().describe('S3 secret key; required with S3_ENDPOINT.'),
    S3_FORCE_PATH_STYLE: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true')
      .describe('Address the bucket in the path (s3proxy, MinIO) rather than as a host name (false for OSS, COS).'),
    PHOTO_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .max(50 * 1024 * 1024)
      .default(8 * 1024 * 1024)
      .describe('Largest photo accepted by POST /v1/photos, in bytes (the phone scales photos to 1600 px first).'),
    PHOTO_MAX_PENDING: z.coerce
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(30)
      .describe('Photos one user may have uploaded and not yet named in a command (a command takes at most 9).'),
    PHOTO_PENDING_TTL_S: z.coerce
      .number()
      .int()
      .min(60)
      .default(24 * 3600)
      .describe('How long an uploaded photo waits for a command that names it before the janitor deletes it, in s.'),
    OPEN311_CLIENTS_FILE: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The citizen apps that may POST Open311 requests (JSON {clients: [{id, name, keySha256, requestsPerMinute}]}, ADR 0028; scripts/open311-client adds one). Unset: none may.',
      ),
    PHOTO_SWEEP_INTERVAL_MS: z.coerce
      .number()
      .int()
      .min(0)
      .default(60_000)
      .describe('How often the photo janitor moves photos of accepted commands to cases/ and deletes orphans, in ms; 0 turns it off.'),
  });
export type IntakeConfig = z.infer<typeof IntakeConfig>;
