import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import { freePort, startService } from './processes.ts';

describe('ports for the services a test starts', () => {
  it('never hands out the same port twice in one process, even when the first was never bound', async () => {
    const ports = [];
    for (let i = 0; i < 300; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
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
