import { useState } from 'react';
import type { ApiClient } from '../api/client.ts';
import { useI18n } from '../i18n/context.tsx';

/**
 * One-click downloads of what a card shows: `path` is the JSON route (e.g. /v1/rankings) and `query` its query; the
 * buttons fetch `path.csv` and `path.xlsx` (ADR 0031). `extra` adds other files (a bulletin PDF).
 */
export function Downloads({
  api,
  path,
  query,
  name,
  extra = [],
}: {
  api: ApiClient;
  path: string;
  query: string;
  name: string;
  extra?: readonly { label: string; path: string; file: string; testId: string }[];
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const files = [
    { label: t('export.csv'), path: `${path}.csv?${query}`, file: `${name}.csv`, testId: `download-${name}-csv` },
    { label: t('export.xlsx'), path: `${path}.xlsx?${query}`, file: `${name}.xlsx`, testId: `download-${name}-xlsx` },
    ...extra,
  ];
  const download = (f: (typeof files)[number]) => {
    setBusy(true);
    setError(undefined);
    api
      .download('projection', f.path, f.file)
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)))
      .finally(() => setBusy(false));
  };
  return (
    <span className="downloads">
      {files.map((f) => (
        <button key={f.testId} type="button" className="secondary small" disabled={busy} onClick={() => download(f)} data-testid={f.testId}>
          {f.label}
        </button>
      ))}
      {error && (
        <small className="error" role="alert">
          {error}
        </small>
      )}
    </span>
  );
}
