import { describe, expect, it } from 'vitest';
import { classifyUpload, scaledSize } from './upload.ts';

describe('photos on the phone', () => {
  it('scale the longer edge to 1600 px, never up', () => {
    expect(scaledSize(4032, 3024)).toEqual({ width: 1600, height: 1200 });
    expect(scaledSize(3024, 4032)).toEqual({ width: 1200, height: 1600 });
    expect(scaledSize(800, 600)).toEqual({ width: 800, height: 600 });
  });

  it('are retried as the outbox retries reports: network, 429 and 5xx again, a refused photo not', () => {
    expect(classifyUpload(201, { photo: { key: 'k'.repeat(32), sha256: 's'.repeat(64) } })).toEqual({
      kind: 'stored',
      photo: { key: 'k'.repeat(32), sha256: 's'.repeat(64) },
    });
    expect(classifyUpload(503, { error: { code: 'PHOTO_STORE_UNAVAILABLE', message: 'down' } }, '2')).toMatchObject({
      kind: 'retry',
      retryAfterMs: 2000,
    });
    expect(classifyUpload(429, { error: { code: 'TOO_MANY_PHOTOS', message: 'wait' } })).toMatchObject({ kind: 'retry' });
    expect(classifyUpload(400, { error: { code: 'PHOTO_REFUSED', message: 'body: a truncated JPEG' } })).toEqual({
      kind: 'rejected',
      message: 'PHOTO_REFUSED: body: a truncated JPEG',
    });
    expect(classifyUpload(201, {})).toMatchObject({ kind: 'retry' });
  });
});
