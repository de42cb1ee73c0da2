/** A server for this package's tests: createHttpServer with a silent logger, always ready, and a token check. */
import { pino } from 'pino';
import type { EdgeOptions } from './edge.ts';
import { createHttpServer, type HttpServerOptions } from './server.ts';

/** The tests' token check: `Bearer good` is user u-1 in `role`; anything else is refused. */
export function goodTokenOnly(role: 'admin' | 'leader' = 'admin'): EdgeOptions['authenticate'] {
  return (header) =>
    header === 'Bearer good' ? { ok: true, actor: { id: 'u-1', role } } : { ok: false, problem: 'headers.authorization: bad' };
}

/** createHttpServer with the tests' defaults (no token accepted unless `edge` says otherwise); any option overrides them. */
export function testServer(options: Partial<HttpServerOptions> = {}) {
  return createHttpServer({
    logger: pino({ level: 'silent' }),
    ready: () => Promise.resolve(true),
    openApi: { title: 'test', description: 'A server of the tests' },
    edge: { authenticate: () => ({ ok: false, problem: 'no tokens here' }) },
    ...options,
  });
}
