import type { AreaTree } from '@gridgov/domain';
import {
  ApiError,
  createHttpServer,
  endWhenTokenExpires,
  type EdgeOptions,
  type HttpServerOptions,
  parseOr400,
  PUBLIC_ROUTE,
  requestActor,
} from '@gridgov/http';
import { isStoreUnavailable, type Redis, type StreamSlots } from '@gridgov/redis';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { z } from 'zod';
import { Directory, DirectoryData } from './directory.ts';
import type { NotifierStore } from './store.ts';

export interface NotifierAppDeps {
  readonly logger: Logger;
  readonly store: NotifierStore;
  /** A connection of its own for SSE (a subscribed connection does nothing else). */
  readonly subscriber: Redis;
  /** The per-user cap on open streams, counted over every instance (ADR 0020). */
  readonly streamSlots: StreamSlots;
  readonly areas: AreaTree;
  readonly directory: { get(): Directory; set(d: Directory): void };
  readonly ready: HttpServerOptions['ready'];
  readonly edge: EdgeOptions;
  readonly bodyLimit?: number;
  readonly timeouts?: HttpServerOptions['timeouts'];
  /** Metrics at GET /metrics (METRICS_TOKEN) and per-route counts (ADR 0026). */
  readonly observability?: HttpServerOptions['observability'];
}

export const InboxQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('Entries per page (1–100).'),
  cursor: z
    .string()
    .regex(/^\d{1,7}$/, 'a cursor is the `next` of the previous page')
    .optional()
    .describe('The `next` of the previous page.'),
});

export const ReadBody = z.union([
  z.object({ ids: z.array(z.string().min(1).max(128)).min(1).max(500) }).strict(),
  z.object({ all: z.literal(true) }).strict(),
]);

/** The notifier's API: the caller's own inbox (read, stream, mark read) and the directory (admins). */
export function buildNotifierApp(deps: NotifierAppDeps): FastifyInstance {
  const app = createHttpServer({
    logger: deps.logger,
    bodyLimit: deps.bodyLimit ?? 10 * 1024 * 1024,
    ready: deps.ready,
    dependencyOf: (err) => (isStoreUnavailable(err) ? 'store' : undefined),
    edge: deps.edge,
    ...(deps.timeouts ? { timeouts: deps.timeouts } : {}),
    ...(deps.observability ? { observability: deps.observability } : {}),
  });
  const { store } = deps;

  app.get('/v1/notifications', async (request) => {
    const actor = requestActor(request);
    const { limit, cursor } = parseOr400(InboxQuery, 'query', request.query);
    return store.inbox(actor.id, cursor ? Number(cursor) : 0, limit);
  });

  app.post('/v1/notifications/read', async (request) => {
    const actor = requestActor(request);
    const body = parseOr400(ReadBody, 'body', request.body);
    const unread = await store.markRead(actor.id, 'all' in body ? 'all' : body.ids);
    return { unread };
  });

  // SSE: `unread` first, then each `notification` and `unread` change of the caller's own inbox.
  const listeners = new Map<string, Set<(message: string) => void>>();
  // ioredis subscribes again by itself after a reconnection.
  deps.subscriber
    .psubscribe(store.keys.inboxChannelPattern())
    .catch((err: unknown) => deps.logger.error({ err }, 'inbox stream: subscribing failed'));
  deps.subscriber.on('pmessage', (_pattern: string, channel: string, message: string) => {
    for (const send of listeners.get(channel) ?? []) send(message);
  });
  app.get('/v1/notifications/stream', async (request, reply) => {
    const actor = requestActor(request);
    const channel = store.keys.inboxChannel(actor.id);
    const unread = await store.unreadCount(actor.id);
    const slots = deps.streamSlots;
    const taken = await slots.acquire(actor.id);
    if (!taken.ok) {
      request.log.warn({ userId: actor.id, open: taken.open, cap: slots.options.perUser }, 'inbox stream refused: too many open');
      throw new ApiError(
        429,
        'TOO_MANY_STREAMS',
        `this user has ${taken.open} inbox streams open, the most allowed (${slots.options.perUser}); close one first`,
        { open: taken.open, limit: slots.options.perUser },
        { 'retry-after': String(Math.max(1, Math.ceil(slots.options.leaseMs / 1000))) },
      );
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    const write = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    write('unread', { unread });
    const send = (message: string) => {
      const m = JSON.parse(message) as { type: string; item?: unknown; unread: number };
      if (m.type === 'notification') write('notification', m.item);
      write('unread', { unread: m.unread });
    };
    let set = listeners.get(channel);
    if (!set) listeners.set(channel, (set = new Set()));
    set.add(send);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    // The stream ends when its token would be refused elsewhere; the console reconnects with a fresh one (ADR 0020).
    const cancelExpiry = endWhenTokenExpires(request, (lastEvent) => {
      res.write(lastEvent);
      res.end();
    });
    request.raw.on('close', () => {
      clearInterval(ping);
      cancelExpiry();
      taken.slot.release();
      set.delete(send);
      if (set.size === 0) listeners.delete(channel);
    });
  });

  app.get('/v1/directory', (request) => {
    const actor = requestActor(request);
    if (actor.role !== 'admin') throw new ApiError(403, 'FORBIDDEN_ROLE', 'only an admin reads the directory');
    return deps.directory.get().data;
  });

  app.put('/v1/directory', (request) => {
    const actor = requestActor(request);
    if (actor.role !== 'admin') throw new ApiError(403, 'FORBIDDEN_ROLE', 'only an admin replaces the directory');
    const data = parseOr400(DirectoryData, 'body', request.body);
    let directory: Directory;
    try {
      directory = new Directory(data, deps.areas);
    } catch (err) {
      throw new ApiError(400, 'VALIDATION_FAILED', `body.${(err as Error).message}`);
    }
    deps.directory.set(directory);
    deps.logger.info({ by: actor.id, people: data.people.length, webhooks: data.webhooks.length }, 'directory replaced');
    return { people: data.people.length, webhooks: data.webhooks.length };
  });
  // Built on the first call: it depends on the schemas only (imported here late, as it imports this module's schemas).
  app.get('/openapi.json', { config: PUBLIC_ROUTE }, async () => (await import('./openapi.ts')).openApiDocument());
  return app;
}
