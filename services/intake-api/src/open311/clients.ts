import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Open311ClientId } from '@gridgov/contracts';
import { z } from 'zod';

/** One citizen app allowed to POST requests: its api_key is kept only as a SHA-256, never in clear. */
export const Open311Client = z
  .object({
    id: Open311ClientId.describe('Names the app on every case it reports (the case reads as reported by open311:<id>)'),
    name: z.string().min(1).max(100).describe("The app's name, for people"),
    keySha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'the SHA-256 of the api_key, 64 lower-case hex digits')
      .describe('SHA-256 (hex) of the api_key given to the app (scripts/open311-client makes one)'),
    requestsPerMinute: z.number().int().min(1).max(100_000).describe('Most POST requests.{format} per minute from this app'),
  })
  .strict();
export type Open311Client = z.infer<typeof Open311Client>;

export const Open311ClientsFile = z
  .object({ clients: z.array(Open311Client).max(1000) })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.clients.forEach((c, i) => {
      if (seen.has(c.id)) ctx.addIssue({ code: 'custom', path: ['clients', i, 'id'], message: `${c.id} is listed twice` });
      seen.add(c.id);
    });
  });
export type Open311ClientsFile = z.infer<typeof Open311ClientsFile>;

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The apps allowed to report, and which one an api_key is. */
export class Open311Clients {
  private readonly byHash: readonly { client: Open311Client; hash: Buffer }[];

  constructor(readonly clients: readonly Open311Client[]) {
    this.byHash = clients.map((client) => ({ client, hash: Buffer.from(client.keySha256, 'hex') }));
  }

  /** OPEN311_CLIENTS_FILE, validated: an error names the file and the field that is wrong. */
  static fromFile(path: string): Open311Clients {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`OPEN311_CLIENTS_FILE ${path}: not readable JSON (${(err as Error).message})`);
    }
    const parsed = Open311ClientsFile.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`OPEN311_CLIENTS_FILE ${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    return new Open311Clients(parsed.data.clients);
  }

  /** The app whose key this is, compared in constant time against every app's hash; undefined for any other key. */
  byKey(apiKey: string): Open311Client | undefined {
    const hash = createHash('sha256').update(apiKey, 'utf8').digest();
    let found: Open311Client | undefined;
    for (const entry of this.byHash) if (timingSafeEqual(entry.hash, hash)) found = entry.client;
    return found;
  }
}
