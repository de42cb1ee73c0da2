/** One server-sent event (the WHATWG event-stream format). */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
  readonly id: string | undefined;
}

/**
 * Parses an event stream fed in arbitrary chunks (lines may be split anywhere, CRLF, LF or CR).
 * Comments (`: keep-alive`) are dropped; `retry:` is kept for the reconnect delay.
 */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  private id: string | undefined;
  private sawCr = false;
  /** The last `retry:` the server sent, in ms. */
  retryMs: number | undefined;

  push(chunk: string): SseEvent[] {
    const out: SseEvent[] = [];
    let text = chunk;
    // A CR ending the previous chunk may be half of a CRLF.
    if (this.sawCr && text.startsWith('\n')) text = text.slice(1);
    this.sawCr = false;
    this.buffer += text;
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      if (!match) break;
      const line = this.buffer.slice(0, match.index);
      const end = match.index + match[0].length;
      if (match[0] === '\r' && end === this.buffer.length) this.sawCr = true;
      this.buffer = this.buffer.slice(end);
      const event = this.line(line);
      if (event) out.push(event);
    }
    return out;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = '';
        return undefined;
      }
      const event = { event: this.event || 'message', data: this.data.join('\n'), id: this.id };
      this.event = '';
      this.data = [];
      return event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.event = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break;
    }
    return undefined;
  }
}

/** Delay before reconnect attempt `n` (1, 2, …): doubling from `baseMs`, at most `maxMs`, with ±20% jitter. */
export function reconnectDelay(attempt: number, baseMs: number, maxMs = 30_000, random: () => number = Math.random): number {
  const plain = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(plain * (0.8 + 0.4 * random()));
}

/** `stopped`: the API refused the stream itself (a 4xx other than 401 and 429); asking again would not change that. */
export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'stopped';

/** The last event of a stream whose token expired (the API's house error in its data): reconnect with a fresh token. */
export const TOKEN_EXPIRED_EVENT = 'token-expired';

export interface EventStreamOptions {
  readonly url: string;
  /** Read again for every connection: a reconnect sends the token the console holds then. */
  readonly headers: () => Record<string, string>;
  readonly onEvent: (event: SseEvent) => void;
  readonly onStatus: (status: StreamStatus, detail?: string) => void;
  /** A 401: the token is no longer good; the stream stops. */
  readonly onUnauthorized: (message: string) => void;
  readonly signal: AbortSignal;
}

/**
 * Reads an event stream with fetch() (EventSource cannot send an Authorization header) and reconnects
 * with backoff whenever it ends or fails, until `signal` aborts. A 4xx other than 401/429 stops it too:
 * asking again would get the same answer. A stream the server ended because its token expired is opened again at once
 * with the headers of the moment (a fresh token, or a 401 that signs out).
 */
export async function readEventStream(options: EventStreamOptions): Promise<void> {
  const { signal } = options;
  let attempt = 0;
  let baseMs = 1000;
  /** The last stream ended for its token: a second such end in a row waits its backoff like any other. */
  let justExpired = false;
  while (!signal.aborted) {
    options.onStatus(attempt === 0 ? 'connecting' : 'reconnecting');
    const parser = new SseParser();
    try {
      const res = await fetch(options.url, { headers: { accept: 'text/event-stream', ...options.headers() }, signal, cache: 'no-store' });
      if (res.status === 401) {
        options.onUnauthorized(await messageOf(res));
        return;
      }
      if (res.status >= 400 && res.status < 500 && res.status !== 429) {
        options.onStatus('stopped', await messageOf(res));
        return;
      }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let opened = false;
      let expired = false;
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (!opened) {
          opened = true;
          attempt = 0;
          options.onStatus('live');
        }
        for (const event of parser.push(value)) {
          if (event.event === TOKEN_EXPIRED_EVENT) expired = true;
          else options.onEvent(event);
        }
      }
      if (expired && !justExpired) {
        justExpired = true;
        attempt = 0;
        continue;
      }
      justExpired = expired;
    } catch (err) {
      if (signal.aborted) return;
      options.onStatus('reconnecting', err instanceof Error ? err.message : String(err));
    }
    if (parser.retryMs !== undefined) baseMs = parser.retryMs;
    attempt += 1;
    await sleep(reconnectDelay(attempt, baseMs), signal);
  }
}

async function messageOf(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    return body.error?.message ?? `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
