import { HttpTimeoutConfig } from '@gridgov/config';
import { z } from 'zod';

const httpUrl = z
  .url({ protocol: /^https?$/ })
  .transform((s) => s.replace(/\/+$/, ''))
  .describe('an http(s) base URL');

/** The console's environment: where it listens, where its static files are, which APIs the browser calls. */
export const ConsoleConfig = HttpTimeoutConfig.extend({
  HOST: z.string().default('127.0.0.1').describe('Address to listen on.'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3002).describe('Port to listen on (0 picks a free one).'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level.'),
  STATIC_DIR: z
    .string()
    .min(1)
    .optional()
    .describe("The built site (`pnpm --filter @gridgov/console build`); default: this package's dist/static."),
  INTAKE_URL: httpUrl
    .default('http://127.0.0.1:3000')
    .describe("Base URL of intake-api as the browser reaches it (its CORS_ORIGINS must hold the console's origin)."),
  PROJECTION_URL: httpUrl
    .default('http://127.0.0.1:3001')
    .describe("Base URL of projection as the browser reaches it (its CORS_ORIGINS must hold the console's origin)."),
  NOTIFIER_URL: httpUrl
    .default('http://127.0.0.1:8083')
    .describe("Base URL of the notifier (inbox, bell) as the browser reaches it (its CORS_ORIGINS must hold the console's origin)."),
});
export type ConsoleConfig = z.infer<typeof ConsoleConfig>;
