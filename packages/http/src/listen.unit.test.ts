import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listenHttp } from './server.ts';
import { testServer } from './test-support.ts';

/** Holds this thread, as a busy service's event loop is held: meanwhile nothing is accepted, the kernel queues. */
function holdThread(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Opens `count` connections while the server's thread is held (the handshakes are the kernel's: they complete into the
 * listen backlog without the server), and counts those connected within `withinMs`. A connection attempt the kernel
 * dropped because the backlog was full is sent again only after a second, so the count tells the backlog apart.
 */
async function burst(port: number, count: number, withinMs: number): Promise<{ connected: number; errors: number; sockets: Socket[] }> {
  const started = performance.now();
  let connected = 0;
  let errors = 0;
  const sockets = Array.from({ length: count }, () => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      if (performance.now() - started < withinMs) connected++;
    });
    socket.on('error', () => errors++);
    return socket;
  });
  // Node sends each SYN on the next turn of the loop; then the server is held, as a saturated service is.
  await new Promise((r) => setImmediate(r));
  holdThread(250);
  await new Promise((r) => setTimeout(r, Math.max(0, withinMs - (performance.now() - started))));
  return { connected, errors, sockets };
}

/**
 * A burst of new connections to a busy service (phones on a carrier's network, at 1,000 reports a second) waits in the
 * listen backlog rather than being dropped: with Node's own 511 the intake's backlog overflowed 23,547 times in one
 * bench run, the clients' attempts were retried seconds later, and 158 connections were reset.
 */
describe('listenHttp', () => {
  const apps: ReturnType<typeof testServer>[] = [];
  const open: Socket[] = [];
  afterEach(async () => {
    for (const s of open.splice(0)) s.destroy();
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  const server = async (backlog: number) => {
    const app = testServer();
    apps.push(app);
    await listenHttp(app, { host: '127.0.0.1', port: 0, backlog });
    return (app.server.address() as AddressInfo).port;
  };

  it('takes a burst past Node’s default backlog (511) while the server is held, with the backlog it is given', async () => {
    const port = await server(2048);
    const { connected, errors, sockets } = await burst(port, 900, 900);
    open.push(...sockets);
    expect(errors).toBe(0);
    expect(connected).toBe(900);
  });

  it('drops what is past a small backlog until the clients try again (so the burst above tells the backlog apart)', async () => {
    const port = await server(64);
    const { connected, sockets } = await burst(port, 300, 900);
    open.push(...sockets);
    // The accept queue holds backlog + 1; what the server accepted after the hold left room for a few more.
    expect(connected).toBeLessThan(200);
  });
});
