import { useEffect, useState } from 'react';
import { ApiError } from '../api/client.ts';

export type Loaded<T> =
  | { readonly state: 'loading'; readonly data?: T }
  | { readonly state: 'ready'; readonly data: T }
  | { readonly state: 'error'; readonly error: ApiError; readonly data?: T };

/**
 * Runs `load` whenever `key` changes (and aborts the one before); the last data stays shown while the
 * next loads. Errors come back as ApiErrors (status 0 when the API could not be reached).
 */
export function useLoad<T>(key: string | undefined, load: (signal: AbortSignal) => Promise<T>): Loaded<T> {
  const [result, setResult] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    if (key === undefined) return;
    const controller = new AbortController();
    setResult((r) => (r.data === undefined ? { state: 'loading' } : { state: 'loading', data: r.data }));
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setResult({ state: 'ready', data });
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        const error = err instanceof ApiError ? err : new ApiError(0, 'ERROR', err instanceof Error ? err.message : String(err));
        setResult((r) => (r.data === undefined ? { state: 'error', error } : { state: 'error', error, data: r.data }));
      },
    );
    return () => controller.abort();
    // `load` is a fresh closure each render; `key` names what it loads.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return result;
}
