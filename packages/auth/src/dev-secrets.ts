import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where `scripts/up` keeps the local stack's generated secrets (never committed: .local/ is ignored). */
export const DEV_SECRETS_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../.local/secrets.env');

/** The KEY=value lines of a secrets file, or an empty record when there is none. */
export function readDevSecrets(file: string = DEV_SECRETS_FILE): Record<string, string> {
  if (!existsSync(file)) return {};
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
    if (match) out[match[1]!] = match[2]!.trim().replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}
