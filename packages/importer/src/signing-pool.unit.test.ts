import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EVENT_SIGNATURE_HEADER, EventVerifier, generateEventSigningKey } from '@gridgov/auth';
import { afterAll, describe, expect, it } from 'vitest';
import { SigningPool } from './signing-pool.ts';

const key = generateEventSigningKey();
const dir = mkdtempSync(join(tmpdir(), 'gridgov-signing-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SigningPool', () => {
  it('signs on its threads what the projection verifies', async () => {
    const pool = new SigningPool(key.privateKey, 2);
    try {
      const records = [0, 1, 2].map((i) => ({ key: `case-${i}`, value: JSON.stringify({ i }), partition: i }));
      const signatures = await pool.sign('grid.events', records);
      const verifier = new EventVerifier([key.publicKey]);
      records.forEach((r, i) => {
        const record = { topic: 'grid.events', partition: r.partition, key: r.key, value: Buffer.from(r.value) };
        expect(verifier.problem({ ...record, headers: { [EVENT_SIGNATURE_HEADER]: signatures[i]! } })).toBeUndefined();
        // A signature is of its own record: another's does not verify.
        expect(verifier.problem({ ...record, headers: { [EVENT_SIGNATURE_HEADER]: signatures[(i + 1) % 3]! } })).toBeDefined();
      });
    } finally {
      await pool.close();
    }
  });

  it('fails a batch, and every later one, when its thread cannot start, instead of waiting for it for ever', async () => {
    const missing = pathToFileURL(join(dir, 'no-such-worker.js'));
    const pool = new SigningPool(key.privateKey, 1, missing);
    try {
      await expect(pool.sign('grid.events', [{ key: 'k', value: 'v', partition: 0 }])).rejects.toThrow(/signing thread/);
      await expect(pool.sign('grid.events', [{ key: 'k', value: 'v', partition: 0 }])).rejects.toThrow(/signing thread/);
    } finally {
      await pool.close();
    }
  });

  it('fails a batch whose thread exits while it signs', async () => {
    const exiting = join(dir, 'exiting-worker.mjs');
    writeFileSync(exiting, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => process.exit(7));\n");
    const pool = new SigningPool(key.privateKey, 1, pathToFileURL(exiting));
    try {
      await expect(pool.sign('grid.events', [{ key: 'k', value: 'v', partition: 0 }])).rejects.toThrow(/exited \(code 7\)/);
    } finally {
      await pool.close();
    }
  });
});
