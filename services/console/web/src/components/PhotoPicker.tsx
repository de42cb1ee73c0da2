import { useEffect, useRef, useState } from 'react';
import { useApi } from '../api/context.tsx';
import { useI18n } from '../i18n/context.tsx';
import { classifyUpload, downscale, MAX_PHOTOS, uploadWithRetry, type PhotoRef, type UploadTry } from '../photos/upload.ts';

export type { PhotoRef } from '../photos/upload.ts';

interface Pending {
  readonly id: number;
  readonly preview: string;
  readonly status: 'uploading' | 'waiting' | 'failed';
  readonly message?: string;
}

/**
 * Pick or take photos (JPEG, PNG, WebP), scaled on the phone to ≤ 1600 px JPEG and uploaded (POST /v1/photos) with
 * retries like the outbox's reports; `value` holds the uploaded ones, as a command takes them (at most 9).
 */
export function PhotoPicker({
  value,
  onChange,
  onBusy,
}: {
  value: PhotoRef[];
  onChange: (v: PhotoRef[]) => void;
  /** Told whether photos are still on their way (a form waits for them before it sends). */
  onBusy?: (busy: boolean) => void;
}) {
  const api = useApi();
  const { t } = useI18n();
  const [pending, setPending] = useState<Pending[]>([]);
  const [previews, setPreviews] = useState<Record<string, string>>({});
  const latest = useRef(value);
  latest.current = value;
  const aborter = useRef(new AbortController());
  const nextId = useRef(0);
  useEffect(() => {
    const controller = aborter.current;
    return () => controller.abort();
  }, []);

  const send = async (blob: Blob): Promise<UploadTry> => {
    const res = await api.fetch('intake', '/v1/photos', {
      method: 'POST',
      headers: { 'content-type': blob.type || 'image/jpeg' },
      body: blob,
    });
    const body: unknown = await res.json().catch(() => undefined);
    return classifyUpload(res.status, body, res.headers.get('retry-after'));
  };

  const add = async (file: File) => {
    const id = nextId.current++;
    const update = (patch: Partial<Pending>) => setPending((ps) => ps.map((p) => (p.id === id ? { ...p, ...patch } : p)));
    const preview = URL.createObjectURL(file);
    setPending((ps) => [...ps, { id, preview, status: 'uploading' }]);
    let blob: Blob;
    try {
      blob = await downscale(file);
    } catch {
      update({ status: 'failed', message: t('photos.notImage') });
      return;
    }
    const answer = await uploadWithRetry(send, blob, (_n, message) => update({ status: 'waiting', message }), aborter.current.signal);
    if (answer.kind === 'stored') {
      setPending((ps) => ps.filter((p) => p.id !== id));
      setPreviews((m) => ({ ...m, [answer.photo.key]: preview }));
      onChange([...latest.current, answer.photo]);
    } else {
      update({ status: 'failed', message: answer.message });
    }
  };

  const busy = pending.some((p) => p.status !== 'failed');
  useEffect(() => onBusy?.(busy), [busy, onBusy]);
  const room = MAX_PHOTOS - value.length - pending.filter((p) => p.status !== 'failed').length;
  return (
    <div className="photo-picker" data-testid="photo-picker">
      <ul className="photo-thumbs">
        {value.map((p) => (
          <li key={p.key} data-testid="photo-uploaded">
            {previews[p.key] ? <img src={previews[p.key]} alt="" /> : <span className="photo-placeholder" />}
            <button type="button" aria-label={t('photos.remove')} onClick={() => onChange(value.filter((v) => v.key !== p.key))}>
              ×
            </button>
          </li>
        ))}
        {pending.map((p) => (
          <li key={`pending-${p.id}`} className={`photo-${p.status}`} data-testid={`photo-${p.status}`} title={p.message}>
            <img src={p.preview} alt="" />
            <span className="photo-status">{t(`photos.${p.status}`)}</span>
            {p.status === 'failed' && (
              <button type="button" aria-label={t('photos.remove')} onClick={() => setPending((ps) => ps.filter((x) => x.id !== p.id))}>
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
      {room > 0 && (
        <label className="photo-add">
          {t('photos.add', { room })}
          <input
            type="file"
            name="photos"
            accept="image/jpeg,image/png,image/webp"
            capture="environment"
            multiple
            onChange={(e) => {
              for (const file of Array.from(e.target.files ?? []).slice(0, room)) void add(file);
              e.target.value = '';
            }}
          />
        </label>
      )}
    </div>
  );
}
