import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimPort, freePort, startService } from './processes.ts';

/** Where claimPort keeps its claims; a claim file holds its claimant's pid. */
function writeClaim(port: number, pid: number): void {
  const dir = join(tmpdir(), 'gridgov-test-ports');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, String(port)), String(pid));
}

describe('ports for the services a test starts', () => {
  it('never hands out the same port twice in one process, even when the first was never bound', async () => {
    const ports = [];
    for (let i = 0; i < 300; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('does not hand out a port another test process still running has claimed (test files side by side)', async () => {
    const port = await freePort();
    expect(claimPort(port)).toBe(false);
    // The vitest run that started this worker stands in for a worker beside it.
    const other = 20_000 + (process.pid % 9_000);
    writeClaim(other, process.ppid);
    expect(claimPort(other)).toBe(false);
  });

  it('takes over the claim of a test process that has ended', () => {
    const gone = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    const port = 30_000 + (process.pid % 2_000);
    writeClaim(port, gone);
    expect(claimPort(port)).toBe(true);
    expect(claimPort(port)).toBe(false);
  });

  it('refuses to start a service on a port another server answers on, rather than take that server for it', async () => {
    const other = createServer((_req, res) => res.end('{"status":"ok"}'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const address = other.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      await expect(startService('console', { PORT: String(port) })).rejects.toThrow(`console: port ${port} already answers HTTP`);
    } finally {
      other.close();
    }
  });
});
