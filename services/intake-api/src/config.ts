import { CommandSigningKey, TokenConfig } from '@gridgov/auth';
import { CommonConfig, HttpConfig } from '@gridgov/config';
import { z } from 'zod';

export const IntakeConfig = CommonConfig.extend(HttpConfig.shape)
  .extend(TokenConfig.shape)
  .extend({
    /** Key every command envelope is signed with (HMAC-SHA256, ADR 0006); the dispatch worker holds the same. */
    COMMAND_SIGNING_KEY: CommandSigningKey,
    /**
     * Longest a command waits for Kafka's acknowledgement (acks=all) before the caller hears 503
     * KAFKA_UNAVAILABLE with Retry-After, in ms.
     */
    PRODUCE_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(1_500),
    /** Longest wait a caller may ask of GET /v1/commands/:id?waitMs=. */
    MAX_OUTCOME_WAIT_MS: z.coerce.number().int().min(0).max(30_000).default(10_000),
    /** Largest request body accepted, in bytes. */
    BODY_LIMIT_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(64 * 1024),
  });
export type IntakeConfig = z.infer<typeof IntakeConfig>;
