import {
  LONG_LIVED_ROUTE,
  ApiError,
  BAD_REQUEST,
  endWhenTokenExpires,
  errorAnswer,
  eventStreamAnswer,
  requestActor,
  type ZodTypeProvider,
} from '@gridgov/http';
import type { FastifyInstance } from 'fastify';
import type { ProjectionAppDeps } from '../deps.ts';
import { FigureWatches } from '../figure-stream.ts';
import { readFigures, todayInShanghai } from '../figures.ts';
import { StreamQueryParams, UnknownArea } from '../schemas.ts';
import { authorisedArea, confidentialScopeAllowed, resolveScope } from '../scope.ts';

const KEEP_ALIVE_MS = 15_000;

/** The string-valued headers set on the reply so far. */
const edgeHeaders = (headers: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])));

/**
 * Live figures over server-sent events (raw reply, no library). A stream ends when its token would be refused (a
 * `token-expired` event says so; the client reconnects with a fresh token), when the app closes, or when the client
 * goes. A user holds at most `stream.slots.options.perUser` streams over every instance (429 TOO_MANY_STREAMS); the
 * streams of one query share one read per change (FigureWatches).
 */
export function registerStreamRoutes(app: FastifyInstance, deps: ProjectionAppDeps): void {
  const open = new Set<{ end: () => void }>();
  const timing = { minIntervalMs: deps.stream.minIntervalMs, keepAliveMs: deps.stream.keepAliveMs ?? KEEP_ALIVE_MS };
  const watches = new FigureWatches((listener) => deps.changes.onChange(listener), timing, app.log);
  const slots = deps.stream.slots;

  // Before the server stops listening: an open stream would hold app.close() forever.
  app.addHook('preClose', (done) => {
    for (const stream of open) stream.end();
    done();
  });

  const schema = {
    summary: 'Live figures over server-sent events',
    description:
      'Sends `event: figures` with a FiguresAnswer at once and again whenever the figures change (at most every STREAM_MIN_INTERVAL_MS), and a `: keep-alive` comment every 15 s. ' +
      'The stream ends when its token would be refused: a last `event: token-expired` carries the error (UNAUTHENTICATED); reconnect with a fresh token. ' +
      'A user holds at most STREAMS_PER_USER streams open over every instance: beyond, 429 TOO_MANY_STREAMS.',
    querystring: StreamQueryParams,
    response: {
      200: eventStreamAnswer('An event stream; the data of each `figures` event is a FiguresAnswer (#/components/schemas/FiguresAnswer)'),
      400: BAD_REQUEST,
      404: UnknownArea,
      429: errorAnswer(
        'Rate limited (RATE_LIMITED), or the user already holds STREAMS_PER_USER streams open (TOO_MANY_STREAMS); Retry-After',
      ),
    },
  };
  app.withTypeProvider<ZodTypeProvider>().get('/v1/streams/figures', { schema, config: LONG_LIVED_ROUTE }, async (request, reply) => {
    const q = request.query;
    // Checked before the stream opens: once hijacked, an answer can no longer be an error.
    const area = confidentialScopeAllowed(deps, authorisedArea(deps, request, resolveScope(deps, q)), q);
    const actor = requestActor(request);
    const taken = await slots.acquire(actor.id);
    if (!taken.ok) {
      request.log.warn({ userId: actor.id, open: taken.open, cap: slots.options.perUser }, 'live stream refused: too many open');
      const retryAfter = String(Math.max(1, Math.ceil(slots.options.leaseMs / 1000)));
      throw new ApiError(
        429,
        'TOO_MANY_STREAMS',
        `this user has ${taken.open} live streams open, the most allowed (${slots.options.perUser}); close one first`,
        { open: taken.open, limit: slots.options.perUser },
        { 'retry-after': retryAfter },
      );
    }
    const { slot } = taken;
    // Today is read on every refresh: a stream of the day window rolls over at midnight.
    const read = () =>
      readFigures(deps.store, deps.areas, deps.partitions, {
        ...q,
        period: { kind: 'window', window: q.window, at: todayInShanghai(deps.clock()) },
      });
    // Everything the read depends on: the streams of one key share its reads.
    const key = JSON.stringify([area.code, q.window, q.category ?? null, q.department ?? null]);

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
    const write = (chunk: string) => {
      if (!res.writableEnded && !res.destroyed) res.write(chunk);
    };
    write('retry: 2000\n\n');
    const keepAlive = setInterval(() => write(': keep-alive\n\n'), timing.keepAliveMs);
    keepAlive.unref();

    // The stream ends when the token would be refused elsewhere: the last event says why.
    const cancelExpiry = endWhenTokenExpires(request, (lastEvent) => {
      write(lastEvent);
      res.end();
    });

    const unwatch = watches.watch(key, read, (text) => write(`event: figures\ndata: ${text}\n\n`));
    const handle = { end: () => res.end() };
    open.add(handle);
    let ended = false;
    const cleanUp = () => {
      if (ended) return;
      ended = true;
      clearInterval(keepAlive);
      cancelExpiry();
      unwatch();
      slot.release();
      open.delete(handle);
    };
    res.on('close', cleanUp);
    // A client gone before the listener was added: 'close' will not come again.
    if (res.destroyed || request.raw.destroyed) cleanUp();
    return reply;
  });
}
