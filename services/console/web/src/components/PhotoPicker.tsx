import { useState } from 'react';
import { useI18n } from '../i18n/context.tsx';

/** A stored photo as commands carry it (POST /v1/photos answers it). */
export interface PhotoRef {
  readonly key: string;
  readonly sha256: string;
}

/**
 * Minimal stand-in with the contract's name and props (the photos helper's PhotoPicker replaces it on merge): picks
 * images and uploads each to POST /v1/photos, adding what the API answers. No downscaling nor retry here.
 */
export function PhotoPicker({
  value,
  onChange,
  upload,
}: {
  value: PhotoRef[];
  onChange: (v: PhotoRef[]) => void;
  /** How a picked file is uploaded; without it, picking is not offered. */
  upload?: (file: File) => Promise<PhotoRef>;
}) {
  const { t } = useI18n();
  const [error, setError] = useState<string | undefined>();
  if (!upload) return null;
  return (
    <label className="photo-picker">
      {t('photos.pick', { count: value.length })}
      <input
        type="file"
        accept="image/jpeg,image/png,image/webp"
        multiple
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          void Promise.all(files.map(upload)).then(
            (refs) => {
              setError(undefined);
              onChange([...value, ...refs].slice(0, 9));
            },
            (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
          );
        }}
      />
      {error && <span className="error">{error}</span>}
    </label>
  );
}
