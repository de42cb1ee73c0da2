/**
 * Adds a citizen app to an Open311 clients file (OPEN311_CLIENTS_FILE, ADR 0028) and prints its new api_key once:
 * the file keeps only the key's SHA-256. Give the key to the app; it cannot be read back.
 *
 *   pnpm -s open311-client --id citizen-app --name 市民随手拍 [--per-minute 60] [--file .local/open311-clients.json]
 *
 * An id already in the file gets a new key (the old one stops working).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Open311Client, Open311ClientsFile, sha256Hex } from '../clients.ts';

const { values } = parseArgs({
  options: {
    id: { type: 'string' },
    name: { type: 'string' },
    'per-minute': { type: 'string', default: '60' },
    file: { type: 'string', default: '.local/open311-clients.json' },
  },
});

function fail(message: string): never {
  process.stderr.write(`open311-client: ${message}\n`);
  process.exit(2);
}

const file = values.file;
const existing = existsSync(file)
  ? Open311ClientsFile.safeParse(JSON.parse(readFileSync(file, 'utf8')))
  : { success: true as const, data: { clients: [] } };
if (!existing.success) fail(`${file}: ${existing.error.issues[0]?.message ?? 'not a clients file'}`);
const apiKey = `o311_${randomBytes(24).toString('base64url')}`;
const client = Open311Client.safeParse({
  id: values.id,
  name: values.name ?? values.id,
  keySha256: sha256Hex(apiKey),
  requestsPerMinute: Number(values['per-minute']),
});
if (!client.success) fail(client.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; '));
const clients = [...existing.data.clients.filter((c) => c.id !== client.data.id), client.data];
// Written whole and renamed: an intake reading it at start never sees half a file.
writeFileSync(`${file}.tmp`, `${JSON.stringify({ clients }, null, 2)}\n`, { mode: 0o600 });
renameSync(`${file}.tmp`, file);
process.stdout.write(`${apiKey}\n`);
process.stderr.write(`open311-client: ${client.data.id} in ${file}; its api_key is printed above, once\n`);
