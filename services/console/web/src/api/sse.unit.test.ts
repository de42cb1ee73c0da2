import { afterEach, describe, expect, it, vi } from 'vitest';
import { readEventStream, reconnectDelay, SseParser, type SseEvent } from './sse.ts';

describe('the event-stream parser', () => {
  it('reads the projection stream: retry, a figures event, keep-alive comments', () => {
    const parser = new SseParser();
    const events = parser.push('retry: 2000\n\nevent: figures\ndata: {"figures":{"reported":1}}\n\n: keep-alive\n\n');
    expect(events).toEqual([{ event: 'figures', data: '{"figures":{"reported":1}}', id: undefined }]);
    expect(parser.retryMs).toBe(2000);
  });

  it('puts together events split anywhere across chunks', () => {
    const text = 'event: figures\ndata: {"a":1}\n\nevent: figures\ndata: {"a":2}\n\n';
    for (let size = 1; size <= text.length; size++) {
      const parser = new SseParser();
      const events = [];
      for (let i = 0; i < text.length; i += size) events.push(...parser.push(text.slice(i, i + size)));
      expect(events.map((e) => e.data)).toEqual(['{"a":1}', '{"a":2}']);
    }
  });

  it('takes CRLF and CR line ends, a CRLF split between chunks too', () => {
    const parser = new SseParser();
    expect(parser.push('event: x\r\ndata: 1\r')).toEqual([]);
    expect(parser.push('\n\r\n')).toEqual([{ event: 'x', data: '1', id: undefined }]);
    expect(parser.push('data: 2\r\r')).toEqual([{ event: 'message', data: '2', id: undefined }]);
  });

  it('joins data lines with newlines, keeps the last id, ignores unknown fields and blocks without data', () => {
    const parser = new SseParser();
    expect(parser.push('id: 7\nfoo: bar\ndata: a\ndata:b\ndata\n\nevent: lonely\n\n')).toEqual([
      { event: 'message', data: 'a\nb\n', id: '7' },
    ]);
    expect(parser.push('data: next\n\n')).toEqual([{ event: 'message', data: 'next', id: '7' }]);
  });

  it('reconnects after 1, 2, 4… s, never more than 30 s apart', () => {
    expect([1, 2, 3, 6, 10].map((n) => reconnectDelay(n, 1000, 30_000, () => 0.5))).toEqual([1000, 2000, 4000, 30000, 30000]);
    expect(reconnectDelay(1, 2000, 30_000, () => 0)).toBe(1600);
  });
});

describe('reading a stream', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('reconnects at once with the token held then when the server ends the stream for its expired token', async () => {
    const asked: string[] = [];
    const answers = [
      new Response('retry: 2000\n\nevent: figures\ndata: {"n":1}\n\nevent: token-expired\ndata: {"error":{"code":"UNAUTHENTICATED"}}\n\n', {
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
      }),
      new Response('{"error":{"code":"UNAUTHENTICATED","message":"headers.authorization: the token expired"}}', { status: 401 }),
    ];
    vi.stubGlobal('fetch', (_url: string, init: RequestInit) => {
      asked.push((init.headers as Record<string, string>)['authorization']!);
      return Promise.resolve(answers.shift()!);
    });
    let token = 'first';
    const events: SseEvent[] = [];
    const unauthorized: string[] = [];
    await readEventStream({
      url: 'http://projection/v1/streams/figures?area=440705',
      headers: () => ({ authorization: `Bearer ${token}` }),
      onEvent: (e) => {
        events.push(e);
        token = 'second';
      },
      onStatus: () => undefined,
      onUnauthorized: (message) => unauthorized.push(message),
      signal: new AbortController().signal,
    });
    // The expiry is not an event for the page; the reconnect carries the token of the moment, and its 401 signs out.
    expect(events.map((e) => e.event)).toEqual(['figures']);
    expect(asked).toEqual(['Bearer first', 'Bearer second']);
    expect(unauthorized).toEqual(['headers.authorization: the token expired']);
  });
});
