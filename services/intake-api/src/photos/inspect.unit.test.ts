import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { judgePhoto } from './inspect.ts';
import { withGpsExif } from './test-support.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const JPEG = fixture('python.jpg');
const PNG = fixture('python.png');
const WEBP = fixture('python.webp');

describe('judgePhoto', () => {
  it('knows JPEG, PNG and WebP by their bytes and keeps them as they are when they hold no metadata', () => {
    for (const [bytes, type] of [
      [JPEG, 'image/jpeg'],
      [WEBP, 'image/webp'],
    ] as const) {
      const judged = judgePhoto(bytes);
      expect(judged).toMatchObject({ ok: true, contentType: type, strippedBlocks: 0 });
      if (judged.ok) expect(judged.bytes.equals(bytes)).toBe(true);
    }
  });

  it('takes the text chunks out of a PNG (XMP travels in them) and keeps a PNG that ends with IEND', () => {
    expect(PNG.toString('latin1')).toContain('tEXt');
    const judged = judgePhoto(PNG);
    expect(judged).toMatchObject({ ok: true, contentType: 'image/png', strippedBlocks: 2 });
    if (!judged.ok) return;
    expect(judged.bytes.toString('latin1')).not.toContain('tEXt');
    expect(judgePhoto(judged.bytes)).toMatchObject({ ok: true, strippedBlocks: 0 });
  });

  it('takes the EXIF block (with its GPS position) out of a JPEG, and the rest stays a whole JPEG', () => {
    const judged = judgePhoto(withGpsExif(JPEG));
    expect(judged).toMatchObject({ ok: true, contentType: 'image/jpeg', strippedBlocks: 1 });
    if (!judged.ok) return;
    expect(judged.bytes.toString('latin1')).not.toContain('GPS');
    expect(judged.bytes.equals(JPEG)).toBe(true);
  });

  it('refuses what is not a whole photo, whatever it claims to be', () => {
    const refused = (bytes: Buffer) => {
      const judged = judgePhoto(bytes);
      return judged.ok ? 'accepted' : judged.reason;
    };
    expect(refused(Buffer.alloc(0))).toBe('the body is empty');
    expect(refused(Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n'))).toMatch(/not a JPEG, PNG or WebP/);
    expect(refused(JPEG.subarray(0, JPEG.length - 40))).toMatch(/truncated JPEG/);
    expect(refused(JPEG.subarray(0, 30))).toMatch(/truncated JPEG/);
    expect(refused(Buffer.from([0xff, 0xd8, 0xff, 0xd9]))).toMatch(/JPEG/);
    expect(refused(PNG.subarray(0, PNG.length - 12))).toMatch(/truncated PNG/);
    expect(refused(WEBP.subarray(0, WEBP.length - 10))).toMatch(/truncated WebP/);
  });
});
