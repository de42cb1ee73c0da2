import { createServer, type RequestListener, type Server, type ServerOptions } from 'node:http';

/** How long an HTTP server waits on a client, in ms (the shape of @gridgov/config's HttpTimeouts). */
export interface ServerTimeouts {
  readonly requestMs: number;
  readonly headersMs: number;
  readonly keepAliveMs: number;
  readonly idleMs: number;
}

/**
 * Node's own options for these timeouts. Node checks the request and header timeouts every
 * `connectionsCheckingInterval` (30 s by default): here at most a second, so that a slow upload is cut close to its
 * limit rather than up to 30 s after it.
 */
export function timeoutServerOptions(timeouts: ServerTimeouts): ServerOptions {
  return {
    requestTimeout: timeouts.requestMs,
    headersTimeout: Math.min(timeouts.headersMs, timeouts.requestMs),
    keepAliveTimeout: timeouts.keepAliveMs,
    connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(Math.min(timeouts.headersMs, timeouts.requestMs) / 2))),
  };
}

/**
 * An HTTP server that cuts slow clients: the whole request within `requestMs` (else 408 and the connection closed),
 * its headers within `headersMs`, idle keep-alive connections after `keepAliveMs`, and any connection on which nothing
 * moves for `idleMs`.
 */
export function createTimedHttpServer(timeouts: ServerTimeouts, listener: RequestListener): Server {
  const server = createServer(timeoutServerOptions(timeouts), listener);
  // No 'timeout' listener: Node destroys a socket idle for this long.
  server.setTimeout(timeouts.idleMs);
  return server;
}
