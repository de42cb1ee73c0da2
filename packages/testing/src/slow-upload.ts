import { connect } from 'node:net';

export interface SlowUploadOptions {
  readonly port: number;
  readonly host?: string;
  readonly method?: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Bytes the body announces (content-length) and would send, one at a time. */
  readonly bodyBytes: number;
  /** Pause between two bytes of the body. */
  readonly everyMs: number;
}

export interface SlowUploadResult {
  /** Whether the server closed the connection before the whole body was sent. */
  readonly cut: boolean;
  /** Bytes of the body sent before that. */
  readonly bytesSent: number;
  /** What the server wrote back, if anything (a 408, or the 401/404 it answered before the body was in). */
  readonly answer: string;
}

/**
 * A client that trickles a request body a byte at a time (a slow-loris upload): its headers at once, then one byte
 * every `everyMs`, until the server closes the connection (`cut`) or the whole body is sent (not cut: the server waited
 * for all of it).
 */
export function slowUpload(options: SlowUploadOptions): Promise<SlowUploadResult> {
  const { port, host = '127.0.0.1', method = 'POST', path, headers = {}, bodyBytes, everyMs } = options;
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host });
    let sent = 0;
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    let connected = false;
    const finish = (cut: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ cut, bytesSent: sent, answer });
    };
    const next = () => {
      if (done) return;
      if (sent >= bodyBytes) return finish(false);
      socket.write('x', (err) => {
        if (err) return finish(true);
        sent += 1;
        timer = setTimeout(next, everyMs);
      });
    };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    // Cut means closed by the server after it took the connection; a refused connection is a failure of the test.
    socket.on('close', () => (connected ? finish(true) : undefined));
    socket.on('error', (err) => {
      if (connected) finish(true);
      else if (!done) {
        done = true;
        reject(err);
      }
    });
    socket.once('connect', () => {
      connected = true;
      const head = Object.entries({
        host: `${host}:${port}`,
        'content-type': 'application/json',
        ...headers,
        'content-length': String(bodyBytes),
      })
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('');
      socket.write(`${method} ${path} HTTP/1.1\r\n${head}\r\n`, (err) => (err ? reject(err) : next()));
    });
  });
}
