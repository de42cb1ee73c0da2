import { useEffect, useState } from 'react';
import { useApi } from '../api/context.tsx';
import { useI18n } from '../i18n/context.tsx';

/**
 * The photos of a case: each fetched with the bearer token (GET /v1/incidents/:id/photos/:key) and shown from a
 * blob: URL (the console's CSP allows img-src blob:). A photo the caller may not see answers 404 and is left out.
 */
export function PhotoStrip({
  incidentId,
  photos,
}: {
  incidentId: string;
  /** Each photo's key, and the step it was taken at when known (shown under it: 处置前 / 处置后 / 核查). */
  photos: { key: string; stage?: 'report' | 'resolution' | 'verification' }[];
}) {
  const api = useApi();
  const { t } = useI18n();
  const [urls, setUrls] = useState<Record<string, string | null>>({});
  const keys = photos.map((p) => p.key).join(',');

  useEffect(() => {
    const controller = new AbortController();
    const made: string[] = [];
    for (const key of keys ? keys.split(',') : []) {
      api
        .fetch('intake', `/v1/incidents/${encodeURIComponent(incidentId)}/photos/${encodeURIComponent(key)}`, { signal: controller.signal })
        .then(async (res) => {
          if (!res.ok) return setUrls((u) => ({ ...u, [key]: null }));
          const url = URL.createObjectURL(await res.blob());
          made.push(url);
          setUrls((u) => ({ ...u, [key]: url }));
        })
        .catch(() => setUrls((u) => ({ ...u, [key]: null })));
    }
    return () => {
      controller.abort();
      for (const url of made) URL.revokeObjectURL(url);
    };
  }, [api, incidentId, keys]);

  if (photos.length === 0) return null;
  return (
    <ul className="photo-strip" data-testid="photo-strip">
      {photos.map((p) => {
        const url = urls[p.key];
        return (
          <li key={p.key} data-stage={p.stage}>
            {url ? (
              <a href={url} target="_blank" rel="noreferrer">
                <img src={url} alt={t('photos.alt')} data-testid="case-photo" />
              </a>
            ) : (
              <span className="photo-placeholder">{url === null ? t('photos.unavailable') : t('photos.loading')}</span>
            )}
            {p.stage && <span className="photo-stage">{t(`photos.stage.${p.stage}`)}</span>}
          </li>
        );
      })}
    </ul>
  );
}
