import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createTimedHttpServer, type Logger, type ServerTimeouts } from '@gridgov/runtime';
import { isHashedAsset, resolvePath } from './paths.ts';
import type { Site, SiteFile } from './site.ts';

/** What the page reads at /config.json: the APIs it calls, straight from the browser (ADR 0007). */
export interface BrowserConfig {
  readonly intakeUrl: string;
  readonly projectionUrl: string;
  /** The notifier's inbox API (the bell and the inbox page). */
  readonly notifierUrl: string;
}

export interface ConsoleServerOptions {
  readonly site: Site;
  readonly browser: BrowserConfig;
  readonly logger: Logger;
  /** How long a client may take (HTTP_*_TIMEOUT_MS). */
  readonly timeouts: ServerTimeouts;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/** The page may load its own files and call the APIs (intake, projection, notifier), nothing else; ECharts' tooltips need inline styles. */
export function contentSecurityPolicy(browser: BrowserConfig): string {
  const apis = [...new Set([browser.intakeUrl, browser.projectionUrl, browser.notifierUrl].map((u) => new URL(u).origin))].join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    // blob:: a case's photos, fetched with the bearer token (PhotoStrip), and the picker's previews.
    "img-src 'self' data: blob:",
    `connect-src 'self' ${apis}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * The console's HTTP server: the built site from memory, /config.json, the probes; nothing else (no API
 * proxying: the browser calls intake-api and projection itself).
 */
export function createConsoleServer(options: ConsoleServerOptions): Server {
  const { site, logger } = options;
  const csp = contentSecurityPolicy(options.browser);
  const configBody = Buffer.from(JSON.stringify(options.browser));
  const common = {
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
  };

  const handle = (req: IncomingMessage, res: ServerResponse): number => {
    for (const [k, v] of Object.entries(common)) res.setHeader(k, v);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendError(res, 405, 'METHOD_NOT_ALLOWED', `method ${req.method ?? '?'} is not allowed here: GET or HEAD`, {
        allow: 'GET, HEAD',
      });
    }
    const resolved = resolvePath(req.url ?? '', (path) => site.has(path));
    switch (resolved.kind) {
      case 'bad-request':
        return sendError(res, 400, 'BAD_PATH', `path: ${resolved.reason}`);
      case 'not-found':
        return sendError(res, 404, 'NOT_FOUND', `path: nothing at ${resolved.path}`);
      case 'health':
        return sendBody(req, res, 200, Buffer.from('{"status":"ok"}'), {
          'content-type': 'application/json; charset=utf-8',
          'cache-control': 'no-store',
        });
      case 'config':
        return sendBody(req, res, 200, configBody, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      case 'app':
        return sendFile(req, res, site.get('/index.html')!, REVALIDATE, csp);
      case 'file': {
        const file = site.get(resolved.path)!;
        return sendFile(
          req,
          res,
          file,
          isHashedAsset(resolved.path) ? IMMUTABLE : REVALIDATE,
          file.contentType.startsWith('text/html') ? csp : undefined,
        );
      }
      default: {
        const unknown: never = resolved;
        throw new Error(`unhandled resolution ${JSON.stringify(unknown)}`);
      }
    }
  };

  return createTimedHttpServer(options.timeouts, (req, res) => {
    const started = process.hrtime.bigint();
    let status: number;
    try {
      status = handle(req, res);
    } catch (err) {
      logger.error({ err, url: req.url }, 'request failed');
      status = res.headersSent ? res.statusCode : sendError(res, 500, 'INTERNAL', 'internal error');
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const line = { method: req.method, url: req.url, status, ms: Math.round(ms * 10) / 10 };
    if (status >= 400) logger.info(line, 'request');
    else logger.debug(line, 'request');
  });
}

function sendFile(req: IncomingMessage, res: ServerResponse, file: SiteFile, cacheControl: string, csp: string | undefined): number {
  const headers: Record<string, string> = {
    'content-type': file.contentType,
    'cache-control': cacheControl,
    etag: file.etag,
    vary: 'accept-encoding',
  };
  if (csp) headers['content-security-policy'] = csp;
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, headers);
    res.end();
    return 304;
  }
  const gzip = file.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? '')) ? file.gzip : undefined;
  if (gzip) headers['content-encoding'] = 'gzip';
  return sendBody(req, res, 200, gzip ?? file.body, headers);
}

function sendBody(req: IncomingMessage, res: ServerResponse, status: number, body: Buffer, headers: Record<string, string>): number {
  res.writeHead(status, { ...headers, 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
  return status;
}

/** Errors in the APIs' one shape. */
function sendError(res: ServerResponse, status: number, code: string, message: string, extra: Record<string, string> = {}): number {
  const body = Buffer.from(JSON.stringify({ error: { code, message } }));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': String(body.length),
    ...extra,
  });
  res.end(body);
  return status;
}
