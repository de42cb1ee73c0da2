import http from 'node:http';
import https from 'node:https';

/** What a request got: the status and the body as text, or status 0 and the error's code when no answer came. */
export interface HttpAnswer {
  readonly status: number;
  readonly text: string;
  /** Why there is no answer (status 0): the error's code, e.g. ECONNRESET. */
  readonly error?: string;
}

/** Requests over kept-alive connections (see `keptAliveClient`). */
export interface KeptAliveClient {
  /** Never rejects: a request that got no answer resolves with status 0 and the error's code. */
  request(method: 'GET' | 'POST', url: string | URL, headers?: http.OutgoingHttpHeaders, body?: string): Promise<HttpAnswer>;
  /** Closes the kept connections; requests still open end with an error. */
  close(): void;
}

/**
 * A load generator's HTTP client: node:http with kept-alive connections, not fetch. A load generator shares the machine
 * with what it measures, and fetch costs it about twice the CPU a request (docs/performance.md, "The bench's own
 * share"). http and https alike, each with its own agent.
 */
export function keptAliveClient(): KeptAliveClient {
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  return {
    request: (method, url, headers = {}, body) =>
      new Promise<HttpAnswer>((resolve) => {
        const target = typeof url === 'string' ? new URL(url) : url;
        const secure = target.protocol === 'https:';
        const sent = body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) };
        const noAnswer = (err: NodeJS.ErrnoException) => resolve({ status: 0, text: '', error: err.code ?? err.name });
        const answered = (res: http.IncomingMessage) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
          res.on('error', noAnswer);
        };
        const options = { method, headers: sent };
        const request = secure
          ? https.request(target, { ...options, agent: agents.https }, answered)
          : http.request(target, { ...options, agent: agents.http }, answered);
        request.on('error', noAnswer);
        request.end(body);
      }),
    close: () => {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
