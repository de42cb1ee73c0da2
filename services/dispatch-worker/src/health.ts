import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTimedHttpServer, type Logger, type Readiness, type ServerTimeouts } from '@gridgov/runtime';
import { scrapeAllowed, type ServiceMetrics } from '@gridgov/telemetry';

export interface HealthServerOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  /** Whether the worker can do its work now: its dependencies answer (ReadinessProbes, cached briefly). */
  readonly ready: () => Promise<Readiness>;
  /** How long a client may take (HTTP_*_TIMEOUT_MS). */
  readonly timeouts: ServerTimeouts;
  /** Served at GET /metrics (ADR 0026); left out, /metrics is 404. */
  readonly metrics?: ServiceMetrics;
  /** When set, GET /metrics wants `Authorization: Bearer <METRICS_TOKEN>`. */
  readonly metricsToken?: string | undefined;
}

/**
 * The worker's HTTP port: GET /healthz (the process answers), GET /readyz (Kafka and Redis answer) and GET /metrics
 * (Prometheus); nothing else.
 */
export class HealthServer {
  private readonly server: Server;

  constructor(private readonly options: HealthServerOptions) {
    this.server = createTimedHttpServer(options.timeouts, (req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const send = (status: number, body: unknown) => {
        res.writeHead(status, {
          'content-type': 'application/json; charset=utf-8',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        });
        res.end(JSON.stringify(body));
      };
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return send(405, { error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} is not served here` } });
      if (path === '/healthz') return send(200, { status: 'ok' });
      if (path === '/readyz') {
        options.ready().then(
          (r) =>
            send(r.ready ? 200 : 503, {
              status: r.ready ? 'ready' : 'not ready',
              // Up or down only: why is in the log.
              dependencies: Object.fromEntries(Object.entries(r.dependencies).map(([name, d]) => [name, d.ok ? 'up' : 'down'])),
            }),
          () => send(503, { status: 'not ready' }),
        );
        return;
      }
      const { metrics } = options;
      if (path === '/metrics' && metrics) {
        if (!scrapeAllowed(options.metricsToken, req.headers.authorization)) {
          res.setHeader('www-authenticate', 'Bearer realm="metrics"');
          return send(401, {
            error: { code: 'UNAUTHENTICATED', message: 'headers.authorization: /metrics wants the bearer token METRICS_TOKEN' },
          });
        }
        metrics.exposition().then(
          ({ contentType, body }) => {
            res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
            res.end(body);
          },
          (err: unknown) => {
            options.logger.warn({ err }, 'metrics could not be collected');
            send(503, { error: { code: 'METRICS_UNAVAILABLE', message: 'metrics could not be collected: see the log' } });
          },
        );
        return;
      }
      return send(404, { error: { code: 'NOT_FOUND', message: `no route ${req.method} ${path}` } });
    });
  }

  /** Listens; resolves with the address. A port in use fails the start. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const address = this.server.address() as AddressInfo;
    return `http://${address.address}:${address.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
