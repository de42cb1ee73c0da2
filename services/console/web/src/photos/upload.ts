/**
 * Photos on the phone (ADR 0021): scaled down with a canvas to at most 1600 px as JPEG before upload, and uploaded
 * with retries like the outbox's reports: network failures, 429 and 5xx are tried again with the same backoff
 * (1 s doubling to 30 s, jittered); a 4xx that judges the photo stops and says why.
 */
import { classifyAnswer, retryDelayMs } from '../offline/outbox.ts';

/** What a command takes: the key and SHA-256 that POST /v1/photos answered. */
export interface PhotoRef {
  readonly key: string;
  readonly sha256: string;
}

export const MAX_EDGE_PX = 1600;
export const MAX_PHOTOS = 9;

/** The size a photo is scaled to: its longer edge at most `max`, never scaled up. */
export function scaledSize(width: number, height: number, max = MAX_EDGE_PX): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(width, height, 1));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** The picked file as a JPEG of at most 1600 px (the canvas applies the camera's orientation and drops EXIF). */
export async function downscale(file: Blob): Promise<Blob> {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const { width, height } = scaledSize(bitmap.width, bitmap.height);
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the photo could not be encoded'))), 'image/jpeg', 0.85),
  );
}

export type UploadTry =
  | { readonly kind: 'stored'; readonly photo: PhotoRef }
  | { readonly kind: 'rejected'; readonly message: string }
  | { readonly kind: 'retry'; readonly message: string; readonly retryAfterMs?: number }
  | { readonly kind: 'unauthorized'; readonly message: string };

/** Reads one answer of POST /v1/photos, the outbox's way. */
export function classifyUpload(status: number, body: unknown, retryAfter: string | null = null): UploadTry {
  if (status === 201) {
    const photo = (body as { photo?: { key?: unknown; sha256?: unknown } } | undefined)?.photo;
    if (typeof photo?.key === 'string' && typeof photo.sha256 === 'string')
      return { kind: 'stored', photo: { key: photo.key, sha256: photo.sha256 } };
    return { kind: 'retry', message: `unexpected answer ${status}` };
  }
  const answer = classifyAnswer(status, body, retryAfter);
  if (answer.kind === 'delivered') return { kind: 'retry', message: `unexpected answer ${status}` };
  return answer;
}

/**
 * Uploads until stored, refused or given up (`signal`): each failed try waits the outbox's backoff, and an offline
 * phone waits for the network to come back before it tries again.
 */
export async function uploadWithRetry(
  send: (blob: Blob) => Promise<UploadTry>,
  blob: Blob,
  onRetry: (attempts: number, message: string) => void,
  signal: AbortSignal,
): Promise<UploadTry> {
  for (let attempts = 1; ; attempts++) {
    const answer = await send(blob).catch((err: unknown): UploadTry => ({
      kind: 'retry',
      message: err instanceof Error ? err.message : String(err),
    }));
    if (answer.kind !== 'retry' || signal.aborted) return answer;
    onRetry(attempts, answer.message);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, answer.retryAfterMs ?? retryDelayMs(attempts));
      function done() {
        clearTimeout(timer);
        window.removeEventListener('online', done);
        signal.removeEventListener('abort', done);
        resolve();
      }
      window.addEventListener('online', done);
      signal.addEventListener('abort', done);
    });
    if (signal.aborted) return answer;
  }
}
