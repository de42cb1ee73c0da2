import { CommandSigningKey, TokenConfig } from '@gridgov/auth';
import { CommonConfig, EncryptionConfig, HttpConfig } from '@gridgov/config';
import { Instant } from '@gridgov/contracts';
import { z } from 'zod';

export const IntakeConfig = CommonConfig.extend(HttpConfig.shape)
  .extend(TokenConfig.shape)
  .extend(EncryptionConfig.shape)
  .extend({
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
  });
export type IntakeConfig = z.infer<typeof IntakeConfig>;
