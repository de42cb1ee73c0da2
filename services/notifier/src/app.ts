import type { AreaTree } from '@gridgov/domain';
import { InboxPage, NotifierAnswers, UnreadCount } from '@gridgov/contracts';
import {
  LONG_LIVED_ROUTE,
  ApiError,
  BAD_REQUEST,
  createHttpServer,
  endWhenTokenExpires,
  errorAnswer,
  eventStreamAnswer,
  jsonAnswer,
  type EdgeOptions,
  type HttpServerOptions,
  requestActor,
  type ZodTypeProvider,
} from '@gridgov/http';
import { isStoreUnavailable, type Redis, type StreamSlots } from '@gridgov/redis';
import type { FastifyInstance, FastifyRequest } from 'fastify';
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
    openApi: {
      title: 'notifier',
      description:
        "The in-app inbox of grid.notifications (port 8083): each caller sees only their own (the token's subject is the person of the directory), and the directory of people and webhooks (ADR 0022).",
      components: { ...NotifierAnswers, Directory: DirectoryData },
    },
  });
  // After the OpenAPI plugin (a register of its own): each route's schemas are in /openapi.json (ADR 0027).
  void app.register((api, _options, done) => {
    registerNotifierRoutes(api, deps);
    done();
  });
  return app;
}

const StoreAway = errorAnswer('Redis did not answer in time (STORE_UNAVAILABLE); Retry-After');
const DirectoryCounts = z.object({ people: z.number().int(), webhooks: z.number().int() });

/** Only an admin reads or replaces the directory: checked before the body is. */
const adminOnly = (what: string) => (request: FastifyRequest) =>
  new Promise<void>((resolve) => {
    if (requestActor(request).role !== 'admin') throw new ApiError(403, 'FORBIDDEN_ROLE', `only an admin ${what} the directory`);
    resolve();
  });

function registerNotifierRoutes(scope: FastifyInstance, deps: NotifierAppDeps): void {
  const app = scope.withTypeProvider<ZodTypeProvider>();
  const { store } = deps;

  const inboxSchema = {
    summary: "The caller's inbox, newest first, with the unread count; pass next as cursor for the next page",
    querystring: InboxQuery,
    response: { 200: jsonAnswer(InboxPage, 'A page of the inbox'), 400: BAD_REQUEST, 503: StoreAway },
  };
  app.get('/v1/notifications', { schema: inboxSchema }, async (request) => {
    const actor = requestActor(request);
    const { limit, cursor } = request.query;
    return store.inbox(actor.id, cursor ? Number(cursor) : 0, limit);
  });

  const readSchema = {
    summary: 'Marks entries of the caller read: {ids: [...]} or {all: true}; answers the unread count',
    body: ReadBody,
    response: { 200: jsonAnswer(UnreadCount, 'How many are still unread'), 400: BAD_REQUEST, 503: StoreAway },
  };
  app.post('/v1/notifications/read', { schema: readSchema }, async (request) => {
    const actor = requestActor(request);
    const { body } = request;
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
  const streamSchema = {
    summary: "Server-sent events of the caller's inbox: `unread` at once and on every change, `notification` for each new entry",
    response: {
      200: eventStreamAnswer(
        'An event stream: `unread` ({unread}), `notification` (an InboxItem), and `token-expired` last when the token ends',
      ),
      429: errorAnswer('The user already holds STREAMS_PER_USER streams open (TOO_MANY_STREAMS), or rate limited; Retry-After'),
      503: StoreAway,
    },
  };
  app.get('/v1/notifications/stream', { schema: streamSchema, config: LONG_LIVED_ROUTE }, async (request, reply) => {
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

  const directorySchema = {
    summary: 'The directory of people and webhooks now in use (admins)',
    response: { 200: jsonAnswer(DirectoryData, 'The directory') },
  };
  app.get('/v1/directory', { schema: directorySchema, preValidation: adminOnly('reads') }, () => deps.directory.get().data);

  const replaceSchema = {
    summary: 'Replaces the directory (admins), validated whole, until the next start (DIRECTORY_FILE then)',
    body: DirectoryData,
    response: { 200: jsonAnswer(DirectoryCounts, 'How many people and webhooks it holds now'), 400: BAD_REQUEST },
  };
  app.put('/v1/directory', { schema: replaceSchema, preValidation: adminOnly('replaces') }, (request) => {
    const actor = requestActor(request);
    const data = request.body;
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
}
