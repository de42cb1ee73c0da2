import { parseOr400 } from '@gridgov/http';
import type { FastifyInstance } from 'fastify';
import type { ProjectionAppDeps } from '../deps.ts';
import { FigureStream } from '../figure-stream.ts';
import { readFigures, todayInShanghai } from '../figures.ts';
import { StreamQueryParams } from '../schemas.ts';
import { authorisedArea, resolveScope } from '../scope.ts';

const KEEP_ALIVE_MS = 15_000;

/** The string-valued headers set on the reply so far. */
const edgeHeaders = (headers: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])));

/** Live figures over server-sent events (raw reply, no library); every stream ends when the app closes. */
export function registerStreamRoutes(app: FastifyInstance, deps: ProjectionAppDeps): void {
  const open = new Set<{ end: () => void }>();
  const timing = { minIntervalMs: deps.stream.minIntervalMs, keepAliveMs: deps.stream.keepAliveMs ?? KEEP_ALIVE_MS };

  // Before the server stops listening: an open stream would hold app.close() forever.
  app.addHook('preClose', (done) => {
    for (const stream of open) stream.end();
    done();
  });

  app.get('/v1/streams/figures', async (request, reply) => {
    const q = parseOr400(StreamQueryParams, 'query', request.query);
    // Checked before the stream opens: once hijacked, an answer can no longer be an error.
    authorisedArea(deps, request, resolveScope(deps, q));
    // Today is read on every refresh: a stream of the day window rolls over at midnight.
    const read = () =>
      readFigures(deps.store, deps.areas, deps.partitions, {
        ...q,
        period: { kind: 'window', window: q.window, at: todayInShanghai(deps.clock()) },
      });

    reply.hijack();
    const res = reply.raw;
    // A hijacked reply sends only what is written here: the edge's headers (security, CORS, request id) too.
    res.writeHead(200, {
      ...edgeHeaders(reply.getHeaders()),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const stream = new FigureStream(res, read, timing, request.log);
    const unsubscribe = deps.changes.onChange(() => stream.changed());
    const handle = { end: () => res.end() };
    open.add(handle);
    res.on('close', () => {
      stream.close();
      unsubscribe();
      open.delete(handle);
    });
    stream.start();
    return reply;
  });
}
