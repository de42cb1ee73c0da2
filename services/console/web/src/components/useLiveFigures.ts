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

/** What the leader asks for: a window holding today or a range of local dates, and a category and/or department. */
export interface FigureQuery {
  readonly window: WindowKind | 'range';
  readonly from: string;
  readonly to: string;
  readonly category: string;
  readonly department: string;
}

/** The scope's query parameters (`&category=…&department=…`, either, both or none). */
export const scopeParams = (q: FigureQuery): string =>
  `${q.category ? `&category=${encodeURIComponent(q.category)}` : ''}${q.department ? `&department=${encodeURIComponent(q.department)}` : ''}`;

/** The period's query parameters: `window=…`, or `from=…&to=…` for a range. */
export const periodParams = (q: FigureQuery): string => (q.window === 'range' ? `from=${q.from}&to=${q.to}` : `window=${q.window}`);

/**
 * The figures of an area, period and scope: read once from /v1/figures, then kept current from the server-sent
 * stream /v1/streams/figures (read with fetch, reconnecting with backoff). The stream serves windows; for a range it
 * says when the figures changed (its window is all time) and the range is read again.
 */
export function useLiveFigures(api: ApiClient, area: string, q: FigureQuery): LiveFigures {
  const [live, setLive] = useState<LiveFigures>({
    answer: undefined,
    status: 'connecting',
    error: undefined,
    updatedAt: undefined,
    changes: 0,
  });

  const { window, from, to, category, department } = q;
  useEffect(() => {
    const controller = new AbortController();
    const asked: FigureQuery = { window, from, to, category, department };
    const base = `area=${encodeURIComponent(area)}${scopeParams(asked)}`;
    const query = `${base}&${periodParams(asked)}`;
    let last = '';
    const take = (answer: FiguresAnswer) => {
      const text = JSON.stringify(answer.figures);
      if (controller.signal.aborted || answer.area.code !== area || text === last) return;
      const changed = last !== '';
      last = text;
      setLive((l) => ({ ...l, answer, error: undefined, updatedAt: new Date(), changes: l.changes + (changed ? 1 : 0) }));
    };
    const read = () =>
      api.get<FiguresAnswer>('projection', `/v1/figures?${query}`, controller.signal).then(take, (err: unknown) => {
        if (!controller.signal.aborted) setLive((l) => ({ ...l, error: err instanceof Error ? err.message : String(err) }));
      });
    setLive((l) => ({ ...l, answer: undefined, status: 'connecting', error: undefined }));
    void read();
    void readEventStream({
      url: api.url('projection', `/v1/streams/figures?${base}&window=${window === 'range' ? 'all' : window}`),
      headers: () => api.headers(),
      signal: controller.signal,
      onEvent: (event) => {
        if (event.event !== 'figures') return;
        if (window === 'range') void read();
        else take(JSON.parse(event.data) as FiguresAnswer);
      },
      onStatus: (status, detail) => {
        if (!controller.signal.aborted) setLive((l) => ({ ...l, status, error: detail ?? (status === 'live' ? undefined : l.error) }));
      },
      onUnauthorized: (message) => api.unauthorized(message),
    });
    return () => controller.abort();
  }, [api, area, window, from, to, category, department]);

  return live;
}
