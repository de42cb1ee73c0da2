import type { z } from 'zod';
import { ImportSigningKey } from '@gridgov/auth';
import { BaselineConfig, CommonConfig } from '@gridgov/config';

/** The environment of `pnpm import-cases` (docs/config.md). */
export const ImportConfig = CommonConfig.pick({
  KAFKA_BROKERS: true,
  KAFKA_USERNAME: true,
  KAFKA_PASSWORD: true,
  TOPIC_PREFIX: true,
  LOG_LEVEL: true,
  AREAS_FILE: true,
}).extend({
  // Version 0 of the configuration, as every service reads it (ADR 0024); the changes since come from grid.config.
  ...BaselineConfig.shape,
  // The importer's own private Ed25519 key (ADR 0030); readers hold its public half as `import:<key>` in EVENT_VERIFY_KEYS.
  IMPORT_SIGNING_KEY: ImportSigningKey.optional().describe(
    "The importer's private Ed25519 key, base64url of its 32 bytes (ADR 0030); readers believe it for IncidentImported events only (`import:<public key>` in their EVENT_VERIFY_KEYS). Needed unless --dry-run. `bash scripts/dev-secrets` writes one.",
  ),
});
export type ImportConfig = z.infer<typeof ImportConfig>;

/** Same for the dry run: no broker is needed. */
export const DryRunConfig = ImportConfig.partial({ KAFKA_BROKERS: true });
