import { useEffect, useState } from 'react';
import type { ApiClient } from '../api/client.ts';
import { readEventStream, type StreamStatus } from '../api/sse.ts';
import type { FiguresAnswer, WindowKind } from '../api/types.ts';

export interface LiveFigures {
  readonly answer: FiguresAnswer | undefined;
  readonly status: StreamStatus;
  readonly error: string | undefined;
  readonly updatedAt: Date | undefined;
  /** Goes up by one each time the figures change: what depends on them (ranking, trend) reloads. */
  readonly changes: number;
}

/**
 * The figures of an area and window: read once from /v1/figures, then kept current from the server-sent
 * stream /v1/streams/figures (read with fetch, reconnecting with backoff).
 */
export function useLiveFigures(api: ApiClient, area: string, window: WindowKind): LiveFigures {
  const [live, setLive] = useState<LiveFigures>({
    answer: undefined,
    status: 'connecting',
    error: undefined,
    updatedAt: undefined,
    changes: 0,
  });

  useEffect(() => {
    const controller = new AbortController();
    const query = `area=${encodeURIComponent(area)}&window=${window}`;
    let last = '';
    const take = (answer: FiguresAnswer) => {
      const text = JSON.stringify(answer.figures);
      if (controller.signal.aborted || answer.area.code !== area || text === last) return;
      const changed = last !== '';
      last = text;
      setLive((l) => ({ ...l, answer, error: undefined, updatedAt: new Date(), changes: l.changes + (changed ? 1 : 0) }));
    };
    setLive((l) => ({ ...l, answer: undefined, status: 'connecting', error: undefined }));
    api.get<FiguresAnswer>('projection', `/v1/figures?${query}`, controller.signal).then(take, (err: unknown) => {
      if (!controller.signal.aborted) setLive((l) => ({ ...l, error: err instanceof Error ? err.message : String(err) }));
    });
    void readEventStream({
      url: api.url('projection', `/v1/streams/figures?${query}`),
      headers: api.headers(),
      signal: controller.signal,
      onEvent: (event) => {
        if (event.event === 'figures') take(JSON.parse(event.data) as FiguresAnswer);
      },
      onStatus: (status, detail) => {
        if (!controller.signal.aborted) setLive((l) => ({ ...l, status, error: detail ?? (status === 'live' ? undefined : l.error) }));
      },
      onUnauthorized: (message) => api.unauthorized(message),
    });
    return () => controller.abort();
  }, [api, area, window]);

  return live;
}
